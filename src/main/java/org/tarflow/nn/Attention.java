package org.tarflow.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

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
    // saved by forward for backward, all (B, H, T, ·)
    private Tensor q;
    private Tensor key;
    private Tensor v;
    private Tensor probs;
    private double scale;

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

    private Attention(Attention source) {
        this.k = source.k;
        this.channels = source.channels;
        this.heads = source.heads;
        this.norm = source.norm.replica();
        this.qkv = source.qkv.replica();
        this.proj = source.proj.replica();
    }

    /**
     * {@return a copy of this layer that shares its parameter values (the same tensors) but has gradients of
     * its own (at zero) and saves its own activations} Threads can then run forward and backward on
     * different parts of a batch at once, each with its own replica; the optimiser's in-place updates of
     * the values reach every replica.
     */
    public Attention replica() {
        return new Attention(this);
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
     * {@return the attention output (B, T, C) for a whole sequence under the causal mask} Output t sees
     * inputs 0..t only (the reference's {@code attn_mask}). Saves q, k, v and the probabilities for
     * {@link #backward}.
     *
     * @param x    (B, T, C) the layer's input (before its LayerNorm)
     * @param temp attention temperature: the logits are scaled by {@code 1/(√64·temp)}; 1 in training
     */
    public Tensor forward(Tensor x, double temp) {
        // the normalised input is recomputed in backward rather than kept
        Tensor h = qkv.forwardNoGrad(norm.forward(x));
        q = Heads.split(h, 0, heads, HEAD_DIM);
        key = Heads.split(h, channels, heads, HEAD_DIM);
        v = Heads.split(h, 2 * channels, heads, HEAD_DIM);
        scale = scale(temp);
        probs = probabilities(q, key, scale);
        return proj.forward(weightValues(probs, v));
    }

    /**
     * {@return {@link #forward} without saving anything for a backward pass} Writes no field of the layer,
     * so several threads may call it at once (likelihood evaluation runs parts of its batch in parallel).
     *
     * @param x    (B, T, C) the layer's input
     * @param temp attention temperature
     */
    public Tensor forwardNoGrad(Tensor x, double temp) {
        Tensor h = qkv.forwardNoGrad(norm.forwardNoGrad(x));
        Tensor vs = Heads.split(h, 2 * channels, heads, HEAD_DIM);
        Tensor p = probabilities(Heads.split(h, 0, heads, HEAD_DIM), Heads.split(h, channels, heads, HEAD_DIM),
                scale(temp));
        return proj.forwardNoGrad(weightValues(p, vs));
    }

    /** (B, H, T, T) causal softmax of {@code scale · q k^T}. */
    private Tensor probabilities(Tensor qs, Tensor ks, double scale) {
        int bh = qs.dim(0) * heads;
        int t = qs.dim(2);
        Tensor s = Tensor.zeros(qs.dtype(), qs.dim(0), heads, t, t);
        k.gemm(bh, false, true, t, t, HEAD_DIM, scale, qs, ks, 0.0, s);
        Tensor p = Tensor.zerosLike(s);
        k.softmaxCausal(s, p);
        return p;
    }

    /** (B, T, C): {@code p v} per head, heads merged. */
    private Tensor weightValues(Tensor p, Tensor vs) {
        int b = vs.dim(0);
        int t = vs.dim(2);
        Tensor o = Tensor.zeros(vs.dtype(), b, heads, t, HEAD_DIM);
        k.gemm(b * heads, false, false, t, HEAD_DIM, t, 1.0, p, vs, 0.0, o);
        Tensor merged = Tensor.zeros(vs.dtype(), b, t, channels);
        Heads.merge(o, merged, 0);
        return merged;
    }

    /** {@link Linear#cacheTransposedWeight} for {@code qkv} and {@code proj}, before decoding; {@link #release} drops them. */
    public void cacheTransposedWeights() {
        qkv.cacheTransposedWeight();
        proj.cacheTransposedWeight();
    }

    /** Drops the activations saved by {@link #forward}. */
    public void release() {
        norm.release();
        qkv.release();
        proj.release();
        q = null;
        key = null;
        v = null;
        probs = null;
    }

    /**
     * {@return the gradient (B, T, C) with respect to the input of the last {@link #forward}} Accumulates
     * the parameter gradients, except the key part of the {@code qkv} bias, whose exact gradient is 0
     * (softmax ignores a constant added to a row of logits) and which is left as it was (see
     * docs/CONFORMANCE.md, "Pitfalls").
     *
     * @param dy (B, T, C) gradient of the loss with respect to the output
     */
    public Tensor backward(Tensor dy) {
        int b = dy.dim(0);
        int t = dy.dim(1);
        int bh = b * heads;
        Tensor dO = Heads.split(proj.backward(dy), 0, heads, HEAD_DIM);
        Tensor dP = Tensor.zerosLike(probs);
        k.gemm(bh, false, true, t, t, HEAD_DIM, 1.0, dO, v, 0.0, dP);
        Tensor dV = Tensor.zerosLike(v);
        k.gemm(bh, true, false, t, HEAD_DIM, t, 1.0, probs, dO, 0.0, dV);
        Tensor dS = Tensor.zerosLike(probs);
        k.softmaxCausalBackward(probs, dP, dS);
        Tensor dQ = Tensor.zerosLike(q);
        k.gemm(bh, false, false, t, HEAD_DIM, t, scale, dS, key, 0.0, dQ);
        Tensor dK = Tensor.zerosLike(key);
        k.gemm(bh, true, false, t, HEAD_DIM, t, scale, dS, q, 0.0, dK);
        Tensor dQkv = Tensor.zeros(dy.dtype(), b, t, 3 * channels);
        Heads.merge(dQ, dQkv, 0);
        Heads.merge(dK, dQkv, channels);
        Heads.merge(dV, dQkv, 2 * channels);
        // The key bias adds q_i·b_k to every logit of row i, which softmax ignores: its exact gradient is 0.
        // Summing dK over the tokens would leave a rounding residue instead (~1e-19 in float64, ~1e-9 in
        // float32), which AdamW divides by sqrt(v) + eps and turns into steps of size ~lr. So the key part of
        // the bias gradient is kept as it was before this backward.
        Tensor biasGrad = qkv.bias().grad();
        double[] keyBiasGrad = new double[channels];
        for (int i = 0; i < channels; i++) {
            keyBiasGrad[i] = biasGrad.get(channels + i);
        }
        Tensor dx = norm.backward(qkv.backward(dQkv, norm.recompute()));
        for (int i = 0; i < channels; i++) {
            biasGrad.set(channels + i, keyBiasGrad[i]);
        }
        return dx;
    }

    /**
     * {@return an empty KV cache with this layer's C/64 heads of dimension 64}
     *
     * @param dtype    dtype of the cached keys and values (that of the activations)
     * @param batch    number of sequences decoded together, B
     * @param capacity positions it can hold: the sequence length T
     */
    public KVCache newCache(DType dtype, int batch, int capacity) {
        return new KVCache(dtype, batch, heads, capacity, HEAD_DIM);
    }

    /**
     * One sampling step: x (B, 1, C) is the next position; its key and value are appended to
     * {@code cache} and its query attends to every cached position including itself, which is what row
     * {@code cache.length()} of {@link #forward} computes. Saves nothing and writes no field of the layer,
     * so threads may decode disjoint parts of a batch at once, each with its own cache.
     *
     * <p>The rows are split into {@code temps.length} equal groups, group g attending at temperature
     * {@code temps[g]}: guided sampling decodes its conditional and unconditional branches as one batch.
     *
     * @param x     (B, 1, C) the new position's input (before the LayerNorm)
     * @param cache this layer's cache for these rows, extended by one position
     * @param temps attention temperature per group of rows: the guidance branch's {@code attn_temp}, else 1
     * @return (B, 1, C) the attention output for the new position
     * @throws IllegalStateException if the cache is already full
     * @throws IllegalArgumentException if B is not a multiple of {@code temps.length}
     */
    public Tensor decode(Tensor x, KVCache cache, double[] temps) {
        int b = x.dim(0);
        if (temps.length == 0 || b % temps.length != 0) {
            throw new IllegalArgumentException(b + " rows do not split into " + temps.length + " temperature groups");
        }
        Tensor h = qkv.forwardNoGrad(norm.forwardNoGrad(x));
        Tensor qs = Heads.split(h, 0, heads, HEAD_DIM);
        cache.appendFromQkv(h);
        int cap = cache.values().dim(2);
        double[] scales = new double[temps.length];
        for (int g = 0; g < temps.length; g++) {
            scales[g] = scale(temps[g]);
        }
        // (B, H, 1, d) is laid out as (B, 1, C): the heads merge without a copy
        Tensor o = Tensor.zeros(x.dtype(), b, 1, channels);
        k.attendCached(qs.reshape(b * heads, HEAD_DIM), cache.keys().reshape(b * heads, HEAD_DIM, cap),
                cache.values().reshape(b * heads, cap, HEAD_DIM), cache.length(), scales,
                o.reshape(b * heads, HEAD_DIM));
        return proj.forwardNoGrad(o);
    }
}
