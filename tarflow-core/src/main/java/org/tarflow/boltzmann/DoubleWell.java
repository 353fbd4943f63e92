package org.tarflow.boltzmann;

/**
 * The multi-particle double-well potential of Köhler, Klein and Noé (2020, "Equivariant Flows: Exact Likelihood
 * Generative Learning for Symmetric Densities", eq. for DW-4; bgflow's {@code MultiDoubleWellPotential}):
 * {@code E(x) = (1/τ) Σ_{i<j} [a (r_ij - d0) + b (r_ij - d0)² + c (r_ij - d0)⁴]}. DW-4 is N = 4 particles in
 * 2-D with a = 0, b = -4, c = 0.9, d0 = 4, τ = 1 (also Klein, Krämer and Noé 2023, equivariant flow matching).
 * Each pair's term has two wells at {@code r = d0 ± sqrt(-b / 2c)} when a = 0.
 */
public final class DoubleWell extends PairPotential {
    private final double a;
    private final double b;
    private final double c;
    private final double d0;
    private final double tau;

    /**
     * @param particles N
     * @param dim       D
     * @param a         linear coefficient
     * @param b         quadratic coefficient
     * @param c         quartic coefficient
     * @param d0        the offset distance
     * @param tau       the temperature, dividing the energy
     * @throws IllegalArgumentException for N below 2, D below 1 or τ not positive
     */
    public DoubleWell(int particles, int dim, double a, double b, double c, double d0, double tau) {
        super(particles, dim, 0);
        if (!(tau > 0)) {
            throw new IllegalArgumentException("temperature must be positive: " + tau);
        }
        this.a = a;
        this.b = b;
        this.c = c;
        this.d0 = d0;
        this.tau = tau;
    }

    /** @return DW-4: 4 particles in 2-D, a = 0, b = -4, c = 0.9, d0 = 4, τ = 1 */
    public static DoubleWell dw4() {
        return new DoubleWell(4, 2, 0, -4, 0.9, 4, 1);
    }

    @Override
    protected double pair(double r, double[] deriv) {
        double s = r - d0;
        deriv[0] = (a + 2 * b * s + 4 * c * s * s * s) / tau;
        return (a * s + b * s * s + c * s * s * s * s) / tau;
    }
}
