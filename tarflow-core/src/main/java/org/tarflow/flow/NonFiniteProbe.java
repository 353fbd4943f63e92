package org.tarflow.flow;

/**
 * Collects the first non-finite value of an inversion ({@link TarFlowModel#diagnose}). Normal sampling passes
 * no probe, so its only cost there is one null check per value.
 */
final class NonFiniteProbe {
    /** The block being inverted; set by the model before each block. */
    int block;
    private NonFiniteStep first;

    /** Keeps the first report; later ones (of the same or of later steps) are ignored. */
    synchronized void report(int step, int patch, int value, NonFiniteStep.Quantity quantity, double input,
                             double logScale, double unguidedLogScale, double guidedLogScale, double result,
                             double largestDecoded) {
        if (first == null) {
            first = new NonFiniteStep(block, step, patch, value, quantity, input, logScale, unguidedLogScale,
                    guidedLogScale, result, largestDecoded);
        }
    }

    /** {@return the first report, or null if every value stayed finite} */
    synchronized NonFiniteStep first() {
        return first;
    }
}
