package org.tarflow.eval;

import org.tarflow.flow.ForwardResult;
import org.tarflow.tensor.Tensor;

/**
 * Bits per dimension as the reference's {@code evaluate_bpd.py} computes it, for data in [-1, 1]
 * quantised to 256 levels (bin width 2/256):
 * <pre>
 *   log p(z) = sum(-0.5 (z² + log 2π)) - n·log(128)        (n = C·H·W = T·D; -log 128 per dimension is log(bin width 2/256))
 *   bpd      = (-log p(z) / n - logdets) / log 2             (logdets in the per-dimension convention)
 * </pre>
 * With uniform dequantisation noise added to the input this is an upper bound on the discrete data's
 * code length in bits per subpixel.
 */
public final class BitsPerDim {
    /** Number of quantisation bins per unit of the [-1, 1] range: 256 levels over width 2. */
    public static final double HALF_LEVELS = 128.0;
    private static final double LOG_2PI = Math.log(2 * Math.PI);

    private BitsPerDim() {
    }

    /**
     * {@return (B) bits per dimension of each sample of a forward pass, by the formula above} The input
     * should carry the dequantisation noise ({@link Likelihood} adds it); without it the value is that of
     * the continuous density.
     *
     * @param r a forward pass on images in [-1, 1] (its logdets per dimension)
     */
    public static Tensor perSample(ForwardResult r) {
        Tensor z = r.z();
        int b = z.dim(0);
        int n = r.dims();
        Tensor bpd = Tensor.zeros(z.dtype(), b);
        for (int i = 0; i < b; i++) {
            double logp = 0;
            for (int j = i * n; j < (i + 1) * n; j++) {
                double v = z.get(j);
                logp += -0.5 * (v * v + LOG_2PI);
            }
            logp -= Math.log(HALF_LEVELS) * n;
            double nll = -logp / n - r.logdets().get(i);
            bpd.set(i, nll / Math.log(2));
        }
        return bpd;
    }
}
