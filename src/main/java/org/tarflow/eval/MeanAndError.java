package org.tarflow.eval;

/**
 * The mean of per-item values and its standard error, {@code s / √n} with s the sample standard deviation
 * (divisor n − 1); 0 for a single item.
 */
public record MeanAndError(double mean, double stdError, int count) {

    /** @throws IllegalArgumentException for no values */
    public static MeanAndError of(double[] values) {
        int n = values.length;
        if (n == 0) {
            throw new IllegalArgumentException("no values");
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        double mean = sum / n;
        double ss = 0;
        for (double v : values) {
            ss += (v - mean) * (v - mean);
        }
        return new MeanAndError(mean, n > 1 ? Math.sqrt(ss / (n - 1) / n) : 0, n);
    }
}
