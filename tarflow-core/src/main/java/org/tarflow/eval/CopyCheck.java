package org.tarflow.eval;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Whether samples are copies of training images, judged against held-out real images: new images lie about
 * as far from their nearest training image as real test images do, copies much nearer. The check counts
 * the samples nearer to the training set than the 1st percentile of the test images' distances; for
 * samples that behave like new images that is about 1% of them, for memorised ones far more.
 *
 * @param samples      nearest training neighbours of the samples
 * @param test         nearest training neighbours of real test images (as many as samples, for a fair comparison)
 * @param threshold    1st percentile of the test images' nearest-neighbour distances (RMS per value)
 * @param closeSamples number of samples nearer than {@code threshold}
 */
public record CopyCheck(NearestNeighbours.Result samples, NearestNeighbours.Result test, double threshold, int closeSamples) {
    /** The quantile that sets the threshold. */
    public static final double QUANTILE = 0.01;

    /**
     * {@return the check of samples against test images}
     *
     * @param samples nearest training neighbours of the samples
     * @param test    nearest training neighbours of real test images, at least one
     * @throws IllegalArgumentException if there are no test images
     */
    public static CopyCheck of(NearestNeighbours.Result samples, NearestNeighbours.Result test) {
        double threshold = quantile(test.distance(), QUANTILE);
        int close = 0;
        for (double d : samples.distance()) {
            if (d < threshold) {
                close++;
            }
        }
        return new CopyCheck(samples, test, threshold, close);
    }

    /** {@return the fraction of samples nearer than the threshold} */
    public double closeFraction() {
        return (double) closeSamples / samples.distance().length;
    }

    /** The q-quantile of the values: the value at index ⌊q·n⌋ of the sorted values (no interpolation). */
    static double quantile(double[] values, double q) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] s = values.clone();
        Arrays.sort(s);
        return s[(int) Math.min(s.length - 1, Math.floor(q * s.length))];
    }

    /** {@return the median distance of the samples to their nearest training image} */
    public double medianSample() {
        return quantile(samples.distance(), 0.5);
    }

    /** {@return the median distance of the test images to their nearest training image} */
    public double medianTest() {
        return quantile(test.distance(), 0.5);
    }

    /**
     * {@return the indices of the {@code k} samples nearest to the training set, nearest first}
     *
     * @param k how many (all samples if fewer)
     */
    public int[] closest(int k) {
        double[] d = samples.distance();
        return IntStream.range(0, d.length).boxed().sorted((a, b) -> Double.compare(d[a], d[b])).limit(k)
                .mapToInt(Integer::intValue).toArray();
    }
}
