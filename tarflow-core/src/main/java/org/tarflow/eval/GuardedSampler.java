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
 * Draws samples for evaluation and redraws those that come out with a NaN or an infinity, as the
 * reference's {@code evaluate_fid.py} does (it draws the whole batch again with fresh noise until no
 * sample has a NaN). Here only the failed samples are redrawn, each with fresh noise: since the samples
 * of a batch are independent, the accepted samples have the same distribution either way (each is a draw
 * conditioned on being finite), and the work is smaller. The number of redraws is counted, and the
 * attempts per sample are bounded so that a model that only produces NaN fails with a clear error.
 *
 * <p>Sample i's noise on attempt a comes from {@code Seeds.stream(seed, EVAL_SAMPLES, i·MAX_ATTEMPTS + a)},
 * so a sample does not depend on the batch it was drawn in. With denoising, a sample counts as finite
 * only if both the raw and the denoised image are.
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

    /**
     * Samples that are all finite.
     *
     * @param raw      (N, C, H, W) samples clipped to [-1, 1]
     * @param denoised (N, C, H, W) the same samples after the denoising step, clipped; null without denoising
     * @param redrawn  how many draws were thrown away for a non-finite value
     * @param sampleSeconds  time spent in the flow's inverse, redraws included
     * @param denoiseSeconds time spent in the denoising step, redraws included
     */
    public record Draw(Tensor raw, Tensor denoised, int redrawn, double sampleSeconds, double denoiseSeconds) {
    }

    private final Flow flow;
    private final Denoiser denoiser;
    private final DType dtype;
    private final int tokens;
    private final int tokenDim;
    private final long seed;

    /**
     * A sampler around any flow.
     *
     * @param flow     maps prior noise to images
     * @param denoiser null for no denoising
     * @param dtype    of the prior noise (the model's)
     * @param tokens   T of the prior noise
     * @param tokenDim D of the prior noise
     * @param seed     seed of the prior noise ({@code Seeds.EVAL_SAMPLES} stream)
     */
    public GuardedSampler(Flow flow, Denoiser denoiser, DType dtype, int tokens, int tokenDim, long seed) {
        this.flow = flow;
        this.denoiser = denoiser;
        this.dtype = dtype;
        this.tokens = tokens;
        this.tokenDim = tokenDim;
        this.seed = seed;
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
     * Samples number {@code first}, ..., {@code first + labels.length − 1} of the stream.
     *
     * @param labels (N) the label of each sample, or null for an unconditional model
     * @param n      number of samples (the length of {@code labels} when given)
     * @param first  the stream index of the first sample
     * @return the finite samples, raw and denoised, and the redraw count
     * @throws IllegalStateException when a sample is still not finite after {@link #MAX_ATTEMPTS} attempts
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
        int redrawn = 0;
        double sampleSeconds = 0;
        double denoiseSeconds = 0;
        for (int attempt = 0; !pending.isEmpty(); attempt++) {
            if (attempt == MAX_ATTEMPTS) {
                throw new IllegalStateException(pending.size() + " samples still had NaN or infinite values after "
                        + MAX_ATTEMPTS + " draws each; the model (or the guidance weight) is unusable for sampling");
            }
            int m = pending.size();
            Tensor noise = Tensor.zeros(dtype, m, tokens, tokenDim);
            int[] y = labels == null ? null : new int[m];
            for (int r = 0; r < m; r++) {
                int i = pending.get(r);
                SplittableRandom rng = Seeds.stream(seed, Seeds.EVAL_SAMPLES, (first + i) * MAX_ATTEMPTS + attempt);
                for (int j = 0; j < tokens * tokenDim; j++) {
                    noise.set(r * tokens * tokenDim + j, rng.nextGaussian());
                }
                if (y != null) {
                    y[r] = labels[i];
                }
            }
            long t0 = System.nanoTime();
            Tensor x = flow.sample(noise, y);
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
            List<Integer> failed = new ArrayList<>();
            for (int r = 0; r < m; r++) {
                if (finite(x, r, values) && (dx == null || finite(dx, r, values))) {
                    copyClipped(x, r, raw, pending.get(r), values);
                    if (dx != null) {
                        copyClipped(dx, r, denoised, pending.get(r), values);
                    }
                } else {
                    failed.add(pending.get(r));
                }
            }
            redrawn += failed.size();
            pending = failed;
        }
        return new Draw(raw, denoised, redrawn, sampleSeconds, denoiseSeconds);
    }

    private static boolean finite(Tensor x, int row, int values) {
        for (int j = row * values; j < (row + 1) * values; j++) {
            if (!Double.isFinite(x.get(j))) {
                return false;
            }
        }
        return true;
    }

    private static void copyClipped(Tensor src, int row, Tensor dst, int to, int values) {
        for (int j = 0; j < values; j++) {
            dst.set(to * values + j, Math.max(-1, Math.min(1, src.get(row * values + j))));
        }
    }
}
