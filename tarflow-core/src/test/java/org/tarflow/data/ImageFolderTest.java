package org.tarflow.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.io.TensorFileException;

/** Image folders, CIFAR-10 binary files and how {@link ImageData} tells them apart. */
class ImageFolderTest {
    @TempDir
    Path dir;

    @Test
    void readsAnRgbFolderWithClassesInSortedOrder() throws IOException {
        Path root = dir.resolve("pets");
        byte[] written = ImageFiles.writeRgbFolder(root, new String[] {"dog", "cat", "wild"}, 4, 8, 1);
        Files.writeString(root.resolve("cat/notes.txt"), "skipped, as torchvision skips it");
        ImageDataset d = ImageFolder.read(root, null);
        assertEquals(List.of("cat", "dog", "wild"), d.classNames());
        assertEquals(3, d.channels());
        assertEquals(8, d.height());
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}, d.labels());
        assertArrayEquals(written, d.pixels(), "PNG is lossless: the bytes written come back, channel-major");
    }

    @Test
    void greyFoldersHaveOneChannelAndAGreyImageAmongRgbOnesHasThree() throws IOException {
        Path grey = dir.resolve("grey");
        byte[] a = {10, 20, 30, 40};
        ImageFiles.write(grey.resolve("x/a.png"), a, 1, 2, 2);
        ImageFiles.write(grey.resolve("y/b.bmp"), new byte[] {1, 2, 3, 4}, 1, 2, 2);
        ImageDataset g = ImageFolder.read(grey, null);
        assertEquals(1, g.channels());
        assertArrayEquals(new byte[] {10, 20, 30, 40, 1, 2, 3, 4}, g.pixels());
        Path mixed = dir.resolve("mixed");
        ImageFiles.write(mixed.resolve("x/a.png"), a, 1, 2, 2);
        byte[] rgb = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
        ImageFiles.write(mixed.resolve("y/b.png"), rgb, 3, 2, 2);
        ImageDataset m = ImageFolder.read(mixed, null);
        assertEquals(3, m.channels());
        assertArrayEquals(new byte[] {10, 20, 30, 40, 10, 20, 30, 40, 10, 20, 30, 40}, java.util.Arrays.copyOf(m.pixels(), 12),
                "as PIL's convert('RGB'): three equal channels");
        assertArrayEquals(rgb, java.util.Arrays.copyOfRange(m.pixels(), 12, 24));
    }

    @Test
    void readsJpegsApproximately() throws IOException {
        Path root = dir.resolve("jpeg");
        byte[] flat = new byte[3 * 16 * 16];
        for (int i = 0; i < flat.length; i++) {
            flat[i] = (byte) (i < 256 ? 200 : i < 512 ? 100 : 50);
        }
        ImageFiles.write(root.resolve("only/a.jpg"), flat, 3, 16, 16);
        ImageDataset d = ImageFolder.read(root, null);
        for (int i = 0; i < flat.length; i++) {
            assertTrue(Math.abs((d.pixels()[i] & 0xff) - (flat[i] & 0xff)) <= 8, "lossy, but close: value " + i);
        }
    }

    @Test
    void resizesAndCropsMixedSizesOnlyWhenAsked() throws IOException {
        Path root = dir.resolve("sizes");
        ImageFiles.write(root.resolve("a/small.png"), new byte[3 * 4 * 6], 3, 4, 6);
        ImageFiles.write(root.resolve("b/large.png"), new byte[3 * 8 * 8], 3, 8, 8);
        String m = problem(() -> ImageFolder.read(root, null));
        assertTrue(m.contains("is 8x8 but") && m.contains("--img-size"), m);
        ImageDataset d = ImageFolder.read(root, 4);
        assertEquals(4, d.height());
        assertEquals(2 * 3 * 4 * 4, d.pixels().length);
    }

    @Test
    void refusesFoldersItCannotUseWithAClearMessage() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertTrue(problem(() -> ImageFolder.read(empty, null)).contains("no class folders"));
        Path noImages = dir.resolve("no-images");
        Files.createDirectories(noImages.resolve("cls"));
        Files.writeString(noImages.resolve("cls/readme.txt"), "x");
        assertTrue(problem(() -> ImageFolder.read(noImages, null)).contains("class folder 'cls' holds no image"));
        Path broken = dir.resolve("broken");
        Files.createDirectories(broken.resolve("cls"));
        Files.writeString(broken.resolve("cls/a.png"), "not a png");
        String b = problem(() -> ImageFolder.read(broken, null));
        assertTrue(b.startsWith(broken.resolve("cls/a.png").toString()) && b.contains("cannot be decoded"), b);
        Path webp = dir.resolve("webp");
        Files.createDirectories(webp.resolve("cls"));
        Files.writeString(webp.resolve("cls/a.webp"), "x");
        assertTrue(problem(() -> ImageFolder.read(webp, null)).contains("this format is not read here"));
        String none = problem(() -> ImageData.read(empty, null));
        assertTrue(none.contains("holds no image data"), none);
        assertTrue(problem(() -> ImageData.read(dir.resolve("missing"), null)).contains("no such folder"));
    }

    /** A PNG whose header claims 9000x9000 pixels is refused before a 243 MB raster is allocated. */
    @Test
    void refusesAForgedHugeSizeBeforeDecoding() throws IOException {
        Path root = dir.resolve("forged");
        Path png = root.resolve("cls/a.png");
        ImageFiles.write(png, new byte[3 * 4 * 4], 3, 4, 4);
        byte[] b = Files.readAllBytes(png);
        // the IHDR chunk follows the 8-byte signature: length (4), "IHDR" (4), width (4), height (4)
        java.nio.ByteBuffer.wrap(b, 16, 8).putInt(9000).putInt(9000);
        Files.write(png, b);
        String m = problem(() -> ImageFolder.read(root, null));
        assertTrue(m.contains("is 9000x9000, more than the 67108864 pixels"), m);
    }

    private static String problem(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(TensorFileException.class, e).getMessage();
    }

    @Test
    void trainAndValSubFoldersAreTheTwoSplitsAndMustAgree() throws IOException {
        Path root = dir.resolve("imagenet-like");
        ImageFiles.writeRgbFolder(root.resolve("train"), new String[] {"a", "b"}, 3, 4, 2);
        ImageFiles.writeRgbFolder(root.resolve("val"), new String[] {"a", "b"}, 1, 4, 3);
        ImageData.Splits s = ImageData.read(root, null);
        assertEquals(6, s.train().size());
        assertEquals(2, s.test().size());
        assertEquals("image-folder", s.format());
        ImageData.Splits flat = ImageData.read(root.resolve("train"), null);
        assertNull(flat.test(), "a plain image folder has no test split");
        ImageFiles.writeRgbFolder(root.resolve("val"), new String[] {"c"}, 1, 4, 3);
        String m = problem(() -> ImageData.read(root, null));
        assertTrue(m.contains("has the classes [a, b, c]"), m);
    }

    /** Three records per batch whose every byte is known: label r % 10, pixel i of record r = (r + i) mod 256. */
    @Test
    void readsCifar10BinaryBatches() throws IOException {
        Path root = dir.resolve("cifar");
        Path batches = Files.createDirectories(root.resolve("cifar-10-batches-bin"));
        int record = 3 * 32 * 32;
        int r0 = 0;
        for (String f : new String[] {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
            "data_batch_5.bin", "test_batch.bin"}) {
            int[] labels = new int[3];
            byte[] px = new byte[3 * record];
            for (int r = 0; r < 3; r++) {
                labels[r] = (r0 + r) % 10;
                for (int i = 0; i < record; i++) {
                    px[r * record + i] = (byte) (r0 + r + i);
                }
            }
            ImageFiles.writeCifarBatch(batches.resolve(f), labels, px);
            r0 += 3;
        }
        ImageData.Splits s = ImageData.read(root, null);
        assertEquals("cifar10", s.format());
        assertEquals(15, s.train().size());
        assertEquals(3, s.test().size());
        assertEquals(3, s.train().channels());
        assertEquals(32, s.train().width());
        assertEquals(Cifar10.DEFAULT_NAMES, s.train().classNames());
        assertArrayEquals(new int[] {5, 6, 7}, s.test().labels());
        // record 7 (batch 3, second record), red plane row 0 column 5, then green row 0 column 0 (offset 1024)
        assertEquals((byte) (7 + 5), s.train().pixels()[7 * record + 5]);
        assertEquals((byte) (7 + 1024), s.train().pixels()[7 * record + 1024]);
        ImageData.Splits small = ImageData.read(root, 16);
        assertEquals(16, small.test().height());

        Files.writeString(batches.resolve("batches.meta.txt"), "a\nb\nc\n");
        assertTrue(problem(() -> Cifar10.read(batches, true)).contains("names 3 classes"));
        Files.writeString(batches.resolve("batches.meta.txt"), String.join("\n", "p0 p1 p2 p3 p4 p5 p6 p7 p8 p9".split(" ")));
        assertEquals("p9", Cifar10.read(batches, false).classNames().get(9));
        Files.write(batches.resolve("test_batch.bin"), new byte[Cifar10.RECORD + 1]);
        assertTrue(problem(() -> Cifar10.read(batches, false)).contains("not a whole number of 3073-byte"));
        byte[] badLabel = new byte[Cifar10.RECORD];
        badLabel[0] = 10;
        Files.write(batches.resolve("test_batch.bin"), badLabel);
        assertTrue(problem(() -> Cifar10.read(batches, false)).contains("label 10"));
        Files.delete(batches.resolve("data_batch_4.bin"));
        assertTrue(problem(() -> Cifar10.read(batches, true)).contains("data_batch_4.bin: no such file"));
    }
}
