package org.tarflow.boltzmann;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tarflow.data.Dataset;
import org.tarflow.data.Seeds;
import org.tarflow.data.SequenceDataset;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Training data for a flow over N particles as tokens (T = N, D = the dimension of space), augmented afresh at every
 * {@link #batch} call as SBG does (Tan et al. 2025): each configuration, centred on its centre of mass, gets its
 * identical particles randomly permuted among themselves (all of them for DW-4 and LJ-13; per species for a molecule),
 * a random orthogonal map applied ({@link Rotations}; Haar-distributed, reflections included by default: the pair
 * potentials here depend on distances only, so both leave E unchanged), and then a random centre of mass
 * {@code c ~ N(0, I_D / N)} added to every particle.
 *
 * <p>Why the random centre of mass: the energies are translation invariant, so the data live on the (N-1)·D-dimensional
 * subspace of centred configurations, where a flow on all N·D coordinates has no density. Giving the centre an
 * independent Gaussian makes the augmented target {@code p(x) ∝ exp(-E(x)) N(c; 0, I/N)} a proper density on all of
 * R^{N·D} whose marginal over the centred part is the Boltzmann law itself; {@code I/N} makes the component of x along
 * each unit vector {@code (1, ..., 1)/√N} a standard normal, the scale of the flow's prior. Importance weights against
 * that augmented target, {@code log w = -E(x) - (N/2)|c|² - log q(x)}, are then exact for any function of the centred
 * configuration (the linear change of variables between x and (centred part, c) has a constant Jacobian, which cancels
 * on self-normalising).
 *
 * <p>Draws come from one stream, {@code Seeds.stream(seed, SYNTHETIC_DATA, 1)}, in call order: a run is reproducible
 * from its seed, but a resumed run sees other augmentations than an uninterrupted one.
 */
public final class ParticleAugmentation implements Dataset {
    private final SequenceDataset data;
    private final int[] species;
    private final int[][] groups;
    private final Rotations rotations;
    private final long seed;
    private final SplittableRandom rng;

    /** Which orthogonal maps the augmentation draws. */
    public enum Rotations {
        /** Haar on O(D): rotations and reflections, for energies that depend on distances only (DW-4, LJ-13). */
        ORTHOGONAL,
        /** Haar on SO(D): rotations only, for chiral molecules, whose mirror image is another molecule. */
        PROPER,
        /** the identity: configurations keep their orientation. */
        NONE
    }

    /**
     * @param data      centred configurations, N tokens of D coordinates
     * @param species   N species labels, one per particle: particles of equal label are identical and are permuted
     *                  among themselves; null when all N are identical
     * @param rotations the orthogonal maps drawn
     * @param seed      fixes every augmentation
     * @throws IllegalArgumentException if {@code species} does not hold N labels
     */
    public ParticleAugmentation(SequenceDataset data, int[] species, Rotations rotations, long seed) {
        if (species != null && species.length != data.length()) {
            throw new IllegalArgumentException(species.length + " species labels for " + data.length() + " particles");
        }
        this.data = data;
        this.species = species;
        this.groups = groups(species == null ? new int[data.length()] : species);
        this.rotations = rotations;
        this.seed = seed;
        this.rng = Seeds.stream(seed, Seeds.SYNTHETIC_DATA, 1);
    }

    /** The particles of each label, labels in order of first appearance, particles in increasing order. */
    private static int[][] groups(int[] species) {
        Map<Integer, List<Integer>> byLabel = new LinkedHashMap<>();
        for (int i = 0; i < species.length; i++) {
            byLabel.computeIfAbsent(species[i], k -> new ArrayList<>()).add(i);
        }
        return byLabel.values().stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray()).toArray(int[][]::new);
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public int[] itemShape() {
        return data.itemShape();
    }

    @Override
    public Tensor batch(int[] indices, DType dtype) {
        int n = data.length();
        int d = data.dim();
        Tensor out = Tensor.zeros(dtype, indices.length, n, d);
        double[] y = new double[n * d];
        for (int b = 0; b < indices.length; b++) {
            augment(data.values(), indices[b] * n * d, groups, rotations, d, rng, y);
            for (int j = 0; j < y.length; j++) {
                out.set(b * n * d + j, y[j]);
            }
        }
        return out;
    }

    /**
     * One augmentation of the configuration at {@code x[offset ..]}: permuted within each group of identical particles,
     * orthogonally mapped, shifted by {@code c ~ N(0, I/N)}. With one group of all N particles the draws are those of
     * one permutation of N.
     *
     * @param x         holds the centred configuration (not modified)
     * @param offset    its first coordinate
     * @param groups    the groups of identical particles, together 0..N-1 once each
     * @param rotations the orthogonal maps drawn
     * @param d         D
     * @param rng       the draws
     * @param out       N·D values to overwrite
     */
    static void augment(double[] x, int offset, int[][] groups, Rotations rotations, int d, SplittableRandom rng, double[] out) {
        int n = out.length / d;
        int[] perm = new int[n];
        for (int[] g : groups) {
            int[] p = Seeds.permutation(g.length, rng);
            for (int i = 0; i < g.length; i++) {
                perm[g[i]] = g[p[i]];
            }
        }
        double[][] q = switch (rotations) {
            case ORTHOGONAL -> randomOrthogonal(d, rng);
            case PROPER -> randomRotation(d, rng);
            case NONE -> identity(d);
        };
        double[] c = new double[d];
        for (int k = 0; k < d; k++) {
            c[k] = rng.nextGaussian() / Math.sqrt(n);
        }
        for (int i = 0; i < n; i++) {
            int src = offset + perm[i] * d;
            for (int k = 0; k < d; k++) {
                double s = c[k];
                for (int l = 0; l < d; l++) {
                    s += q[k][l] * x[src + l];
                }
                out[i * d + k] = s;
            }
        }
    }

    /**
     * A Haar-distributed orthogonal D×D matrix: Gram-Schmidt on the rows of a matrix of standard normals (the QR
     * decomposition with a positive diagonal of R, which is Haar; Mezzadri 2007).
     */
    static double[][] randomOrthogonal(int d, SplittableRandom rng) {
        double[][] q = new double[d][d];
        for (int r = 0; r < d; r++) {
            for (int k = 0; k < d; k++) {
                q[r][k] = rng.nextGaussian();
            }
            for (int p = 0; p < r; p++) {
                double dot = 0;
                for (int k = 0; k < d; k++) {
                    dot += q[r][k] * q[p][k];
                }
                for (int k = 0; k < d; k++) {
                    q[r][k] -= dot * q[p][k];
                }
            }
            double norm = 0;
            for (int k = 0; k < d; k++) {
                norm += q[r][k] * q[r][k];
            }
            norm = Math.sqrt(norm);
            for (int k = 0; k < d; k++) {
                q[r][k] /= norm;
            }
        }
        return q;
    }

    /** A Haar-distributed rotation (SO(D)): a Haar orthogonal map whose last row is negated if its determinant is -1. */
    static double[][] randomRotation(int d, SplittableRandom rng) {
        double[][] q = randomOrthogonal(d, rng);
        if (determinant(q) < 0) {
            for (int k = 0; k < d; k++) {
                q[d - 1][k] = -q[d - 1][k];
            }
        }
        return q;
    }

    /** The determinant by Gaussian elimination with partial pivoting (D is 2 or 3 here; any D works). */
    static double determinant(double[][] m) {
        int d = m.length;
        double[][] a = new double[d][];
        for (int r = 0; r < d; r++) {
            a[r] = m[r].clone();
        }
        double det = 1;
        for (int col = 0; col < d; col++) {
            int pivot = col;
            for (int r = col + 1; r < d; r++) {
                if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) {
                    pivot = r;
                }
            }
            if (pivot != col) {
                double[] t = a[pivot];
                a[pivot] = a[col];
                a[col] = t;
                det = -det;
            }
            det *= a[col][col];
            if (a[col][col] == 0) {
                return 0;
            }
            for (int r = col + 1; r < d; r++) {
                double f = a[r][col] / a[col][col];
                for (int k = col; k < d; k++) {
                    a[r][k] -= f * a[col][k];
                }
            }
        }
        return det;
    }

    private static double[][] identity(int d) {
        double[][] q = new double[d][d];
        for (int k = 0; k < d; k++) {
            q[k][k] = 1;
        }
        return q;
    }

    @Override
    public int[] labels(int[] indices) {
        return null;
    }

    @Override
    public int numClasses() {
        return 0;
    }

    @Override
    public Dataset head(int n) {
        return new ParticleAugmentation(data.head(n), species, rotations, seed);
    }
}
