package org.tarflow.eval;

import java.util.SplittableRandom;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.tensor.Tensor;

/**
 * Where in its bin of width 2/256 an 8-bit value is placed before it is scored
 * ({@link NoiseAugmentation#dequantize}):
 * <ul>
 *   <li>{@link #UNIFORM}: {@code u ~ U[0, 1)}, the reference's {@code evaluate_bpd.py}; its bits/dim bounds
 *       the discrete data's code length, but one draw differs between ports by the noise of that draw;</li>
 *   <li>{@link #MID}: the bin centre, {@code u = 1/2}, no randomness, so that two ports scoring the same
 *       model and images agree to rounding (not a bound: a point value of the density).</li>
 * </ul>
 */
public enum Dequantization {
    /** {@code u ~ U[0, 1)}, as {@code evaluate_bpd.py}. */
    UNIFORM,
    /** {@code u = 1/2}, the bin centre. */
    MID;

    /**
     * Dequantises {@code x} in place, element by element in flat order.
     *
     * @param x   values in [-1, 1] on the 256 levels, any shape
     * @param rng one {@code nextDouble()} per element for {@link #UNIFORM}; not drawn from for {@link #MID}
     */
    public void apply(Tensor x, SplittableRandom rng) {
        if (this == UNIFORM) {
            NoiseAugmentation.uniform().apply(x, rng);
            return;
        }
        for (int i = 0; i < x.size(); i++) {
            x.set(i, NoiseAugmentation.dequantize(x.get(i), 0.5));
        }
    }

    /**
     * {@return the dequantisation named {@code uniform} or {@code mid}}
     *
     * @param s the name, as {@code evaluate --dequant} takes it
     * @throws IllegalArgumentException for any other name
     */
    public static Dequantization parse(String s) {
        return switch (s) {
            case "uniform" -> UNIFORM;
            case "mid" -> MID;
            default -> throw new IllegalArgumentException("dequantisation must be uniform or mid, got '" + s + "'");
        };
    }
}
