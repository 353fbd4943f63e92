package org.tarflow.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The CIFAR-10 binary format (Krizhevsky, 2009; the "binary version" of
 * https://www.cs.toronto.edu/~kriz/cifar.html): files {@code data_batch_1.bin} ... {@code data_batch_5.bin}
 * (training) and {@code test_batch.bin}, each a sequence of 3073-byte records: the label (0..9), then the
 * 32×32 red, green and blue planes, row-major. The class names are the lines of {@code batches.meta.txt}
 * when it is there.
 */
public final class Cifar10 {
    /** Bytes of one record: 1 label + 3·32·32 pixels. */
    static final int RECORD = 1 + 3 * 32 * 32;
    static final int CLASSES = 10;
    /** The names of the archive's {@code batches.meta.txt}, used when the file is absent. */
    static final List<String> DEFAULT_NAMES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");

    private Cifar10() {
    }

    /**
     * {@return the folder holding the batches: {@code dir} itself, or its {@code cifar-10-batches-bin}
     * (the archive's top folder); null when neither holds {@code data_batch_1.bin}}
     *
     * @param dir the folder given as the data
     */
    public static Path locate(Path dir) {
        for (Path d : List.of(dir, dir.resolve("cifar-10-batches-bin"))) {
            if (Files.isRegularFile(d.resolve("data_batch_1.bin"))) {
                return d;
            }
        }
        return null;
    }

    /**
     * Reads a split.
     *
     * @param dir   a folder {@link #locate} returned
     * @param train the five training batches if true, else {@code test_batch.bin}
     * @return 3×32×32 images with their labels and the class names
     * @throws ImageDataException when a batch is missing, its length is not a multiple of 3073 bytes, a
     *                            label is not below 10, or {@code batches.meta.txt} does not name 10 classes
     * @throws IOException        when a file cannot be read
     */
    public static ImageDataset read(Path dir, boolean train) throws IOException {
        List<String> files = train ? List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                "data_batch_4.bin", "data_batch_5.bin") : List.of("test_batch.bin");
        java.io.ByteArrayOutputStream pixels = new java.io.ByteArrayOutputStream();
        java.util.ArrayList<Integer> labels = new java.util.ArrayList<>();
        for (String name : files) {
            Path f = dir.resolve(name);
            if (!Files.isRegularFile(f)) {
                throw new ImageDataException(f, "no such file (CIFAR-10 binary: data_batch_1.bin ... data_batch_5.bin "
                        + "and test_batch.bin)");
            }
            byte[] b = Files.readAllBytes(f);
            if (b.length == 0 || b.length % RECORD != 0) {
                throw new ImageDataException(f, b.length + " bytes, not a whole number of " + RECORD
                        + "-byte CIFAR-10 records (a CIFAR-100 file has 2 label bytes per record)");
            }
            for (int r = 0; r < b.length / RECORD; r++) {
                int y = b[r * RECORD] & 0xff;
                if (y >= CLASSES) {
                    throw new ImageDataException(f, "record " + r + " has label " + y + ", not below " + CLASSES);
                }
                labels.add(y);
                pixels.write(b, r * RECORD + 1, RECORD - 1);
            }
        }
        return new ImageDataset(pixels.toByteArray(), labels.stream().mapToInt(Integer::intValue).toArray(), 3, 32, 32,
                CLASSES, names(dir));
    }

    private static List<String> names(Path dir) throws IOException {
        Path meta = dir.resolve("batches.meta.txt");
        if (!Files.isRegularFile(meta)) {
            return DEFAULT_NAMES;
        }
        List<String> names = Files.readAllLines(meta, StandardCharsets.UTF_8).stream().map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
        if (names.size() != CLASSES) {
            throw new ImageDataException(meta, "names " + names.size() + " classes, CIFAR-10 has " + CLASSES);
        }
        return names;
    }
}
