package org.tarflow.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * The reference's {@code MLP}: {@code main(norm(x))} with {@code main = Linear(C, 4C), GELU, Linear(4C, C)}.
 * Keys: {@code <prefix>.norm}, {@code <prefix>.main.0}, {@code <prefix>.main.2} (the GELU is
 * {@code main.1} and has no parameters). Shapes: x (..., C) → (..., C).
 */
public final class Mlp {
    /** Hidden width multiplier, fixed by the reference. */
    public static final int EXPANSION = 4;

    private final Kernels k;
    private final LayerNorm norm;
    private final Linear fc1;
    private final Linear fc2;
    private Tensor preActivation;

    /**
     * Creates the MLP with zero weights.
     *
     * @param prefix   {@code state_dict} prefix, e.g. {@code blocks.0.attn_blocks.1.mlp}
     * @param channels C; the hidden width is {@link #EXPANSION}·C
     * @param dtype    dtype of the parameters and activations
     * @param k        the kernels
     */
    public Mlp(String prefix, int channels, DType dtype, Kernels k) {
        this.k = k;
        this.norm = new LayerNorm(prefix + ".norm", channels, dtype, k);
        this.fc1 = new Linear(prefix + ".main.0", channels, channels * EXPANSION, dtype, k);
        this.fc2 = new Linear(prefix + ".main.2", channels * EXPANSION, channels, dtype, k);
    }

    private Mlp(Mlp source) {
        this.k = source.k;
        this.norm = source.norm.replica();
        this.fc1 = source.fc1.replica();
        this.fc2 = source.fc2.replica();
    }

    /**
     * {@return a copy of this layer that shares its parameter values (the same tensors) but has gradients of
     * its own (at zero) and saves its own activations} Threads can then run forward and backward on
     * different parts of a batch at once, each with its own replica; the optimiser's in-place updates of
     * the values reach every replica.
     */
    public Mlp replica() {
        return new Mlp(this);
    }

    /**
     * Initialises {@code main.0}, then {@code main.2}, as PyTorch's {@code Linear} default.
     *
     * @param rng the generator
     */
    public void init(RandomGenerator rng) {
        fc1.init(rng);
        fc2.init(rng);
    }

    /** {@return the parameters of {@code norm}, {@code main.0} and {@code main.2}, in that order} */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(norm.parameters());
        ps.addAll(fc1.parameters());
        ps.addAll(fc2.parameters());
        return ps;
    }

    /**
     * {@return {@code main(norm(x))}, shape (..., C)} Saves only the input (in the LayerNorm) and the
     * pre-activation for {@link #backward}, which recomputes the normalised input and the GELU output:
     * two elementwise passes instead of keeping 5C values per row alive between the passes.
     *
     * @param x (..., C) the branch input (the residual is added by {@link AttentionBlock})
     */
    public Tensor forward(Tensor x) {
        preActivation = fc1.forwardNoGrad(norm.forward(x));
        return fc2.forwardNoGrad(gelu(preActivation));
    }

    private Tensor gelu(Tensor pre) {
        Tensor h = Tensor.zerosLike(pre);
        k.gelu(pre, h);
        return h;
    }

    /**
     * {@return {@link #forward} without saving anything for a backward pass} Writes no field of the layer,
     * so several threads may call it at once.
     *
     * @param x (..., C) the branch input
     */
    public Tensor forwardNoGrad(Tensor x) {
        return fc2.forwardNoGrad(gelu(fc1.forwardNoGrad(norm.forwardNoGrad(x))));
    }

    /** {@link Linear#cacheTransposedWeight} for both linear layers; {@link #release} drops them. */
    public void cacheTransposedWeights() {
        fc1.cacheTransposedWeight();
        fc2.cacheTransposedWeight();
    }

    /** Drops the activations saved by {@link #forward}. */
    public void release() {
        norm.release();
        fc1.release();
        fc2.release();
        preActivation = null;
    }

    /**
     * {@return the gradient (..., C) with respect to the input of the last {@link #forward}}
     * Accumulates the gradients of both linear layers and the LayerNorm.
     *
     * @param dy (..., C) gradient of the loss with respect to the branch output
     */
    public Tensor backward(Tensor dy) {
        Tensor dh = fc2.backward(dy, gelu(preActivation));
        k.geluBackward(preActivation, dh, dh);
        return norm.backward(fc1.backward(dh, norm.recompute()));
    }
}
