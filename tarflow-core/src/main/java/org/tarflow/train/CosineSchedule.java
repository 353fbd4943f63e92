package org.tarflow.train;

/**
 * The reference's {@code CosineLRSchedule}: linear warm-up from {@code minLr} to {@code maxLr} over
 * {@code warmupSteps}, then a half cosine back to {@code minLr} at {@code totalSteps}.
 *
 * <p>When the warm-up spans the whole run (one epoch of one) the rate only rises, as in the reference.
 *
 * <p>As in the reference the learning rate starts at {@code minLr}; after each optimiser step the
 * counter c advances and the next step uses {@link #lrAt(long) lrAt(c)}:
 * <pre>
 *   c &lt;= warmup: min + c/warmup · (max − min)
 *   otherwise:   min + ½(1 + cos(π (c − warmup)/(total − warmup))) · (max − min)
 * </pre>
 *
 * @param warmupSteps steps of linear warm-up, 0..totalSteps
 * @param totalSteps  optimiser steps of the whole run, &gt; 0
 * @param minLr       the rate at the start of warm-up and the end of the cosine, &gt; 0
 * @param maxLr       the peak rate, at least {@code minLr}
 */
public record CosineSchedule(long warmupSteps, long totalSteps, double minLr, double maxLr) {

    /**
     * Validates the schedule.
     *
     * @throws IllegalArgumentException if the steps or the rates are out of those ranges
     */
    public CosineSchedule {
        if (warmupSteps < 0 || totalSteps < warmupSteps || totalSteps <= 0) {
            throw new IllegalArgumentException("need 0 <= warmup steps (" + warmupSteps + ") <= total steps (" + totalSteps
                    + "), total > 0");
        }
        if (!(minLr > 0) || !(maxLr >= minLr)) {
            throw new IllegalArgumentException("need 0 < min lr (" + minLr + ") <= max lr (" + maxLr + ")");
        }
    }

    /**
     * {@return the learning rate for the optimiser step taken when the counter is {@code counter}},
     * clamped to [minLr, maxLr]
     *
     * @param counter optimiser steps already taken, 0 for the first step, below {@code totalSteps}
     */
    public double lrAt(long counter) {
        double lr;
        if (counter <= warmupSteps) {
            lr = warmupSteps == 0 ? maxLr : minLr + (double) counter / warmupSteps * (maxLr - minLr);
        } else {
            double t = (double) (counter - warmupSteps) / (totalSteps - warmupSteps);
            lr = minLr + 0.5 * (1 + Math.cos(Math.PI * t)) * (maxLr - minLr);
        }
        return Math.max(minLr, Math.min(maxLr, lr));
    }
}
