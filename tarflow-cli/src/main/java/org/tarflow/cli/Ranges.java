package org.tarflow.cli;

/**
 * Range checks of numeric options, one option per message, so that the error names the option that is wrong
 * and its value (exit code 1, as every other out-of-range value).
 */
final class Ranges {
    private Ranges() {
    }

    /** @throws IllegalArgumentException "{@code <option> must be at least <min>, got <value>}" */
    static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(option + " must be at least " + min + ", got " + value);
        }
    }

    /** @throws IllegalArgumentException "{@code <option> must be a finite number >= <min>, got <value>}" (NaN included) */
    static void atLeast(String option, double value, double min) {
        if (!(value >= min) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(option + " must be a finite number >= " + min + ", got " + value);
        }
    }

    /** @throws IllegalArgumentException "{@code <option> must be a finite number > 0, got <value>}" (NaN included) */
    static void positive(String option, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(option + " must be a finite number > 0, got " + value);
        }
    }

    /** @throws IllegalArgumentException "{@code <option> must be between <min> and <max>, got <value>}" (NaN included) */
    static void between(String option, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", got " + value);
        }
    }

    /** @throws IllegalArgumentException "{@code <option> must be between <min> and <max>, got <value>}" */
    static void between(String option, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(option + " must be between " + min + " and " + max + ", got " + value);
        }
    }
}
