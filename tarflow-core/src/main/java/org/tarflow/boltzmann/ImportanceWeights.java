package org.tarflow.boltzmann;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Self-normalised importance weights of samples x ~ q for a target p ∝ exp(-E), from their log-weights
 * {@code log w = -E(x) - log q(x)} (any additive constant, e.g. the unknown log Z, cancels on normalising). With
 * normalised weights {@code W_i = w_i / Σ w}, {@code Σ W_i f(x_i)} is a consistent estimate of {@code E_p[f]}
 * (Owen 2013, ch. 9). Kish's effective sample size {@code (Σ w)² / Σ w²} (Kish 1965) measures how many equally
 * weighted samples the weighted set is worth; it is reported here as a fraction of n, 1 when q = p.
 */
public final class ImportanceWeights {
    private ImportanceWeights() {
    }

    /**
     * Normalised weights {@code exp(log w_i - max) / Σ}, computed after subtracting the largest log-weight so that
     * nothing overflows. A log-weight of -∞ (a sample of infinite energy) gets weight 0.
     *
     * @param logW n log-weights in nats
     * @return n weights summing to 1
     * @throws IllegalArgumentException if n is 0 or a log-weight is NaN or +∞, or all are -∞
     */
    public static double[] normalised(double[] logW) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < logW.length; i++) {
            if (Double.isNaN(logW[i]) || logW[i] == Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("log-weight " + i + " is " + logW[i]);
            }
            max = Math.max(max, logW[i]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            throw new IllegalArgumentException(logW.length == 0 ? "no log-weights" : "every sample has weight 0");
        }
        double[] w = new double[logW.length];
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            w[i] = Math.exp(logW[i] - max);
            sum += w[i];
        }
        for (int i = 0; i < w.length; i++) {
            w[i] /= sum;
        }
        return w;
    }

    /**
     * {@return Kish's effective sample size as a fraction of n, {@code (Σ w)² / (n Σ w²)}, in (0, 1]}
     *
     * @param logW n log-weights, as for {@link #normalised}
     * @throws IllegalArgumentException as {@link #normalised}
     */
    public static double kish(double[] logW) {
        double[] w = normalised(logW);
        double sq = 0;
        for (double v : w) {
            sq += v * v;
        }
        return 1 / (sq * w.length);
    }

    /**
     * A percentile-bootstrap interval of {@link #kish}: the ESS fraction of {@code resamples} sets of n log-weights
     * drawn with replacement, and their {@code (1 ± level)/2} quantiles (Efron and Tibshirani 1993, ch. 13).
     *
     * @param logW      n log-weights
     * @param resamples bootstrap sets, at least 10
     * @param level     the coverage, in (0, 1), e.g. 0.95
     * @param rng       draws the resamples
     * @return {lower, upper}
     * @throws IllegalArgumentException for fewer than 10 resamples, a level outside (0, 1), or as {@link #normalised}
     *                                  (also when a resample happens to hold only samples of weight 0)
     */
    public static double[] kishInterval(double[] logW, int resamples, double level, SplittableRandom rng) {
        if (resamples < 10 || !(level > 0 && level < 1)) {
            throw new IllegalArgumentException("need at least 10 resamples and a level in (0, 1)");
        }
        double[] ess = new double[resamples];
        double[] draw = new double[logW.length];
        for (int r = 0; r < resamples; r++) {
            for (int i = 0; i < draw.length; i++) {
                draw[i] = logW[rng.nextInt(logW.length)];
            }
            ess[r] = kish(draw);
        }
        Arrays.sort(ess);
        return new double[] {quantile(ess, (1 - level) / 2), quantile(ess, (1 + level) / 2)};
    }

    /**
     * Clips log-weights from above at their {@code q}-quantile, as SBG does to keep a few huge weights from
     * dominating (Tan et al. 2025): the estimate gains bias and loses variance.
     *
     * @param logW n log-weights (not modified)
     * @param q    the quantile, in (0, 1], e.g. 0.998; 1 leaves the weights as they are
     * @return the clipped copy
     * @throws IllegalArgumentException if q is outside (0, 1] or n is 0
     */
    public static double[] clip(double[] logW, double q) {
        if (!(q > 0 && q <= 1) || logW.length == 0) {
            throw new IllegalArgumentException("need a quantile in (0, 1] and at least one log-weight, got q = " + q);
        }
        double[] sorted = logW.clone();
        Arrays.sort(sorted);
        double cap = quantile(sorted, q);
        double[] out = logW.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.min(out[i], cap);
        }
        return out;
    }

    /** The q-quantile of sorted values, linearly interpolated between order statistics (type 7 of Hyndman and Fan). */
    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double f = pos - lo;
        return f == 0 ? sorted[lo] : sorted[lo] + f * (sorted[hi] - sorted[lo]);
    }
}
