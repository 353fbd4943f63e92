package org.tarflow.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;

/**
 * The reference's {@code Attention}: pre-LayerNorm multi-head causal self-attention.
 *
 * <p>{@code qkv = Linear(C, 3C)(norm(x))} is split into query, key and value (columns [0, C), [C, 2C),
 * [2C, 3C)), each into H = C/64 heads of d = 64 columns; per head
 * {@code softmax(q k^T * scale / temp, causal) v}, heads concatenated, then {@code proj = Linear(C, C)}.
 * scale = d^-1/2 (the reference applies d^-1/4 to q and to k). Keys {@code <prefix>.norm},
 * {@code <prefix>.qkv}, {@code <prefix>.proj}.
 *
 * <p>{@link #forward} runs a whole sequence under the causal mask (training, likelihood);
 * {@link #decode} runs one new position against a {@link KVCache} (sampling), which attends to the
 * cached positions and itself, the same set the causal mask allows.
 */
public final class Attention {
    /** Head dimension, fixed by the reference. */
    public static final int HEAD_DIM = 64;

    private final Kernels k;
    private final int channels;
    private final int heads;
    private final LayerNorm norm;
    private final Linear qkv;
    private final Linear proj;

    /**
     * What {@link #forward} keeps for {@link #backward}. The normalised input is recomputed in backward
     * ({@link LayerNorm#recompute}); the qkv output, the logits and the per-head outputs are temporaries.
     *
     * @param norm   the LayerNorm's activations
     * @param q      (B, H, T, d) queries
     * @param key    (B, H, T, d) keys
     * @param v      (B, H, T, d) values
     * @param probs  (B, H, T, T) the causal softmax of the scaled logits
     * @param merged (B, T, C) {@code probs · v} with the heads merged: the input of {@code proj}
     * @param scale  the logits' factor, {@code 1/(√d·temp)}
     * @param y      (B, T, C) the output
     */
    public record Activations(LayerNorm.Activations norm, Tensor q, Tensor key, Tensor v, Tensor probs,
                              Tensor merged, double scale, Tensor y) {
    }

    /**
     * Creates the layer with zero weights (LayerNorm at weight 1, bias 0).
     *
     * @param prefix   {@code state_dict} prefix, e.g. {@code blocks.0.attn_blocks.1.attention}
     * @param channels the width C, split into C/64 heads
     * @param dtype    dtype of the parameters and of every activation
     * @param k        the kernels that compute it
     * @throws IllegalArgumentException if {@code channels} is not a positive multiple of {@link #HEAD_DIM}
     */
    public Attention(String prefix, int channels, DType dtype, Kernels k) {
        if (channels % HEAD_DIM != 0 || channels == 0) {
            throw new IllegalArgumentException("attention width " + channels + " must be a positive multiple of "
                    + HEAD_DIM + " (the head dimension)");
        }
        this.k = k;
        this.channels = channels;
        this.heads = channels / HEAD_DIM;
        this.norm = new LayerNorm(prefix + ".norm", channels, dtype, k);
        this.qkv = new Linear(prefix + ".qkv", channels, 3 * channels, dtype, k);
        this.proj = new Linear(prefix + ".proj", channels, channels, dtype, k);
    }

    /**
     * Initialises {@code qkv} then {@code proj} as PyTorch's {@code Linear} default; the LayerNorm
     * keeps weight 1, bias 0.
     *
     * @param rng the generator the weights are drawn from, in that order
     */
    public void init(RandomGenerator rng) {
        qkv.init(rng);
        proj.init(rng);
    }

