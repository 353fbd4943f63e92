package org.tarflow.eval;

import java.util.List;
import java.util.function.IntConsumer;
import org.tarflow.data.ImageDataset;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.Tensor;

/**
 * A class-conditional flow used as a classifier by Bayes' rule, as the reference's MNIST notebook does:
 * with a uniform prior over the K classes, {@code p(y | x) ∝ p(x | y)}, so each image is given the label
 * that maximises {@code log p(x | y)}. Each image is scored under all K labels with the same
 * dequantisation noise (the noise of {@link Likelihood}'s first draw for the same batch size), so the K
 * log-likelihoods differ only through the label.
 *
 * <p>Cost: K forward passes per image; time is linear in the number of images.
 */
public final class BayesClassifier {
    private BayesClassifier() {
    }

    /** {@code log p(x | y)} of a batch of images under given labels, in nats summed over each image's values. */
    @FunctionalInterface
    public interface ConditionalDensity {
        /**
         * Scores a batch.
         *
         * @param images (B, C, H, W)
         * @param labels (B) in [0, K)
         * @return (B) log-densities in nats
         */
        double[] logLikelihood(Tensor images, int[] labels);
    }

    /**
     * The classifier's decisions and their scores.
     *
     * @param predicted     (N) argmax_y log p(x | y)
     * @param logLikelihood (N, K) log p(x | y) in nats, summed over the image's C·H·W values
     * @param report        accuracy, per-class precision/recall/F1 and confusion matrix against the true labels
     */
    public record Result(int[] predicted, double[][] logLikelihood, ClassificationReport report) {
    }

    /**
     * {@return the flow's density: {@code −}{@link NegativeLogLikelihood#perSample} of a forward pass without
     * gradients}
     *
     * @param model a class-conditional model
     * @throws IllegalArgumentException if the model is unconditional
     */
    public static ConditionalDensity density(TarFlowModel model) {
        if (!model.config().conditional()) {
            throw new IllegalArgumentException("the model is unconditional: a Bayes classifier needs a class-conditional model");
        }
        return (images, labels) -> {
            Tensor nll = NegativeLogLikelihood.perSample(model.forward(images, labels));
            double[] out = new double[nll.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = -nll.get(i);
            }
            return out;
        };
    }

    /**
     * Classifies every image of {@code data} with the model's density ({@link #density}), each image with the
     * dequantisation noise of {@link Likelihood}'s first draw.
     *
     * @param model      a class-conditional model
     * @param data       the images and their true labels
     * @param classNames the K class names in label order
     * @param batchSize  images × K per forward pass (at least K)
     * @param seed       seed of the dequantisation noise
     * @param progress   receives the number of images classified; may be null
     * @return the predictions, all log-likelihoods and the classification report
     * @throws IllegalArgumentException if the model is unconditional, the batch is smaller than K or the data are empty
     */
    public static Result classify(TarFlowModel model, ImageDataset data, List<String> classNames, int batchSize, long seed,
                                  IntConsumer progress) {
        return classify(model, data, classNames, batchSize, Dequantization.UNIFORM, seed, progress);
    }

    /**
     * As {@link #classify(TarFlowModel, ImageDataset, List, int, long, IntConsumer)}, with the dequantisation
     * chosen ({@link Dequantization#MID}: the bin centre, the same for every port).
     *
     * @param model      a class-conditional model
     * @param data       the images and their true labels
     * @param classNames the K class names in label order
     * @param batchSize  images × K per forward pass (at least K)
     * @param dequant    uniform noise or the bin centre
     * @param seed       seed of the uniform dequantisation noise
     * @param progress   receives the number of images classified; may be null
     * @return the predictions, all log-likelihoods and the classification report
     * @throws IllegalArgumentException if the model is unconditional, the batch is smaller than K or the data are empty
     */
    public static Result classify(TarFlowModel model, ImageDataset data, List<String> classNames, int batchSize,
                                  Dequantization dequant, long seed, IntConsumer progress) {
        return classify(density(model), data, classNames, batchSize,
                (idx, batch) -> Likelihood.dequantized(data, idx, model, dequant, seed, 0, batch), progress);
    }

    /**
     * Classifies every image of {@code data} by Bayes' rule under a class-conditional density.
     *
     * @param density    log p(x | y)
     * @param data       the images and their true labels
     * @param classNames the K class names in label order
     * @param batchSize  images per call of the density, counted after the K-fold replication (at least K)
     * @param images     the (dequantised) images {@code idx} of batch number {@code batch}
     * @param progress   receives the number of images classified; may be null
     * @return the predictions, all log-likelihoods and the classification report
     * @throws IllegalArgumentException if the batch is smaller than K or the data are empty
     */
    public static Result classify(ConditionalDensity density, ImageDataset data, List<String> classNames, int batchSize,
                                  java.util.function.BiFunction<int[], Integer, Tensor> images, IntConsumer progress) {
        int k = classNames.size();
        if (batchSize < k) {
            throw new IllegalArgumentException("batch size must be at least the number of classes (" + k + "), got " + batchSize);
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("no images to classify");
        }
        int perBatch = batchSize / k;
        int n = data.size();
        double[][] logp = new double[n][k];
        int[] predicted = new int[n];
        for (int start = 0, batch = 0; start < n; start += perBatch, batch++) {
            int[] idx = Indices.range(start, Math.min(n, start + perBatch));
            Tensor x = images.apply(idx, batch);
            int b = idx.length;
            int values = x.size() / b;
            int[] shape = x.shape().clone();
            shape[0] = b * k;
            Tensor rep = Tensor.zeros(x.dtype(), shape);
            int[] labels = new int[b * k];
            for (int i = 0; i < b; i++) {
                for (int c = 0; c < k; c++) {
                    int row = i * k + c;
                    labels[row] = c;
                    for (int j = 0; j < values; j++) {
                        rep.set(row * values + j, x.get(i * values + j));
                    }
                }
            }
            double[] lp = density.logLikelihood(rep, labels);
            for (int i = 0; i < b; i++) {
                int best = 0;
                for (int c = 0; c < k; c++) {
                    logp[start + i][c] = lp[i * k + c];
                    if (lp[i * k + c] > lp[i * k + best]) {
                        best = c;
                    }
                }
                predicted[start + i] = best;
            }
            if (progress != null) {
                progress.accept(start + b);
            }
        }
        return new Result(predicted, logp, ClassificationReport.of(data.labels(), predicted, classNames));
    }
}
