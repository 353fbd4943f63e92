package org.tarflow.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;

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

    /**
     * What {@link #forward} keeps for {@link #backward}. The normalised input and the GELU output are
     * recomputed in backward (two elementwise passes) instead of keeping 5C values per row alive between
     * the passes.
     *
     * @param norm the LayerNorm's activations
     * @param pre  (..., 4C) the pre-activation, {@code main.0}'s output
     * @param y    (..., C) the branch output
     */
    public record Activations(LayerNorm.Activations norm, Tensor pre, Tensor y) {
    }

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
     * {@return {@code main(norm(x))} and what the backward pass needs, in buffers of {@code ws}} What is kept
     * is allocated first and the temporaries (normalised input, GELU output) after it, so that they go back
     * to {@code ws} before this returns.
     *
     * @param x  (..., C) the branch input (the residual is added by {@link AttentionBlock})
     * @param ws where the activations are allocated
     */
    public Activations forward(Tensor x, Workspace ws) {
        int c = x.dim(-1);
        int rows = x.size() / c;
        int[] wide = x.shape();
        wide[wide.length - 1] = c * EXPANSION;
        Tensor mean = ws.zeros(x.dtype(), rows);
        Tensor rstd = ws.zeros(x.dtype(), rows);
        Tensor pre = ws.zeros(x.dtype(), wide);
        Tensor y = ws.zerosLike(x);
        int temporaries = ws.mark();
        Tensor normalised = ws.zerosLike(x);
        LayerNorm.Activations n = norm.forward(x, normalised, mean, rstd);
        fc1.forwardInto(normalised, pre);
        fc2.forwardInto(gelu(pre, ws), y);
        ws.rewind(temporaries);
        return new Activations(n, pre, y);
    }

    private Tensor gelu(Tensor pre, Workspace ws) {
        Tensor h = ws.zerosLike(pre);
        k.gelu(pre, h);
        return h;
    }

    /** {@link Linear#cacheTransposedWeight} for both linear layers; {@link #dropTransposedWeights} drops them. */
    public void cacheTransposedWeights() {
        fc1.cacheTransposedWeight();
        fc2.cacheTransposedWeight();
    }

    /** Drops the copies of {@link #cacheTransposedWeights}. */
    public void dropTransposedWeights() {
        fc1.dropTransposedWeight();
        fc2.dropTransposedWeight();
    }

    /**
     * {@return the gradient (..., C) with respect to the branch input} Accumulates the gradients of both
     * linear layers and the LayerNorm.
     *
     * @param dy    (..., C) gradient of the loss with respect to the branch output
     * @param a     the activations of the forward call
     * @param grads where the parameter gradients are accumulated; null for the input gradient only
     * @param ws    where the intermediate gradients are allocated
     */
    public Tensor backward(Tensor dy, Activations a, Gradients grads, Workspace ws) {
        Tensor dh = fc2.backward(dy, gelu(a.pre(), ws), grads, ws);
        k.geluBackward(a.pre(), dh, dh);
        return norm.backward(fc1.backward(dh, norm.recompute(a.norm(), ws), grads, ws), a.norm(), grads, ws);
    }
}
