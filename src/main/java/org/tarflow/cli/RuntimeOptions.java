package org.tarflow.cli;

import org.tarflow.tensor.DType;
import org.tarflow.tensor.Parallel;
import picocli.CommandLine.Option;

/** Options every compute command shares (a picocli mixin). */
final class RuntimeOptions {
    /** More worker threads than this cannot help and risk exhausting native threads. */
    private static final int MAX_THREADS = 256;

    @Option(names = "--threads", description = "Worker threads. Default: all cores.")
    Integer threads;

    /** Applies {@code --threads}; call first in a command. */
    void apply() {
        if (threads == null) {
            return;
        }
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("--threads must be between 1 and " + MAX_THREADS + ", got " + threads);
        }
        int cores = Runtime.getRuntime().availableProcessors();
        if (threads > cores) {
            System.err.println("warning: --threads " + threads + " exceeds the " + cores + " available cores; this is slower");
        }
        Parallel.setThreads(threads);
    }

    /** Parses a {@code --dtype} value. */
    static DType dtype(String name) {
        return switch (name) {
            case "float32" -> DType.F32;
            case "float64" -> DType.F64;
            default -> throw new IllegalArgumentException("--dtype must be float32 or float64, got " + name);
        };
    }
}
