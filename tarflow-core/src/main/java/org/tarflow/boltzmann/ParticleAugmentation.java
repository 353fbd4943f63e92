package org.tarflow.boltzmann;

import java.util.SplittableRandom;
import org.tarflow.data.Dataset;
import org.tarflow.data.Seeds;
import org.tarflow.data.SequenceDataset;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Training data for a flow over N particles as tokens (T = N, D = the dimension of space), augmented afresh at every
 * {@link #batch} call as SBG does (Tan et al. 2025): each configuration, centred on its centre of mass, gets its
 * particles randomly permuted (they are identical), a random orthogonal map applied (Haar-distributed, reflections
 * included: the pair potentials here depend on distances only, so both leave E unchanged), and then a random centre
 * of mass {@code c ~ N(0, I_D / N)} added to every particle.
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
    private final long seed;
    private final SplittableRandom rng;

    /**
     * @param data centred configurations, N tokens of D coordinates
     * @param seed fixes every augmentation
     */
    public ParticleAugmentation(SequenceDataset data, long seed) {
        this.data = data;
        this.seed = seed;
        this.rng = Seeds.stream(seed, Seeds.SYNTHETIC_DATA, 1);
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
            augment(data.values(), indices[b] * n * d, n, d, rng, y);
            for (int j = 0; j < y.length; j++) {
                out.set(b * n * d + j, y[j]);
            }
        }
        return out;
    }

    /**
     * One augmentation of the configuration at {@code x[offset ..]}: permuted, orthogonally mapped, shifted by
     * {@code c ~ N(0, I/N)}.
     *
     * @param x      holds the centred configuration (not modified)
     * @param offset its first coordinate
     * @param n      N
     * @param d      D
     * @param rng    the draws
     * @param out    N·D values to overwrite
     */
    static void augment(double[] x, int offset, int n, int d, SplittableRandom rng, double[] out) {
        int[] perm = Seeds.permutation(n, rng);
        double[][] q = randomOrthogonal(d, rng);
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
        return new ParticleAugmentation(data.head(n), seed);
    }
}
