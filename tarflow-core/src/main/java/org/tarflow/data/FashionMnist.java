package org.tarflow.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Locates Fashion-MNIST (Xiao et al., 2017; 28×28 grey images, 10 classes, 60000 train / 10000 test),
 * installing Debian's {@code dataset-fashion-mnist} package when the data is missing and the process may.
 */
public final class FashionMnist {
    /** Where Debian's {@code dataset-fashion-mnist} puts the IDX files. */
    public static final Path DEBIAN_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Number of classes (labels 0..9, named by {@link #CLASSES}). */
    public static final int NUM_CLASSES = 10;
    /** Class names in label order. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {
    }

    /**
     * {@return true if {@code dir} holds the training images (gzipped or not)} The other files are
     * checked when they are read.
     *
     * @param dir the folder to look in
     */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz"))
                || Files.isRegularFile(dir.resolve("train-images-idx3-ubyte"));
    }

    /**
     * Returns {@code dir} if it holds the data. If it does not and {@code dir} is the Debian location,
     * installs the package with apt-get (as root, or through passwordless sudo), reporting on {@code log}.
     *
     * @param dir the folder the data should be in ({@link #DEBIAN_DIR} by default)
     * @param log where progress and apt-get's output go
     * @return {@code dir}, now holding the training images
     * @throws IOException saying exactly what to run when the data is missing and cannot be installed
     */
    public static Path ensure(Path dir, java.io.PrintStream log) throws IOException {
        if (present(dir)) {
            return dir;
        }
        String manual = "Fashion-MNIST not found in " + dir + ". Install it with "
                + "'sudo apt-get update && sudo apt-get install -y dataset-fashion-mnist', "
                + "or pass --data DIR with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                + "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz";
        if (!dir.equals(DEBIAN_DIR)) {
            throw new IOException(manual);
        }
        List<String> prefix = "root".equals(System.getProperty("user.name")) ? List.of()
                : run(List.of("sudo", "-n", "true"), null) ? List.of("sudo", "-n") : null;
        if (prefix == null) {
            throw new IOException(manual + " (no root and no passwordless sudo to install it automatically)");
        }
        log.println("Fashion-MNIST not found: installing the Debian package dataset-fashion-mnist ...");
        boolean ok = run(concat(prefix, List.of("apt-get", "update", "-qq")), log)
                && run(concat(prefix, List.of("env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-qq",
                        "dataset-fashion-mnist")), log);
        if (!ok || !present(dir)) {
            throw new IOException(manual + " (automatic installation failed; see the apt-get output above)");
        }
        return dir;
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static boolean run(List<String> cmd, java.io.PrintStream log) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            if (log == null) {
                pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
            } else {
                pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
            }
            Process p = pb.start();
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
