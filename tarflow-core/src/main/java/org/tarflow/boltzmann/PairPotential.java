package org.tarflow.boltzmann;

/**
 * An energy that is a sum over unordered particle pairs of a function of their distance,
 * {@code E(x) = Σ_{i<j} u(|x_i - x_j|)}, optionally plus a harmonic confinement {@code (k/2) Σ_i |x_i - x̄|²}
 * around the centre of mass x̄ (as bgflow's Lennard-Jones potential, Köhler, Klein and Noé 2020).
 * Both terms are invariant under translation, rotation and permutation of the particles.
 */
public abstract class PairPotential implements Energy {
    private final int particles;
    private final int dim;
    private final double confinement;

    /**
     * @param particles   N, at least 2
     * @param dim         D, at least 1
     * @param confinement k of the harmonic term about the centre of mass, 0 for none
     * @throws IllegalArgumentException for N below 2, D below 1, or a negative or non-finite k
     */
    protected PairPotential(int particles, int dim, double confinement) {
        if (particles < 2 || dim < 1 || !(confinement >= 0) || Double.isInfinite(confinement)) {
            throw new IllegalArgumentException("need N >= 2 particles, D >= 1 and a finite confinement >= 0");
        }
        this.particles = particles;
        this.dim = dim;
        this.confinement = confinement;
    }

    @Override
    public final int particles() {
        return particles;
    }

    @Override
    public final int dim() {
        return dim;
    }

    /**
     * The pair term and its derivative.
     *
     * @param r     the distance, &gt; 0
     * @param deriv {@code deriv[0]} receives du/dr
     * @return u(r)
     */
    protected abstract double pair(double r, double[] deriv);

    @Override
    public final double energy(double[] x, double[] force) {
        Energy.checkLength(this, x);
        if (force != null) {
            Energy.checkLength(this, force);
            java.util.Arrays.fill(force, 0);
        }
        double e = 0;
        double[] du = new double[1];
        for (int i = 0; i < particles; i++) {
            for (int j = i + 1; j < particles; j++) {
                double r2 = 0;
                for (int k = 0; k < dim; k++) {
                    double d = x[i * dim + k] - x[j * dim + k];
                    r2 += d * d;
                }
                double r = Math.sqrt(r2);
                if (r == 0) {
                    return Double.POSITIVE_INFINITY;
                }
                e += pair(r, du);
                if (force != null) {
                    // -dE/dx_i = -u'(r) (x_i - x_j) / r, and the opposite on x_j
                    for (int k = 0; k < dim; k++) {
                        double f = -du[0] * (x[i * dim + k] - x[j * dim + k]) / r;
                        force[i * dim + k] += f;
                        force[j * dim + k] -= f;
                    }
                }
            }
        }
        if (confinement > 0) {
            for (int k = 0; k < dim; k++) {
                double mean = 0;
                for (int i = 0; i < particles; i++) {
                    mean += x[i * dim + k];
                }
                mean /= particles;
                for (int i = 0; i < particles; i++) {
                    double c = x[i * dim + k] - mean;
                    e += 0.5 * confinement * c * c;
                    if (force != null) {
                        // the gradient through the mean sums to 0 over particles, leaving k (x_i - x̄)
                        force[i * dim + k] -= confinement * c;
                    }
                }
            }
        }
        return e;
    }
}
