package org.tarflow.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr: redrawn in place on a terminal (at most 10 times a second), or, when
 * the output is a file or pipe, printed as a plain line every 10% or 30 seconds.
 */
final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final boolean terminal;
    private long firstDone = -1;
    private long firstTime;
    private long lastDone;
    private long lastTotal;
    private long lastDraw;
    private int lastDecile = -1;
    private int width;

    ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label;
        java.io.Console c = System.console();
        this.terminal = c != null && c.isTerminal();
    }

    /** Reports {@code done} of {@code total}; {@code status} is appended (loss, speed, ...). */
    void update(long done, long total, String status) {
        long now = System.nanoTime();
        if (firstDone < 0) { // the rate is measured from the first report on: work before it may be warm-up
            firstDone = done;
            firstTime = now;
        }
        double frac = total == 0 ? 1 : (double) done / total;
        lastDone = done;
        lastTotal = total;
        boolean last = done >= total;
        if (terminal) {
            if (!last && now - lastDraw < 100_000_000L) {
                return;
            }
            lastDraw = now;
            int bar = 24;
            int filled = (int) Math.round(frac * bar);
            String line = String.format(Locale.ROOT, "%s [%s%s] %d/%d %s ETA %s", label, "=".repeat(filled),
                    " ".repeat(bar - filled), done, total, status, eta(now, frac));
            out.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
            width = line.length();
            out.flush();
        } else {
            int decile = (int) (frac * 10);
            if (decile != lastDecile || now - lastDraw > 30_000_000_000L || last) {
                lastDecile = decile;
                lastDraw = now;
                out.printf(Locale.ROOT, "%s %d/%d (%.0f%%) %s ETA %s%n", label, done, total, 100 * frac, status, eta(now, frac));
            }
        }
    }

    /** Ends the bar's line (terminal only). */
    void finish() {
        if (terminal && width > 0) {
            out.println();
        }
    }

    private String eta(long now, double frac) {
        if (frac >= 1) {
            return duration(0);
        }
        if (lastDone <= firstDone || now == firstTime) {
            return "?";
        }
        double perUnit = (now - firstTime) / 1e9 / (lastDone - firstDone);
        return duration(perUnit * (lastTotal - lastDone));
    }

    static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%02d:%02d", s / 60, s % 60);
    }
}
