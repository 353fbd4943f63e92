package org.tarflow.eval;

/** The mean of a stream of values and its standard error (sample standard deviation / √n). */
final class RunningMean {
    private double sum;
    private double sumSq;
    private int count;

    void add(double v) {
        sum += v;
        sumSq += v * v;
        count++;
    }

    int count() {
        return count;
    }

    Likelihood.Result result() {
        double mean = sum / count;
        double var = count > 1 ? Math.max(0, (sumSq - count * mean * mean) / (count - 1)) : 0;
        return new Likelihood.Result(mean, Math.sqrt(var / count), count);
    }
}