    /** {@return the parameters in {@code state_dict} order: {@code norm}, {@code qkv}, {@code proj}, weight before bias} */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>(norm.parameters());
        ps.addAll(qkv.parameters());
        ps.addAll(proj.parameters());
        return ps;
    }

    private static double scale(double temp) {
        return 1.0 / Math.sqrt(HEAD_DIM) / temp;
    }

    /**
     * {@return the attention output (B, T, C) for a whole sequence under the causal mask, with what the
     * backward pass needs, in buffers of {@code ws}} Output t sees inputs 0..t only (the reference's
     * {@code attn_mask}).
     *
     * @param x    (B, T, C) the layer's input (before its LayerNorm)
     * @param temp attention temperature: the logits are scaled by {@code 1/(√64·temp)}; 1 in training
     * @param ws   where the activations are allocated
     */
    public Activations forward(Tensor x, double temp, Workspace ws) {
        DType dtype = x.dtype();
        int b = x.dim(0);
        int t = x.dim(1);
        int bh = b * heads;
        // what backward needs first, then the temporaries, which go back to ws at the end
        Tensor mean = ws.zeros(dtype, b * t);
        Tensor rstd = ws.zeros(dtype, b * t);
        Tensor q = ws.zeros(dtype, b, heads, t, HEAD_DIM);
        Tensor key = ws.zeros(dtype, b, heads, t, HEAD_DIM);
        Tensor v = ws.zeros(dtype, b, heads, t, HEAD_DIM);
        Tensor probs = ws.zeros(dtype, b, heads, t, t);
        Tensor merged = ws.zeros(dtype, b, t, channels);
        Tensor y = ws.zeros(dtype, b, t, channels);
        int temporaries = ws.mark();
        Tensor normalised = ws.zerosLike(x);
        LayerNorm.Activations n = norm.forward(x, normalised, mean, rstd);
        Tensor h = qkv.forward(normalised, ws);
        Heads.split(k, h, 0, q);
        Heads.split(k, h, channels, key);
        Heads.split(k, h, 2 * channels, v);
        double scale = scale(temp);
        Tensor s = ws.zeros(dtype, b, heads, t, t);
        k.gemm(bh, false, true, t, t, HEAD_DIM, scale, q, key, 0.0, s);
        k.softmaxCausal(s, probs);
        Tensor o = ws.zeros(dtype, b, heads, t, HEAD_DIM);
        k.gemm(bh, false, false, t, HEAD_DIM, t, 1.0, probs, v, 0.0, o);
        Heads.merge(k, o, merged, 0);
        proj.forwardInto(merged, y);
        ws.rewind(temporaries);
        return new Activations(n, q, key, v, probs, merged, scale, y);
    }

    /** {@link Linear#cacheTransposedWeight} for {@code qkv} and {@code proj}, before decoding. */
    public void cacheTransposedWeights() {
        qkv.cacheTransposedWeight();
        proj.cacheTransposedWeight();
    }

    /** Drops the copies of {@link #cacheTransposedWeights}. */
    public void dropTransposedWeights() {
        qkv.dropTransposedWeight();
        proj.dropTransposedWeight();
    }

    /**
     * {@return the gradient (B, T, C) with respect to the layer's input} Accumulates the parameter
     * gradients, except the key part of the {@code qkv} bias, whose exact gradient is 0 (softmax ignores a
     * constant added to a row of logits) and which is left as it was (see docs/CONFORMANCE.md, "Pitfalls").
     *
     * @param dy    (B, T, C) gradient of the loss with respect to the output
     * @param a     the activations of the forward call
     * @param grads where the parameter gradients are accumulated; null for the input gradient only
     * @param ws    where the intermediate gradients are allocated
     */
    public Tensor backward(Tensor dy, Activations a, Gradients grads, Workspace ws) {
        int b = dy.dim(0);
        int t = dy.dim(1);
        int bh = b * heads;
        Tensor dO = ws.zerosLike(a.q());
        Heads.split(k, proj.backward(dy, a.merged(), grads, ws), 0, dO);
        Tensor dP = ws.zerosLike(a.probs());
        k.gemm(bh, false, true, t, t, HEAD_DIM, 1.0, dO, a.v(), 0.0, dP);
        Tensor dV = ws.zerosLike(a.v());
        k.gemm(bh, true, false, t, HEAD_DIM, t, 1.0, a.probs(), dO, 0.0, dV);
        Tensor dS = ws.zerosLike(a.probs());
        k.softmaxCausalBackward(a.probs(), dP, dS);
        Tensor dQ = ws.zerosLike(a.q());
        k.gemm(bh, false, false, t, HEAD_DIM, t, a.scale(), dS, a.key(), 0.0, dQ);
        Tensor dK = ws.zerosLike(a.key());
        k.gemm(bh, true, false, t, HEAD_DIM, t, a.scale(), dS, a.q(), 0.0, dK);
        Tensor dQkv = ws.zeros(dy.dtype(), b, t, 3 * channels);
        Heads.merge(k, dQ, dQkv, 0);
        Heads.merge(k, dK, dQkv, channels);
        Heads.merge(k, dV, dQkv, 2 * channels);
        // The key bias adds q_i·b_k to every logit of row i, which softmax ignores: its exact gradient is 0.
        // Summing dK over the tokens would leave a rounding residue instead (~1e-19 in float64, ~1e-9 in
        // float32), which AdamW divides by sqrt(v) + eps and turns into steps of size ~lr. So the key part of
        // the bias gradient is kept as it was before this backward.
        Tensor biasGrad = grads == null ? null : grads.of(qkv.bias());
        Tensor keyBiasGrad = ws.zeros(dy.dtype(), channels);
        int[] one = {1};
        int[] keys = {channels};
        if (biasGrad != null) {
            k.copyStrided(biasGrad, channels, one, keyBiasGrad, 0, one, keys);
        }
        Tensor dx = norm.backward(qkv.backward(dQkv, norm.recompute(a.norm(), ws), grads, ws), a.norm(), grads, ws);
        if (biasGrad != null) {
            k.copyStrided(keyBiasGrad, 0, one, biasGrad, channels, one, keys);
        }
        return dx;
    }

    /**
     * {@return an empty KV cache with this layer's C/64 heads of dimension 64, in buffers of {@code ws}}
     *
     * @param dtype    dtype of the cached keys and values (that of the activations)
     * @param batch    number of sequences decoded together, B
     * @param capacity positions it can hold: the sequence length T
     * @param ws       where the cache is allocated
     */
    public KVCache newCache(DType dtype, int batch, int capacity, Workspace ws) {
        return new KVCache(ws, dtype, batch, heads, capacity, HEAD_DIM);
    }

    /**
     * Sampling steps against a KV cache: x (B, L, C) holds the next L positions; their keys and values are
     * appended to {@code cache}, and the query of position l attends to every cached position up to and
     * including itself, which is what rows {@code s..s+L-1} of {@link #forward} compute for
     * {@code s = cache.length()} before the call. L = 1 is the sequential decoding step; L &gt; 1 is one
     * fixed-point (Jacobi) iteration over a chunk. Writes no field of the layer, so threads may decode
     * disjoint parts of a batch at once, each with its own cache and workspace.
     *
     * <p>The rows are split into {@code temps.length} equal groups, group g attending at temperature
     * {@code temps[g]}: guided sampling decodes its conditional and unconditional branches as one batch.
     *
     * @param x     (B, L, C) the new positions' input (before the LayerNorm)
     * @param cache this layer's cache for these rows, extended by L positions
     * @param temps attention temperature per group of rows: the guidance branch's {@code attn_temp}, else 1
     * @param ws    where the step's temporaries are allocated
     * @return (B, L, C) the attention output for the new positions
     * @throws IllegalStateException if the L positions do not fit into the cache
     * @throws IllegalArgumentException if B is not a multiple of {@code temps.length}
     */
    public Tensor decode(Tensor x, KVCache cache, double[] temps, Workspace ws) {
        int b = x.dim(0);
        int len = x.dim(1);
        if (temps.length == 0 || b % temps.length != 0) {
            throw new IllegalArgumentException(b + " rows do not split into " + temps.length + " temperature groups");
        }
        Tensor h = qkv.forward(norm.apply(x, ws), ws);
        Tensor qs = ws.zeros(x.dtype(), b, heads, len, HEAD_DIM);
        Heads.split(k, h, 0, qs);
        int start = cache.length();
        cache.appendFromQkv(k, h);
        int cap = cache.values().dim(2);
        double[] scales = new double[temps.length];
        for (int g = 0; g < temps.length; g++) {
            scales[g] = scale(temps[g]);
        }
        Tensor kc = cache.keys().reshape(b * heads, HEAD_DIM, cap);
        Tensor vc = cache.values().reshape(b * heads, cap, HEAD_DIM);
        // (B, H, 1, d) is laid out as (B, 1, C): for one position the heads merge without a copy
        Tensor o = ws.zeros(x.dtype(), b, len, channels);
        if (len == 1) {
            k.attendCached(qs.reshape(b * heads, HEAD_DIM), kc, vc, start + 1, scales, o.reshape(b * heads, HEAD_DIM));
            return proj.forward(o, ws);
        }
        // position l attends over start + l + 1 cached positions: one read per position, its queries gathered
        Tensor ql = ws.zeros(x.dtype(), b * heads, HEAD_DIM);
        Tensor ol = ws.zeros(x.dtype(), b * heads, HEAD_DIM);
        for (int l = 0; l < len; l++) {
            k.copyStrided(qs, l * HEAD_DIM, new int[] {len * HEAD_DIM, 1}, ql, 0, new int[] {HEAD_DIM, 1},
                    new int[] {b * heads, HEAD_DIM});
            k.attendCached(ql, kc, vc, start + l + 1, scales, ol);
            k.copyStrided(ol, 0, new int[] {channels, 1}, o, l * channels, new int[] {len * channels, 1},
                    new int[] {b, channels});
        }
        return proj.forward(o, ws);
    }
}
