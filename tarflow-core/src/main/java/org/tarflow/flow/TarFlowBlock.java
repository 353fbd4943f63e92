package org.tarflow.flow;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;
import org.tarflow.nn.AttentionBlock;
import org.tarflow.nn.Gradients;
import org.tarflow.nn.Init;
import org.tarflow.nn.KVCache;
import org.tarflow.nn.Linear;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Parallel;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;
import org.tarflow.tensor.WorkspacePool;

/**
 * One autoregressive flow block (the reference's {@code MetaBlock}), keyed {@code blocks.<i>.*}.
 *
 * <p>Forward, on x (B, T, D) with optional labels: permute the patches, embed them
 * ({@code proj_in(x) + pos_embed + class_embed}), run the causal Transformer layers, project to
 * {@code (a, b)} ({@code proj_out}, zero-initialised weight, 2D outputs, or D shift-only outputs when
 * volume-preserving), shift the outputs right by one patch so that patch t is transformed by what
 * patches &lt; t predict (patch 0 gets a = b = 0), then
 * <pre>  z_t = (x_t - b_t) * exp(-a_t)</pre>
 * and permute back. The Jacobian dz/dx is triangular in the permuted patch order with diagonal
 * exp(-a), so {@code log|det| = -sum(a)}. This block reports the reference's per-dimension value
 * {@code -mean(a)} over the T·D entries of each sample (multiply by T·D for the total).
 *
 * <p>Reverse (sampling) runs the same network one patch at a time with a {@link KVCache}:
 * {@code x_{t+1} = z_{t+1} * exp(a) + b}, where (a, b) come from the already-inverted patches ≤ t.
 *
 * <p>Labels: {@code labels[i] = -1} (or a null array) uses the mean of the class embeddings, as the
 * reference's forward does for dropped labels and for {@code y=None}. (The reference's
 * {@code reverse_step} would index class -1, the last class, for an explicit -1; this implementation
 * uses the mean there too.)
 */
public final class TarFlowBlock {
    /**
     * Rows decoded together by one thread (samples, twice over when guided). Small enough that the KV
     * caches of a group stay in cache between steps; measured on the mnist bench (batch 100, 2 threads):
     * guided sampling 105-120 img/s with each thread's 50 samples in one group, 140-155 in groups of 8-10.
     */
    private static final int DECODE_ROWS = 20;
    private final Kernels k;
    private final DType dtype;
    private final int t;
    private final int d;
    private final int channels;
    private final int numClasses;
    private final boolean nvp;
    private final Permutation perm;
    private final Linear projIn;
    private final Parameter posEmbed;
    private final Parameter classEmbed;
    private final List<AttentionBlock> layers = new ArrayList<>();
    private final Linear projOut;
    private final Tensor attnMask;

    /**
     * Creates the block with zero parameters and the causal {@code attn_mask} buffer.
     *
     * @param prefix     state_dict prefix, e.g. {@code blocks.0}
     * @param t          number of patches T
     * @param d          values per patch D
     * @param channels   Transformer width (multiple of 64)
     * @param perm       the patch order this block reads in ({@link Permutation#forBlock})
     * @param numLayers  Transformer layers ({@code layers_per_block})
     * @param nvp        true: affine, {@code proj_out} predicts (a, b); false: volume-preserving, only b
     * @param numClasses classes of the {@code class_embed} (K, 1, C); 0 for none
     * @param dtype      dtype of the parameters and activations
     * @param k          the kernels
     * @throws IllegalArgumentException if {@code channels} is not a positive multiple of 64
     */
    public TarFlowBlock(String prefix, int t, int d, int channels, Permutation perm, int numLayers, boolean nvp,
                        int numClasses, DType dtype, Kernels k) {
        this.k = k;
        this.dtype = dtype;
        this.t = t;
        this.d = d;
        this.channels = channels;
        this.numClasses = numClasses;
        this.nvp = nvp;
        this.perm = perm;
        this.projIn = new Linear(prefix + ".proj_in", d, channels, dtype, k);
        this.posEmbed = new Parameter(prefix + ".pos_embed", k.allocate(dtype, t, channels));
        this.classEmbed = numClasses > 0
                ? new Parameter(prefix + ".class_embed", k.allocate(dtype, numClasses, 1, channels)) : null;
        for (int i = 0; i < numLayers; i++) {
            layers.add(new AttentionBlock(prefix + ".attn_blocks." + i, channels, dtype, k));
        }
        this.projOut = new Linear(prefix + ".proj_out", channels, nvp ? 2 * d : d, dtype, k);
        this.attnMask = k.allocate(dtype, t, t);
        for (int i = 0; i < t; i++) {
            for (int j = 0; j <= i; j++) {
                attnMask.set(i * t + j, 1.0);
            }
        }
    }

