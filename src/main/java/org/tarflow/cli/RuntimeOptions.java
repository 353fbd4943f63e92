package org.tarflow.cli;

import org.tarflow.tensor.DType;
import org.tarflow.tensor.Parallel;
import picocli.CommandLine.Option;

/** Options every compute command shares (a picocli mixin). */
final class RuntimeOptions {
    @Option(names = "--threads", description = "Worker threads. Default: all cores.")
    Integer threads;

    /** Applies {@code --threads}; call first in a command. */
    void apply() {
        if (threads != null) {
            Parallel.setThreads(threads);
        }
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
