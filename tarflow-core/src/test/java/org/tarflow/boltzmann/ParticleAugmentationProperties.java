package org.tarflow.boltzmann;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.tarflow.data.Seeds;
import org.tarflow.data.SequenceDataset;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * {@link ParticleAugmentation} on random shapes (N from 2 to 9, D from 1 to 4, up to 3 species): particles move only
 * within their species, the orthogonal maps are what {@link ParticleAugmentation.Rotations} says, and a configuration's
 * shape (its distances) is kept.
 */
class ParticleAugmentationProperties {

    @Property(tries = 60)
    void particlesArePermutedOnlyWithinTheirSpecies(@ForAll long seed, @ForAll @IntRange(min = 2, max = 9) int n,
                                                     @ForAll @IntRange(min = 1, max = 4) int d,
                                                     @ForAll @IntRange(min = 1, max = 3) int kinds) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] species = new int[n];
        double[] x = new double[n * d];
        for (int i = 0; i < n; i++) {
            species[i] = rng.nextInt(kinds);
            for (int k = 0; k < d; k++) {
                x[i * d + k] = rng.nextGaussian();
            }
        }
        Mala.centre(x, 0, n, d);
        ParticleAugmentation aug = new ParticleAugmentation(new SequenceDataset(x, null, n, d, 0), species,
                ParticleAugmentation.Rotations.NONE, seed);
        Tensor y = aug.batch(new int[] {0, 0, 0}, DType.F64);
        for (int b = 0; b < 3; b++) {
            double[] c = new double[d];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < d; k++) {
                    c[k] += y.get(b * n * d + i * d + k) / n;
                }
            }
            boolean[] used = new boolean[n];
            for (int i = 0; i < n; i++) {
                // without rotations, particle i of the output is some unused input particle of i's species, shifted by c
                int match = -1;
                for (int j = 0; j < n && match < 0; j++) {
                    if (!used[j] && species[j] == species[i] && near(x, j, y, b * n * d + i * d, c, d)) {
                        match = j;
                    }
                }
                assertTrue(match >= 0, "output particle " + i + " of species " + species[i] + " is no input particle of it");
                used[match] = true;
            }
        }
    }

    @Property(tries = 60)
    void rotationsAreOrthogonalAndProperOnesHaveDeterminantOne(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int d) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] q = ParticleAugmentation.randomRotation(d, rng);
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                double dot = 0;
                for (int k = 0; k < d; k++) {
                    dot += q[a][k] * q[b][k];
                }
                assertEquals(a == b ? 1 : 0, dot, 1e-12);
            }
        }
        assertEquals(1, ParticleAugmentation.determinant(q), 1e-12);
        assertEquals(1, Math.abs(ParticleAugmentation.determinant(ParticleAugmentation.randomOrthogonal(d, rng))), 1e-12);
    }

    @Property(tries = 30)
    void aPermutationOfRowsTimesAScaleHasTheKnownDeterminant(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int d) {
        // det(P · diag(s)) = sign(P) · Π s, with sign(P) from the count of inversions: a value computed independently
        SplittableRandom rng = new SplittableRandom(seed);
        int[] p = Seeds.permutation(d, rng);
        double[][] m = new double[d][d];
        double expected = 1;
        for (int r = 0; r < d; r++) {
            double s = 0.5 + rng.nextDouble();
            m[r][p[r]] = s;
            expected *= s;
        }
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                expected *= p[i] > p[j] ? -1 : 1;
            }
        }
        assertEquals(expected, ParticleAugmentation.determinant(m), 1e-12 * Math.abs(expected));
    }

    private static boolean near(double[] x, int j, Tensor y, int at, double[] c, int d) {
        for (int k = 0; k < d; k++) {
            if (Math.abs(x[j * d + k] + c[k] - y.get(at + k)) > 1e-12) {
                return false;
            }
        }
        return true;
    }
}
