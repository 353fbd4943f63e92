package org.tarflow.boltzmann;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BoltzmannGeneratorTest {

    @Test
    void distancesOfATriangle() {
        // a 3-4-5 right triangle in 2-D, pairs (0,1), (0,2), (1,2)
        double[] x = {0, 0, 3, 0, 0, 4};
        assertArrayEquals(new double[] {3, 4, 5}, BoltzmannGenerator.distances(x, 3, 2), 1e-15);
    }

    @Test
    void energyW2OfTwoHalvesOfTheReferenceIsNearZero() {
        DoubleWell e = DoubleWell.dw4();
        double[] start = {0, 0, 4, 0, 0, 4, 4, 4};
        Mala.Result r = Mala.sample(e, start, new Mala.Settings(8, 2000, 4000, 10, 1e-3, 11));
        double[] en = r.energies();
        double[] a = Arrays.copyOf(en, en.length / 2); // chains 0..3
        double[] b = Arrays.copyOfRange(en, en.length / 2, en.length); // chains 4..7
        double mean = Arrays.stream(en).average().orElseThrow();
        double sd = Math.sqrt(Arrays.stream(en).map(v -> (v - mean) * (v - mean)).sum() / en.length);
        double halves = Wasserstein.distance(a, null, b, null, 2);
        assertTrue(halves < 0.1 * sd, "E-W2 of the halves " + halves + ", energy sd " + sd);
        // while a sample shifted by one standard deviation is one standard deviation away
        double[] shifted = Arrays.stream(b).map(v -> v + sd).toArray();
        assertEquals(sd, Wasserstein.distance(b, null, shifted, null, 2), 1e-9 * sd);
    }

    @Test
    void augmentationKeepsTheEnergyAndDrawsTheCentreFromNOfOneOverN() {
        LennardJones e = LennardJones.lj13();
        SplittableRandom rng = new SplittableRandom(5);
        double[] x = new double[39];
        for (int i = 0; i < 13; i++) { // a loose 3x3x2 lattice of spacing 1.1: finite energy
            x[3 * i] = 1.1 * (i % 3);
            x[3 * i + 1] = 1.1 * (i / 3 % 3);
            x[3 * i + 2] = 1.1 * (i / 9);
        }
        Mala.centre(x, 0, 13, 3);
        double e0 = e.energy(x, null);
        double[] y = new double[39];
        double sum = 0;
        double sumSq = 0;
        int draws = 4000;
        for (int s = 0; s < draws; s++) {
            ParticleAugmentation.augment(x, 0, new int[][] {java.util.stream.IntStream.range(0, 13).toArray()}, ParticleAugmentation.Rotations.ORTHOGONAL, 3, rng, y);
            double c = 0; // centre of mass, first coordinate
            for (int i = 0; i < 13; i++) {
                c += y[3 * i] / 13;
            }
            sum += c;
            sumSq += c * c;
            Mala.centre(y, 0, 13, 3);
            if (s < 50) {
                assertEquals(e0, e.energy(y, null), 1e-9 * Math.abs(e0));
            }
        }
        double var = sumSq / draws - (sum / draws) * (sum / draws);
        // sd of a variance estimate of 4000 normals is sqrt(2/4000) of it: 4 sd ≈ 9 %
        assertEquals(1.0 / 13, var, 0.09 / 13, "centre-of-mass variance");
        double[][] q = ParticleAugmentation.randomOrthogonal(3, rng);
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                double dot = q[a][0] * q[b][0] + q[a][1] * q[b][1] + q[a][2] * q[b][2];
                assertEquals(a == b ? 1 : 0, dot, 1e-12);
            }
        }
    }
}
