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

    /** (B) bits per dimension of each sample of a forward pass. */
    public static Tensor perSample(ForwardResult r) {
        double[] logp = logLikelihood(r);
        int n = r.dims();
        Tensor bpd = Tensor.zeros(r.z().dtype(), logp.length);
        for (int i = 0; i < logp.length; i++) {
            bpd.set(i, (-logp[i] / n + Math.log(HALF_LEVELS)) / Math.log(2));
        }
        return bpd;
    }

    /**
     * (B) log-density of each input of a forward pass in nats, summed over its n = T·D values:
     * {@code Σ −½(z² + log 2π) + logdetsTotal}, the continuous density of the flow at the (noisy) input,
     * without the quantisation term. For a conditional model it is {@code log p(x | y)} for the labels the
     * pass was given; it equals what {@code TarFlowModel.reverse} reports for an unguided sample.
     */
    public static double[] logLikelihood(ForwardResult r) {
        Tensor z = r.z();
        int b = z.dim(0);
        int n = r.dims();
        double[] out = new double[b];
        for (int i = 0; i < b; i++) {
            double logp = 0;
            for (int j = i * n; j < (i + 1) * n; j++) {
                double v = z.get(j);
                logp += -0.5 * (v * v + LOG_2PI);
            }
            out[i] = logp + n * r.logdets().get(i);
        }
        return out;
    }
}
