package org.tarflow.io;

import java.awt.image.BufferedImage;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.tarflow.tensor.Tensor;

/**
 * Image samples as files that Inception-based FID tools read: a folder of one PNG per sample
 * (torch-fidelity's {@code --input1 DIR}, clean-fid's {@code compute_fid(dir1, dir2)}), or one uint8
 * tensor of shape (N, H, W, C), channels last, in a NumPy {@code .npz} ({@code arr_0}, as
 * {@code np.savez(path, images, labels)} names it and OpenAI's guided-diffusion evaluator reads it) or a
 * safetensors file ({@code x}, with {@code y} for labels, as {@code tarflow sample} writes sequences).
 *
 * <p>Values in [-1, 1] become bytes as torchvision's {@code save_image} of {@code (x + 1) / 2} would
 * write them: {@code clamp(floor(255 (x + 1)/2 + 0.5), 0, 255)}, without the min–max scaling of the
 * grids ({@link ImageGrid}), so that every sample keeps its own brightness. A NaN becomes 0. (The
 * reference's {@code evaluate_fid.py} hands floats to torchmetrics, which truncates instead of
 * rounding: the two differ by at most one level.)
 */
public final class SampleFiles {
    private SampleFiles() {
    }

    /** The kinds of file {@link #write} makes, chosen by {@link #kindOf}. */
    public enum Kind {
        /** A folder of {@code 000000.png}, {@code 000001.png}, ...: grey PNGs for one channel, RGB for three. */
        PNG_FOLDER,
        /** A NumPy {@code .npz}: {@code arr_0} uint8 (N, H, W, C), {@code arr_1} int64 (N) labels if any. */
        NPZ,
        /** A safetensors file: {@code x} U8 (N, H, W, C), {@code y} I64 (N) labels if any. */
        SAFETENSORS
    }

    /**
     * {@return the kind of sample file {@code out} names, or null for none of them} A name ending in the
     * path separator is a PNG folder; otherwise {@code .npz} and {@code .safetensors} (any case) are tensor
     * files, even where a folder has that name (the caller refuses it), and any other existing directory is a
     * PNG folder.
     *
     * @param out the output as the user wrote it (a trailing separator is significant)
     */
    public static Kind kindOf(String out) {
        String lower = out.toLowerCase(Locale.ROOT);
        if (out.endsWith("/") || out.endsWith(java.io.File.separator)) {
            return Kind.PNG_FOLDER;
        }
        if (lower.endsWith(".npz")) {
            return Kind.NPZ;
        }
        if (lower.endsWith(".safetensors")) {
            return Kind.SAFETENSORS;
        }
        return Files.isDirectory(Path.of(out)) ? Kind.PNG_FOLDER : null;
    }

    /**
     * {@return images as bytes, channels last: element ((n·H + y)·W + x)·C + c of the result is pixel
     * (y, x), channel c of image n, converted as the class comment says}
     *
     * @param x (N, C, H, W) images in [-1, 1]
     * @throws IllegalArgumentException unless x has rank 4 with C = 1 or 3
     */
    public static byte[] toBytesHwc(Tensor x) {
        checkImages(x);
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        byte[] out = new byte[x.size()];
        for (int k = 0; k < n; k++) {
            for (int ch = 0; ch < c; ch++) {
                for (int yy = 0; yy < h; yy++) {
                    for (int xx = 0; xx < w; xx++) {
                        double v = x.get(((k * c + ch) * h + yy) * w + xx);
                        out[((k * h + yy) * w + xx) * c + ch] = (byte) ImageGrid.toByte((v + 1) / 2);
                    }
                }
            }
        }
        return out;
    }

    private static void checkImages(Tensor x) {
        if (x.rank() != 4 || (x.dim(1) != 1 && x.dim(1) != 3) || x.dim(0) == 0) {
            throw new IllegalArgumentException("expected (N>0, 1 or 3, H, W) images, got " + x);
        }
    }

