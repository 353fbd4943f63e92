package org.tarflow.boltzmann;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImportanceWeightsTest {

    /** log q of x under N(0, σ² I), written out here rather than taken from the project. */
    private static double logNormal(double[] x, double sigma) {
        double s = 0;
        for (double v : x) {
            s += v * v;
        }
        return -0.5 * s / (sigma * sigma) - x.length * (Math.log(sigma) + 0.5 * Math.log(2 * Math.PI));
    }

    private static double[] logWeights(Energy e, double sigma, int n, SplittableRandom rng) {
        int m = e.particles() * e.dim();
        double[] logW = new double[n];
        double[] x = new double[m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                x[j] = sigma * rng.nextGaussian();
            }
            logW[i] = -e.energy(x, null) - logNormal(x, sigma);
        }
        return logW;
    }

    @Test
    void aProposalEqualToTheTargetHasEssOne() {
        // target E = ½|x|² (k = 1), proposal q = N(0, I): every weight is 1/Z, ESS = 1 up to rounding
        double[] logW = logWeights(new Harmonic(3, 2, 1), 1, 5000, new SplittableRandom(1));
        assertEquals(1, ImportanceWeights.kish(logW), 1e-12);
        double[] ci = ImportanceWeights.kishInterval(logW, 50, 0.95, new SplittableRandom(2));
        assertEquals(1, ci[0], 1e-12);
        assertEquals(1, ci[1], 1e-12);
    }

    @Test
    void aWiderProposalHasTheKnownEss() {
        // p = N(0, 1), q = N(0, σ²) per coordinate: E_q[w²]/E_q[w]² = σ² / sqrt(2σ² - 1), so over d coordinates
        // ESS/n → (sqrt(2σ² - 1) / σ²)^d
        double sigma = 1.2;
        int d = 3;
        double expected = Math.pow(Math.sqrt(2 * sigma * sigma - 1) / (sigma * sigma), d);
        double[] logW = logWeights(new Harmonic(3, 1, 1), sigma, 200_000, new SplittableRandom(3));
        double ess = ImportanceWeights.kish(logW);
        assertEquals(expected, ess, 0.01, "ESS " + ess);
        double[] ci = ImportanceWeights.kishInterval(logW, 100, 0.95, new SplittableRandom(4));
        assertTrue(ci[0] < ess && ess < ci[1] && ci[1] - ci[0] < 0.02, "interval " + ci[0] + " .. " + ci[1]);
    }

    @Test
    void normalisedWeightsSurviveHugeLogWeightsAndDropInfiniteEnergies() {
        double[] w = ImportanceWeights.normalised(new double[] {1000, 1000 + Math.log(3), Double.NEGATIVE_INFINITY});
        assertArrayEquals(new double[] {0.25, 0.75, 0}, w, 1e-12);
        assertThrows(IllegalArgumentException.class, () -> ImportanceWeights.normalised(new double[] {Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> ImportanceWeights.normalised(new double[] {Double.POSITIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> ImportanceWeights.normalised(new double[] {Double.NEGATIVE_INFINITY}));
        assertThrows(IllegalArgumentException.class, () -> ImportanceWeights.normalised(new double[0]));
    }

    @Test
    void clippingCapsAtTheQuantile() {
        // 0..10: the 0.9-quantile (type 7) is 9
        double[] logW = {3, 10, 0, 1, 2, 4, 5, 6, 7, 8, 9};
        double[] c = ImportanceWeights.clip(logW, 0.9);
        assertEquals(9, c[1], 0);
        assertEquals(3, c[0], 0);
        assertArrayEquals(logW, ImportanceWeights.clip(logW, 1), 0);
        assertThrows(IllegalArgumentException.class, () -> ImportanceWeights.clip(logW, 0));
    }
}
