package org.tarflow.boltzmann;

import java.util.Arrays;

/**
 * An isotropic harmonic well {@code E(x) = (k/2) Σ x²} of N·D coordinates: its Boltzmann density is the Gaussian
 * N(0, 1/k), with mean energy (N·D)/2 kT (equipartition). A test target with a known density and known averages.
 */
public final class Harmonic implements Energy {
    private final int particles;
    private final int dim;
    private final double k;

    /**
     * @param particles N, at least 1
     * @param dim       D, at least 1
     * @param k         the spring constant in kT per squared length, positive
     * @throws IllegalArgumentException for N or D below 1 or k not positive
     */
    public Harmonic(int particles, int dim, double k) {
        if (particles < 1 || dim < 1 || !(k > 0) || Double.isInfinite(k)) {
            throw new IllegalArgumentException("need N, D >= 1 and a finite k > 0");
        }
        this.particles = particles;
        this.dim = dim;
        this.k = k;
    }

    @Override
    public int particles() {
        return particles;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public double energy(double[] x, double[] force) {
        Energy.checkLength(this, x);
        if (force != null) {
            Energy.checkLength(this, force);
            Arrays.setAll(force, i -> -k * x[i]);
        }
        double e = 0;
        for (double v : x) {
            e += 0.5 * k * v * v;
        }
        return e;
    }
}
