package org.tarflow.cli;

import java.util.Arrays;
import java.util.Locale;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.data.Seeds;
import org.tarflow.eval.GuardedSampler;
import org.tarflow.flow.Decoding;
import org.tarflow.flow.Denoise;
import org.tarflow.flow.NonFiniteStep;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.Tensor;

/** Drawing batches of samples for grids: seeded noise, optional denoising, clipped to the data range, non-finite samples redrawn or named. */
final class Samples {
    /** Samples drawn in one pass; more than a grid's 100, so that grids are drawn as one batch. */
    static final int CHUNK = 250;

    private Samples() {
    }

    /**
     * The samples of the noise {@code z} (n, T, D), inverted (and denoised) {@link #CHUNK} at a time, so that
     * many samples (an FID set) do not need attention caches for all of them at once; a sample depends on its
     * noise and label only, not on its chunk. Each sample's network passes per block are added to
     * {@code passes} (blocks in model order), the number of samples to {@code passes[blocks]}.
     */
    private static Tensor inChunks(TarFlowModel model, Tensor z, int[] labels, SamplingOptions opts, Decoding decoding,
                                   GuardedSampler.Denoiser denoiser, long[] passes) {
        int n = z.shape()[0];
        Tensor x = null;
        for (int lo = 0; lo < n; lo += CHUNK) {
            int hi = Math.min(n, lo + CHUNK);
            int[] y = labels == null ? null : Arrays.copyOfRange(labels, lo, hi);
            TarFlowModel.ReverseResult r = model.reverse(n <= CHUNK ? z : z.rows(lo, hi), y, opts, decoding);
            int[][] it = r.iterations();
            for (int b = 0; b < it.length; b++) {
                passes[b] += Arrays.stream(it[b]).asLongStream().sum();
            }
            passes[it.length] += hi - lo;
            Tensor part = r.x();
            if (denoiser != null) {
                part = denoiser.apply(part, y);
            }
            if (n <= CHUNK) {
                return part;
            }
            if (x == null) {
                int[] shape = part.shape().clone();
                shape[0] = n;
                x = Tensor.zeros(part.dtype(), shape);
            }
            x.setRows(lo, part);
        }
        return x;
    }

    /** Rows named in a message at most; the rest are counted. */
    private static final int ROWS_NAMED = 20;

    /**
     * {@code n} samples from the noise stream of {@code seed}: images (n, C, H, W) clipped to [-1, 1], or
     * sequences (n, T, D) as they are. One draw each: samples with NaN or infinite values are kept, and a
     * warning names them and where the first one overflowed (the training grids; {@code sample} can redraw,
     * {@link #drawRedrawing}).
     *
     * @param labels       (n) labels, -1 for none; null for an unconditional model or no labels at all
     * @param denoiseSigma standard deviation of the Gaussian training noise to denoise for, 0 for none
     * @param denoiseScale multiplier of the denoising step (1 = the reference's step σ²∇log p)
     */
    static Tensor draw(TarFlowModel model, int n, int[] labels, SamplingOptions opts, double denoiseSigma,
                       double denoiseScale, long seed) {
        return drawRedrawing(model, n, labels, opts, Decoding.SEQUENTIAL, denoiseSigma, denoiseScale, seed, 1).raw();
    }

    /**
     * As {@link #draw}, but a sample that comes out with a NaN or an infinity is drawn again with fresh noise
     * (its own stream, {@code Seeds.SAMPLE_REDRAWS}) and the same label, up to {@code maxDraws} draws in all;
     * the samples that come out finite on their first draw are the seed's samples of {@link #draw}. Prints how
     * many draws were redone and where the first non-finite one overflowed ({@link TarFlowModel#diagnose}).
     * With {@code maxDraws} = 1 the non-finite samples are kept, and a warning names them. Each block is
     * inverted by {@code decoding}; a fixed-point decoding prints its mean network passes per block.
     *
     * @param decoding sequential or fixed-point decoding ({@link Decoding})
     * @param maxDraws draws per sample at most, ≥ 1
     * @return the samples to write in {@code raw()} (denoised, when there is a denoising step; {@code denoised()}
     *         is null) and the account of the draws
     * @throws IllegalStateException if samples are still not finite after {@code maxDraws} draws (&gt; 1)
     */
    static GuardedSampler.Draw drawRedrawing(TarFlowModel model, int n, int[] labels, SamplingOptions opts,
                                             Decoding decoding, double denoiseSigma, double denoiseScale, long seed,
                                             int maxDraws) {
        var c = model.config();
        GuardedSampler.NoiseSource noise = noise(model, n, seed);
        GuardedSampler.Denoiser denoiser = denoiseSigma > 0
                ? (x, y) -> Denoise.step(model, x, y, denoiseSigma, denoiseScale) : null;
        // the samples written are the denoised ones when there is a denoising step
        long[] passes = new long[c.numBlocks() + 1];
        GuardedSampler.Flow flow = (z, y) -> inChunks(model, z, y, opts, decoding, denoiser, passes);
        GuardedSampler sampler = new GuardedSampler(flow, null, noise, maxDraws, maxDraws == 1, c.isImage());
        GuardedSampler.Draw d;
        try {
            d = sampler.draw(labels, n, 0);
        } catch (GuardedSampler.NonFiniteSamplesException e) {
            System.err.println("error detail: the first non-finite draw: "
                    + diagnosis(model, labels, opts, noise, e.failures().getFirst())
                    + "; --no-redraw writes the samples as they come");
            throw e;
        }
        if (decoding.method() != Decoding.Method.SEQUENTIAL) {
            double[] mean = new double[c.numBlocks()];
            for (int b = 0; b < mean.length; b++) {
                mean[b] = (double) passes[b] / passes[mean.length];
            }
            System.out.println("mean iterations per block (blocks.0 first; " + (c.numPatches() - 1)
                    + " network passes sequentially): " + iterationList(mean));
        }
        if (d.nonFinite().length > 0) {
            System.err.printf(Locale.ROOT, "warning: %d of %d samples hold NaN or infinite values, kept (%s; %s);"
                            + " the first: %s%n", d.nonFinite().length, n,
                    rows(Arrays.stream(d.nonFinite()).asLongStream().toArray()),
                    c.isImage() ? "a grid shows them as flat squares" : "written as they are",
                    diagnosis(model, labels, opts, noise, d.failures().getFirst()));
        } else if (!d.failures().isEmpty()) {
            long[] redrawn = d.failures().stream().mapToLong(GuardedSampler.Failure::sample).distinct().toArray();
            System.out.printf(Locale.ROOT, "redrew %d non-finite draws with fresh noise (%d of %d samples: %s);"
                            + " the first: %s%n", d.redrawn(), redrawn.length, n, rows(redrawn),
                    diagnosis(model, labels, opts, noise, d.failures().getFirst()));
        }
        return d;
    }

