package org.tarflow.boltzmann;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class WassersteinTest {

    @Test
    void handComputedCases() {
        // a shift by 1 moves every unit of mass by 1
        assertEquals(1, Wasserstein.distance(new double[] {0, 1}, null, new double[] {2, 1}, null, 1), 1e-15);
        assertEquals(1, Wasserstein.distance(new double[] {0, 1}, null, new double[] {2, 1}, null, 2), 1e-15);
        // {0, 2} to {1, 1}: each half moves 1
        assertEquals(1, Wasserstein.distance(new double[] {0, 2}, null, new double[] {1, 1}, null, 2), 1e-15);
        // δ0 to ½δ0 + ½δ2: half the mass moves 2, W1 = 1, W2 = sqrt(½·4)
        assertEquals(1, Wasserstein.distance(new double[] {0}, null, new double[] {0, 2}, null, 1), 1e-15);
        assertEquals(Math.sqrt(2), Wasserstein.distance(new double[] {0}, null, new double[] {0, 2}, null, 2), 1e-15);
        // weights (3, 1) against (1, 1) on {0, 1}: a quarter of the mass moves 1; W2 = sqrt(¼)
        assertEquals(0.25, Wasserstein.distance(new double[] {0, 1}, new double[] {3, 1}, new double[] {1, 0}, null, 1), 1e-15);
        assertEquals(0.5, Wasserstein.distance(new double[] {0, 1}, new double[] {3, 1}, new double[] {1, 0}, null, 2), 1e-15);
        // a zero weight removes its value, even an infinite one
        assertEquals(0, Wasserstein.distance(new double[] {5, Double.POSITIVE_INFINITY}, new double[] {1, 0}, new double[] {5}, null, 2), 0);
        assertEquals(Double.POSITIVE_INFINITY, Wasserstein.distance(new double[] {5, Double.POSITIVE_INFINITY}, null, new double[] {5}, null, 2));
    }

    @Test
    void badInputsAreRefused() {
        double[] v = {1, 2};
        assertThrows(IllegalArgumentException.class, () -> Wasserstein.distance(new double[0], null, v, null, 1));
        assertThrows(IllegalArgumentException.class, () -> Wasserstein.distance(v, new double[] {1}, v, null, 1));
        assertThrows(IllegalArgumentException.class, () -> Wasserstein.distance(v, new double[] {1, -1}, v, null, 1));
        assertThrows(IllegalArgumentException.class, () -> Wasserstein.distance(v, new double[] {0, 0}, v, null, 1));
        assertThrows(IllegalArgumentException.class, () -> Wasserstein.distance(new double[] {Double.NaN}, null, v, null, 1));
        assertThrows(IllegalArgumentException.class, () -> Wasserstein.distance(v, null, v, null, 0.5));
    }

    /** W1 is also ∫ |F(t) - G(t)| dt (Vallender 1973): an independent formula from the distribution functions. */
    @Property(tries = 200)
    void w1EqualsTheAreaBetweenDistributionFunctions(@ForAll @IntRange(min = 1, max = 17) int n, @ForAll @IntRange(min = 1, max = 13) int m,
                                                     @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] v = rng.doubles(n, -3, 3).toArray();
        double[] u = rng.doubles(m, -1, 4).toArray();
        double[] wv = rng.doubles(n, 0.1, 2).toArray();
        double[] wu = rng.nextBoolean() ? null : rng.doubles(m, 0.1, 2).toArray();
        double[] grid = new double[n + m];
        System.arraycopy(v, 0, grid, 0, n);
        System.arraycopy(u, 0, grid, n, m);
        Arrays.sort(grid);
        double area = 0;
        for (int k = 0; k + 1 < grid.length; k++) {
            area += Math.abs(cdf(v, wv, grid[k]) - cdf(u, wu, grid[k])) * (grid[k + 1] - grid[k]);
        }
        assertEquals(area, Wasserstein.distance(v, wv, u, wu, 1), 1e-12);
        // and W2 ≥ W1 (Jensen)
        assertEquals(Math.max(area, Wasserstein.distance(v, wv, u, wu, 2)), Wasserstein.distance(v, wv, u, wu, 2), 1e-12);
    }

    private static double cdf(double[] x, double[] w, double t) {
        double below = 0;
        double total = 0;
        for (int i = 0; i < x.length; i++) {
            double wi = w == null ? 1 : w[i];
            total += wi;
            below += x[i] <= t ? wi : 0;
        }
        return below / total;
    }
}
