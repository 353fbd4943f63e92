package org.tarflow.tensor;

/**
 * The error function, which {@link Math} lacks and exact GELU needs.
 *
 * <p>{@link #erf(double)} is accurate to a few ulp over the whole line, for the float64 path that must
 * match PyTorch to 1e-10. It sums the everywhere-positive series
 * {@code erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n (2x^2)^n x / (1*3*...*(2n+1))} (Abramowitz &amp; Stegun
 * 7.1.6) below |x| = 2.5, where no cancellation can occur, and above it evaluates
 * {@code erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...))))} (A&amp;S 7.1.14) by
 * the modified Lentz method.
 *
 * <p>{@link #erfFast(float)} is the rational approximation A&amp;S 7.1.26 (absolute error below 1.5e-7,
 * about one float32 ulp near 1) that the float32 SIMD GELU evaluates lane-wise; the SIMD kernels' scalar
 * tail loops use it too, so every element of a float32 GELU computes the same function. (The plain-Java
 * {@code ScalarKernels} use the accurate {@link #erf} throughout.)
 */
public final class Erf {
    static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    static final double ONE_OVER_SQRT_PI = 0.5641895835477563;
    private static final double SERIES_LIMIT = 2.5;

    /** Coefficients of A&amp;S 7.1.26. */
    static final float AS_P = 0.3275911f;
    static final float AS_A1 = 0.254829592f;
    static final float AS_A2 = -0.284496736f;
    static final float AS_A3 = 1.421413741f;
    static final float AS_A4 = -1.453152027f;
    static final float AS_A5 = 1.061405429f;

    private Erf() {
    }

    /**
     * {@return erf(x) to a few ulp} Odd; erf(±inf) = ±1, erf(NaN) = NaN. Used by the exact GELU of
     * {@link ScalarKernels} and by every float64 computation.
     *
     * @param x any double
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double ax = Math.abs(x);
        double r = ax < SERIES_LIMIT ? series(ax) : 1.0 - erfcContinuedFraction(ax);
        return x < 0 ? -r : r;
    }

    private static double series(double x) {
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 200; n++) {
            term *= 2.0 * x2 / (2 * n + 1);
            sum += term;
            if (term < 1e-17 * sum) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    }

    /** erfc(x) for x &gt;= 2.5 by the continued fraction, evaluated with Lentz's method. */
    private static double erfcContinuedFraction(double x) {
        if (x > 27.3) {
            return 0.0; // exp(-x^2) underflows
        }
        final double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0.0;
        for (int n = 1; n < 500; n++) {
            double an = 0.5 * n;
            d = x + an * d;
            d = d == 0 ? tiny : d;
            c = x + an / c;
            c = c == 0 ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1.0) < 1e-16) {
                break;
            }
        }
        return ONE_OVER_SQRT_PI * Math.exp(-x * x) / f;
    }

    /**
     * {@return erf(x) by A&amp;S 7.1.26 in float, |error| &lt; 1.5e-7 (plus float rounding)} This is the
     * function {@link SimdKernels}' float32 GELU computes, both in its vector lanes and in the scalar
     * tail loop that does not fill a vector.
     *
     * @param x any float
     */
    public static float erfFast(float x) {
        float ax = Math.abs(x);
        float t = 1f / (1f + AS_P * ax);
        float poly = ((((AS_A5 * t + AS_A4) * t + AS_A3) * t + AS_A2) * t + AS_A1) * t;
        float r = 1f - poly * (float) Math.exp(-ax * ax);
        return x < 0 ? -r : r;
    }
}
