package org.tarflow.train;

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
 */
public record NoiseAugmentation(Type type, double std) {

    public enum Type { GAUSSIAN, UNIFORM, NONE }

    public NoiseAugmentation {
        if (type == Type.GAUSSIAN && (!(std > 0) || Double.isInfinite(std))) {
            throw new IllegalArgumentException("gaussian noise needs a finite standard deviation > 0, got " + std);
        }
    }

    public static NoiseAugmentation uniform() {
        return new NoiseAugmentation(Type.UNIFORM, 0);
    }

    public static NoiseAugmentation none() {
        return new NoiseAugmentation(Type.NONE, 0);
    }

    public static NoiseAugmentation gaussian(double std) {
        return new NoiseAugmentation(Type.GAUSSIAN, std);
    }

    /** Adds the noise to {@code x} in place. */
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

    /** Uniform dequantisation of one value in [-1, 1] with u in [0, 1). */
    public static double dequantize(double v, double u) {
        double xInt = (v + 1) * (255 / 2.0);
        return (xInt + u) / 256 * 2 - 1;
    }

    /** {@code gaussian(σ)} or {@code uniform}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return switch (type) {
            case GAUSSIAN -> "gaussian(" + std + ")";
            case UNIFORM -> "uniform";
            case NONE -> "none";
        };
    }

    /** Reads {@link #toString()}'s form. @throws IllegalArgumentException for anything else */
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
