package org.tarflow.io;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.tarflow.data.IdxFiles;
import org.tarflow.data.ImageFiles;
import org.tarflow.data.ImageFolder;
import org.tarflow.data.ImageDataset;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Backends;

/**
 * Randomly damaged files (flipped bytes, truncation, overwritten or inserted runs, forged length fields)
 * either still load or fail with the documented {@link TensorFileException} (IDX: its subclass
 * {@code IdxFormatException}; images in an image folder: {@code ImageDataException}); no other exception, no
 * OutOfMemoryError, no hang.
 */
class HostileFileProperties {
    private static final Path DIR;
    private static final byte[] WEIGHTS;
    private static final byte[] PTH;
    /** A whole model's state_dict as the reference saves it (1.6 MB). */
    private static final byte[] TORCH_MODEL;
    private static final byte[] IDX_IMAGES;
    private static final byte[] IDX_IMAGES_GZ;
    /** Valid 8x8 images: RGB PNG, grey PNG, RGB BMP, RGB JPEG. */
    private static final java.util.List<byte[]> IMAGES = new java.util.ArrayList<>();
    private static final String[] IMAGE_NAMES = {"rgb.png", "grey.png", "rgb.bmp", "rgb.jpg"};

    static {
        try {
            DIR = Files.createTempDirectory("tarflow-hostile");
            DIR.toFile().deleteOnExit();
            TarFlowModel m = new TarFlowModel(new ModelConfig(1, 4, 2, 64, 1, 1, true, 3), DType.F32, Backends.get("scalar"))
                    .init(1);
            Path w = DIR.resolve("valid.safetensors");
            ModelFiles.save(m, w, "gaussian(0.05)");
            WEIGHTS = Files.readAllBytes(w);
            PTH = Files.readAllBytes(Path.of("reference-data/torch-fixtures/f32.pth")); // small: mostly pickle and zip structure
            TORCH_MODEL = Files.readAllBytes(Path.of("reference-data/torch/uncond_nvp_c1_p2.pth"));
            Path data = Files.createDirectories(DIR.resolve("idx"));
            IdxFiles.writeToyDataset(data, 8, 20, 3, 1);
            IDX_IMAGES_GZ = Files.readAllBytes(data.resolve("train-images-idx3-ubyte.gz"));
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(IDX_IMAGES_GZ))) {
                IDX_IMAGES = in.readAllBytes();
            }
            SplittableRandom rng = new SplittableRandom(2);
            for (String name : IMAGE_NAMES) {
                int c = name.startsWith("grey") ? 1 : 3;
                byte[] px = new byte[c * 8 * 8];
                rng.nextBytes(px);
                Path img = DIR.resolve("images").resolve(name);
                ImageFiles.write(img, px, c, 8, 8);
                IMAGES.add(Files.readAllBytes(img));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One random kind of damage. */
    static byte[] mutate(byte[] valid, SplittableRandom rng) {
        byte[] b = valid.clone();
        switch (rng.nextInt(6)) {
            case 0 -> { // flip a few bytes anywhere
                for (int i = 0, n = 1 + rng.nextInt(8); i < n; i++) {
                    b[rng.nextInt(b.length)] ^= (byte) (1 + rng.nextInt(255));
                }
            }
            case 1 -> { // damage the first bytes, where headers and length fields are
                for (int i = 0, n = 1 + rng.nextInt(4); i < n; i++) {
                    b[rng.nextInt(Math.min(b.length, 64))] = (byte) rng.nextInt(256);
                }
            }
            case 2 -> b = java.util.Arrays.copyOf(b, rng.nextInt(b.length)); // truncate
            case 3 -> { // overwrite a run with random bytes
                int at = rng.nextInt(b.length);
                for (int i = at; i < Math.min(b.length, at + 1 + rng.nextInt(256)); i++) {
                    b[i] = (byte) rng.nextInt(256);
                }
            }
            case 4 -> { // insert random bytes
                int at = rng.nextInt(b.length);
                byte[] extra = new byte[1 + rng.nextInt(32)];
                rng.nextBytes(extra);
                byte[] c = new byte[b.length + extra.length];
                System.arraycopy(b, 0, c, 0, at);
                System.arraycopy(extra, 0, c, at, extra.length);
                System.arraycopy(b, at, c, at + extra.length, b.length - at);
                b = c;
            }
            default -> { // a huge value in a 4- or 8-byte field near a random place
                int at = rng.nextInt(Math.max(1, b.length - 8));
                for (int i = 0; i < 4 + 4 * rng.nextInt(2); i++) {
                    b[at + i] = (byte) (i == 0 ? 0x7f : 0xff);
                }
            }
        }
        return b;
    }

    interface Reader {
        void read(Path file) throws IOException;
    }

    private static void check(byte[] damaged, String name, Reader reader) throws IOException {
        Path f = Files.createTempFile(DIR, "m", name);
        try {
            Files.write(f, damaged);
            reader.read(f);
        } catch (TensorFileException expected) {
            // the documented error
        } catch (Throwable e) {
            fail("a damaged " + name + " gave " + e + " instead of a TensorFileException", e);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Property(tries = 300)
    void damagedSafetensorsFailCleanly(@ForAll long seed) throws IOException {
        check(mutate(WEIGHTS, new SplittableRandom(seed)), ".safetensors",
                f -> ModelFiles.load(f, DType.F32, Backends.get("scalar")));
    }

    @Property(tries = 400)
    void damagedTorchCheckpointsFailCleanly(@ForAll long seed) throws IOException {
        check(mutate(PTH, new SplittableRandom(seed)), ".pth", f -> {
            WeightsFile.Contents c = WeightsFile.read(f);
            WeightsFile.stateDict(f, c);
        });
    }

    /** The same damage, through the path that loads a model tensor by tensor ({@link WeightsFile#open}). */
    @Property(tries = 200)
    void damagedTorchCheckpointsFailCleanlyWhenLoadedAsAModel(@ForAll long seed) throws IOException {
        check(mutate(TORCH_MODEL, new SplittableRandom(seed)), ".pth",
                f -> ModelFiles.load(f, DType.F32, Backends.get("scalar")));
    }

    @Property(tries = 300)
    void damagedIdxFilesFailCleanly(@ForAll long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        boolean gz = rng.nextBoolean();
        byte[] damaged = mutate(gz ? IDX_IMAGES_GZ : IDX_IMAGES, rng);
        check(damaged, ".idx", f -> {
            Path dir = Files.createTempDirectory(DIR, "d");
            try {
                Files.copy(f, dir.resolve("train-images-idx3-ubyte"));
                Files.copy(DIR.resolve("idx/train-labels-idx1-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"));
                ImageDataset.readMnistSplit(dir, "train", 3);
            } finally {
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        Files.delete(p);
                    }
                }
                Files.delete(dir);
            }
        });
    }

    /** A damaged PNG, BMP or JPEG in an image folder: decoded, or refused naming the file (a forged size too). */
    @Property(tries = 400)
    void damagedImagesFailCleanly(@ForAll long seed) throws IOException {
        SplittableRandom rng = new SplittableRandom(seed);
        int kind = rng.nextInt(IMAGE_NAMES.length);
        String name = IMAGE_NAMES[kind];
        check(mutate(IMAGES.get(kind), rng), name.substring(name.indexOf('.')), f -> {
            Path root = Files.createTempDirectory(DIR, "folder");
            Path cls = Files.createDirectories(root.resolve("cls"));
            Path img = cls.resolve(name);
            try {
                Files.copy(f, img);
                ImageFolder.read(root, rng.nextBoolean() ? null : 5);
            } finally {
                Files.deleteIfExists(img);
                Files.delete(cls);
                Files.delete(root);
            }
        });
    }
}
