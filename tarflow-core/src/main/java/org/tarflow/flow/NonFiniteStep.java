package org.tarflow.flow;

import java.util.Locale;

/**
 * Where the inversion of a sample first produced a value that is not finite ({@link TarFlowModel#diagnose}):
 * the block, the patch and the quantity that overflowed, with the numbers that made it overflow.
 *
 * @param block     the flow block, 0 = the first block of the forward pass (the inversion runs the blocks last to first)
 * @param step      the decoding step in the block's patch order, 1..T-1 (patch 0 of that order is copied)
 * @param patch     the same patch in the model's order (row-major over an image), 0..T-1
 * @param value     the value within the patch, 0..D-1
 * @param quantity  what overflowed first
 * @param input     the value that was scaled, x in x·exp(a) + b (finite)
 * @param logScale  the conditional branch's log-scale a_c (0 for a volume-preserving block)
 * @param unguidedLogScale the unconditional branch's log-scale a_u; NaN without guidance
 * @param guidedLogScale   the log-scale applied after guidance; a_c without guidance
 * @param result    the value written, x·exp(a) + b with the applied a and b (infinite or NaN)
 * @param largestDecoded max |x| over the patches of this sample that the block had already decoded (its
 *                  patches 0..step-1 in the block's order): how far the values had grown before they overflowed
 */
public record NonFiniteStep(int block, int step, int patch, int value, Quantity quantity, double input, double logScale,
                            double unguidedLogScale, double guidedLogScale, double result, double largestDecoded) {

    /** What overflowed. */
    public enum Quantity {
        /** The network's prediction (a or b of either branch) was itself not finite. */
        PREDICTION("the network's prediction (a, b) was not finite"),
        /** x·exp(a_c) + b_c with the conditional (unguided) prediction already overflows: exp(a). */
        SCALE("exp(a) overflowed"),
        /** Only the guided log-scale overflows: the guided scale. */
        GUIDED_SCALE("the guided scale exp(a') overflowed"),
        /** The guided scale is finite but the guided shift makes the value overflow. */
        GUIDED_SHIFT("the guided shift b' overflowed");

        private final String description;

        Quantity(String description) {
            this.description = description;
        }

        /** {@return what went wrong, in words, e.g. "exp(a) overflowed"} */
        public String description() {
            return description;
        }
    }

    /** {@return a one-line account, e.g. "block 2, patch 17 (step 31 of the block's order), value 5: exp(a) overflowed ..."} */
    public String describe() {
        return String.format(Locale.ROOT, "block %d, patch %d (decoding step %d of the block), value %d: %s"
                        + " (x = %.4g, a_c = %.4g%s, applied a = %.4g, result %s; largest |x| the block had decoded"
                        + " before: %.3g)", block, patch, step, value, quantity.description(), input, logScale,
                Double.isNaN(unguidedLogScale) ? "" : String.format(Locale.ROOT, ", a_u = %.4g", unguidedLogScale),
                guidedLogScale, result, largestDecoded);
    }
}
