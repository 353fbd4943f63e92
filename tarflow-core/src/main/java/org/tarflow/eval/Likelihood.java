package org.tarflow.eval;

import java.util.function.IntConsumer;
import org.tarflow.data.ImageDataset;
import org.tarflow.data.Seeds;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.Tensor;

/**
 * Test-set bits per dimension with uniform dequantisation, as the reference's {@code evaluate_bpd.py}:
 * each image gets {@code U[0,1)} noise on its 8-bit values before the forward pass (or, for comparing
 * ports, the bin centre: {@link Dequantization#MID}) and
 * {@link BitsPerDim#perSample} scores it. Conditional models are scored given the true label,
 * log p(x | y) (the reference's script passes no label, i.e. the mean class embedding; choose that with
 * {@code useLabels = false}).
 *
 * <p>With K draws each image is scored under K independent dequantisation noises and its bits/dim is the
 * mean of the K values: the same quantity (the expectation over the noise of the dequantised code length,
 * an upper bound on the discrete code length) with less noise in each image's estimate. The standard
 * error is over the images' values. Time is linear in images × K.
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
     * One dequantisation draw per image: {@link #bitsPerDim(TarFlowModel, ImageDataset, int, boolean, long, int,
     * IntConsumer)} with K = 1. The noise of batch i comes from {@code Seeds.stream(seed, EVAL, i)}, so a seed
     * fixes the result. Runs without keeping activations ({@link TarFlowModel#forward}).
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
        return bitsPerDim(model, data, batchSize, useLabels, seed, 1, progress);
    }

    /**
     * Scores every image of {@code data} in batches of {@code batchSize} under {@code draws} dequantisation
     * noises (draw k of batch b from {@code Seeds.stream(seed, EVAL, k·2³² + b)}, so draw 0 is the noise of
     * the one-draw evaluation); each image's bits/dim is the mean over its draws.
     *
     * @param model     the model, in the dtype the images are given in
     * @param data      the test images
     * @param batchSize images per forward pass
     * @param useLabels score a conditional model given each image's label, log p(x | y); false for the mean
     *                  class embedding
     * @param seed      seed of the dequantisation noise
     * @param draws     K, the dequantisation draws per image
     * @param progress  receives the number of image scorings done (of images × K) after each batch; may be null
     * @return mean over the images of their bits/dim, its standard error and the image count
     * @throws IllegalArgumentException if {@code batchSize} or {@code draws} is not positive, the data are
     *         empty, or the images do not fit the model
     */
    public static Result bitsPerDim(TarFlowModel model, ImageDataset data, int batchSize, boolean useLabels, long seed,
                                    int draws, IntConsumer progress) {
        return bitsPerDim(model, data, batchSize, useLabels, Dequantization.UNIFORM, seed, draws, progress);
    }

    /**
     * As {@link #bitsPerDim(TarFlowModel, ImageDataset, int, boolean, long, int, IntConsumer)}, with the
     * dequantisation chosen: {@link Dequantization#MID} draws nothing, so it takes one draw only.
     *
     * @param model     the model, in the dtype the images are given in
     * @param data      the test images
     * @param batchSize images per forward pass
     * @param useLabels score a conditional model given each image's label
     * @param dequant   uniform noise or the bin centre
     * @param seed      seed of the uniform dequantisation noise (unused for the bin centre)
     * @param draws     K, the dequantisation draws per image; 1 for {@link Dequantization#MID}
     * @param progress  receives the number of image scorings done after each batch; may be null
     * @return mean over the images of their bits/dim, its standard error and the image count
     * @throws IllegalArgumentException if {@code batchSize} or {@code draws} is not positive, more than one
     *         draw is asked of the bin centre, the data are empty, or the images do not fit the model
     */
    public static Result bitsPerDim(TarFlowModel model, ImageDataset data, int batchSize, boolean useLabels,
                                    Dequantization dequant, long seed, int draws, IntConsumer progress) {
        if (dequant == Dequantization.MID && draws != 1) {
            throw new IllegalArgumentException("the bin centre (mid) has no randomness: use 1 draw, not " + draws);
        }
        if (batchSize <= 0 || draws <= 0) {
            throw new IllegalArgumentException("batch size and draws must be positive, got " + batchSize + " and " + draws);
        }
        if (data.size() == 0) {
            throw new IllegalArgumentException("no images to evaluate");
        }
        double[] perImage = new double[data.size()];
        int done = 0;
        for (int draw = 0; draw < draws; draw++) {
            for (int start = 0, batch = 0; start < data.size(); start += batchSize, batch++) {
                int[] idx = Indices.range(start, Math.min(data.size(), start + batchSize));
                Tensor x = dequantized(data, idx, model, dequant, seed, draw, batch);
                int[] y = useLabels && model.config().conditional() ? data.labels(idx) : null;
                Tensor bpd = BitsPerDim.perSample(model.forward(x, y));
                for (int i = 0; i < idx.length; i++) {
                    perImage[start + i] += bpd.get(i) / draws;
                }
                done += idx.length;
                if (progress != null) {
                    progress.accept(done);
                }
            }
        }
        RunningMean bits = new RunningMean();
        for (double v : perImage) {
            bits.add(v);
        }
        return bits.result();
    }

    /**
     * Images {@code idx} of {@code data} in the model's dtype, dequantised; uniform noise comes from
     * {@code Seeds.stream(seed, EVAL, draw·2³² + batch)}.
     */
    static Tensor dequantized(ImageDataset data, int[] idx, TarFlowModel model, Dequantization dequant, long seed, int draw,
                              int batch) {
        Tensor x = data.images(idx, model.dtype());
        dequant.apply(x, Seeds.stream(seed, Seeds.EVAL, ((long) draw << 32) + batch));
        return x;
    }
}
