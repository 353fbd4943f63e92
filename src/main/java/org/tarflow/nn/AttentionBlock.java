package org.tarflow.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * The reference's {@code AttentionBlock}, a pre-norm residual Transformer layer:
 * {@code x = x + attention(x); x = x + mlp(x)}. Keys {@code <prefix>.attention.*}, {@code <prefix>.mlp.*}.
 * Shapes: (B, T, C) → (B, T, C).
 */
public final class AttentionBlock {
    private final Kernels k;
    private final Attention attention;
    private final Mlp mlp;

    /**
     * Creates the layer with zero weights.
     *
     * @param prefix   {@code state_dict} prefix, e.g. {@code blocks.0.attn_blocks.1}
     * @param channels the width C, a positive multiple of 64
     * @param dtype    dtype of the parameters and activations
     * @param k        the kernels for both branches
     * @throws IllegalArgumentException if {@code channels} is not a positive multiple of 64
     */
    public AttentionBlock(String prefix, int channels, DType dtype, Kernels k) {
        this.k = k;
        this.attention = new Attention(prefix + ".attention", channels, dtype, k);
        this.mlp = new Mlp(prefix + ".mlp", channels, dtype, k);
    }

    private AttentionBlock(AttentionBlock source) {
        this.k = source.k;
        this.attention = source.attention.replica();
        this.mlp = source.mlp.replica();
    }

    /**
     * {@return a copy of this layer that shares its parameter values (the same tensors) but has gradients of
     * its own (at zero) and saves its own activations} Threads can then run forward and backward on
     * different parts of a batch at once, each with its own replica; the optimiser's in-place updates of
     * the values reach every replica.
     */
    public AttentionBlock replica() {
        return new AttentionBlock(this);
    }

    /**
     * Initialises the attention branch, then the MLP, as PyTorch's defaults.
     *
     * @param rng the generator, drawn from in that order
     */
    public void init(RandomGenerator rng) {
        attention.init(rng);
        mlp.init(rng);
    }

    /** {@return the attention branch, whose {@link Attention#newCache} sizes this layer's KV cache} */
    public Attention attention() {
        return attention;
    }

    /** {@return the attention parameters followed by the MLP's, in {@code state_dict} order} */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(attention.parameters());
        ps.addAll(mlp.parameters());
        return ps;
    }

    /**
     * {@return the layer's output (B, T, C) for a whole sequence under the causal mask}
     * {@code h = x + attention(x, temp)}, then {@code h + mlp(h)}, as the reference's
     * {@code AttentionBlock.forward}.
     *
     * @param x        (B, T, C) the layer's input
     * @param attnTemp attention temperature (1 except for the guidance branch)
     */
    public Tensor forward(Tensor x, double attnTemp) {
        return run(x, attnTemp, true);
    }

    /**
     * {@return {@link #forward} without saving anything for a backward pass} Writes no field, so several
     * threads may call it at once.
     *
     * @param x        (B, T, C) the layer's input
     * @param attnTemp attention temperature
     */
    public Tensor forwardNoGrad(Tensor x, double attnTemp) {
        return run(x, attnTemp, false);
    }

    private Tensor run(Tensor x, double attnTemp, boolean save) {
        Tensor h = save ? attention.forward(x, attnTemp) : attention.forwardNoGrad(x, attnTemp);
        k.add(h, x, 1.0, h);
        Tensor y = save ? mlp.forward(h) : mlp.forwardNoGrad(h);
        k.add(y, h, 1.0, y);
        return y;
    }

    /** Prepares for many {@link #decode} calls: {@link Linear#cacheTransposedWeight} everywhere; {@link #release} undoes it. */
    public void cacheTransposedWeights() {
        attention.cacheTransposedWeights();
        mlp.cacheTransposedWeights();
    }

    /** Drops the activations saved by {@link #forward} and the weight copies of {@link #cacheTransposedWeights}. */
    public void release() {
        attention.release();
        mlp.release();
    }

    /**
     * {@return the gradient (B, T, C) with respect to the input of the last {@link #forward}} The
     * residual paths add the identity to each branch's input gradient. Accumulates the parameter gradients.
     *
     * @param dy (B, T, C) gradient of the loss with respect to the output
     */
    public Tensor backward(Tensor dy) {
        Tensor dh = mlp.backward(dy);
        k.add(dh, dy, 1.0, dh);
        Tensor dx = attention.backward(dh);
        k.add(dx, dh, 1.0, dx);
        return dx;
    }

    /**
     * {@return the layer's output (B, 1, C) for one new position} The same residual layer as
     * {@link #forward}, with the attention read from and appended to {@code cache} (sampling).
     * Saves nothing, so threads may decode disjoint rows at once.
     *
     * @param x     (B, 1, C) the new position's input
     * @param cache this layer's cache for these rows
     * @param temps attention temperature per equal group of rows ({@link Attention#decode})
     */
    public Tensor decode(Tensor x, KVCache cache, double[] temps) {
        Tensor h = attention.decode(x, cache, temps);
        k.add(h, x, 1.0, h);
        Tensor y = mlp.forwardNoGrad(h);
        k.add(y, h, 1.0, y);
        return y;
    }
}
