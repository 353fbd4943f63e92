package org.tarflow.data;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/** Writes small MNIST-format datasets for tests. */
public final class IdxFiles {
    private IdxFiles() {
    }

    public static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x0800 | dims.length);
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return bytes.toByteArray();
    }

    public static void write(Path file, byte[] content, boolean gzip) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file); OutputStream out = gzip ? new GZIPOutputStream(raw) : raw) {
            out.write(content);
        }
    }

    /**
     * A dataset of {@code n} train and {@code n/2} test images of side {@code size} in {@code dir}: class c
     * images are a bright square at a class-dependent place on a dark noisy background.
     */
    public static void writeToyDataset(Path dir, int size, int n, int classes, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        for (String split : new String[] {"train", "t10k"}) {
            int count = split.equals("train") ? n : n / 2;
            byte[] pixels = new byte[count * size * size];
            byte[] labels = new byte[count];
            for (int i = 0; i < count; i++) {
                int c = rng.nextInt(classes);
                labels[i] = (byte) c;
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        boolean on = (x + c) % size < size / 2 && y >= size / 4 && y < 3 * size / 4;
                        int v = on ? 200 + rng.nextInt(56) : rng.nextInt(40);
                        pixels[(i * size + y) * size + x] = (byte) v;
                    }
                }
            }
            write(dir.resolve(split + "-images-idx3-ubyte.gz"), idx(new int[] {count, size, size}, pixels), true);
            write(dir.resolve(split + "-labels-idx1-ubyte.gz"), idx(new int[] {count}, labels), true);
        }
    }
}
