package org.tarflow.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tarflow.io.TensorReader;
import org.tarflow.io.WeightsFile;

/**
 * The heap the {@code tarflow} launcher gives a command that loads a model file ({@code sample},
 * {@code evaluate}, {@code sweep}, {@code convert}): the model's parameters plus a working allowance, as a
 * fixed heap ({@code -Xms = -Xmx}). A fixed heap because G1 sizes a large growable heap for its pause-time
 * goal, not for the live data (docs/PERFORMANCE.md, "Memory"): with the JVM's default maximum (a quarter of
 * the machine) sampling a 1.9 GB model ended at 5.3 GB of RSS for ~2.2 GB of live data.
 *
 * <p>Run by the launcher before the command, in its own short-lived JVM ({@code java -cp tarflow-cli.jar
 * org.tarflow.cli.LaunchHeap COMMAND ARGS...}); it prints the JVM options on one line and nothing else.
 * It reads only the model file's header. When it finds no model file among the arguments it prints the
 * allowance alone; when the file cannot be read it prints nothing, so that the JVM's default heap applies and
 * the command itself reports the problem.
 */
final class LaunchHeap {
    private static final long MIB = 1L << 20;

    private LaunchHeap() {
    }

    /**
     * Prints the heap options for a command line.
     *
     * @param args the command and its arguments, as given to {@code tarflow}
     */
    public static void main(String[] args) {
        String options = options(List.of(args), Runtime.getRuntime().availableProcessors(), physicalMemory());
        if (!options.isEmpty()) {
            System.out.println(options);
        }
    }

    /**
     * {@return the heap options for a command line, or "" to leave the JVM's default}
     *
     * @param args     the command and its arguments
     * @param cores    the processors the JVM will see
     * @param physical the machine's memory in bytes (0 if unknown): the heap is capped 1 GB below it
     */
    static String options(List<String> args, int cores, long physical) {
        if (args.isEmpty()) {
            return "";
        }
        // what every such command needs besides the weights: per-thread workspaces, a KV cache, a batch of
        // images and their reports; the 768 MB + 128 MB per core the launcher gives train and bench
        long allowance = (768 + 128L * cores) * MIB;
        if (args.getFirst().equals("evaluate") || args.getFirst().equals("sweep")) {
            allowance = Math.max(allowance, 2048 * MIB); // their reports fit classifiers on thousands of samples
        }
        long weights;
        try {
            weights = weightBytes(args);
        } catch (IOException | RuntimeException e) {
            return "";
        }
        // humongous objects waste up to a region per tensor; 10% covers that at the 2-4 MB regions of such heaps
        long heap = allowance + weights + weights / 10;
        if (physical > 0) {
            heap = Math.min(heap, Math.max(allowance, physical - 1024 * MIB));
        }
        long mb = (heap + MIB - 1) / MIB;
        return "-Xms" + mb + "m -Xmx" + mb + "m";
    }

    /**
     * The bytes the model's parameters take in memory: the float state_dict elements (a checkpoint's optimiser
     * state is not loaded) of the largest weights file among the arguments, at 8 bytes each under {@code --dtype float64} and 4 otherwise (whatever the file's own
     * width: F16 and BF16 files are widened when read).
     */
    static long weightBytes(List<String> args) throws IOException {
        int bytes = 4;
        for (int i = 1; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--dtype=float64") || (a.equals("--dtype") && i + 1 < args.size()
                    && args.get(i + 1).equals("float64"))) {
                bytes = 8;
            }
        }
        long most = 0;
        for (String a : args.subList(1, args.size())) {
            Path p = Path.of(a);
            if (a.startsWith("-") || !Files.isRegularFile(p) || !looksLikeWeights(p)) {
                continue;
            }
            long elements = 0;
            try (TensorReader r = WeightsFile.open(p)) {
                for (String fileKey : WeightsFile.stateDictKeys(r.tensors().keySet()).values()) {
                    TensorReader.Info t = r.tensors().get(fileKey);
                    if (t.isFloat()) {
                        long n = 1;
                        for (int d : t.shape()) {
                            n *= d;
                        }
                        elements += n;
                    }
                }
            }
            most = Math.max(most, elements * bytes);
        }
        return most;
    }

    private static boolean looksLikeWeights(Path p) {
        String n = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".safetensors") || n.endsWith(".pth") || n.endsWith(".pt") || n.endsWith(".bin");
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }
}