    /**
     * Writes the images (and labels) as {@code kind}. A tensor file is written atomically
     * ({@link AtomicFiles}), replacing any file of that name. A PNG folder is written into a hidden folder beside
     * {@code out} ({@link #PARTIAL} in its name) and renamed to {@code out} when complete, so that a tool never
     * sees half of it; {@code out} must be new, an empty folder, or, with {@code replace}, a folder of samples
     * ({@link #checkFolder}), which the new one then replaces. The hidden folder is removed when the write fails
     * or the JVM is shut down meanwhile (Ctrl-C); only a killed JVM leaves it, and {@link #leftovers} finds it.
     *
     * @param out     the folder or file
     * @param kind    what to write (see {@link #kindOf})
     * @param x       (N, C, H, W) images in [-1, 1], C = 1 or 3
     * @param labels  (N) labels, or null; a PNG folder does not keep them
     * @param replace whether a PNG folder may replace a folder of samples
     * @throws IllegalArgumentException for images of another shape, labels of another length, or a PNG
     *                                  folder that {@link #checkFolder} refuses
     * @throws IOException              when the files cannot be written
     */
    public static void write(Path out, Kind kind, Tensor x, int[] labels, boolean replace) throws IOException {
        checkImages(x);
        if (labels != null && labels.length != x.dim(0)) {
            throw new IllegalArgumentException(labels.length + " labels for " + x.dim(0) + " images");
        }
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        byte[] bytes = toBytesHwc(x);
        switch (kind) {
            case PNG_FOLDER -> writePngFolder(out, bytes, n, h, w, c, replace);
            case SAFETENSORS -> {
                Map<String, StoredTensor> tensors = new LinkedHashMap<>();
                long[] values = new long[bytes.length]; // StoredTensor holds integers as long
                for (int i = 0; i < values.length; i++) {
                    values[i] = bytes[i] & 0xff;
                }
                tensors.put("x", StoredTensor.ofBytes(values, n, h, w, c));
                if (labels != null) {
                    tensors.put("y", StoredTensor.ofInts(Arrays.stream(labels).asLongStream().toArray(), n));
                }
                Safetensors.write(out, tensors, Map.of("layout", "NHWC"));
            }
            case NPZ -> AtomicFiles.write(out, o -> {
                // AtomicFiles owns `o` (it forces it to disk after this), so closing the zip must not close it
                OutputStream keepOpen = new FilterOutputStream(o) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        o.write(b, off, len); // FilterOutputStream's own would write byte by byte
                    }

                    @Override
                    public void close() throws IOException {
                        flush();
                    }
                };
                try (ZipOutputStream zip = new ZipOutputStream(keepOpen)) {
                    writeNpz(zip, bytes, labels, n, h, w, c);
                }
            });
        }
    }

    private static void writeNpz(ZipOutputStream zip, byte[] bytes, int[] labels, int n, int h, int w, int c)
            throws IOException {
        storeEntry(zip, "arr_0.npy", Npy.bytes("|u1", new int[] {n, h, w, c}, bytes));
        if (labels != null) {
            ByteBuffer b = ByteBuffer.allocate(8 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int y : labels) {
                b.putLong(y);
            }
            storeEntry(zip, "arr_1.npy", Npy.bytes("<i8", new int[] {n}, b.array()));
        }
    }

    /** The mark in the name of the hidden folders a PNG folder is written in, and an old one moved to. */
    public static final String PARTIAL = "tarflow-partial";

    /** The names {@link #write} gives the PNGs of a folder: six or more digits. */
    private static final Pattern SAMPLE_PNG = Pattern.compile("\\d{6,}\\.png");

    /**
     * Checks that a folder of PNGs may be written to {@code out}: it is new, an empty folder, or, with
     * {@code replace}, a folder that holds nothing but samples as {@link #write} names them (so that replacing it
     * deletes no other file).
     *
     * @param out     the folder
     * @param replace whether a folder of samples may be replaced
     * @throws IllegalArgumentException if {@code out} is a file, a folder that is not empty (without
     *                                  {@code replace}), or a folder with other files or folders in it
     * @throws IOException              if the folder cannot be listed
     */
    public static void checkFolder(Path out, boolean replace) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new IllegalArgumentException(out + " is a file; a folder of PNGs needs a new or empty folder");
        }
        try (var files = Files.list(out)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (!replace) {
                    throw new IllegalArgumentException(out + " is not empty; the PNGs need a new or empty folder "
                            + "(an FID tool reads every image in it)");
                }
                if (!SAMPLE_PNG.matcher(p.getFileName().toString()).matches() || !Files.isRegularFile(p)) {
                    throw new IllegalArgumentException(out + " holds " + p.getFileName() + ", which is not a sample: only a"
                            + " folder of samples (000000.png, ...) is replaced");
                }
            }
        }
    }

    /**
     * {@return the hidden folders beside {@code out} that a {@link #write} of a PNG folder to {@code out} leaves
     * when its JVM is killed (SIGKILL) before it finishes: the unfinished new folder, or the old one it replaced}
     *
     * @param out the folder of PNGs
     * @throws IOException if the parent folder cannot be listed
     */
    public static List<Path> leftovers(Path out) throws IOException {
        Path abs = out.toAbsolutePath();
        if (abs.getParent() == null || !Files.isDirectory(abs.getParent())) {
            return List.of();
        }
        String prefix = "." + abs.getFileName() + "." + PARTIAL + "-";
        try (var files = Files.list(abs.getParent())) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p)).sorted().toList();
        }
    }

    private static void writePngFolder(Path out, byte[] bytes, int n, int h, int w, int c, boolean replace)
            throws IOException {
        Path abs = out.toAbsolutePath();
        checkFolder(abs, replace);
        Files.createDirectories(abs.getParent());
        Path tmp = newHiddenFolder(abs);
        Path old = null;
        // a JVM that shuts down (Ctrl-C, SIGTERM) runs this, not the finally below; the writing goes on meanwhile
        // and may add a file between the listing and the folder's deletion, so the deletion is tried again
        Thread cleanUp = new Thread(() -> {
            for (int attempt = 0; attempt < 100 && Files.exists(tmp); attempt++) {
                deleteQuietly(tmp);
            }
        });
        Runtime.getRuntime().addShutdownHook(cleanUp);
        try {
            int digits = Math.max(6, Integer.toString(n - 1).length());
            int per = h * w * c;
            for (int k = 0; k < n; k++) {
                BufferedImage img = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
                int[] px = new int[per];
                for (int i = 0; i < per; i++) {
                    px[i] = bytes[k * per + i] & 0xff;
                }
                img.getRaster().setPixels(0, 0, w, h, px);
                // plain writes: the folder, not each file, is what appears atomically
                Path f = tmp.resolve(String.format(Locale.ROOT, "%0" + digits + "d.png", k));
                if (!ImageIO.write(img, "png", f.toFile())) {
                    throw new IOException("no PNG writer available");
                }
            }
            checkFolder(abs, replace); // again: the samples took time, and another process may have written meanwhile
            if (Files.exists(abs)) {
                // an empty folder is deleted; a folder of samples is moved aside, and deleted once the new one is in place
                old = newHiddenFolder(abs);
                Files.delete(old);
                move(abs, old);
            }
            move(tmp, abs);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot write " + out + ": another process created it meanwhile", e);
        } finally {
            deleteQuietly(tmp);
            if (old != null) {
                deleteQuietly(old);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(cleanUp);
            } catch (IllegalStateException e) {
                // the JVM is shutting down, and the hook is running or has run
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Deletes a folder of files (no subfolders: the folders here hold samples only) if it exists. */
    private static void deleteQuietly(Path folder) {
        try {
            if (Files.exists(folder)) {
                try (var files = Files.list(folder)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(folder);
            }
        } catch (IOException e) {
            // best effort: leftovers() finds what stays
        }
    }

    /** An uncompressed zip entry, as {@code np.savez} writes them. */
    private static void storeEntry(ZipOutputStream zip, String name, byte[] content) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(content.length);
        e.setCompressedSize(content.length);
        CRC32 crc = new CRC32();
        crc.update(content);
        e.setCrc(crc.getValue());
        e.setTime(0); // no timestamp, so that equal samples give equal files
        zip.putNextEntry(e);
        zip.write(content);
        zip.closeEntry();
    }

    /**
     * A new empty folder beside {@code target}, named {@code .<name>.}{@value #PARTIAL}{@code -<random>}, made
     * with the default permissions (the umask's), unlike {@link Files#createTempDirectory}'s owner-only 0700:
     * the folder becomes the samples' folder, which other users' FID tools must be able to read.
     */
    private static Path newHiddenFolder(Path target) throws IOException {
        java.util.SplittableRandom rng = new java.util.SplittableRandom();
        while (true) {
            Path p = target.resolveSibling("." + target.getFileName() + "." + PARTIAL + "-"
                    + Long.toUnsignedString(rng.nextLong(), 36));
            try {
                return Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                // another name
            }
        }
    }
}
