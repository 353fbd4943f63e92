package org.tarflow.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.tarflow.data.Seeds;
import org.tarflow.flow.Denoise;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Draws samples and redraws those that come out with a NaN or an infinity, as the reference's
 * {@code evaluate_fid.py} does (it draws the whole batch again with fresh noise until no sample has a NaN).
 * Here only the failed samples are redrawn, each with fresh noise and its own label: since the samples of
 * a batch are independent, the accepted samples have the same distribution either way (each is a draw
 * conditioned on being finite), and the work is smaller. Every failed draw is recorded, and the attempts
 * per sample are bounded, so that a model that only produces NaN fails with a clear error (or, if asked,
 * keeps its last draw and says which samples are not finite).
 *
 * <p>For evaluation ({@link #GuardedSampler(Flow, Denoiser, DType, int, int, long)}), sample i's noise on
 * attempt a comes from {@code Seeds.stream(seed, EVAL_SAMPLES, i·MAX_ATTEMPTS + a)}, so a sample does not
 * depend on the batch it was drawn in. With denoising, a sample counts as finite only if both the raw and
 * the denoised image are.
 */
public final class GuardedSampler {
    /** Attempts per sample before giving up. */
    public static final int MAX_ATTEMPTS = 20;

    /** Maps prior noise (B, T, D) and labels to images (B, C, H, W), unclipped. */
    @FunctionalInterface
    public interface Flow {
        /**
         * {@return images (B, C, H, W), unclipped}
         *
         * @param noise  (B, T, D) standard normal
         * @param labels (B) labels, or null
         */
        Tensor sample(Tensor noise, int[] labels);
    }

    /** Maps raw samples and their labels to denoised samples. */
    @FunctionalInterface
    public interface Denoiser {
        /**
         * {@return the denoised images, shaped like {@code x}}
         *
         * @param x      (B, C, H, W) raw samples, unclipped
         * @param labels (B) their labels, or null
         */
        Tensor apply(Tensor x, int[] labels);
    }

    /** The prior noise of the samples drawn on one attempt. */
    @FunctionalInterface
    public interface NoiseSource {
        /**
         * {@return (m, T, D) standard normal noise, row r for sample {@code samples[r]}} The same (sample,
         * attempt) must give the same noise whatever else is drawn with it, so that a failed draw can be
         * repeated (to diagnose it) and a sample does not depend on its batch.
         *
         * @param samples the stream indices of the samples, m ≥ 1 of them
         * @param attempt 0 for the first draw, then 1, 2, ... for the redraws
         */
        Tensor noise(long[] samples, int attempt);
    }

    /**
     * A draw that came out with a NaN or an infinity (in the raw or the denoised image).
     *
     * @param sample  the sample's stream index
     * @param attempt the attempt, 0 for the first draw
     */
    public record Failure(long sample, int attempt) {
    }

    /**
     * The samples.
     *
     * @param raw       (N, ...) the samples, clipped to [-1, 1] if the sampler clips
     * @param denoised  the same samples after the denoising step, likewise; null without denoising
     * @param failures  every draw that came out non-finite, in the order they were drawn
     * @param nonFinite the samples (0..N-1, ascending) kept although not finite: empty unless the sampler
     *                  keeps them, else those whose last allowed attempt failed too
     * @param sampleSeconds  time spent in the flow's inverse, redraws included
     * @param denoiseSeconds time spent in the denoising step, redraws included
     */
    public record Draw(Tensor raw, Tensor denoised, List<Failure> failures, int[] nonFinite, double sampleSeconds,
                       double denoiseSeconds) {
        /** {@return how many draws were thrown away for a non-finite value and drawn again} */
        public int redrawn() {
            return failures.size() - nonFinite.length;
        }
    }

    /** Thrown when samples are still not finite after the allowed attempts. */
    public static final class NonFiniteSamplesException extends IllegalStateException {
        private static final long serialVersionUID = 1L;
        private final transient List<Failure> failures;

        NonFiniteSamplesException(String message, List<Failure> failures) {
            super(message);
            this.failures = List.copyOf(failures);
        }

        /** {@return every non-finite draw, in the order they were drawn} */
        public List<Failure> failures() {
            return failures;
        }
    }

    private final Flow flow;
    private final Denoiser denoiser;
    private final NoiseSource noise;
    private final int maxAttempts;
    private final boolean keepNonFinite;
    private final boolean clip;

    /**
     * The evaluation's sampler: noise from the {@code Seeds.EVAL_SAMPLES} streams, {@link #MAX_ATTEMPTS}
     * attempts, images clipped to [-1, 1], failure after the last attempt.
     *
     * @param flow     maps prior noise to images
     * @param denoiser null for no denoising
     * @param dtype    of the prior noise (the model's)
     * @param tokens   T of the prior noise
     * @param tokenDim D of the prior noise
     * @param seed     seed of the prior noise
     */
    public GuardedSampler(Flow flow, Denoiser denoiser, DType dtype, int tokens, int tokenDim, long seed) {
        this(flow, denoiser, streams(dtype, tokens, tokenDim, seed, Seeds.EVAL_SAMPLES, MAX_ATTEMPTS), MAX_ATTEMPTS,
                false, true);
    }

    /**
     * A sampler with its own noise and bounds.
     *
     * @param flow          maps prior noise to samples
     * @param denoiser      null for no denoising
     * @param noise         the prior noise of each (sample, attempt)
     * @param maxAttempts   draws per sample at most, ≥ 1 (1: no redraw)
     * @param keepNonFinite after the last attempt keep a non-finite draw (and list it in
     *                      {@link Draw#nonFinite}) instead of throwing
     * @param clip          clip the samples to [-1, 1] (images), else keep them as drawn (sequences)
     * @throws IllegalArgumentException if {@code maxAttempts} &lt; 1
     */
    public GuardedSampler(Flow flow, Denoiser denoiser, NoiseSource noise, int maxAttempts, boolean keepNonFinite,
                          boolean clip) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("at least one attempt per sample, got " + maxAttempts);
        }
        this.flow = flow;
        this.denoiser = denoiser;
        this.noise = noise;
        this.maxAttempts = maxAttempts;
        this.keepNonFinite = keepNonFinite;
        this.clip = clip;
    }

    /**
     * {@return noise from independent streams: sample i on attempt a from {@code Seeds.stream(seed, stream, i·stride + a)}}
     *
     * @param dtype    of the noise (the model's)
     * @param tokens   T
     * @param tokenDim D
     * @param seed     the seed
     * @param stream   one of the {@link Seeds} stream ids
     * @param stride   more than the largest attempt, so that no two (sample, attempt) share an index
     */
    public static NoiseSource streams(DType dtype, int tokens, int tokenDim, long seed, int stream, long stride) {
        return (samples, attempt) -> {
            Tensor out = Tensor.zeros(dtype, samples.length, tokens, tokenDim);
            int n = tokens * tokenDim;
            for (int r = 0; r < samples.length; r++) {
                SplittableRandom rng = Seeds.stream(seed, stream, samples[r] * stride + attempt);
                for (int j = 0; j < n; j++) {
                    out.set(r * n + j, rng.nextGaussian());
                }
            }
            return out;
        };
    }

    /**
     * {@return the model's sampler: {@code reverse} with {@code opts}, then (if {@code denoiseSigma > 0}) the
     * score-based denoising step for Gaussian training noise of that standard deviation ({@link Denoise#step},
     * multiplier 1)}
     *
     * @param model        the model
     * @param opts         guidance settings of the inversion
     * @param denoiseSigma std of the model's Gaussian training noise, 0 for no denoising
     * @param seed         seed of the prior noise
     */
    public static GuardedSampler forModel(TarFlowModel model, SamplingOptions opts, double denoiseSigma, long seed) {
        Denoiser d = denoiseSigma > 0 ? (x, y) -> Denoise.step(model, x, y, denoiseSigma, 1.0) : null;
        return new GuardedSampler((noise, y) -> model.reverse(noise, y, opts).x(), d, model.dtype(), model.config().numPatches(),
                model.config().patchDim(), seed);
    }

    /**
     * Samples number {@code first}, ..., {@code first + n − 1} of the stream.
     *
     * @param labels (N) the label of each sample, or null for an unconditional model
     * @param n      number of samples (the length of {@code labels} when given)
     * @param first  the stream index of the first sample
     * @return the samples, raw and denoised, and every failed draw
     * @throws NonFiniteSamplesException when a sample is still not finite after the allowed attempts and
     *         the sampler does not keep such samples
     */
    public Draw draw(int[] labels, int n, long first) {
        if (n <= 0) {
            throw new IllegalArgumentException("number of samples must be positive, got " + n);
        }
        if (labels != null && labels.length != n) {
            throw new IllegalArgumentException(labels.length + " labels for " + n + " samples");
        }
        Tensor raw = null;
        Tensor denoised = null;
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pending.add(i);
        }
        List<Failure> failures = new ArrayList<>();
        double sampleSeconds = 0;
        double denoiseSeconds = 0;
        for (int attempt = 0; !pending.isEmpty() && attempt < maxAttempts; attempt++) {
            int m = pending.size();
            long[] ids = new long[m];
            int[] y = labels == null ? null : new int[m];
            for (int r = 0; r < m; r++) {
                ids[r] = first + pending.get(r);
                if (y != null) {
                    y[r] = labels[pending.get(r)];
                }
            }
            long t0 = System.nanoTime();
            Tensor x = flow.sample(noise.noise(ids, attempt), y);
            long t1 = System.nanoTime();
            Tensor dx = denoiser == null ? null : denoiser.apply(x, y);
            sampleSeconds += (t1 - t0) / 1e9;
            denoiseSeconds += (System.nanoTime() - t1) / 1e9;
            if (raw == null) {
                int[] shape = x.shape().clone();
                shape[0] = n;
                raw = Tensor.zeros(x.dtype(), shape);
                denoised = dx == null ? null : Tensor.zeros(x.dtype(), shape);
            }
            int values = x.size() / m;
            boolean last = attempt == maxAttempts - 1;
            List<Integer> failed = new ArrayList<>();
            for (int r = 0; r < m; r++) {
                boolean ok = finite(x, r, values) && (dx == null || finite(dx, r, values));
                if (!ok) {
                    failures.add(new Failure(ids[r], attempt));
                    failed.add(pending.get(r));
                }
                if (ok || last && keepNonFinite) {
                    copy(x, r, raw, pending.get(r), values);
                    if (dx != null) {
                        copy(dx, r, denoised, pending.get(r), values);
                    }
                }
            }
            pending = failed;
        }
        if (!pending.isEmpty() && !keepNonFinite) {
            throw new NonFiniteSamplesException(pending.size() + " samples still had NaN or infinite values after "
                    + maxAttempts + " draws each; the model (or the guidance weight) is unusable for sampling", failures);
        }
        return new Draw(raw, denoised, failures, pending.stream().mapToInt(Integer::intValue).toArray(), sampleSeconds,
                denoiseSeconds);
    }

    private static boolean finite(Tensor x, int row, int values) {
        for (int j = row * values; j < (row + 1) * values; j++) {
            if (!Double.isFinite(x.get(j))) {
                return false;
            }
        }
        return true;
    }

    private void copy(Tensor src, int row, Tensor dst, int to, int values) {
        for (int j = 0; j < values; j++) {
            double v = src.get(row * values + j);
            dst.set(to * values + j, clip ? Math.max(-1, Math.min(1, v)) : v);
        }
    }
}
