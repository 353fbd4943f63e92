package org.tarflow.boltzmann;

/**
 * The Lennard-Jones cluster of Köhler, Klein and Noé (2020; bgflow's {@code LennardJonesPotential} with
 * {@code oscillator=True}): {@code E(x) = (ε/τ) Σ_{i<j} [(r_m / r_ij)¹² - 2 (r_m / r_ij)⁶] + (1/2) Σ_i |x_i - x̄|²},
 * the pair minimum {@code -ε} at {@code r = r_m}, plus a unit harmonic confinement about the centre of mass that
 * keeps the cluster from evaporating. LJ-13 is N = 13 in 3-D with ε = r_m = τ = 1; its Lennard-Jones global minimum
 * is the Mackay icosahedron at -44.326801 ε (Wales and Doye 1997, Cambridge Cluster Database).
 */
public final class LennardJones extends PairPotential {
    private final double epsilon;
    private final double rm;
    private final double tau;

    /**
     * @param particles   N
     * @param dim         D
     * @param epsilon     ε, the pair well depth
     * @param rm          r_m, the pair minimum's distance
     * @param tau         the temperature, dividing the pair term
     * @param confinement k of the harmonic term about the centre of mass (1 in the benchmark; 0 for plain LJ)
     * @throws IllegalArgumentException for N below 2, D below 1, or ε, r_m or τ not positive
     */
    public LennardJones(int particles, int dim, double epsilon, double rm, double tau, double confinement) {
        super(particles, dim, confinement);
        if (!(epsilon > 0 && rm > 0 && tau > 0)) {
            throw new IllegalArgumentException("epsilon, r_m and the temperature must be positive");
        }
        this.epsilon = epsilon;
        this.rm = rm;
        this.tau = tau;
    }

    /** @return LJ-13: 13 particles in 3-D, ε = r_m = τ = 1, unit harmonic confinement */
    public static LennardJones lj13() {
        return new LennardJones(13, 3, 1, 1, 1, 1);
    }

    @Override
    protected double pair(double r, double[] deriv) {
        double s6 = Math.pow(rm / r, 6);
        deriv[0] = epsilon / tau * (-12 * s6 * s6 + 12 * s6) / r;
        return epsilon / tau * (s6 * s6 - 2 * s6);
    }
}
