package org.tarflow.eval;

/**
 * The mean of a stream of values and its standard error (sample standard deviation / √n), by Welford's
 * update, which stays accurate when the mean is large compared with the spread.
 */
final class RunningMean {
    private double mean;
    private double m2;
    private int count;

    void add(double v) {
        count++;
        double delta = v - mean;
        mean += delta / count;
        m2 += delta * (v - mean);
    }

    int count() {
        return count;
    }

    Likelihood.Result result() {
        double var = count > 1 ? m2 / (count - 1) : 0;
        return new Likelihood.Result(mean, Math.sqrt(var / count), count);
    }
}
