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

    public AttentionBlock(String prefix, int channels, DType dtype, Kernels k) {
        this.k = k;
        this.attention = new Attention(prefix + ".attention", channels, dtype, k);
        this.mlp = new Mlp(prefix + ".mlp", channels, dtype, k);
    }

    public void init(RandomGenerator rng) {
        attention.init(rng);
        mlp.init(rng);
    }

    public Attention attention() {
        return attention;
    }

    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(attention.parameters());
        ps.addAll(mlp.parameters());
        return ps;
    }

    /** Whole sequence under the causal mask. */
    public Tensor forward(Tensor x, double attnTemp) {
        Tensor h = attention.forward(x, attnTemp);
        k.add(h, x, 1.0, h);
        Tensor y = mlp.forward(h);
        k.add(y, h, 1.0, y);
        return y;
    }

    /** Drops the activations saved by {@link #forward} (or {@link #decode}). */
    public void release() {
        attention.release();
        mlp.release();
    }

    /** dy → dx: the residual paths add the identity to each branch's input gradient. */
    public Tensor backward(Tensor dy) {
        Tensor dh = mlp.backward(dy);
        k.add(dh, dy, 1.0, dh);
        Tensor dx = attention.backward(dh);
        k.add(dx, dh, 1.0, dx);
        return dx;
    }

    /** One position against the layer's KV cache (sampling). */
    public Tensor decode(Tensor x, KVCache cache, double attnTemp) {
        Tensor h = attention.decode(x, cache, attnTemp);
        k.add(h, x, 1.0, h);
        Tensor y = mlp.forward(h);
        k.add(y, h, 1.0, y);
        return y;
    }
}