    /**
     * The prior noise of {@link #drawRedrawing}: the first draws are the {@code SAMPLES} stream's batch of
     * {@code n} (as {@code sample} always drew), each redraw of sample i its own stream
     * {@code Seeds.stream(seed, SAMPLE_REDRAWS, i·2³² + attempt)}.
     */
    private static GuardedSampler.NoiseSource noise(TarFlowModel model, int n, long seed) {
        var c = model.config();
        int values = c.numPatches() * c.patchDim();
        Tensor batch = Tensor.zeros(model.dtype(), n, c.numPatches(), c.patchDim());
        var rng = Seeds.stream(seed, Seeds.SAMPLES, 0);
        for (int i = 0; i < batch.size(); i++) {
            batch.set(i, rng.nextGaussian());
        }
        GuardedSampler.NoiseSource redraws = GuardedSampler.streams(model.dtype(), c.numPatches(), c.patchDim(), seed,
                Seeds.SAMPLE_REDRAWS, 1L << 32);
        return (samples, attempt) -> {
            if (attempt > 0) {
                return redraws.noise(samples, attempt);
            }
            Tensor out = Tensor.zeros(model.dtype(), samples.length, c.numPatches(), c.patchDim());
            for (int r = 0; r < samples.length; r++) {
                System.arraycopy(batch.array(), (int) samples[r] * values, out.array(), r * values, values);
            }
            return out;
        };
    }

    /** Where a failed draw first overflowed, repeated alone with the check on ({@link TarFlowModel#diagnose}). */
    private static String diagnosis(TarFlowModel model, int[] labels, SamplingOptions opts,
                                    GuardedSampler.NoiseSource noise, GuardedSampler.Failure f) {
        int i = (int) f.sample();
        NonFiniteStep step = model.diagnose(noise.noise(new long[] {i}, f.attempt()),
                labels == null ? null : new int[] {labels[i]}, opts);
        return String.format(Locale.ROOT, "sample %d%s, %s", i, f.attempt() == 0 ? "" : " (draw " + (f.attempt() + 1) + ")",
                step != null ? step.describe() : "the inversion stayed finite: the denoising step made it non-finite");
    }

    /** {@return "rows 3, 17, 40" or, for many, the first {@link #ROWS_NAMED} and a count of the rest} */
    private static String rows(long[] rows) {
        StringBuilder sb = new StringBuilder(rows.length == 1 ? "row " : "rows ");
        for (int i = 0; i < Math.min(rows.length, ROWS_NAMED); i++) {
            sb.append(i == 0 ? "" : ", ").append(rows[i]);
        }
        if (rows.length > ROWS_NAMED) {
            sb.append(" and ").append(rows.length - ROWS_NAMED).append(" more");
        }
        return sb.toString();
    }

    /** {@return the values with two decimals, as [a, b, ...]} */
    static String iterationList(double[] values) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < values.length; i++) {
            sb.append(i > 0 ? ", " : "").append(String.format(java.util.Locale.ROOT, "%.2f", values[i]));
        }
        return sb.append(']').toString();
    }

    /** Labels for a grid with one class per row: row r holds class r, {@code perRow} times. */
    static int[] classRows(int classes, int perRow) {
        int[] y = new int[classes * perRow];
        for (int i = 0; i < y.length; i++) {
            y[i] = i / perRow;
        }
        return y;
    }

    /**
     * The σ of the denoising step from a {@code --denoise} value: "auto" takes the Gaussian training noise
     * recorded in the model file ({@code trainingNoise}, null if none; uniform noise needs no denoising),
     * otherwise a number ≥ 0 (0: no denoising).
     */
    static double denoiseSigma(String option, String trainingNoise) {
        if (option.equals("auto")) {
            if (trainingNoise == null) {
                return 0;
            }
            NoiseAugmentation n = NoiseAugmentation.parse(trainingNoise);
            return n.type() == NoiseAugmentation.Type.GAUSSIAN ? n.std() : 0;
        }
        double v;
        try {
            v = Double.parseDouble(option);
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("--denoise must be auto or a number >= 0, got " + option);
        }
        return v;
    }
}
