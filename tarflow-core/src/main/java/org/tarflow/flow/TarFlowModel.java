package org.tarflow.flow;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tarflow.nn.Gradients;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Parallel;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;
import org.tarflow.tensor.WorkspacePool;

/**
 * The TarFlow model (the reference's {@code transformer_flow.Model}): images are patchified into
 * sequences (B, T, D) and pass through {@code num_blocks} {@link TarFlowBlock}s whose permutations
 * alternate identity / flip; the latent is scored under a standard normal prior.
 *
 * <p>Loss (the reference's {@code get_loss}): {@code 0.5 * mean(z^2) - mean(logdets)}, with logdets in
 * the per-dimension convention, which is the negative log-likelihood in nats per dimension up to the
 * constant {@code 0.5 log(2π)}.
 *
 * <p>Volume-preserving models ({@code nvp = false}) learn the prior variance instead: the buffer
 * {@code var} (T, D) is updated during training by {@link #updatePrior} and scales the noise at sampling.
 * For affine models it stays at ones.
 *
 * <p>The model holds its parameters and buffers only. A training forward pass returns its activations
 * ({@link #forwardForTraining}) for {@link #backward}, which accumulates into a {@link Gradients} object that
 * only training creates ({@link #newGradients}); activations live in {@link Workspace}s that are reused from
 * step to step. {@link #forward} and the backward pass write no field, so threads may run them at once on
 * disjoint data. {@link #reverse} caches transposed weights in the layers while it runs: run one sampling at
 * a time per model.
 */
public final class TarFlowModel {
    /**
     * Patch rows per group in {@link #forward} (20 images of 49 patches): on the mnist model one thread
     * ran the forward pass at 150 img/s at batch 500, 175 at batch 50 and 190 at batch 20.
     */
    private static final int NO_GRAD_ROWS = 1000;
    /**
     * Patch rows per group in {@link #inputGradient} (10 images of 49 patches), as in training's groups: the
     * group's activations are kept through its backward pass.
     */
    private static final int GRAD_ROWS = 500;
    /** Weight of the running update of {@code var} (the reference's {@code VAR_LR}). */
    public static final double VAR_LR = 0.1;

    private final ModelConfig config;
    private final DType dtype;
    private final Kernels k;
    private final List<TarFlowBlock> blocks = new ArrayList<>();
    private final Tensor var;
    /**
     * Workspaces of {@link #forward}, {@link #inputGradient} and {@link #reverse}: their groups of rows reuse
     * buffers across calls. One pool per kind of pass, so that a workspace serves one pattern of shapes.
     */
    private final WorkspacePool forwardPool;
    private final WorkspacePool gradientPool;
    private final WorkspacePool decodePool;

    /**
     * Builds the model with zero parameters ({@link #init} or {@link #loadStateDict} fills them) and
     * {@code var} at ones.
     *
     * @param config the model's shape
     * @param dtype  F32 for training and sampling, F64 to match the golden cases
     * @param k      the kernels every layer computes with
     */
    public TarFlowModel(ModelConfig config, DType dtype, Kernels k) {
        this.config = config;
        this.dtype = dtype;
        this.k = k;
        for (int i = 0; i < config.numBlocks(); i++) {
            blocks.add(new TarFlowBlock("blocks." + i, config.numPatches(), config.patchDim(), config.channels(),
                    Permutation.forBlock(i), config.layersPerBlock(), config.nvp(), config.numClasses(), dtype, k));
        }
        this.var = k.allocate(dtype, config.numPatches(), config.patchDim());
        var.fill(1.0);
        this.forwardPool = new WorkspacePool(k);
        this.gradientPool = new WorkspacePool(k);
        this.decodePool = new WorkspacePool(k);
    }

    /**
     * Initialises all parameters as the reference does (PyTorch defaults, embeddings N(0, 0.01²),
     * {@code proj_out} weight 0) and resets {@code var} to ones. The values follow the reference's
     * distributions; the random stream is this project's ({@link SplittableRandom}), so the weights are
     * not PyTorch's for the same seed.
     *
     * @param seed fixes every drawn value
     * @return this model
     */
    public TarFlowModel init(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (TarFlowBlock b : blocks) {
            b.init(rng);
        }
        var.fill(1.0);
        return this;
    }

