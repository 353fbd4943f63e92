package org.tarflow.data;

import java.util.SplittableRandom;
import org.tarflow.tensor.Tensor;

/**
 * The input noise of training (the reference's {@code --noise_type}), for data in [-1, 1]:
 * <ul>
 *   <li>{@code gaussian}: {@code x + σ ε}, ε ~ N(0, 1) (paper §2.3; sampling then benefits from the
 *       score-based denoising step);</li>
 *   <li>{@code uniform}: dequantisation, {@code x_int = (x + 1)·255/2; x = (x_int + u)/256·2 − 1},
 *       u ~ U[0, 1), which makes the likelihood a bound on the discrete data's code length;</li>
 *   <li>{@code none}: the data as they are (continuous sequence data, toy densities).</li>
 * </ul>
 *
 * @param type the kind of noise
 * @param std  σ on the [-1, 1] scale for {@link Type#GAUSSIAN} (the reference's default is 0.05);
 *             ignored otherwise
 */
public record NoiseAugmentation(Type type, double std) {

    /** The kind of noise, as the class comment describes each. */
    public enum Type {
        /** {@code x + σ ε}, ε ~ N(0, 1). */
        GAUSSIAN,
        /** Uniform dequantisation of 8-bit values. */
        UNIFORM,
        /** No noise. */
        NONE
    }

    /**
     * Validates the noise.
     *
     * @throws IllegalArgumentException if a Gaussian σ is not finite and positive
     */
    public NoiseAugmentation {
        if (type == Type.GAUSSIAN && (!(std > 0) || Double.isInfinite(std))) {
            throw new IllegalArgumentException("gaussian noise needs a finite standard deviation > 0, got " + std);
        }
    }

    /** {@return uniform dequantisation, as {@code evaluate_bpd.py} uses for likelihoods} */
    public static NoiseAugmentation uniform() {
        return new NoiseAugmentation(Type.UNIFORM, 0);
    }

    /** {@return no noise} */
    public static NoiseAugmentation none() {
        return new NoiseAugmentation(Type.NONE, 0);
    }

    /**
     * {@return Gaussian noise of standard deviation {@code std}}
     *
     * @param std σ on the [-1, 1] scale, finite and &gt; 0
     * @throws IllegalArgumentException otherwise
     */
    public static NoiseAugmentation gaussian(double std) {
        return new NoiseAugmentation(Type.GAUSSIAN, std);
    }

    /**
     * Adds the noise to {@code x} in place, element by element in flat order.
     *
     * @param x   a batch of data in [-1, 1], any shape
     * @param rng one {@code nextGaussian()} (Gaussian) or {@code nextDouble()} (uniform) per element; not
     *            drawn from for {@link Type#NONE}
     */
    public void apply(Tensor x, SplittableRandom rng) {
        if (type == Type.NONE) {
            return;
        }
        for (int i = 0; i < x.size(); i++) {
            double v = x.get(i);
            if (type == Type.GAUSSIAN) {
                x.set(i, v + std * rng.nextGaussian());
            } else {
                x.set(i, dequantize(v, rng.nextDouble()));
            }
        }
    }

    /**
     * {@return the uniformly dequantised value {@code (x_int + u)/256·2 − 1} with {@code x_int = (v + 1)·255/2}}
     * For an 8-bit value v this lies in its bin of width 2/256.
     *
     * @param v a value in [-1, 1], normally one of the 256 levels
     * @param u a uniform draw in [0, 1)
     */
    public static double dequantize(double v, double u) {
        double xInt = (v + 1) * (255 / 2.0);
        return (xInt + u) / 256 * 2 - 1;
    }

    /** {@return {@code gaussian(σ)}, {@code uniform} or {@code none}; {@link #parse} reads it back} */
    @Override
    public String toString() {
        return switch (type) {
            case GAUSSIAN -> "gaussian(" + std + ")";
            case UNIFORM -> "uniform";
            case NONE -> "none";
        };
    }

    /**
     * {@return the noise {@link #toString()} describes}
     *
     * @param s {@code gaussian(σ)}, {@code uniform} or {@code none}
     * @throws IllegalArgumentException for anything else, or an invalid σ
     */
    public static NoiseAugmentation parse(String s) {
        if (s.equals("uniform")) {
            return uniform();
        }
        if (s.equals("none")) {
            return none();
        }
        if (s.startsWith("gaussian(") && s.endsWith(")")) {
            try {
                return gaussian(Double.parseDouble(s.substring(9, s.length() - 1)));
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("unknown noise '" + s + "'");
    }
}
