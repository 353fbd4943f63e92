package org.tarflow.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/** Writes small image folders and CIFAR-10 binary files for tests. */
public final class ImageFiles {
    private ImageFiles() {
    }

    /**
     * Writes a C×H×W image (channel-major bytes) as a PNG, JPEG or BMP, chosen by {@code file}'s extension:
     * grey for C = 1, RGB for C = 3.
     */
    public static void write(Path file, byte[] chw, int c, int h, int w) throws IOException {
        BufferedImage img = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        int[] px = new int[h * w * c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    px[(y * w + x) * c + ch] = chw[(ch * h + y) * w + x] & 0xff;
                }
            }
        }
        img.getRaster().setPixels(0, 0, w, h, px);
        String name = file.getFileName().toString();
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(img, name.substring(name.lastIndexOf('.') + 1), file.toFile())) {
            throw new IOException("no writer for " + file);
        }
    }

    /**
     * An RGB image folder in {@code root}: {@code perClass} PNGs of side {@code size} for each class,
     * class k a bright square at a class-dependent place and colour on a dark noisy background.
     *
     * @return the pixels written, image-major in the order {@link ImageFolder} reads them (classes by sorted
     *         name, files by name)
     */
    public static byte[] writeRgbFolder(Path root, String[] classes, int perClass, int size, long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        String[] sorted = classes.clone();
        java.util.Arrays.sort(sorted);
        for (String name : sorted) {
            int k = java.util.Arrays.asList(classes).indexOf(name);
            for (int i = 0; i < perClass; i++) {
                byte[] chw = new byte[3 * size * size];
                for (int ch = 0; ch < 3; ch++) {
                    for (int y = 0; y < size; y++) {
                        for (int x = 0; x < size; x++) {
                            boolean in = y / (size / 2) == k % 2 && x / (size / 2) == (k / 2) % 2;
                            int v = in ? (ch == k % 3 ? 230 : 120) : 0;
                            chw[(ch * size + y) * size + x] = (byte) Math.min(255, v + rng.nextInt(20));
                        }
                    }
                }
                write(root.resolve(name).resolve(String.format("img%03d.png", i)), chw, 3, size, size);
                all.writeBytes(chw);
            }
        }
        return all.toByteArray();
    }

    /** A CIFAR-10 binary batch of the given labels and 3×32×32 pixels (label byte, then R, G, B planes). */
    public static void writeCifarBatch(Path file, int[] labels, byte[] pixels) throws IOException {
        byte[] out = new byte[labels.length * Cifar10.RECORD];
        for (int r = 0; r < labels.length; r++) {
            out[r * Cifar10.RECORD] = (byte) labels[r];
            System.arraycopy(pixels, r * (Cifar10.RECORD - 1), out, r * Cifar10.RECORD + 1, Cifar10.RECORD - 1);
        }
        Files.write(file, out);
    }
}
