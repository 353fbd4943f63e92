package org.tarflow.conformance;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow.eval.BitsPerDim;
import org.tarflow.eval.Dequantization;
import org.tarflow.flow.ForwardResult;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.nn.Gradients;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;
import org.tarflow.train.AdamW;

/**
 * Recomputes every output a {@link ReferenceCase} lists, with this implementation, under the same keys:
 * {@code out.z}, {@code out.block<i>}, {@code out.logdets}, {@code out.loss}, {@code grad.x},
 * {@code grad.param.<key>}, {@code out.bpd}, {@code out.bpd_mid} (this project's extension: bits/dim of
 * {@code in.x} moved to its bin centre, {@link Dequantization#MID}, so that ports compare the dequantised
 * score without a random draw), {@code out.sample.<name>}, {@code out.sample_loglik.<name>}
 * (this project's extension: the log-likelihood of each sample, see {@link TarFlowModel.ReverseResult}),
 * {@code out.denoised} and {@code adamw.param.<key>}.
 */
public final class CaseRunner {
    private CaseRunner() {
    }

    /**
     * {@return the model of a case with the parameters its outputs were computed from (see
     * {@link ReferenceCase#start})}
     *
     * @param c     the case
     * @param dtype the precision to recompute in
     * @param k     the kernels
     * @throws IOException (a {@code TensorFileException}) if the starting parameters cannot be recovered
     * @throws IllegalArgumentException if they do not fit the case's model
     */
    public static TarFlowModel model(ReferenceCase c, DType dtype, Kernels k) throws IOException {
        return model(c, c.start(null), dtype, k);
    }

    /**
     * {@return the model of a case with the given starting parameters}
     *
     * @param c     the case, for its configuration
     * @param start the parameters, from {@link ReferenceCase#start}
     * @param dtype the precision to recompute in
     * @param k     the kernels
     * @throws IllegalArgumentException when they do not fit the case's model (listing the keys)
     */
    public static TarFlowModel model(ReferenceCase c, ReferenceCase.Start start, DType dtype, Kernels k) {
        TarFlowModel model = new TarFlowModel(c.config(), dtype, k);
        model.loadStateDict(start.stateDict());
        return model;
    }

    /**
     * Recomputes the case's outputs with {@code model}: forward, loss, bits/dim (raw and mid-bin) and backward on
     * {@code in.x}/{@code in.y}; the denoising step when the case has one; every sampling from
     * {@code in.noise} (with {@code in.y_sample}, a -1 there meaning the last class as in the reference's
     * {@code reverse_step}); and the AdamW steps with {@code grad.param} as every step's gradient. The
     * model's parameters are restored afterwards.
     *
     * @param c     the case, for its inputs and settings
     * @param model the model, from {@link #model}
     * @return the outputs by key, for {@link Comparison#compare}
     * @throws IOException (a {@code TensorFileException}) if an input the case needs is missing
     */
    public static Map<String, Tensor> run(ReferenceCase c, TarFlowModel model) throws IOException {
        DType dtype = model.dtype();
        Map<String, Tensor> out = new LinkedHashMap<>();
        Tensor x = c.tensor("in.x", dtype);
        int[] y = c.config().conditional() ? c.labels("in.y") : null;

        Workspace ws = new Workspace(model.kernels());
        TarFlowModel.Activations acts = model.forwardForTraining(x, y, ws);
        ForwardResult r = acts.result();
        out.put("out.z", r.z());
        for (int i = 0; i < r.blockOutputs().size(); i++) {
            out.put("out.block" + i, r.blockOutputs().get(i));
        }
        out.put("out.logdets", r.logdets());
        out.put("out.loss", Tensor.scalar(dtype, model.loss(r)));
        out.put("out.bpd", BitsPerDim.perSample(r));
        Tensor mid = x.copy();
        Dequantization.MID.apply(mid, null);
        out.put("out.bpd_mid", BitsPerDim.perSample(model.forward(mid, y)));
        Gradients grads = model.newGradients();
        Tensor gradX = model.backward(acts, grads, ws);
        out.put("grad.x", gradX);
        List<Parameter> params = model.parameters();
        for (Parameter p : params) {
            out.put("grad.param." + p.name(), grads.of(p));
        }

        if (!Double.isNaN(c.denoiseLr())) {
            Tensor denoised = x.copy();
            model.kernels().add(denoised, gradX, -c.denoiseLr(), denoised);
            out.put("out.denoised", denoised);
        }

        if (c.tensors().containsKey("in.noise")) {
            Tensor noise = c.tensor("in.noise", dtype);
            int[] ySample = c.config().conditional() ? referenceSamplingLabels(c.labels("in.y_sample"), c.config().numClasses()) : null;
            for (ReferenceCase.Sampling s : c.samplings()) {
                TarFlowModel.ReverseResult sample = model.reverse(noise, s.useLabels() ? ySample : null, s.options());
                out.put("out.sample." + s.name(), sample.x());
                out.put("out.sample_loglik." + s.name(), sample.logLikelihood());
            }
        }

        if (c.lrPerStep().length > 0) {
            AdamW opt = new AdamW(model.kernels(), params, c.betas()[0], c.betas()[1], c.eps(), c.weightDecay());
            Map<String, Tensor> start = new LinkedHashMap<>();
            for (Parameter p : params) {
                start.put(p.name(), p.value().copy());
            }
            for (double lr : c.lrPerStep()) {
                opt.step(lr, grads); // the case uses grad.param as the gradient of every step
            }
            for (Parameter p : params) {
                out.put("adamw.param." + p.name(), p.value().copy());
                p.value().copyFrom(start.get(p.name()));
            }
        }
        return out;
    }

    /**
     * The labels the reference's {@code reverse_step} effectively uses: it indexes {@code class_embed[y]}
     * directly, so Python's negative indexing makes -1 the last class (where this implementation's -1 is
     * the mean embedding, as in the forward pass). Cases are computed by the reference, so they follow it.
     */
    private static int[] referenceSamplingLabels(int[] y, int numClasses) {
        if (y == null) {
            return null;
        }
        int[] out = y.clone();
        for (int i = 0; i < out.length; i++) {
            if (out[i] < 0 && out[i] >= -numClasses) {
                out[i] += numClasses;
            }
        }
        return out;
    }
}
