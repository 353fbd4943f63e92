package org.tarflow.eval;

/**
 * Mean and covariance of feature vectors, accumulated one batch at a time so that memory does not grow
 * with the number of vectors (and time grows linearly with it). Sums are kept in double around a shift
 * (the first vector), which keeps the covariance accurate when the mean is large against the spread.
 */
public final class Moments {
    private final int dim;
    private final double[] shift;
    private final double[] sum;
    private final double[][] cross;
    private long count;

    /**
     * An empty accumulator.
     *
     * @param dim the length of the feature vectors
     * @throws IllegalArgumentException if {@code dim} is not positive
     */
    public Moments(int dim) {
        if (dim <= 0) {
            throw new IllegalArgumentException("feature dimension must be positive, got " + dim);
        }
        this.dim = dim;
        this.shift = new double[dim];
        this.sum = new double[dim];
        this.cross = new double[dim][dim];
    }

    /**
     * Adds one feature vector.
     *
     * @param v a vector of length {@code dim}
     * @throws IllegalArgumentException on another length
     */
    public void add(double[] v) {
        if (v.length != dim) {
            throw new IllegalArgumentException("expected a feature vector of length " + dim + ", got " + v.length);
        }
        if (count == 0) {
            System.arraycopy(v, 0, shift, 0, dim);
        }
        double[] d = new double[dim];
        for (int i = 0; i < dim; i++) {
            d[i] = v[i] - shift[i];
            sum[i] += d[i];
        }
        for (int i = 0; i < dim; i++) {
            double di = d[i];
            if (di != 0) {
                double[] row = cross[i];
                for (int j = 0; j <= i; j++) {
                    row[j] += di * d[j];
                }
            }
        }
        count++;
    }

    /** {@return the number of vectors added} */
    public long count() {
        return count;
    }

    /** {@return the length of the feature vectors} */
    public int dim() {
        return dim;
    }

    /**
     * {@return (dim) the mean vector}
     *
     * @throws IllegalStateException before the first vector
     */
    public double[] mean() {
        requireSamples(1);
        double[] m = new double[dim];
        for (int i = 0; i < dim; i++) {
            m[i] = shift[i] + sum[i] / count;
        }
        return m;
    }

    /**
     * {@return (dim, dim) the unbiased sample covariance (divisor n − 1), as numpy's {@code np.cov}}
     *
     * @throws IllegalStateException with fewer than two vectors
     */
    public double[][] covariance() {
        requireSamples(2);
        double[][] c = new double[dim][dim];
        for (int i = 0; i < dim; i++) {
            for (int j = 0; j <= i; j++) {
                double v = (cross[i][j] - sum[i] * sum[j] / count) / (count - 1);
                c[i][j] = v;
                c[j][i] = v;
            }
        }
        return c;
    }

    private void requireSamples(int n) {
        if (count < n) {
            throw new IllegalStateException("need at least " + n + " feature vectors, have " + count);
        }
    }
}
