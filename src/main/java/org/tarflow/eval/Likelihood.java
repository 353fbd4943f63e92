package org.tarflow.eval;

import java.util.function.IntConsumer;
import org.tarflow.data.ImageDataset;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.NoiseAugmentation;
import org.tarflow.train.Seeds;

/**
 * Test-set bits per dimension with uniform dequantisation, as the reference's {@code evaluate_bpd.py}:
 * each image gets {@code U[0,1)} noise on its 8-bit values before the forward pass and
 * {@link BitsPerDim#perSample} scores it. Conditional models are scored given the true label,
 * log p(x | y) (the reference's script passes no label, i.e. the mean class embedding; choose that with
 * {@code useLabels = false}).
 */
public final class Likelihood {
    private Likelihood() {
    }

    /**
     * The mean of per-item scores over a test set: bits/dim for {@link Likelihood#bitsPerDim}, nats per
     * dimension for {@link NegativeLogLikelihood#perDimension}.
     *
     * @param mean      mean bits/dim over the images
     * @param stdError  standard error of that mean (sample standard deviation / sqrt(n))
     * @param count     number of images
     */
    public record Result(double mean, double stdError, int count) {
    }

    /**
     * Scores every image of {@code data} in batches of {@code batchSize}; the dequantisation noise of batch
     * i comes from {@code Seeds.stream(seed, EVAL, i)}, so a seed fixes the result. Runs without keeping
     * activations ({@link TarFlowModel#forwardNoGrad}).
     *
     * @param model     the model, in the dtype the images are given in
     * @param data      the test images
     * @param batchSize images per forward pass
     * @param useLabels score a conditional model given each image's label, log p(x | y); false for the mean
     *                  class embedding, as the reference's script does
     * @param seed      seed of the dequantisation noise
     * @param progress  receives the number of images done after each batch; may be null
     * @return mean bits/dim, its standard error and the image count
     * @throws IllegalArgumentException if {@code batchSize} is not positive, the data are empty, or the
     *         images do not fit the model
     */
    public static Result bitsPerDim(TarFlowModel model, ImageDataset data, int batchSize, boolean useLabels, long seed,
                                    IntConsumer progress) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("no images to evaluate");
        }
        RunningMean bits = new RunningMean();
        for (int start = 0, batch = 0; start < data.size(); start += batchSize, batch++) {
            int b = Math.min(batchSize, data.size() - start);
            int[] idx = new int[b];
            for (int i = 0; i < b; i++) {
                idx[i] = start + i;
            }
            Tensor x = data.images(idx, model.dtype());
            NoiseAugmentation.uniform().apply(x, Seeds.stream(seed, Seeds.EVAL, batch));
            int[] y = useLabels && model.config().conditional() ? data.labels(idx) : null;
            Tensor bpd = BitsPerDim.perSample(model.forwardNoGrad(x, y));
            for (int i = 0; i < b; i++) {
                bits.add(bpd.get(i));
            }
            if (progress != null) {
                progress.accept(bits.count());
            }
        }
        return bits.result();
    }
}
