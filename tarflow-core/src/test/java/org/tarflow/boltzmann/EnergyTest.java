package org.tarflow.boltzmann;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class EnergyTest {

    /** Central differences of E against the force, for random configurations of random pair systems. */
    @Property(tries = 40)
    void forceIsMinusTheGradient(@ForAll @IntRange(min = 2, max = 7) int n, @ForAll @IntRange(min = 1, max = 3) int d,
                                 @ForAll @IntRange(min = 0, max = 2) int kind, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Energy e = switch (kind) {
            case 0 -> new DoubleWell(n, d, 0.3, -4, 0.9, 4, 1.7);
            case 1 -> new LennardJones(n, d, 1.3, 1.1, 0.8, 0.7);
            default -> new Harmonic(n, d, 2.5);
        };
        // particles on a spread-out lattice plus small noise keep Lennard-Jones distances away from its steep core,
        // where energies of ~1e8 make the central difference meaningless (a 0.3 noise drew such a configuration)
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                x[i * d + k] = (k == 0 ? 1.3 * i : 0) + 0.1 * rng.nextGaussian();
            }
        }
        double[] f = new double[n * d];
        double e0 = e.energy(x, f);
        assertEquals(e0, e.energy(x, null), 0);
        double h = 1e-6;
        for (int j = 0; j < x.length; j++) {
            double v = x[j];
            x[j] = v + h;
            double ep = e.energy(x, null);
            x[j] = v - h;
            double em = e.energy(x, null);
            x[j] = v;
            double fd = -(ep - em) / (2 * h);
            assertEquals(fd, f[j], 1e-5 * Math.max(1, Math.abs(fd)), "coordinate " + j);
        }
    }

    @Test
    void doubleWellPairMinimum() {
        // u(s) = -4 s² + 0.9 s⁴ has minima at s² = 4 / 1.8, value -4²/(4·0.9) = -40/9
        DoubleWell e = new DoubleWell(2, 2, 0, -4, 0.9, 4, 1);
        double s = Math.sqrt(4 / 1.8);
        assertEquals(-40.0 / 9, e.energy(new double[] {0, 0, 4 + s, 0}, null), 1e-12);
        assertEquals(-40.0 / 9, e.energy(new double[] {0, 0, 0, 4 - s}, null), 1e-12);
        assertEquals(0, e.energy(new double[] {1, 1, 1, 5}, null), 1e-12);
    }

    @Test
    void lennardJonesPairMinimumAndIcosahedron() {
        LennardJones pair = new LennardJones(2, 3, 1, 1, 1, 0);
        assertEquals(-1, pair.energy(new double[] {0, 0, 0, 0, 1, 0}, null), 1e-12);
        // LJ-13's global minimum, the Mackay icosahedron: a centre and 12 vertices (0, ±1, ±φ) cyclically, scaled;
        // minimise over the scale by golden-section search and compare with the Cambridge Cluster Database.
        LennardJones lj = new LennardJones(13, 3, 1, 1, 1, 0);
        double lo = 0.4;
        double hi = 0.7;
        double g = (Math.sqrt(5) - 1) / 2;
        for (int it = 0; it < 200; it++) {
            double m1 = hi - g * (hi - lo);
            double m2 = lo + g * (hi - lo);
            if (lj.energy(icosahedron(m1), null) < lj.energy(icosahedron(m2), null)) {
                hi = m2;
            } else {
                lo = m1;
            }
        }
        assertEquals(-44.326801, lj.energy(icosahedron(lo), null), 1e-6);
        // the confinement adds (1/2) Σ |x_i - x̄|²: the vertices' squared radius is scale² (1 + φ²)
        double phi = (1 + Math.sqrt(5)) / 2;
        assertEquals(-44.326801 + 0.5 * 12 * lo * lo * (1 + phi * phi), LennardJones.lj13().energy(icosahedron(lo), null), 1e-6);
    }

    private static double[] icosahedron(double scale) {
        double phi = (1 + Math.sqrt(5)) / 2;
        double[] x = new double[39];
        int p = 1;
        for (int a : new int[] {-1, 1}) {
            for (int b : new int[] {-1, 1}) {
                double[][] v = {{0, a, b * phi}, {a, b * phi, 0}, {b * phi, 0, a}};
                for (double[] w : v) {
                    for (int k = 0; k < 3; k++) {
                        x[3 * p + k] = scale * w[k] + 0.25; // a translation, to which E is blind
                    }
                    p++;
                }
            }
        }
        x[0] = x[1] = x[2] = 0.25;
        return x;
    }

    @Test
    void rejectsWrongShapes() {
        assertThrows(IllegalArgumentException.class, () -> DoubleWell.dw4().energy(new double[7], null));
        assertThrows(IllegalArgumentException.class, () -> LennardJones.lj13().energy(new double[39], new double[38]));
        assertThrows(IllegalArgumentException.class, () -> new LennardJones(1, 3, 1, 1, 1, 1));
    }
}
