package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {
    @Test
    void oneDimensionIsTheDistanceOfMeansAndStandardDeviations() {
        // d² = (μ₁ − μ₂)² + (σ₁ − σ₂)²
        double d = FrechetDistance.of(new double[] {1.5}, new double[][] {{4}}, new double[] {-0.5}, new double[][] {{0.25}});
        assertEquals(2 * 2 + 1.5 * 1.5, d, 1e-12);
    }

    @Test
    void diagonalCovariances() {
        // |(1,2)|² + (√4 − 1)² + (√9 − 1)² = 5 + 1 + 4
        double d = FrechetDistance.of(new double[] {1, 2}, new double[][] {{4, 0}, {0, 9}},
                new double[] {0, 0}, new double[][] {{1, 0}, {0, 1}});
        assertEquals(10, d, 1e-12);
    }

    /**
     * Non-commuting 2×2 covariances: the eigenvalues of Σ₁Σ₂ are real and non-negative, so
     * (tr (Σ₁Σ₂)^½)² = λ₁ + λ₂ + 2√(λ₁λ₂) = tr(Σ₁Σ₂) + 2√(det Σ₁ det Σ₂).
     */
    @Test
    void nonCommutingCovariancesMatchTheTwoByTwoClosedForm() {
        double[][] s1 = {{2, 1}, {1, 2}};
        double[][] s2 = {{3, 0.5}, {0.5, 1}};
        double trProduct = 2 * 3 + 1 * 0.5 + 1 * 0.5 + 2 * 1;
        double det1 = 2 * 2 - 1;
        double det2 = 3 - 0.25;
        double trRoot = Math.sqrt(trProduct + 2 * Math.sqrt(det1 * det2));
        double expected = (0.3 * 0.3 + 0.7 * 0.7) + (4 + 4) - 2 * trRoot;
        double d = FrechetDistance.of(new double[] {0.3, -0.2}, s1, new double[] {0, 0.5}, s2);
        assertEquals(expected, d, 1e-12);
        assertEquals(expected, FrechetDistance.of(new double[] {0, 0.5}, s2, new double[] {0.3, -0.2}, s1), 1e-12, "symmetric");
    }

    /** Σ₂ = c²Σ₁ commute: tr((Σ₁Σ₂)^½) = c·tr Σ₁, so d² = |Δμ|² + (1 − c)² tr Σ₁, in any dimension. */
    @Test
    void scaledCovarianceInTwentyDimensions() {
        int d = 20;
        SplittableRandom rng = new SplittableRandom(3);
        double[][] a = new double[d][d];
        for (double[] row : a) {
            for (int j = 0; j < d; j++) {
                row[j] = rng.nextGaussian();
            }
        }
        double[][] s1 = new double[d][d];
        double[][] s2 = new double[d][d];
        double c = 1.7;
        double trace = 0;
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double v = 0;
                for (int k = 0; k < d; k++) {
                    v += a[i][k] * a[j][k];
                }
                s1[i][j] = v;
                s2[i][j] = c * c * v;
            }
            trace += s1[i][i];
        }
        double[] mu = new double[d];
        mu[3] = 2;
        assertEquals(4 + (1 - c) * (1 - c) * trace, FrechetDistance.of(mu, s1, new double[d], s2), 1e-8 * trace);
        assertEquals(0, FrechetDistance.of(mu, s1, mu, s1), 1e-8 * trace);
    }

    @Test
    void momentsOfAHandCountedSet() {
        Moments m = new Moments(2);
        double offset = 1e8; // the shifted sums keep the covariance exact far from the origin
        for (double[] v : new double[][] {{1, 2}, {3, 4}, {5, 0}}) {
            m.add(new double[] {v[0] + offset, v[1] + offset});
        }
        assertArrayEquals(new double[] {3 + offset, 2 + offset}, m.mean(), 1e-6);
        // x: deviations -2 0 2, y: 0 2 -2; divisor n - 1 = 2
        assertArrayEquals(new double[] {4, -2}, m.covariance()[0], 1e-6);
        assertArrayEquals(new double[] {-2, 4}, m.covariance()[1], 1e-6);
        assertEquals(3, m.count());
    }

    /** Estimated from samples of two known Gaussians, the distance approaches the closed form. */
    @Test
    void sampleEstimateConvergesToTheClosedForm() {
        SplittableRandom rng = new SplittableRandom(11);
        Moments a = new Moments(2);
        Moments b = new Moments(2);
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            a.add(new double[] {1 + 2 * rng.nextGaussian(), rng.nextGaussian()});
            b.add(new double[] {rng.nextGaussian(), 3 * rng.nextGaussian()});
        }
        // |(1,0)|² + (2 − 1)² + (1 − 3)² = 6; the estimate's error is O(1/√n) ≈ 0.01 here
        assertEquals(6, FrechetDistance.of(a, b), 0.05);
    }
}
