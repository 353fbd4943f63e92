package org.tarflow.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;

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
     * What {@link #forward} computed and {@link #backward} needs.
     *
     * @param attention the attention branch's activations
     * @param mlp       the MLP branch's activations (its input is {@code x + attention(x)}; its output buffer
     *                  holds the layer's output, the residual added in place)
     */
    public record Activations(Attention.Activations attention, Mlp.Activations mlp) {
        /** {@return (B, T, C) the layer's output} */
        public Tensor y() {
            return mlp.y();
        }
    }

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
     * {@return the layer's output (B, T, C) for a whole sequence under the causal mask, with what the
     * backward pass needs} {@code h = x + attention(x, temp)}, then {@code h + mlp(h)}, as the reference's
     * {@code AttentionBlock.forward}. The residual sums are written into the branches' output buffers.
     *
     * @param x        (B, T, C) the layer's input
     * @param attnTemp attention temperature (1 except for the guidance branch)
     * @param ws       where the activations are allocated
     */
    public Activations forward(Tensor x, double attnTemp, Workspace ws) {
        Attention.Activations a = attention.forward(x, attnTemp, ws);
        Tensor h = a.y();
        k.add(h, x, 1.0, h);
        Mlp.Activations m = mlp.forward(h, ws);
        k.add(m.y(), h, 1.0, m.y());
        return new Activations(a, m);
    }

    /** Prepares for many {@link #decode} calls: {@link Linear#cacheTransposedWeight} everywhere. */
    public void cacheTransposedWeights() {
        attention.cacheTransposedWeights();
        mlp.cacheTransposedWeights();
    }

    /** Drops the weight copies of {@link #cacheTransposedWeights}. */
    public void dropTransposedWeights() {
        attention.dropTransposedWeights();
        mlp.dropTransposedWeights();
    }

    /**
     * {@return the gradient (B, T, C) with respect to the layer's input} The residual paths add the
     * identity to each branch's input gradient. Accumulates the parameter gradients.
     *
     * @param dy    (B, T, C) gradient of the loss with respect to the output
     * @param a     the activations of the forward call
     * @param grads where the parameter gradients are accumulated; null for the input gradient only
     * @param ws    where the intermediate gradients are allocated
     */
    public Tensor backward(Tensor dy, Activations a, Gradients grads, Workspace ws) {
        Tensor dh = mlp.backward(dy, a.mlp(), grads, ws);
        k.add(dh, dy, 1.0, dh);
        Tensor dx = attention.backward(dh, a.attention(), grads, ws);
        k.add(dx, dh, 1.0, dx);
        return dx;
    }

    /**
     * {@return the layer's output (B, L, C) for L new positions} The same residual layer as
     * {@link #forward}, with the attention read from and appended to {@code cache} (sampling: L = 1 for
     * a sequential step, a chunk for a Jacobi iteration, {@link Attention#decode}).
     * Writes no field, so threads may decode disjoint rows at once.
     *
     * @param x     (B, L, C) the new positions' input
     * @param cache this layer's cache for these rows
     * @param temps attention temperature per equal group of rows ({@link Attention#decode})
     * @param ws    where the step's temporaries are allocated
     */
    public Tensor decode(Tensor x, KVCache cache, double[] temps, Workspace ws) {
        Tensor h = attention.decode(x, cache, temps, ws);
        k.add(h, x, 1.0, h);
        Tensor y = mlp.forward(h, ws).y();
        k.add(y, h, 1.0, y);
        return y;
    }
}
