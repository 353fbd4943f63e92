package org.tarflow.data;

import java.util.SplittableRandom;

/**
 * Two-dimensional toy targets (as in the normalizing-flow literature, e.g. FFJORD), modelled by TarFlow as
 * sequences of T = 2 tokens of D = 1 value: token 0 is the x coordinate, token 1 the y coordinate. (T = 1
 * token of D = 2 would not work: each block passes its first token unchanged, so a one-token model is the
 * identity.)
 */
public enum ToyDensity {
    /**
     * Eight Gaussians of standard deviation {@value #MIXTURE_STD} at radius 2, angles 2πk/8, equal weights.
     * Density known in closed form.
     */
    GAUSSIANS,
    /**
     * Uniform on the 8 dark squares of a 4×4 checkerboard of unit squares over [-2, 2]²: density 1/8 there,
     * 0 elsewhere; entropy log 8.
     */
    CHECKERBOARD,
    /**
     * Two interleaved half circles of radius 1 (upper: centre (0, 0); lower: centre (1, 0.5), flipped), with
     * N(0, {@value #MOONS_NOISE}²) noise, then shifted by (−0.5, −0.25) and scaled by 2. No closed-form density.
     */
    MOONS;

    /** Standard deviation of each component of {@link #GAUSSIANS}. */
    public static final double MIXTURE_STD = 0.2;
    /** Standard deviation of the noise of {@link #MOONS}, before the scaling by 2. */
    public static final double MOONS_NOISE = 0.05;

    /**
     * {@return {@code n} points drawn from the target, as the values of an (n, 2, 1) sequence tensor:
     * x0, y0, x1, y1, ...}
     *
     * @param n   number of points
     * @param rng the generator
     */
    public double[] sample(int n, SplittableRandom rng) {
        double[] v = new double[2 * n];
        for (int i = 0; i < n; i++) {
            double x;
            double y;
            switch (this) {
                case GAUSSIANS -> {
                    double angle = 2 * Math.PI * rng.nextInt(8) / 8;
                    x = 2 * Math.cos(angle) + MIXTURE_STD * rng.nextGaussian();
                    y = 2 * Math.sin(angle) + MIXTURE_STD * rng.nextGaussian();
                }
                case CHECKERBOARD -> {
                    x = -2 + 4 * rng.nextDouble();
                    double row = rng.nextDouble() - 2 * rng.nextInt(2); // [0,1) or [-2,-1)
                    y = row + Math.floorMod((int) Math.floor(x), 2);      // shift odd columns up by one
                }
                default -> {
                    double t = Math.PI * rng.nextDouble();
                    boolean upper = rng.nextBoolean();
                    double mx = upper ? Math.cos(t) : 1 - Math.cos(t);
                    double my = upper ? Math.sin(t) : 0.5 - Math.sin(t);
                    x = 2 * (mx + MOONS_NOISE * rng.nextGaussian() - 0.5);
                    y = 2 * (my + MOONS_NOISE * rng.nextGaussian() - 0.25);
                }
            }
            v[2 * i] = x;
            v[2 * i + 1] = y;
        }
        return v;
    }

    /** {@return whether {@link #logDensity} is known in closed form (all but {@link #MOONS})} */
    public boolean hasDensity() {
        return this != MOONS;
    }

    /**
     * {@return log p(x, y) in nats, or −∞ outside the support}
     *
     * @param x the first coordinate (token 0)
     * @param y the second coordinate (token 1)
     * @throws UnsupportedOperationException for {@link #MOONS}
     */
    public double logDensity(double x, double y) {
        switch (this) {
            case GAUSSIANS -> {
                double s = 0;
                double var = MIXTURE_STD * MIXTURE_STD;
                for (int k = 0; k < 8; k++) {
                    double angle = 2 * Math.PI * k / 8;
                    double dx = x - 2 * Math.cos(angle);
                    double dy = y - 2 * Math.sin(angle);
                    s += Math.exp(-(dx * dx + dy * dy) / (2 * var)) / (2 * Math.PI * var);
                }
                return Math.log(s / 8);
            }
            case CHECKERBOARD -> {
                if (x < -2 || x >= 2 || y < -2 || y >= 2) {
                    return Double.NEGATIVE_INFINITY;
                }
                boolean dark = Math.floorMod((int) Math.floor(x) + (int) Math.floor(y), 2) == 0;
                return dark ? Math.log(1.0 / 8) : Double.NEGATIVE_INFINITY;
            }
            default -> throw new UnsupportedOperationException("the moons have no closed-form density");
        }
    }

    /**
     * {@return the differential entropy −E[log p] in nats per point} Closed form (log 8) for
     * {@link #CHECKERBOARD}; for {@link #GAUSSIANS} a Monte Carlo mean of −log p over {@code n} samples.
     *
     * @param n   samples of the Monte Carlo estimate
     * @param rng the generator of those samples
     * @throws UnsupportedOperationException for {@link #MOONS}, which has no closed-form density
     */
    public double entropy(int n, SplittableRandom rng) {
        if (this == CHECKERBOARD) {
            return Math.log(8);
        }
        double[] v = sample(n, rng);
        double s = 0;
        for (int i = 0; i < n; i++) {
            s -= logDensity(v[2 * i], v[2 * i + 1]);
        }
        return s / n;
    }

    /**
     * {@return the target of that name}
     *
     * @param name gaussians, checkerboard or moons, in any case
     * @throws IllegalArgumentException for another name
     */
    public static ToyDensity parse(String name) {
        for (ToyDensity d : values()) {
            if (d.name().equalsIgnoreCase(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown toy target '" + name + "': use gaussians, checkerboard or moons");
    }
}
