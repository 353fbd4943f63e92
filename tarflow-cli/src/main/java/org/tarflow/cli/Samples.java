package org.tarflow.cli;

import org.tarflow.data.NoiseAugmentation;
import org.tarflow.data.Seeds;
import org.tarflow.flow.Denoise;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.Tensor;

/** Drawing batches of samples for grids: seeded noise, optional denoising, clipped to the data range. */
final class Samples {
    /** Samples drawn in one pass; more than a grid's 100, so that grids are drawn as one batch. */
    static final int CHUNK = 250;

    private Samples() {
    }

    /**
     * {@code n} samples from the noise stream of {@code seed}: images (n, C, H, W) clipped to [-1, 1], or
     * sequences (n, T, D) as they are. Samples with NaN or infinite values are kept and counted in a warning.
     *
     * @param labels       (n) labels, -1 for none; null for an unconditional model or no labels at all
     * @param denoiseSigma standard deviation of the Gaussian training noise to denoise for, 0 for none
     * @param denoiseScale multiplier of the denoising step (1 = the reference's step σ²∇log p)
     */
    static Tensor draw(TarFlowModel model, int n, int[] labels, SamplingOptions opts, double denoiseSigma,
                       double denoiseScale, long seed) {
        var c = model.config();
        Tensor noise = Tensor.zeros(model.dtype(), n, c.numPatches(), c.patchDim());
        var rng = Seeds.stream(seed, Seeds.SAMPLES, 0);
        for (int i = 0; i < noise.size(); i++) {
            noise.set(i, rng.nextGaussian());
        }
        Tensor x = null;
        // in chunks, so that many samples (an FID set) do not need attention caches for all of them at once;
        // the noise is drawn first, for all, so a sample depends on the seed and its index only
        for (int lo = 0; lo < n; lo += CHUNK) {
            int hi = Math.min(n, lo + CHUNK);
            int[] y = labels == null ? null : java.util.Arrays.copyOfRange(labels, lo, hi);
            Tensor part = model.reverse(noise.rows(lo, hi), y, opts).x();
            if (denoiseSigma > 0) {
                part = Denoise.step(model, part, y, denoiseSigma, denoiseScale);
            }
            if (x == null) {
                int[] shape = part.shape().clone();
                shape[0] = n;
                x = Tensor.zeros(part.dtype(), shape);
            }
            x.setRows(lo, part);
        }
        int perSample = x.size() / n;
        int bad = 0;
        for (int s = 0; s < n; s++) {
            boolean finite = true;
            for (int i = s * perSample; i < (s + 1) * perSample; i++) {
                finite &= Double.isFinite(x.get(i));
                if (c.isImage()) {
                    x.set(i, Math.max(-1, Math.min(1, x.get(i))));
                }
            }
            bad += finite ? 0 : 1;
        }
        if (bad > 0) {
            // kept, not redrawn, so that a grid shows the seed's samples; 'evaluate' redraws them (GuardedSampler)
            System.err.printf("warning: %d of %d samples hold NaN or infinite values (a grid shows them as flat"
                    + " squares)%n", bad, n);
        }
        return x;
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
