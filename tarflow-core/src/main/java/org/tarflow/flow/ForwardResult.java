package org.tarflow.flow;

import java.util.List;
import org.tarflow.tensor.Tensor;

/**
 * What {@link TarFlowModel#forward} returns (the reference's {@code z, outputs, logdets}).
 *
 * @param z            latent (B, T, D)
 * @param blockOutputs output of each flow block, (B, T, D) each; the last one is z
 * @param logdets      (B) log|det dz/dx| <b>divided by T·D</b> (the reference's per-dimension
 *                     convention: the sum over blocks of {@code -mean(a)}); see {@link #logdetsTotal()}
 * @param inputShape   shape of the tensor forward was given: (B, C, H, W) for images, (B, T, D) for sequences
 */
public record ForwardResult(Tensor z, List<Tensor> blockOutputs, Tensor logdets, int[] inputShape) {

    /** {@return T·D, the number of dimensions of one sample: the divisor of the per-dimension {@link #logdets}} */
    public int dims() {
        return z.dim(1) * z.dim(2);
    }

    /**
     * {@return (B) the true log|det dz/dx| of each sample in nats, {@code T·D × logdets}, a new tensor}
     * This is the term that enters {@code log p(x) = Σ log N(z; 0, 1) + log|det|} (docs/ALGORITHM.md §5).
     */
    public Tensor logdetsTotal() {
        Tensor t = logdets.copy();
        for (int i = 0; i < t.size(); i++) {
            t.set(i, t.get(i) * dims());
        }
        return t;
    }
}
