package org.tarflow.flow;

import java.util.Objects;

/**
 * How to invert the flow (the keyword arguments of the reference's {@code Model.reverse}).
 *
 * <p>Classifier-free guidance: at each step the conditional branch predicts {@code (za, zb)} and the
 * unconditional branch (no label, i.e. the mean class embedding, and attention temperature
 * {@code attnTemp}) predicts {@code (za_u, zb_u)}; then {@code za += g (za - za_u)} when
 * {@code guideWhat} contains 'a' and {@code zb += g (zb - zb_u)} when it contains 'b', with
 * {@code g = guidance}, or {@code g = (i+1)/(T-1) * guidance} at step i when {@code annealed}.
 * For an unconditional model the two branches differ only in attention temperature. That is the
 * {@link GuidanceRule#REFERENCE reference} rule; {@link GuidanceRule#STARFLOW} combines the two branches
 * as Gaussians instead (same weight g, same annealing), on a and b together.
 *
 * @param guidance  CFG weight w &gt;= 0; 0 disables guidance (one branch only)
 * @param guideWhat "a" (log-scale), "b" (shift) or "ab" (both); "ab" with the STARFlow rule
 * @param attnTemp  attention temperature of the unconditional branch, &gt; 0
 * @param annealed  ramp the weight linearly over the steps
 * @param rule      how the two branches are combined
 */
public record SamplingOptions(double guidance, String guideWhat, double attnTemp, boolean annealed, GuidanceRule rule) {

    /** No guidance. */
    public static final SamplingOptions PLAIN = new SamplingOptions(0, "ab", 1.0, false);

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException if {@code guidance} is negative, NaN or infinite, {@code guideWhat}
     *         is not "a", "b" or "ab" (or not "ab" with the STARFlow rule, which guides the scale and the
     *         shift as one Gaussian), or {@code attnTemp} is not a finite positive number
     * @throws NullPointerException if {@code rule} is null
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
        Objects.requireNonNull(rule, "rule");
        if (rule == GuidanceRule.STARFLOW && !guideWhat.equals("ab")) {
            throw new IllegalArgumentException("the starflow guidance rule guides scale and shift together (guide_what ab),"
                    + " got '" + guideWhat + "'");
        }
    }

    /**
     * Options with the {@link GuidanceRule#REFERENCE reference} guidance rule.
     *
     * @param guidance  CFG weight w &gt;= 0
     * @param guideWhat "a", "b" or "ab"
     * @param attnTemp  attention temperature of the unconditional branch, &gt; 0
     * @param annealed  ramp the weight linearly over the steps
     * @throws IllegalArgumentException as the canonical constructor
     */
    public SamplingOptions(double guidance, String guideWhat, double attnTemp, boolean annealed) {
        this(guidance, guideWhat, attnTemp, annealed, GuidanceRule.REFERENCE);
    }

    /**
     * {@return these options with another guidance rule}
     *
     * @param other the rule
     * @throws IllegalArgumentException if the rule does not fit {@code guideWhat}
     */
    public SamplingOptions withRule(GuidanceRule other) {
        return new SamplingOptions(guidance, guideWhat, attnTemp, annealed, other);
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

    /**
     * {@return the log-scale applied at a guided step} a_c and a_u are the two branches' log-scales, g the
     * step's weight ({@link #weightAt}). Reference: {@code a_c + g (a_c − a_u)} when guiding a, else a_c;
     * STARFlow: {@code a_c − ½ log(1 + g − g s)}, i.e. σ = σ_c/√(1 + g − g s) (see {@link GuidanceRule}).
     */
    double guidedLogScale(double ac, double au, double g) {
        if (rule == GuidanceRule.STARFLOW) {
            return ac - 0.5 * Math.log(GuidanceRule.starflowPrecisionFactor(GuidanceRule.starflowVarianceRatio(ac, au), g));
        }
        return guidesScale() ? TarFlowBlock.guide(ac, au, g) : ac;
    }

    /**
     * {@return the shift applied at a guided step} b_c and b_u are the two branches' shifts, a_c and a_u their
     * log-scales, g the step's weight. Reference: {@code b_c + g (b_c − b_u)} when guiding b, else b_c;
     * STARFlow: {@code ((1 + g) b_c − g s b_u) / (1 + g − g s)} (see {@link GuidanceRule}).
     */
    double guidedShift(double bc, double bu, double ac, double au, double g) {
        if (rule == GuidanceRule.STARFLOW) {
            double s = GuidanceRule.starflowVarianceRatio(ac, au);
            return ((1 + g) * bc - g * s * bu) / GuidanceRule.starflowPrecisionFactor(s, g);
        }
        return guidesShift() ? TarFlowBlock.guide(bc, bu, g) : bc;
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