    /** {@return the model's configuration} */
    public ModelConfig config() {
        return config;
    }

    /** {@return the dtype of the parameters and of the inputs the model accepts} */
    public DType dtype() {
        return dtype;
    }

    /** {@return the kernels the model computes with} */
    public Kernels kernels() {
        return k;
    }

    /** {@return the flow blocks, in forward order (the live list)} */
    public List<TarFlowBlock> blocks() {
        return blocks;
    }

    /** {@return the prior variance buffer {@code var} (T, D), live: ones unless a volume-preserving model learned it} */
    public Tensor priorVar() {
        return var;
    }

    /** {@return all trainable parameters, in state_dict order (no buffers)} */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        for (TarFlowBlock b : blocks) {
            ps.addAll(b.parameters());
        }
        return ps;
    }

    /**
     * {@return parameters and buffers by PyTorch state_dict key (the live tensors, not copies)}: each
     * block's parameters then its {@code attn_mask}, and {@code var} last (PyTorch lists the keys in
     * another order, which a state_dict's loader does not depend on)
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (int i = 0; i < blocks.size(); i++) {
            for (Parameter p : blocks.get(i).parameters()) {
                sd.put(p.name(), p.value());
            }
            sd.put("blocks." + i + ".attn_mask", blocks.get(i).attnMask());
        }
        sd.put("var", var);
        return sd;
    }

    /**
     * Copies a state_dict into the model (converting dtype as needed), strictly: every key of
     * {@link #stateDict()} must be present with the same shape and no other key may appear; the
     * {@code attn_mask} buffers must be the causal (lower-triangular ones) mask this implementation
     * computes with.
     *
     * <p>Of the values only the masks are checked; the caller checks that the others are finite first
     * ({@code io.ModelFiles}). Nothing is copied unless every check passes.
     *
     * @param source tensors by state_dict key, of either dtype
     * @throws IllegalArgumentException listing every missing, unexpected and mis-shaped key, or naming
     *         the first {@code attn_mask} that is not causal
     */
    public void loadStateDict(Map<String, Tensor> source) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        source.forEach((key, t) -> shapes.put(key, t.shape()));
        checkFits(shapes);
        Map<String, Tensor> own = stateDict();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            if (isMask(e.getKey())) {
                checkMask(e.getKey(), source.get(e.getKey()), e.getValue());
            }
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            if (!isMask(e.getKey())) {
                k.copyIn(source.get(e.getKey()), e.getValue());
            }
        }
    }

    /**
     * A state_dict read one tensor at a time ({@link #loadStateDict(Map, StateDictSource)}).
     */
    @FunctionalInterface
    public interface StateDictSource {
        /**
         * {@return the values of one state_dict entry, of either dtype}
         *
         * @param key a state_dict key
         * @throws IOException if the values cannot be read
         */
        Tensor tensor(String key) throws IOException;
    }

    /**
     * As {@link #loadStateDict(Map)}, reading each tensor only when it is copied, so that a large model loads
     * holding its own parameters and one tensor of the source rather than the whole source as well. The
     * keys and shapes are checked first; the values and masks as they are read, so a failure can leave
     * some parameters overwritten: load into a fresh model and drop it on failure.
     *
     * @param shapes every source key with its shape
     * @param values reads the tensor of a key (asked for once per key of {@link #stateDict()})
     * @throws IllegalArgumentException as {@link #loadStateDict(Map)}, or when a tensor read does not have the
     *         shape given for it
     * @throws IOException from {@code values}
     */
    public void loadStateDict(Map<String, int[]> shapes, StateDictSource values) throws IOException {
        checkFits(shapes);
        for (Map.Entry<String, Tensor> e : stateDict().entrySet()) {
            Tensor src = values.tensor(e.getKey());
            if (!src.sameShape(e.getValue())) {
                throw new IllegalArgumentException(e.getKey() + " read as " + src.describe() + ", declared "
                        + java.util.Arrays.toString(shapes.get(e.getKey())));
            }
            if (isMask(e.getKey())) {
                checkMask(e.getKey(), src, e.getValue());
            } else {
                k.copyIn(src, e.getValue());
            }
        }
    }

    /** Every key of the state_dict present with the model's shape, and no other. */
    private void checkFits(Map<String, int[]> source) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            int[] shape = source.get(e.getKey());
            if (shape == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(shape, e.getValue().shape())) {
                misShaped.add(e.getKey() + " (file " + Arrays.toString(shape) + ", model "
                        + Arrays.toString(e.getValue().shape()) + ")");
            }
        }
        List<String> unexpected = source.keySet().stream().filter(key -> !own.containsKey(key)).sorted().toList();
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misShaped.isEmpty()) {
            StringBuilder sb = new StringBuilder("state_dict does not fit the model " + config);
            if (!missing.isEmpty()) {
                sb.append("\n  missing keys: ").append(abbreviate(missing));
            }
            if (!unexpected.isEmpty()) {
                sb.append("\n  unexpected keys: ").append(abbreviate(unexpected));
            }
            if (!misShaped.isEmpty()) {
                sb.append("\n  shape mismatches: ").append(abbreviate(misShaped));
            }
            throw new IllegalArgumentException(sb.toString());
        }
    }

    /** The {@code attn_mask} buffers are not loaded but checked: only the causal mask is supported. */
    private static boolean isMask(String key) {
        return key.endsWith(".attn_mask");
    }

    private static void checkMask(String key, Tensor given, Tensor causal) {
        for (int j = 0; j < causal.size(); j++) {
            if (given.get(j) != causal.get(j)) {
                throw new IllegalArgumentException(key + " is not the causal lower-triangular mask; other masks"
                        + " are not supported");
            }
        }
    }

    /** The first few entries of a long list, and how many more there are. */
    private static String abbreviate(List<String> keys) {
        int shown = 8;
        return keys.size() <= shown ? keys.toString()
                : keys.subList(0, shown) + " and " + (keys.size() - shown) + " more";
    }

    /**
     * {@return zero gradients for every parameter of this model, for training} A model that only samples or
     * evaluates never needs one.
     */
    public Gradients newGradients() {
        return new Gradients(parameters(), k);
    }

    /**
     * {@return the patch sequence (B, T, D) of the images ({@link Patchify#patchify})}
     *
     * @param img (B, C, H, W) images of this model's shape and dtype
     * @throws IllegalArgumentException for a sequence model, or images of another shape or dtype
     */
    public Tensor patchify(Tensor img) {
        checkImages(img);
        return Patchify.patchify(img, config.patchSize());
    }

    /**
     * {@return the images (B, C, H, W) the sequence represents; for a sequence model the sequence itself}
     *
     * @param seq (B, T, D) a patch sequence
     * @throws IllegalArgumentException if its T or D does not fit the model's image shape
     */
    public Tensor unpatchify(Tensor seq) {
        return config.isImage() ? Patchify.unpatchify(seq, config.patchSize(), config.inChannels(), config.imgSize()) : seq;
    }

    /**
     * The forward pass on images (B, C, H, W) in [-1, 1] (plus any noise augmentation), or on sequences
     * (B, T, D): runs the blocks in order, summing their per-dimension log-dets, as the reference's
     * {@code Model.forward}, and keeps nothing for a backward pass (PyTorch's {@code torch.no_grad()}; for
     * training see {@link #forwardForTraining}).
     *
     * <p>Each thread runs groups of its part of the batch through all blocks, in workspaces the model keeps
     * for the next call; the result does not depend on the grouping or the thread count, and has the same bits
     * as {@link #forwardForTraining}'s.
     *
     * @param x      (B, C, H, W) images or (B, T, D) sequences, in the model's dtype
     * @param labels (B) class labels in [0, num_classes) or -1 for "no label"; null for an unconditional
     *               model or to use the mean class embedding for every sample
     * @return the latent, every block's output, and the log-dets per dimension (new tensors)
     * @throws IllegalArgumentException if the shape or dtype does not fit the model, labels are given
     *         to an unconditional model, or a label is out of range or the wrong count
     */
    public ForwardResult forward(Tensor x, int[] labels) {
        Tensor seq = checkedSequence(x, labels);
        int b = seq.dim(0);
        int group = Math.max(1, NO_GRAD_ROWS / seq.dim(1));
        List<Tensor> outputs = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            outputs.add(k.allocate(dtype, seq.shape()));
        }
        Tensor logdets = k.allocate(dtype, b);
        int rowSize = seq.size() / Math.max(1, b);
        Parallel.forGroups(b, group, (g0, g1) -> forwardPool.use(ws -> {
            int[] y = labels == null ? null : Arrays.copyOfRange(labels, g0, g1);
            // h is each block's input; everything after the mark is one block's activations, reused by the next
            Tensor h = ws.rows(seq, g0, g1);
            Tensor ld = ws.zeros(dtype, g1 - g0);
            int mark = ws.mark();
            for (int i = 0; i < blocks.size(); i++) {
                ws.rewind(mark);
                TarFlowBlock.Output o = blocks.get(i).output(h, y, ws);
                k.add(ld, o.logdetPerDim(), 1.0, ld);
                k.copy(o.out(), h);
                k.copy(h, outputs.get(i), g0 * rowSize);
            }
            k.copy(ld, logdets, g0);
        }));
        return new ForwardResult(outputs.getLast(), List.copyOf(outputs), logdets, x.shape());
    }

    /**
     * What {@link #forwardForTraining} computed: the forward result and every block's activations, which
     * {@link #backward} needs (PyTorch keeps them in the autograd graph; llm.c in its activation struct).
     *
     * @param result the forward result (its tensors live in the workspace of the call)
     * @param blocks each block's activations, in forward order
     */
    public record Activations(ForwardResult result, List<TarFlowBlock.Activations> blocks) {
    }

    /**
     * The forward pass of training: {@link #forward}'s result, computed on the calling thread's share of the
     * kernels' threads, with every activation the backward pass needs, all in {@code ws}.
     *
     * @param x      (B, C, H, W) images or (B, T, D) sequences, in the model's dtype
     * @param labels as for {@link #forward}
     * @param ws     where every activation is allocated; they stay valid until it is reset
     * @return the activations, whose {@link Activations#result()} is the forward result
     * @throws IllegalArgumentException as for {@link #forward}
     */
    public Activations forwardForTraining(Tensor x, int[] labels, Workspace ws) {
        Tensor seq = checkedSequence(x, labels);
        List<Tensor> outputs = new ArrayList<>();
        List<TarFlowBlock.Activations> acts = new ArrayList<>();
        Tensor logdets = ws.zeros(dtype, seq.dim(0));
        Tensor h = seq;
        for (TarFlowBlock b : blocks) {
            TarFlowBlock.Activations a = b.forward(h, labels, ws);
            acts.add(a);
            k.add(logdets, a.output().logdetPerDim(), 1.0, logdets);
            h = a.output().out();
            outputs.add(h);
        }
        return new Activations(new ForwardResult(h, List.copyOf(outputs), logdets, x.shape()), List.copyOf(acts));
    }

    /**
     * {@return the reference's loss {@code 0.5 * mean(z^2) - mean(logdets)}} The negative log-likelihood
     * in nats per dimension, minus the constant {@code 0.5 log 2π}, averaged over the batch (the reference's
     * {@code get_loss}; the prior is N(0, 1) even for a model with a learned {@code var}).
     *
     * @param r a forward result of this model
     */
    public double loss(ForwardResult r) {
        return 0.5 * k.sumSquares(r.z()) / r.z().size() - k.sum(r.logdets()) / r.logdets().size();
    }

    /**
     * Backward of {@link #loss} through a training forward pass: accumulates d loss / d parameter into
     * {@code grads} and returns d loss / d input, shaped like the forward input.
     *
     * @param acts  the activations {@link #forwardForTraining} returned (their workspace not reset since)
     * @param grads where the parameter gradients are accumulated (zero them first for a fresh step); null for
     *              the input gradient only, with no parameter gradient computed (the denoising step)
     * @param ws    where the intermediate gradients are allocated (may be the forward's workspace)
     * @return d loss / d x, (B, C, H, W) or (B, T, D) like the input of that forward, in {@code ws}
     */
    public Tensor backward(Activations acts, Gradients grads, Workspace ws) {
        return backward(acts, acts.result().z().dim(0), grads, ws);
    }

    /**
     * {@return as {@link #backward(Activations, Gradients, Workspace)}, for a forward pass over a part of a
     * batch of {@code batch} samples} The loss is the whole batch's mean, so this part's gradient is its share
     * of it: summing the gradients of the parts gives the batch's gradient (up to rounding; the samples are
     * independent).
     *
     * @param acts  the activations of a training forward pass on some samples of the batch
     * @param batch the number of samples of the whole batch, B (at least those of {@code acts})
     * @param grads where the parameter gradients are accumulated
     * @param ws    where the intermediate gradients are allocated
     * @throws IllegalArgumentException if {@code batch} is smaller than the part
     */
    public Tensor backward(Activations acts, int batch, Gradients grads, Workspace ws) {
        ForwardResult r = acts.result();
        int b = r.z().dim(0);
        if (batch < b) {
            throw new IllegalArgumentException("a part of " + b + " samples cannot belong to a batch of " + batch);
        }
        Tensor dz = ws.copyOf(r.z());
        double elements = (double) batch * r.dims();
        for (int i = 0; i < dz.size(); i++) {
            dz.set(i, dz.get(i) / elements);
        }
        Tensor dLogdet = ws.zeros(dtype, b);
        dLogdet.fill(-1.0 / batch);
        // g is the gradient at each block's output; everything after the mark is one block's temporaries
        Tensor g = dz;
        int mark = ws.mark();
        for (int i = blocks.size() - 1; i >= 0; i--) {
            ws.rewind(mark);
            k.copy(blocks.get(i).backward(g, dLogdet, acts.blocks().get(i), grads, ws), g);
        }
        return r.inputShape().length == 4 ? unpatchify(g) : g;
    }

    /**
     * {@return d loss / d x for the reference's loss over the batch, without any parameter gradient, in a new
     * tensor of x's shape}
     * ({@code torch.autograd.grad(loss, x)}): the direction of the score-based denoising step ({@link Denoise}).
     * The samples are independent, so each thread runs groups of its part of the batch forward and backward
     * in workspaces the model keeps; each sample's gradient has the bits a whole-batch
     * {@link #forwardForTraining} and {@link #backward} would give it.
     *
     * @param x      (B, C, H, W) images or (B, T, D) sequences, in the model's dtype
     * @param labels as for {@link #forward}
     * @throws IllegalArgumentException as for {@link #forward}
     */
    public Tensor inputGradient(Tensor x, int[] labels) {
        Tensor seq = checkedSequence(x, labels);
        int b = seq.dim(0);
        int group = Math.max(1, GRAD_ROWS / seq.dim(1));
        Tensor grad = k.allocate(dtype, seq.shape());
        Parallel.forGroups(b, group, (g0, g1) -> gradientPool.use(ws -> {
            int[] y = labels == null ? null : Arrays.copyOfRange(labels, g0, g1);
            Activations acts = forwardForTraining(ws.rows(seq, g0, g1), y, ws);
            grad.setRows(g0, backward(acts, b, null, ws));
        }));
        return x.rank() == 4 ? unpatchify(grad) : grad;
    }

    /**
     * The reference's {@code update_prior}: {@code var ← var + VAR_LR · (mean over the batch of z² − var)}.
     * Used in training of volume-preserving models only.
     *
     * @param z (B, T, D) the latent of the current training batch
     */
    public void updatePrior(Tensor z) {
        int b = z.dim(0);
        int n = var.size();
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < b; i++) {
                double v = z.get(i * n + j);
                s += v * v;
            }
            double mean = s / b;
            var.set(j, var.get(j) + VAR_LR * (mean - var.get(j)));
        }
    }

    /**
     * What {@link #reverse} returns: the samples and each one's exact log-density under the sampling map.
     *
     * @param x             images (B, C, H, W), or the sequence (B, T, D) from {@link #reverseSequence}; unclipped
     * @param logLikelihood (B) {@code log q(x)} in nats, summed over the C·H·W (= T·D) values: the log-density
     *                      of the latent the inversion started from, {@code N(0, var)}, minus the sum of every
     *                      log-scale a applied (the Jacobian of x = z·exp(a) + b is triangular with diagonal
     *                      exp(a)). Without guidance and with {@code var} = 1 (always, for affine models) this is
     *                      the model's {@code log p(x | y)} that {@link #forward} gives,
     *                      {@code -0.5 Σ z² - (T·D/2) log 2π + logdetsTotal}; with guidance it is the density
     *                      of the guided sampler, and for volume-preserving models its prior is {@code N(0, var)}
     *                      where the training loss uses {@code N(0, 1)}.
     * @param iterations    (numBlocks, B): network passes per block and sample, the blocks in model order
     *                      ({@code blocks.0} first, though it is inverted last): T-1 for sequential decoding,
     *                      the iterations summed over the chunks for fixed-point decoding ({@link Decoding})
     */
    public record ReverseResult(Tensor x, Tensor logLikelihood, int[][] iterations) {
        /** {@return the mean over the samples of each block's {@link #iterations()}, blocks in model order} */
        public double[] meanIterations() {
            double[] m = new double[iterations.length];
            for (int i = 0; i < m.length; i++) {
                m[i] = Arrays.stream(iterations[i]).average().orElse(0);
            }
            return m;
        }
    }

    /**
     * Samples images from prior noise: {@code x = noise * sqrt(var)}, then each block inverted in reverse
     * order (the reference's {@code Model.reverse}), returning images (B, C, H, W) (unclipped) and their
     * log-likelihood.
     *
     * @param noise  (B, T, D) standard normal
     * @param labels (B) labels to condition on, -1 or null for the mean class embedding
     * @param opts   guidance settings ({@link SamplingOptions#PLAIN} for none)
     * @return the samples and their log-likelihood in nats
     * @throws IllegalArgumentException if the noise's shape or dtype does not fit, or the labels are invalid
     */
    public ReverseResult reverse(Tensor noise, int[] labels, SamplingOptions opts) {
        return reverse(noise, labels, opts, Decoding.SEQUENTIAL);
    }

    /**
     * {@return as {@link #reverse(Tensor, int[], SamplingOptions)}, each block inverted by {@code decoding}}
     * Guidance acts on every network pass the same way for every method.
     *
     * @param noise    (B, T, D) standard normal
     * @param labels   as for {@link #reverse(Tensor, int[], SamplingOptions)}
     * @param opts     guidance settings
     * @param decoding sequential or fixed-point decoding, and its settings
     * @throws IllegalArgumentException as for {@link #reverse(Tensor, int[], SamplingOptions)}, or if a
     *         per-block list of {@code decoding} has neither one value nor one per block
     */
    public ReverseResult reverse(Tensor noise, int[] labels, SamplingOptions opts, Decoding decoding) {
        ReverseResult r = reverseSequence(noise, labels, opts, decoding);
        return new ReverseResult(unpatchify(r.x()), r.logLikelihood(), r.iterations());
    }

    /**
     * {@return as {@link #reverse} but with the patch sequence (B, T, D) as {@code x}}
     *
     * @param noise  (B, T, D) standard normal noise, not modified
     * @param labels as for {@link #reverse}
     * @param opts   guidance settings
     * @throws IllegalArgumentException as for {@link #reverse}
     */
    public ReverseResult reverseSequence(Tensor noise, int[] labels, SamplingOptions opts) {
        return reverseSequence(noise, labels, opts, Decoding.SEQUENTIAL);
    }

    /**
     * {@return as {@link #reverse(Tensor, int[], SamplingOptions, Decoding)} but with the patch sequence
     * (B, T, D) as {@code x}}
     *
     * @param noise    (B, T, D) standard normal noise, not modified
     * @param labels   as for {@link #reverse(Tensor, int[], SamplingOptions)}
     * @param opts     guidance settings
     * @param decoding sequential or fixed-point decoding
     * @throws IllegalArgumentException as for {@link #reverse(Tensor, int[], SamplingOptions, Decoding)}
     */
    public ReverseResult reverseSequence(Tensor noise, int[] labels, SamplingOptions opts, Decoding decoding) {
        return reverseSequence(noise, labels, opts, decoding, null);
    }

    /**
     * {@return where the inversion of each given sample first produced a NaN or an infinity, the first such
     * value over the batch in sampling order (blocks last to first, patches in each block's order); null if
     * the inversion stays finite} Meant for the few samples that came out non-finite: it repeats their
     * inversion with a check on every value, which plain sampling does not pay for. A sample's inversion does
     * not depend on the batch it is in, so a sample drawn again alone overflows where it did in its batch.
     *
     * @param noise  (B, T, D) the samples' prior noise, as given to {@link #reverse}
     * @param labels (B) their labels, or null, as for {@link #reverse}
     * @param opts   the guidance settings they were drawn with
     * @throws IllegalArgumentException as for {@link #reverse}
     */
    public NonFiniteStep diagnose(Tensor noise, int[] labels, SamplingOptions opts) {
        NonFiniteProbe probe = new NonFiniteProbe();
        reverseSequence(noise, labels, opts, Decoding.SEQUENTIAL, probe);
        return probe.first();
    }

    /** {@link #reverseSequence}, reporting to {@code probe} (null for none) and stopping at the first block that reports. */
    private ReverseResult reverseSequence(Tensor noise, int[] labels, SamplingOptions opts, Decoding decoding,
                                          NonFiniteProbe probe) {
        checkSequence(noise);
        checkLabels(labels, noise.dim(0));
        int b = noise.dim(0);
        int n = var.size();
        Tensor x = noise.copy();
        Tensor logq = Tensor.zeros(dtype, b);
        for (int bi = 0; bi < b; bi++) {
            double s = 0;
            for (int j = 0; j < n; j++) {
                double e = noise.get(bi * n + j);
                s += -0.5 * e * e - 0.5 * Math.log(2 * Math.PI * var.get(j)); // log N(e·sqrt(var); 0, var)
                x.set(bi * n + j, e * Math.sqrt(var.get(j)));
            }
            logq.set(bi, s);
        }
        Tensor sumA = Tensor.zeros(dtype, b);
        int[][] iterations = new int[blocks.size()][b];
        int nb = blocks.size();
        for (int i = 0; i < nb; i++) {
            decoding.forBlock(i, nb, config.numPatches()); // a list of the wrong length fails before any work
        }
        for (int i = nb - 1; i >= 0 && (probe == null || probe.first() == null); i--) {
            if (probe != null) {
                probe.block = i;
            }
            x = blocks.get(i).reverse(x, labels, opts, decoding.forBlock(i, nb, config.numPatches()), sumA,
                    iterations[i], decodePool, probe);
        }
        k.add(logq, sumA, -1.0, logq);
        return new ReverseResult(x, logq, iterations);
    }

    /** The patch sequence of images (or the sequence itself), after checking it and the labels against the model. */
    private Tensor checkedSequence(Tensor x, int[] labels) {
        Tensor seq = x.rank() == 3 ? x : patchify(x);
        checkSequence(seq);
        checkLabels(labels, seq.dim(0));
        return seq;
    }

    private void checkImages(Tensor img) {
        if (!config.isImage()) {
            throw new IllegalArgumentException("a sequence model takes (B, " + config.numPatches() + ", "
                    + config.patchDim() + ") sequences, not images " + img);
        }
        int s = config.imgSize();
        if (img.rank() != 4 || img.dim(1) != config.inChannels() || img.dim(2) != s || img.dim(3) != s) {
            throw new IllegalArgumentException("expected images (B, " + config.inChannels() + ", " + s + ", " + s
                    + "), got " + img);
        }
        checkDType(img);
    }

    private void checkSequence(Tensor x) {
        if (x.rank() != 3 || x.dim(1) != config.numPatches() || x.dim(2) != config.patchDim()) {
            throw new IllegalArgumentException("expected a sequence (B, " + config.numPatches() + ", "
                    + config.patchDim() + "), got " + x);
        }
        checkDType(x);
    }

    private void checkDType(Tensor x) {
        if (x.dtype() != dtype) {
            throw new IllegalArgumentException("model is " + dtype + ", input is " + x.dtype());
        }
    }

    private void checkLabels(int[] labels, int batch) {
        if (labels == null) {
            return;
        }
        if (!config.conditional()) {
            throw new IllegalArgumentException("the model is unconditional (num_classes = 0): pass no labels");
        }
        if (labels.length != batch) {
            throw new IllegalArgumentException(labels.length + " labels for a batch of " + batch);
        }
        for (int y : labels) {
            if (y < -1 || y >= config.numClasses()) {
                throw new IllegalArgumentException("label " + y + " is outside [-1, " + config.numClasses()
                        + "): use 0.." + (config.numClasses() - 1) + ", or -1 for no label");
            }
        }
    }
}