    /**
     * The reference's initialisation: PyTorch defaults, embeddings N(0, 0.01²), proj_out weight 0 (so a
     * new block maps every patch after the first by the same affine map, set by proj_out's bias).
     *
     * @param rng drawn from in the order proj_in, pos_embed, class_embed, each layer, proj_out
     */
    public void init(RandomGenerator rng) {
        projIn.init(rng);
        Init.normal(posEmbed.value(), 1e-2, rng);
        if (classEmbed != null) {
            Init.normal(classEmbed.value(), 1e-2, rng);
        }
        for (AttentionBlock layer : layers) {
            layer.init(rng);
        }
        projOut.init(rng);
        projOut.weight().value().fill(0.0);
    }

    /**
     * {@return the parameters in the reference's registration order: pos_embed, class_embed (if any),
     * proj_in, the layers, proj_out}
     */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.add(posEmbed);
        if (classEmbed != null) {
            ps.add(classEmbed);
        }
        ps.addAll(projIn.parameters());
        for (AttentionBlock layer : layers) {
            ps.addAll(layer.parameters());
        }
        ps.addAll(projOut.parameters());
        return ps;
    }

    /** {@return the {@code attn_mask} buffer (T, T): lower-triangular ones, kept for state_dict compatibility} */
    public Tensor attnMask() {
        return attnMask;
    }

    /** {@return the patch order this block reads in} */
    public Permutation permutation() {
        return perm;
    }

    /**
     * Output of {@link #forward}.
     *
     * @param out          the block's output z (B, T, D), in the original (unpermuted) patch order
     * @param logdetPerDim (B) each sample's {@code -mean(a)} over its T·D values: log|det| divided by T·D
     */
    public record Output(Tensor out, Tensor logdetPerDim) {
    }

    /**
     * What {@link #forward} computed and {@link #backward} needs.
     *
     * @param output  the block's output and per-dimension log-determinant
     * @param labels  the labels of the forward call (null for none)
     * @param xPerm   (B, T, D) the input in the block's patch order: {@code proj_in}'s input
     * @param layers  each Transformer layer's activations, in order
     * @param projOutInput (B, T, C) the last layer's output (the embedded input if there is no layer): {@code proj_out}'s input
     * @param expNegA (B, T, D) {@code exp(-a)}, the diagonal of dz/dx
     * @param zPerm   (B, T, D) the output in the block's patch order
     */
    public record Activations(Output output, int[] labels, Tensor xPerm, List<AttentionBlock.Activations> layers,
                              Tensor projOutInput, Tensor expNegA, Tensor zPerm) {
    }

    /**
     * x (B, T, D) → z (B, T, D) and {@code -mean(a)} per sample (B), as the reference's
     * {@code MetaBlock.forward}, with what {@link #backward} needs. Writes no field of the block, so several
     * threads may run disjoint parts of a batch at once, each with its own workspace.
     *
     * @param x      (B, T, D) the block's input, in the model's patch order
     * @param labels (B) class labels, -1 for "no label"; null for none at all (ignored by an
     *               unconditional block)
     * @param ws     where every activation is allocated (the output too)
     * @return the activations, whose {@link Activations#output()} is the output and its per-dimension log-determinant
     */
    public Activations forward(Tensor x, int[] labels, Workspace ws) {
        return run(x, labels, ws, true);
    }

    /**
     * {@return {@link #forward}'s output and log-determinant, keeping no activation} Each Transformer layer's
     * buffers go back to {@code ws} before the next layer runs (the no-grad pass of likelihood evaluation);
     * the same arithmetic, so the same bits.
     *
     * @param x      (B, T, D) the block's input
     * @param labels as for {@link #forward}
     * @param ws     where the output and the temporaries are allocated
     */
    public Output output(Tensor x, int[] labels, Workspace ws) {
        return run(x, labels, ws, false).output();
    }

    private Activations run(Tensor x, int[] labels, Workspace ws, boolean keep) {
        int b = x.dim(0);
        Tensor xPerm = perm.apply(x, 1, ws);
        Tensor h = projIn.forward(xPerm, ws);
        k.add(h, perm.apply(posEmbed.value(), 0, ws), 1.0, h);
        if (classEmbed != null) {
            k.add(h, repeatOverSequence(classRows(labels, b, ws), t, ws), 1.0, h);
        }
        List<AttentionBlock.Activations> acts = new ArrayList<>(layers.size());
        int layerStart = ws.mark(); // without keep, each layer's buffers are handed back here and h is overwritten
        for (AttentionBlock layer : layers) {
            AttentionBlock.Activations a = layer.forward(h, 1.0, ws);
            if (keep) {
                acts.add(a);
                h = a.y();
            } else {
                k.copy(a.y(), h);
                ws.rewind(layerStart);
            }
        }
        Tensor o = projOut.forward(h, ws);
        Tensor a = ws.zerosLike(xPerm);
        Tensor shift = ws.zerosLike(xPerm);
        shiftRight(o, a, shift);
        Tensor scale = ws.zerosLike(a);
        k.exp(a, -1.0, scale);
        Tensor zPerm = ws.zerosLike(xPerm);
        k.add(xPerm, shift, -1.0, zPerm);
        k.mul(zPerm, scale, zPerm);
        Tensor logdet = ws.zeros(dtype, b);
        k.sumRows(a, -(t * d), logdet); // -mean(a) per sample
        return new Activations(new Output(perm.apply(zPerm, 1, ws), logdet), labels, xPerm, List.copyOf(acts), h,
                scale, zPerm);
    }

    /**
     * Splits proj_out's output o (B, T, out) into a and b (B, T, D), shifted right by one patch: row t of
     * a and b comes from row t-1 of o, row 0 is zero, and o's last row is unused.
     */
    private void shiftRight(Tensor o, Tensor a, Tensor bShift) {
        int outDim = o.dim(2);
        int[] from = {t * outDim, outDim, 1};
        int[] to = {t * d, d, 1};
        int[] shape = {o.dim(0), t - 1, d}; // rows 1..T-1 of a and b from rows 0..T-2 of o
        if (nvp) {
            k.copyStrided(o, 0, from, a, d, to, shape);
        }
        k.copyStrided(o, nvp ? d : 0, from, bShift, d, to, shape);
    }

    /**
     * Backward of {@link #forward}.
     *
     * @param dOut    d loss / d output (B, T, D)
     * @param dLogdet d loss / d logdetPerDim (B)
     * @param acts    the activations of the forward call
     * @param grads   where the parameter gradients are accumulated; null for the input gradient only
     * @param ws      where the intermediate gradients are allocated
     * @return d loss / d x (B, T, D)
     */
    public Tensor backward(Tensor dOut, Tensor dLogdet, Activations acts, Gradients grads, Workspace ws) {
        int b = dOut.dim(0);
        int outDim = nvp ? 2 * d : d;
        Tensor z = acts.zPerm();
        Tensor dz = perm.apply(dOut, 1, ws);
        Tensor dxp = ws.zerosLike(dz);
        k.mul(dz, acts.expNegA(), dxp); // dz/dx = exp(-a) on the diagonal
        Tensor dO = ws.zeros(dtype, b, t, outDim);
        // dz/db = -exp(-a); dz/da = -z, and d logdet/da = -1/(T·D); shifted back by one patch
        k.shiftedAffineBackward(dz, z, dxp, dLogdet, 1.0 / (t * d), nvp, dO);
        List<AttentionBlock.Activations> layerActs = acts.layers();
        Tensor dh = projOut.backward(dO, acts.projOutInput(), grads, ws);
        int layerStart = ws.mark(); // each layer's temporaries go back to ws; its input gradient is copied into dh
        for (int i = layers.size() - 1; i >= 0; i--) {
            k.copy(layers.get(i).backward(dh, layerActs.get(i), grads, ws), dh);
            ws.rewind(layerStart);
        }
        if (grads != null) {
            Tensor dPos = ws.zeros(dtype, t, channels);
            k.sumLeading(dh, dPos);
            Tensor posGrad = grads.of(posEmbed);
            k.add(posGrad, perm.apply(dPos, 0, ws), 1.0, posGrad);
            if (classEmbed != null) {
                k.classEmbeddingBackward(dh, acts.labels(), grads.of(classEmbed).reshape(numClasses, channels));
            }
        }
        k.add(dxp, projIn.backward(dh, acts.xPerm(), grads, ws), 1.0, dxp);
        return perm.apply(dxp, 1, ws);
    }

    /** (B, C): each sample's class embedding, or the mean embedding for label -1 / null labels. */
    private Tensor classRows(int[] labels, int b, Workspace ws) {
        Tensor e = classEmbed.value();
        Tensor rows = ws.zeros(dtype, b, channels);
        for (int bi = 0; bi < b; bi++) {
            for (int c = 0; c < channels; c++) {
                double v;
                if (labels == null || labels[bi] < 0) {
                    double s = 0;
                    for (int y = 0; y < numClasses; y++) {
                        s += e.get(y * channels + c);
                    }
                    v = s / numClasses;
                } else {
                    v = e.get(labels[bi] * channels + c);
                }
                rows.set(bi * channels + c, v);
            }
        }
        return rows;
    }

    private Tensor repeatOverSequence(Tensor rows, int t, Workspace ws) {
        int b = rows.dim(0);
        int c = rows.dim(1);
        Tensor out = ws.zeros(rows.dtype(), b, t, c);
        k.copyStrided(rows, 0, new int[] {c, 0, 1}, out, 0, new int[] {t * c, c, 1}, new int[] {b, t, c});
        return out;
    }

    /**
     * Inverts the block patch by patch: {@link #reverse(Tensor, int[], SamplingOptions, Decoding.Block, Tensor,
     * int[], WorkspacePool)} with sequential decoding and no iteration count.
     *
     * @param x      (B, T, D) the block's output (the latent side), not modified
     * @param labels (B) labels to condition on, -1 for the mean class embedding; null for none
     * @param opts   guidance settings; {@link SamplingOptions#PLAIN} for none
     * @param sumA   if not null, (B): each sample's sum of the log-scales a used is added
     * @param pool   where each group of rows takes its workspace
     * @return (B, T, D) the block's input, a new tensor
     */
    public Tensor reverse(Tensor x, int[] labels, SamplingOptions opts, Tensor sumA, WorkspacePool pool) {
        return reverse(x, labels, opts, null, sumA, null, pool);
    }

    /**
     * Inverts the block: given its output x (B, T, D), returns its input, the batch split across threads
     * (results do not depend on the split); guided sampling decodes both branches as one batch of 2B rows.
     * See {@link SamplingOptions} for guidance.
     *
     * <p>Patch 0 (in the block's order) is copied; patch t = 1..T-1 becomes {@code x_t·exp(a_t) + b_t}
     * with (a_t, b_t) predicted from the inverted patches 0..t-1. Sequentially ({@code fixedPoint} null),
     * T-1 decoding steps with a KV cache per layer compute one patch each, as the reference's
     * {@code MetaBlock.reverse}. With a fixed-point setting the unknown patches are solved chunk by chunk
     * ({@link Decoding}): each iteration runs the chunk's inputs through the network at once, updates every
     * patch of the chunk from the latent, and rewinds the KV caches to the chunk's start; a row whose
     * relative change falls below the threshold keeps its values and stops counting iterations (its group
     * runs on until every row in it has converged or the limit is reached). The last iteration's keys and
     * values stay in the caches, as in apple/ml-starflow's {@code MetaBlock.jacobi}.
     *
     * @param x          (B, T, D) the block's output (the latent side), not modified
     * @param labels     (B) labels to condition on, -1 for the mean class embedding; null for none
     * @param opts       guidance settings; {@link SamplingOptions#PLAIN} for none
     * @param fixedPoint this block's chunk size, iteration limit and threshold; null for sequential decoding
     * @param sumA       if not null, (B): each sample's sum of the log-scales a used (after guidance) is added,
     *                   i.e. log|det| of this inverse step, in the total (not per-dimension) convention
     * @param iterations if not null, (B): the network passes each sample needed are added (T-1 sequentially;
     *                   the sum over chunks of the iterations until the row converged otherwise)
     * @param pool       where each group of rows takes the workspace for its KV caches and step temporaries
     * @return (B, T, D) the block's input, a new tensor
     */
    public Tensor reverse(Tensor x, int[] labels, SamplingOptions opts, Decoding.Block fixedPoint, Tensor sumA,
                          int[] iterations, WorkspacePool pool) {
        return reverse(x, labels, opts, fixedPoint, sumA, iterations, pool, null);
    }

    /**
     * {@link #reverse(Tensor, int[], SamplingOptions, Decoding.Block, Tensor, int[], WorkspacePool)},
     * reporting the first value that is not finite to {@code probe} (null for none; sequential decoding only).
     */
    Tensor reverse(Tensor x, int[] labels, SamplingOptions opts, Decoding.Block fixedPoint, Tensor sumA,
                   int[] iterations, WorkspacePool pool, NonFiniteProbe probe) {
        if (probe != null && fixedPoint != null) {
            throw new IllegalArgumentException("the non-finite probe follows sequential decoding only");
        }
        int b = x.dim(0);
        Workspace setup = new Workspace(k); // this call's inputs, not one group's: not kept in the pool
        Tensor xs = setup.copyOf(perm.apply(x, 1, setup));
        // The latent stays in zs: the host reads it there while kernels write the decoded patches into xs
        // (DeviceCopy: the host must not write a tensor that kernels of other groups read meanwhile).
        Tensor zs = setup.copyOf(xs);
        Tensor pos = perm.apply(posEmbed.value(), 0, setup);
        Tensor condClass = classEmbed == null ? null : classRows(labels, b, setup);
        Tensor meanClass = classEmbed == null ? null : classRows(null, 1, setup);
        projIn.cacheTransposedWeight();
        projOut.cacheTransposedWeight();
        for (AttentionBlock layer : layers) {
            layer.cacheTransposedWeights();
        }
        // Samples are independent, so each thread decodes its own contiguous part of the batch, in groups of
        // DECODE_ROWS rows with their own caches and serial kernels: one patch per step is too little work per
        // operation to share. Every kernel computes a row the same way whatever the rows around it, so neither
        // split changes a bit.
        try {
            int group = Math.max(1, DECODE_ROWS / (opts.guided() ? 2 : 1));
            Parallel.forGroups(b, group, (g0, g1) -> pool.use(ws -> {
                Decoder dec = new Decoder(g0, g1, opts, condClass, meanClass, ws);
                if (fixedPoint == null) {
                    reverseRows(xs, zs, dec, pos, sumA, iterations, probe, ws);
                } else {
                    jacobiRows(xs, zs, dec, pos, fixedPoint, sumA, iterations, ws);
                }
            }));
            Tensor out = k.allocate(dtype, x.shape());
            k.copy(perm.apply(xs, 1, setup), out);
            return out;
        } finally {
            projIn.dropTransposedWeight();
            projOut.dropTransposedWeight();
            for (AttentionBlock layer : layers) {
                layer.dropTransposedWeights();
            }
        }
    }

    /**
     * What the decoding of rows [lo, hi) shares: with guidance the decoded batch holds each row twice,
     * conditional then unconditional (mean class embedding, attention temperature {@code attn_temp}), so
     * both branches run in one pass. The KV caches and the class rows live in the group's workspace.
     */
    private final class Decoder {
        final int lo;
        final int n;
        final int rows;
        final SamplingOptions opts;
        final double[] temps;
        final List<KVCache> caches = new ArrayList<>();
        final Tensor cls;

        Decoder(int lo, int hi, SamplingOptions opts, Tensor condClass, Tensor meanClass, Workspace ws) {
            this.lo = lo;
            this.n = hi - lo;
            this.opts = opts;
            this.rows = opts.guided() ? 2 * n : n;
            this.temps = opts.guided() ? new double[] {1.0, opts.attnTemp()} : new double[] {1.0};
            for (AttentionBlock layer : layers) {
                caches.add(layer.attention().newCache(dtype, rows, t, ws));
            }
            if (condClass != null) {
                cls = ws.zeros(dtype, rows, 1, channels);
                k.copyStrided(condClass, lo * channels, new int[] {1}, cls, 0, new int[] {1}, new int[] {n * channels});
                // the unconditional twins (guided sampling) all take the mean class embedding
                k.copyStrided(meanClass, 0, new int[] {0, 1}, cls, n * channels, new int[] {channels, 1},
                        new int[] {rows - n, channels});
            } else {
                cls = null;
            }
        }

        /**
         * Copies patches s..s+len-1 of each row of xs into {@code token} (rows, len, D), the unconditional
         * twins reading the same row; rows with {@code live[r]} false keep what they hold ({@code live} null:
         * every row). {@return token}
         */
        Tensor fillTokens(Tensor token, Tensor xs, int s, int len, boolean[] live) {
            int run = len * d;
            if (live == null) { // (branch, row, element): both branches read rows lo..lo+n-1
                k.copyStrided(xs, (lo * t + s) * d, new int[] {0, t * d, 1}, token, 0, new int[] {n * run, run, 1},
                        new int[] {rows / n, n, run});
                return token;
            }
            for (int r = 0; r < rows; r++) {
                if (live[r % n]) {
                    k.copyStrided(xs, ((lo + r % n) * t + s) * d, new int[] {1}, token, r * run, new int[] {1},
                            new int[] {run});
                }
            }
            return token;
        }

        /**
         * Patch {@code step + 1} of row r from the network's output o (rows, len, out) at position l (step
         * {@code step} = s + l): {@code z·exp(a) + b}, guided by the options' rule, with z read from {@code z}
         * at {@code zIdx}, written to {@code dst} at {@code dstIdx}. A probe (sequential decoding) gets the first
         * value that is not finite, with the largest magnitude among the row's patches so far in {@code xs}; the
         * check runs only then, so that plain sampling does not pay for it. {@return the sum of the log-scales a
         * used}
         */
        double solvePatch(Tensor o, int r, int len, int l, int step, Tensor z, int zIdx, Tensor dst, int dstIdx,
                          NonFiniteProbe probe, Tensor xs) {
            int outDim = o.dim(2);
            int shift = nvp ? d : 0;
            boolean guided = opts.guided();
            double g = guided ? opts.weightAt(step, t) : 0;
            int c = (r * len + l) * outDim;
            int u = ((r + n) * len + l) * outDim;
            double sum = 0;
            for (int j = 0; j < d; j++) {
                double ac = nvp ? o.get(c + j) : 0;
                double bc = o.get(c + shift + j);
                double au = guided && nvp ? o.get(u + j) : 0;
                double bu = guided ? o.get(u + shift + j) : 0;
                // o holds values of the activations' dtype, so rounding an unguided a or b changes nothing
                double a = guided ? round(opts.guidedLogScale(ac, au, g)) : ac;
                double sh = guided ? round(opts.guidedShift(bc, bu, ac, au, g)) : bc;
                double in = z.get(zIdx + j);
                dst.set(dstIdx + j, in * Math.exp(a) + sh);
                if (probe != null && !Double.isFinite(dst.get(dstIdx + j))) {
                    probe.report(step + 1, perm == Permutation.FLIP ? t - 2 - step : step + 1, j,
                            overflow(dtype, in, ac, bc, guided, au, bu, a), in, ac, guided ? au : Double.NaN, a,
                            dst.get(dstIdx + j), largestMagnitude(xs, (lo + r) * t * d, (step + 1) * d));
                }
                sum += a;
            }
            return sum;
        }
    }

    /**
     * Inverts the decoder's rows of xs in place, patch by patch; each step's temporaries go back to ws. Each step
     * solves the rows' next patch from the latent zs into a patch buffer of the group's own, which a kernel copies
     * into xs (so xs is written only by kernels). A probe, if given, gets the first value that is not finite.
     */
    private void reverseRows(Tensor xs, Tensor zs, Decoder dec, Tensor pos, Tensor sumA, int[] iterations,
                             NonFiniteProbe probe, Workspace ws) {
        Tensor patch = ws.zeros(dtype, dec.n, d);
        int step = ws.mark();
        for (int i = 0; i < t - 1; i++) {
            ws.rewind(step);
            Tensor o = decodeStep(dec.fillTokens(ws.zeros(dtype, dec.rows, 1, d), xs, i, 1, null), i, pos, dec, ws);
            int first = (dec.lo * t + i + 1) * d; // patch i + 1 of the group's first row
            for (int r = 0; r < dec.n; r++) {
                double sum = dec.solvePatch(o, r, 1, 0, i, zs, first + r * t * d, patch, r * d, probe, xs);
                if (sumA != null) {
                    sumA.set(dec.lo + r, sumA.get(dec.lo + r) + sum);
                }
            }
            k.copyStrided(patch, 0, new int[] {d, 1}, xs, first, new int[] {t * d, 1}, new int[] {dec.n, d});
        }
        if (iterations != null) {
            for (int r = 0; r < dec.n; r++) {
                iterations[dec.lo + r] += t - 1;
            }
        }
    }

    /**
     * Inverts the decoder's rows of xs in place by fixed-point iteration, chunk after chunk (see
     * {@link #reverse(Tensor, int[], SamplingOptions, Decoding.Block, Tensor, int[], WorkspacePool)}); zs holds
     * the latent, xs the iterate, which starts as the latent. As in {@link #reverseRows} the host writes only
     * buffers of the group's own (the chunk's iterate), which a kernel copies into xs.
     */
    private void jacobiRows(Tensor xs, Tensor zs, Decoder dec, Tensor pos, Decoding.Block fp, Tensor sumA,
                            int[] iterations, Workspace ws) {
        int n = dec.n;
        boolean[] live = new boolean[n];
        double[] chunkA = new double[n];
        int chunkStart = ws.mark();
        for (int s = 0; s < t - 1; s += fp.chunk()) {
            ws.rewind(chunkStart);
            int len = Math.min(fp.chunk(), t - 1 - s);
            int limit = Math.min(fp.maxIterations(), len); // after len iterations the causal map's iterate is exact
            Tensor fresh = ws.zeros(dtype, len * d);
            // the rows' iterate over the chunk's unknown patches, which start as the latent; copied into xs by a
            // kernel after each iteration (xs is written only by kernels)
            int first = (dec.lo * t + s + 1) * d; // patch s + 1 of the group's first row: the chunk's first unknown
            Tensor iterate = ws.zeros(dtype, n, len * d);
            k.copyStrided(zs, first, new int[] {t * d, 1}, iterate, 0, new int[] {len * d, 1}, new int[] {n, len * d});
            // A converged row keeps the inputs of its last iteration, so that its KV cache entries, recomputed
            // while other rows iterate, are those it had when it converged: a row's result does not depend on
            // the rows beside it.
            Tensor token = ws.zeros(dtype, dec.rows, len, d);
            Arrays.fill(live, true);
            int running = n;
            int iteration = ws.mark();
            for (int it = 0; it < limit && running > 0; it++) {
                ws.rewind(iteration);
                for (KVCache c : dec.caches) {
                    c.rewind(s);
                }
                Tensor o = decodeStep(dec.fillTokens(token, xs, s, len, live), s, pos, dec, ws);
                for (int r = 0; r < n; r++) {
                    if (!live[r]) {
                        continue;
                    }
                    double sum = 0;
                    for (int l = 0; l < len; l++) {
                        sum += dec.solvePatch(o, r, len, l, s + l, zs, first + r * t * d + l * d, fresh, l * d, null,
                                null);
                    }
                    double change = 0;
                    double size = 0;
                    for (int j = 0; j < len * d; j++) {
                        double v = fresh.get(j);
                        double dv = v - iterate.get(r * len * d + j);
                        change += dv * dv;
                        size += v * v;
                        iterate.set(r * len * d + j, v);
                    }
                    chunkA[r] = sum;
                    if (iterations != null) {
                        iterations[dec.lo + r]++;
                    }
                    if (change < fp.threshold() * size) {
                        live[r] = false;
                        running--;
                    }
                }
                k.copyStrided(iterate, 0, new int[] {len * d, 1}, xs, first, new int[] {t * d, 1},
                        new int[] {n, len * d});
            }
            for (int r = 0; sumA != null && r < n; r++) {
                sumA.set(dec.lo + r, sumA.get(dec.lo + r) + chunkA[r]);
            }
        }
    }

    /**
     * {@return what made x·exp(a) + b overflow at one value, in arithmetic of {@code dtype}} in is the scaled
     * value, (ac, bc) the conditional prediction, (au, bu) the unconditional one when guided, a the applied
     * log-scale.
     */
    static NonFiniteStep.Quantity overflow(DType dtype, double in, double ac, double bc, boolean guided, double au,
                                           double bu, double a) {
        if (!Double.isFinite(ac) || !Double.isFinite(bc) || guided && (!Double.isFinite(au) || !Double.isFinite(bu))) {
            return NonFiniteStep.Quantity.PREDICTION;
        }
        if (!guided || !finiteIn(dtype, in * Math.exp(ac) + bc)) {
            return NonFiniteStep.Quantity.SCALE;
        }
        return finiteIn(dtype, in * Math.exp(a)) ? NonFiniteStep.Quantity.GUIDED_SHIFT : NonFiniteStep.Quantity.GUIDED_SCALE;
    }

    private static boolean finiteIn(DType dtype, double v) {
        return Double.isFinite(dtype == DType.F32 ? (float) v : v);
    }

    /** {@return max |x| over the {@code n} values of {@code x} from {@code from}} */
    private static double largestMagnitude(Tensor x, int from, int n) {
        double m = 0;
        for (int i = from; i < from + n; i++) {
            m = Math.max(m, Math.abs(x.get(i)));
        }
        return m;
    }

    /** {@return the reference's guidance rule {@code c + g (c - u)}} for conditional c and unconditional u. */
    static double guide(double c, double u, double g) {
        return c + g * (c - u);
    }

    /** Guided values are rounded to the activations' dtype, as the reference computes them in tensors. */
    private double round(double v) {
        return dtype == DType.F32 ? (float) v : v;
    }

    /**
     * Runs L consecutive patches per row through the network, appending them to the decoder's KV caches:
     * token (R, L, D), holding patches i..i+L-1, → (R, L, 2D) or (R, L, D), the (a, b) or b predicted for
     * patches i+1..i+L. L = 1 is a sequential step, a chunk a Jacobi iteration.
     */
    private Tensor decodeStep(Tensor token, int i, Tensor pos, Decoder dec, Workspace ws) {
        int len = token.dim(1);
        Tensor h = projIn.forward(token, ws);
        Tensor posRows = ws.zeros(dtype, len, channels);
        k.copyStrided(pos, i * channels, new int[] {1}, posRows, 0, new int[] {1}, new int[] {len * channels});
        k.add(h, posRows, 1.0, h);
        if (dec.cls != null) {
            k.add(h, len == 1 ? dec.cls : repeatOverSequence(dec.cls.reshape(dec.rows, channels), len, ws), 1.0, h);
        }
        for (int l = 0; l < layers.size(); l++) {
            h = layers.get(l).decode(h, dec.caches.get(l), dec.temps, ws);
        }
        return projOut.forward(h, ws);
    }
}
