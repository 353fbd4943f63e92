package org.tarflow.cli;

import org.tarflow.data.NoiseAugmentation;
import org.tarflow.data.Seeds;
import org.tarflow.flow.Decoding;
import org.tarflow.flow.Denoise;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.Tensor;

/** Drawing batches of samples for grids: seeded noise, optional denoising, clipped to the data range. */
final class Samples {
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
        return draw(model, n, labels, opts, Decoding.SEQUENTIAL, denoiseSigma, denoiseScale, seed);
    }

    /**
     * {@return as {@link #draw(TarFlowModel, int, int[], SamplingOptions, double, double, long)}, each block
     * inverted by {@code decoding}} A fixed-point decoding prints its mean iterations per block on stdout.
     */
    static Tensor draw(TarFlowModel model, int n, int[] labels, SamplingOptions opts, Decoding decoding,
                       double denoiseSigma, double denoiseScale, long seed) {
        var c = model.config();
        Tensor noise = Tensor.zeros(model.dtype(), n, c.numPatches(), c.patchDim());
        var rng = Seeds.stream(seed, Seeds.SAMPLES, 0);
        for (int i = 0; i < noise.size(); i++) {
            noise.set(i, rng.nextGaussian());
        }
        TarFlowModel.ReverseResult r = model.reverse(noise, labels, opts, decoding);
        if (decoding.method() != Decoding.Method.SEQUENTIAL) {
            System.out.println("mean iterations per block (blocks.0 first; " + (c.numPatches() - 1)
                    + " network passes sequentially): " + iterationList(r.meanIterations()));
        }
        Tensor x = r.x();
        if (denoiseSigma > 0) {
            x = Denoise.step(model, x, labels, denoiseSigma, denoiseScale);
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
