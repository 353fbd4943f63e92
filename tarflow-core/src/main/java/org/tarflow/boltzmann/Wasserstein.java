package org.tarflow.boltzmann;

import java.util.Arrays;
import java.util.Comparator;

/**
 * p-Wasserstein distances between weighted empirical distributions on the real line. In one dimension the optimal
 * transport plan is monotone, so {@code W_p(μ, ν)^p = ∫_0^1 |F⁻¹(u) - G⁻¹(u)|^p du} with F, G the distribution
 * functions (Villani 2009, remark 2.19); for step-function quantiles the integral is a finite sum over the merged
 * breakpoints of the two weight sequences. E-W2 (SBG, Tan et al. 2025) is {@code W_2} between the energies of two
 * sample sets; the distance W1 is {@code W_1} between their pooled interatomic distances.
 */
public final class Wasserstein {
    private Wasserstein() {
    }

    /**
     * {@code W_p} between {@code Σ a_i δ(v_i)} and {@code Σ b_j δ(u_j)}, each weight sequence normalised to sum 1.
     *
     * @param v  the first sample's values (any order, not modified)
     * @param wv their weights (non-negative, positive sum), or null for equal weights
     * @param u  the second sample's values
     * @param wu their weights, or null for equal weights
     * @param p  the order, at least 1
     * @return the distance, in the values' unit; +∞ if a value of positive weight is infinite
     * @throws IllegalArgumentException if a sample is empty, weights do not match their values in number, a weight is
     *                                  negative or NaN, the weights sum to 0, a value is NaN, or p is below 1
     */
    public static double distance(double[] v, double[] wv, double[] u, double[] wu, double p) {
        if (!(p >= 1)) {
            throw new IllegalArgumentException("the order p must be at least 1, got " + p);
        }
        Sorted a = sorted(v, wv);
        Sorted b = sorted(u, wu);
        double sum = 0;
        int i = 0;
        int j = 0;
        double ra = a.w[0];
        double rb = b.w[0];
        // walk the merged quantile levels: each step moves mass min(ra, rb) from a.x[i] to b.x[j]
        while (i < a.x.length && j < b.x.length) {
            double m = Math.min(ra, rb);
            if (m > 0) {
                sum += m * Math.pow(Math.abs(a.x[i] - b.x[j]), p);
            }
            ra -= m;
            rb -= m;
            if (ra <= 0 && ++i < a.x.length) {
                ra = a.w[i];
            }
            if (rb <= 0 && ++j < b.x.length) {
                rb = b.w[j];
            }
        }
        return Math.pow(sum, 1 / p);
    }

    private record Sorted(double[] x, double[] w) {
    }

    private static Sorted sorted(double[] values, double[] weights) {
        int n = values.length;
        if (n == 0) {
            throw new IllegalArgumentException("an empty sample has no distribution");
        }
        if (weights != null && weights.length != n) {
            throw new IllegalArgumentException(weights.length + " weights for " + n + " values");
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(values[i])) {
                throw new IllegalArgumentException("value " + i + " is NaN");
            }
            double w = weights == null ? 1 : weights[i];
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("weight " + i + " is " + w + ": weights must be finite and non-negative");
            }
            total += w;
        }
        if (!(total > 0)) {
            throw new IllegalArgumentException("the weights sum to 0");
        }
        Integer[] order = new Integer[n];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, Comparator.comparingDouble(i -> values[i]));
        double[] x = new double[n];
        double[] w = new double[n];
        for (int k = 0; k < n; k++) {
            x[k] = values[order[k]];
            w[k] = (weights == null ? 1 : weights[order[k]]) / total;
        }
        return new Sorted(x, w);
    }
}
