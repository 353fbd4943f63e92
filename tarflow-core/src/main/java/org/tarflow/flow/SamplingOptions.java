package org.tarflow.flow;

/**
 * How to invert the flow (the keyword arguments of the reference's {@code Model.reverse}).
 *
 * <p>Classifier-free guidance: at each step the conditional branch predicts {@code (za, zb)} and the
 * unconditional branch (no label, i.e. the mean class embedding, and attention temperature
 * {@code attnTemp}) predicts {@code (za_u, zb_u)}; then {@code za += g (za - za_u)} when
 * {@code guideWhat} contains 'a' and {@code zb += g (zb - zb_u)} when it contains 'b', with
 * {@code g = guidance}, or {@code g = (i+1)/(T-1) * guidance} at step i when {@code annealed}.
 * For an unconditional model the two branches differ only in attention temperature.
 *
 * @param guidance  CFG weight w &gt;= 0; 0 disables guidance (one branch only)
 * @param guideWhat "a" (log-scale), "b" (shift) or "ab" (both)
 * @param attnTemp  attention temperature of the unconditional branch, &gt; 0
 * @param annealed  ramp the weight linearly over the steps
 */
public record SamplingOptions(double guidance, String guideWhat, double attnTemp, boolean annealed) {

    /** No guidance. */
    public static final SamplingOptions PLAIN = new SamplingOptions(0, "ab", 1.0, false);

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException if {@code guidance} is negative, NaN or infinite, {@code guideWhat}
     *         is not "a", "b" or "ab", or {@code attnTemp} is not a finite positive number
     */
    public SamplingOptions {
        if (!(guidance >= 0) || Double.isInfinite(guidance)) {
            throw new IllegalArgumentException("guidance must be a finite number >= 0, got " + guidance);
        }
        if (!guideWhat.equals("a") && !guideWhat.equals("b") && !guideWhat.equals("ab")) {
            throw new IllegalArgumentException("guide_what must be a, b or ab, got '" + guideWhat + "'");
        }
        if (!(attnTemp > 0) || Double.isInfinite(attnTemp)) {
            throw new IllegalArgumentException("attention temperature must be a finite number > 0, got " + attnTemp);
        }
    }

    /**
     * {@return guidance with weight w on both log-scale and shift, attention temperature 1, not annealed}
     * On an unconditional model such options change nothing, since both branches are then the same.
     *
     * @param w the CFG weight, finite and &gt;= 0
     */
    public static SamplingOptions cfg(double w) {
        return new SamplingOptions(w, "ab", 1.0, false);
    }

    /** The guidance weight g at sampling step i (0..t-2) of a block of t patches. */
    double weightAt(int i, int t) {
        return annealed ? (i + 1.0) / (t - 1) * guidance : guidance;
    }

    boolean guided() {
        return guidance > 0;
    }

    boolean guidesScale() {
        return guideWhat.contains("a");
    }

    boolean guidesShift() {
        return guideWhat.contains("b");
    }
}
