package org.tarflow.boltzmann;

/**
 * A potential energy of N identical particles in D dimensions, in units of kT, so that the Boltzmann density is
 * {@code p(x) ∝ exp(-E(x))}. A configuration is N·D coordinates, particle-major
 * ({@code x[i·D + k]} is coordinate k of particle i), the layout of a sequence of N tokens of D values.
 */
public interface Energy {

    /** @return N, the number of particles */
    int particles();

    /** @return D, the dimension of space */
    int dim();

    /**
     * The energy and, into {@code force}, its negative gradient.
     *
     * @param x     N·D coordinates (not modified)
     * @param force N·D values to overwrite with {@code -∂E/∂x}, or null when only the energy is wanted
     * @return E(x) in kT; +∞ where it is undefined (e.g. two Lennard-Jones particles on top of each other)
     * @throws IllegalArgumentException if {@code x} (or {@code force}) does not hold N·D values
     */
    double energy(double[] x, double[] force);

    /**
     * Checks an array's length against N·D.
     *
     * @param e the energy whose shape is wanted
     * @param a the array
     * @throws IllegalArgumentException if {@code a} does not hold N·D values
     */
    static void checkLength(Energy e, double[] a) {
        if (a.length != e.particles() * e.dim()) {
            throw new IllegalArgumentException(a.length + " coordinates for " + e.particles() + " particles in " + e.dim() + "-D");
        }
    }
}
