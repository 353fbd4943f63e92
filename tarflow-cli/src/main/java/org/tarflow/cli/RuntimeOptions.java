package org.tarflow.cli;

import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Parallel;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** Options every compute command shares (a picocli mixin). */
final class RuntimeOptions {
    /** More worker threads than this cannot help and risk exhausting native threads. */
    private static final int MAX_THREADS = 256;

    @Option(names = "--threads", description = "Worker threads. Default: all cores.")
    Integer threads;

    @Option(names = "--backend", completionCandidates = Choices.Backend.class, defaultValue = "auto", paramLabel = "simd|scalar|opencl|auto",
            description = "The compute kernels: simd (Vector API, all cores), scalar (plain Java loops, one thread), opencl "
                    + "(an OpenCL device, e.g. POCL: the one --device names; the model's tensors stay on the device, a checked path, "
                    + "not yet a fast one) or auto (simd when java runs with the module jdk.incubator.vector and the C2 compiler, else "
                    + "scalar). Default: ${DEFAULT-VALUE}")
    String backend;

    @Option(names = "--device", paramLabel = "N",
            description = "With --backend opencl: the OpenCL device, by its number in 'tarflow devices'. Default: "
                    + "-D" + Backends.OPENCL_DEVICE + " (a Java system property, e.g. in JAVA_OPTS), else 0")
    Integer device;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    private Kernels kernels;

    /**
     * Applies {@code --threads}, {@code --backend} and {@code --device}, printing the backend and why it was chosen as one line on
     * stderr ({@code backend: <reason>}); call first in a command.
     *
     * @throws IllegalArgumentException for a bad {@code --threads}, or no device of that number (the message lists
     *                                  the devices)
     * @throws CommandLine.ParameterException for {@code --device} without {@code --backend opencl}
     * @throws IllegalStateException    if the backend cannot run here (e.g. no OpenCL library: the message says
     *                                  what to install)
     */
    void apply() {
        if (threads != null) {
            if (threads < 1 || threads > MAX_THREADS) {
                throw new IllegalArgumentException("--threads must be between 1 and " + MAX_THREADS + ", got " + threads);
            }
            int cores = Runtime.getRuntime().availableProcessors();
            if (threads > cores) {
                System.err.println("warning: --threads " + threads + " exceeds the " + cores + " available cores; this is slower");
            }
            Parallel.setThreads(threads);
        }
        if (device != null && !backend.equals("opencl")) {
            throw Usage.error(spec, "--device selects an OpenCL device: it needs --backend opencl, got "
                    + "--backend " + backend);
        }
        Backends.Choice choice = device != null ? Backends.openCl(device) : Backends.choose(backend);
        System.err.println("backend: " + choice.reason());
        kernels = choice.kernels();
    }

    /** {@return the kernels {@code --backend} chose} Only after {@link #apply}. */
    Kernels kernels() {
        if (kernels == null) {
            throw new IllegalStateException("RuntimeOptions.apply() must run first");
        }
        return kernels;
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
