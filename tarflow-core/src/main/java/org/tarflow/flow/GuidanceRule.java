package org.tarflow.flow;

import java.util.Locale;

/**
 * How classifier-free guidance combines the conditional prediction (log-scale a_c, shift b_c) with the
 * unconditional one (a_u, b_u) at a sampling step x = z·exp(a) + b, for a guidance weight g ≥ 0 (the
 * step's weight, annealed or not: {@link SamplingOptions}).
 *
 * <ul>
 *   <li>{@link #REFERENCE}: the original's rule (apple/ml-tarflow {@code MetaBlock.reverse}), linear
 *       extrapolation of each quantity: {@code a = a_c + g (a_c − a_u)}, {@code b = b_c + g (b_c − b_u)}.
 *       The guided scale exp(a) grows without bound where the conditional scale exceeds the
 *       unconditional one, which is what makes high weights produce infinities.</li>
 *   <li>{@link #STARFLOW}: the rule of apple/ml-starflow ({@code MetaBlock.guidance},
 *       {@code logits_guided}): the Gaussian proportional to {@code p_c^(1+g) / p_u^g} for
 *       p_c = N(b_c, σ_c²), p_u = N(b_u, σ_u²), σ = exp(a), with the variance ratio capped at 1 so that
 *       the result is always a proper Gaussian: {@code s = min(σ_c/σ_u, 1)²},
 *       {@code σ = σ_c / √(1 + g − g s)}, {@code b = ((1 + g) b_c − g s b_u) / (1 + g − g s)}. Since
 *       {@code 1 + g − g s ≥ 1}, the guided scale never exceeds the conditional one. Derivation:
 *       docs/ALGORITHM.md §9.</li>
 * </ul>
 */
public enum GuidanceRule {
    /** The original TarFlow's linear extrapolation of a and b separately (the default). */
    REFERENCE,
    /** STARFlow's product-of-Gaussians rule on (b, exp(a)) jointly. */
    STARFLOW;

    /**
     * {@return the rule named {@code name}: "reference" or "starflow"}
     *
     * @param name the rule's name, as the command line spells it
     * @throws IllegalArgumentException for any other name
     */
    public static GuidanceRule parse(String name) {
        return switch (name) {
            case "reference" -> REFERENCE;
            case "starflow" -> STARFLOW;
            default -> throw new IllegalArgumentException("guidance rule must be reference or starflow, got '" + name + "'");
        };
    }

    /** {@return the rule's name as {@link #parse} takes it} */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@return STARFlow's capped variance ratio {@code s = min(σ_c/σ_u, 1)²} for log-scales a_c, a_u} Computed
     * as {@code exp(2 min(a_c − a_u, 0))}, which cannot overflow.
     */
    static double starflowVarianceRatio(double ac, double au) {
        return Math.exp(2 * Math.min(ac - au, 0));
    }

    /**
     * {@return STARFlow's precision factor {@code 1 + g − g s} ≥ 1: the guided precision over the conditional one}
     * Written {@code 1 + g (1 − s)}, which in floating point is never below 1 and is exactly 1 when s = 1 (the
     * scale is then exactly the conditional one).
     *
     * @param s the capped variance ratio, in [0, 1]
     * @param g the step's guidance weight ≥ 0
     */
    static double starflowPrecisionFactor(double s, double g) {
        return 1 + g * (1 - s);
    }
}
