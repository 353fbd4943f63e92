package org.tarflow.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The toy targets: samples lie where the density is, densities integrate to 1, entropies are right. */
class ToyDensityTest {
    /** ∫ p and −∫ p log p by the midpoint rule on [-4, 4]² with 800² cells. */
    private static double[] integrate(ToyDensity d) {
        int cells = 800;
        double h = 8.0 / cells;
        double mass = 0;
        double entropy = 0;
        for (int i = 0; i < cells; i++) {
            for (int j = 0; j < cells; j++) {
                double lp = d.logDensity(-4 + (j + 0.5) * h, -4 + (i + 0.5) * h);
                if (lp > Double.NEGATIVE_INFINITY) {
                    mass += Math.exp(lp) * h * h;
                    entropy -= Math.exp(lp) * lp * h * h;
                }
            }
        }
        return new double[] {mass, entropy};
    }

    @Test
    void densitiesIntegrateToOneAndEntropiesAgreeWithMonteCarlo() {
        for (ToyDensity d : new ToyDensity[] {ToyDensity.GAUSSIANS, ToyDensity.CHECKERBOARD}) {
            double[] q = integrate(d);
            assertEquals(1.0, q[0], 1e-3, d + " mass");
            assertEquals(q[1], d.entropy(200_000, new SplittableRandom(1)), 0.01, d + " entropy");
        }
        assertEquals(Math.log(8), ToyDensity.CHECKERBOARD.entropy(1, new SplittableRandom(1)), 1e-15);
    }

    @Test
    void samplesLieInTheSupport() {
        double[] v = ToyDensity.CHECKERBOARD.sample(20_000, new SplittableRandom(2));
        for (int i = 0; i < v.length; i += 2) {
            assertEquals(Math.log(1.0 / 8), ToyDensity.CHECKERBOARD.logDensity(v[i], v[i + 1]), 1e-15);
        }
        double[] g = ToyDensity.GAUSSIANS.sample(20_000, new SplittableRandom(3));
        double meanRadius = 0;
        for (int i = 0; i < g.length; i += 2) {
            meanRadius += Math.hypot(g[i], g[i + 1]) / (g.length / 2.0);
        }
        assertEquals(2.0, meanRadius, 0.02, "the modes sit at radius 2");
        double[] m = ToyDensity.MOONS.sample(20_000, new SplittableRandom(4));
        for (int i = 0; i < m.length; i += 2) {
            assertTrue(Math.abs(m[i]) < 3.5 && Math.abs(m[i + 1]) < 2.5, "moons stay in the window");
        }
        assertFalse(ToyDensity.MOONS.hasDensity());
        assertThrows(UnsupportedOperationException.class, () -> ToyDensity.MOONS.logDensity(0, 0));
    }

    @Test
    void parsesNames() {
        assertEquals(ToyDensity.MOONS, ToyDensity.parse("Moons"));
        assertThrows(IllegalArgumentException.class, () -> ToyDensity.parse("spiral"));
    }
}
