package org.tarflow.eval;

import java.util.function.IntConsumer;
import org.tarflow.data.Dataset;
import org.tarflow.flow.ForwardResult;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.Tensor;

/**
 * The exact negative log-likelihood of continuous data (sequences, toy densities) under the model, in nats
 * per dimension: {@code −log p(x) / (T·D)} with {@code log p(x) = Σ(−½ z² − ½ log 2π) + log|det ∂z/∂x|}
 * (paper eq. 1; no dequantisation: for 8-bit images use {@link Likelihood}).
 */
public final class NegativeLogLikelihood {
    private NegativeLogLikelihood() {
    }

    /**
     * {@return (B) {@code −log p(x)} per sample, in nats summed over its T·D values} The prior is N(0, 1),
     * as in the training loss, also for a volume-preserving model with a learned {@code var}.
     *
     * @param r a forward pass of the model on the data (logdets per dimension, as always)
     */
    public static Tensor perSample(ForwardResult r) {
        Tensor z = r.z();
        int b = z.dim(0);
        int n = r.dims();
        Tensor logdet = r.logdetsTotal();
        Tensor out = Tensor.zeros(z.dtype(), b);
        for (int i = 0; i < b; i++) {
            double s = 0;
            for (int j = i * n; j < (i + 1) * n; j++) {
                s += 0.5 * z.get(j) * z.get(j);
            }
            out.set(i, s + 0.5 * n * Math.log(2 * Math.PI) - logdet.get(i));
        }
        return out;
    }

    /**
     * Mean NLL over a dataset in nats per dimension, with its standard error, in batches of {@code batchSize};
     * labelled data are scored given their label when {@code useLabels} and the model is conditional.
     * No noise is added to the data.
     *
     * @param model     the model
     * @param data      the data, images or sequences of the model's shape
     * @param batchSize items per forward pass
     * @param useLabels score given the labels (when the data and the model have them)
     * @param progress  receives the number of items done after each batch; may be null
     * @return mean nats per dimension, its standard error and the item count
     * @throws IllegalArgumentException if {@code batchSize} is not positive, the data are empty, or the
     *         items do not fit the model
     */
    public static Likelihood.Result perDimension(TarFlowModel model, Dataset data, int batchSize, boolean useLabels,
                                                 IntConsumer progress) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("no data to evaluate");
        }
        int dims = model.config().numPatches() * model.config().patchDim();
        RunningMean nats = new RunningMean();
        for (int start = 0; start < data.size(); start += batchSize) {
            int b = Math.min(batchSize, data.size() - start);
            int[] idx = new int[b];
            for (int i = 0; i < b; i++) {
                idx[i] = start + i;
            }
            int[] y = useLabels && model.config().conditional() ? data.labels(idx) : null;
            Tensor nll = perSample(model.forward(data.batch(idx, model.dtype()), y));
            for (int i = 0; i < b; i++) {
                nats.add(nll.get(i) / dims);
            }
            if (progress != null) {
                progress.accept(nats.count());
            }
        }
        return nats.result();
    }
}
