package org.tarflow.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

class SampleFilesTest {
    @TempDir
    Path dir;

    /** Two RGB 2x3 images whose every value is distinct in [-1, 1], so that a layout mistake shows. */
    private static Tensor rgb() {
        double[] v = new double[2 * 3 * 2 * 3];
        for (int i = 0; i < v.length; i++) {
            v[i] = -1 + 2.0 * i / (v.length - 1);
        }
        return Tensor.of(DType.F64, v, 2, 3, 2, 3);
    }

    @Test
    void bytesAreChannelsLastAndRoundedAsSaveImage() {
        // 255 (v + 1) / 2 + 0.5, floored: -1 -> 0, 1 -> 255, 0 -> 128 (127.5 rounds up), NaN -> 0
        Tensor grey = Tensor.of(DType.F64, new double[] {-1, 1, 0, Double.NaN, -2, 2}, 1, 1, 2, 3);
        assertArrayEquals(new byte[] {0, (byte) 255, (byte) 128, 0, 0, (byte) 255}, SampleFiles.toBytesHwc(grey));
        byte[] b = SampleFiles.toBytesHwc(rgb());
        Tensor x = rgb();
        // image 1, row 1, column 2, channel 0 (red) of NCHW index ((1*3 + 0)*2 + 1)*3 + 2 = 23
        assertEquals(Math.floor(255 * (x.get(23) + 1) / 2 + 0.5), b[((1 * 2 + 1) * 3 + 2) * 3] & 0xff);
        assertThrows(IllegalArgumentException.class, () -> SampleFiles.toBytesHwc(Tensor.zeros(DType.F64, 1, 2, 2, 2)));
    }

    @Test
    void kindsFollowTheName() throws IOException {
        assertEquals(SampleFiles.Kind.PNG_FOLDER, SampleFiles.kindOf(dir.resolve("new") + "/"));
        assertEquals(SampleFiles.Kind.PNG_FOLDER, SampleFiles.kindOf(dir.toString()));
        assertEquals(SampleFiles.Kind.NPZ, SampleFiles.kindOf("a/B.NPZ"));
        assertEquals(SampleFiles.Kind.SAFETENSORS, SampleFiles.kindOf("s.safetensors"));
        assertNull(SampleFiles.kindOf("s.jpg"));
        Path folderNamedNpz = Files.createDirectories(dir.resolve("dd.npz"));
        assertEquals(SampleFiles.Kind.NPZ, SampleFiles.kindOf(folderNamedNpz.toString()), "the name decides, not the folder");
    }

    @Test
    void aPngFolderHoldsOneRgbPngPerSampleAndNothingElse() throws IOException {
        Path out = dir.resolve("pngs");
        SampleFiles.write(out, SampleFiles.Kind.PNG_FOLDER, rgb(), new int[] {0, 1}, false);
        try (var files = Files.list(out)) {
            assertEquals(List.of("000000.png", "000001.png"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary folder left");
        }
        byte[] b = SampleFiles.toBytesHwc(rgb());
        BufferedImage img = ImageIO.read(out.resolve("000001.png").toFile());
        assertEquals(3, img.getWidth());
        assertEquals(2, img.getHeight());
        for (int y = 0; y < 2; y++) {
            for (int x = 0; x < 3; x++) {
                int base = ((2 + y) * 3 + x) * 3;
                int rgb = ((b[base] & 0xff) << 16) | ((b[base + 1] & 0xff) << 8) | (b[base + 2] & 0xff);
                assertEquals(rgb, img.getRGB(x, y) & 0xffffff, "pixel " + x + "," + y);
            }
        }
        IllegalArgumentException full = assertThrows(IllegalArgumentException.class,
                () -> SampleFiles.write(out, SampleFiles.Kind.PNG_FOLDER, rgb(), null, false));
        assertTrue(full.getMessage().contains("is not empty"), full.getMessage());
        Path empty = Files.createDirectories(dir.resolve("empty"));
        SampleFiles.write(empty, SampleFiles.Kind.PNG_FOLDER, rgb(), null, false);
        try (var files = Files.list(empty)) {
            assertEquals(2, files.count());
        }
    }

    /**
     * With replace, a folder of samples is replaced by the new samples (fewer here, so that no old file may stay);
     * a folder with anything else in it is refused and kept, and no hidden folder is left either way.
     */
    @Test
    void aFolderOfSamplesIsReplacedOnlyWhenAskedAndOnlyIfItHoldsNothingElse() throws IOException {
        Path out = dir.resolve("pngs");
        SampleFiles.write(out, SampleFiles.Kind.PNG_FOLDER, Tensor.zeros(DType.F64, 3, 1, 2, 2), null, false);
        SampleFiles.write(out, SampleFiles.Kind.PNG_FOLDER, rgb(), null, true);
        try (var files = Files.list(out)) {
            assertEquals(List.of("000000.png", "000001.png"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(3, ImageIO.read(out.resolve("000001.png").toFile()).getWidth(), "the new samples, 3 wide");
        Files.writeString(out.resolve("notes.txt"), "mine");
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                () -> SampleFiles.write(out, SampleFiles.Kind.PNG_FOLDER, rgb(), null, true));
        assertTrue(foreign.getMessage().contains("holds notes.txt, which is not a sample"), foreign.getMessage());
        assertTrue(Files.exists(out.resolve("notes.txt")) && Files.exists(out.resolve("000001.png")));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no hidden folder left");
        }
        assertEquals(List.of(), SampleFiles.leftovers(out));
        Path killed = Files.createDirectory(dir.resolve(".pngs." + SampleFiles.PARTIAL + "-abc"));
        Files.createDirectory(dir.resolve(".other." + SampleFiles.PARTIAL + "-abc"));
        assertEquals(List.of(killed), SampleFiles.leftovers(out));
    }

    @Test
    void aPngFolderHasTheUmasksPermissionsLikeAnyNewFolderNotOwnerOnly() throws IOException {
        Path out = dir.resolve("shared");
        SampleFiles.write(out, SampleFiles.Kind.PNG_FOLDER, rgb(), new int[] {0, 1}, false);
        Path plain = Files.createDirectory(dir.resolve("plain"));
        if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
            assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(out));
        }
    }

    @Test
    void npzHoldsUint8NhwcAsArr0AndLabelsAsArr1() throws IOException {
        Path f = dir.resolve("s.npz");
        SampleFiles.write(f, SampleFiles.Kind.NPZ, rgb(), new int[] {2, 0}, false);
        byte[] b = SampleFiles.toBytesHwc(rgb());
        try (ZipFile zip = new ZipFile(f.toFile())) {
            ZipEntry images = zip.getEntry("arr_0.npy");
            assertEquals(ZipEntry.STORED, images.getMethod());
            byte[] npy = zip.getInputStream(images).readAllBytes();
            String header = npyHeader(npy);
            assertTrue(header.startsWith("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 2, 3, 3), }"), header);
            int start = 10 + header.length();
            assertEquals(0, start % 64, "data 64-byte aligned as NumPy writes it");
            for (int i = 0; i < b.length; i++) {
                assertEquals(b[i], npy[start + i], "byte " + i);
            }
            byte[] lab = zip.getInputStream(zip.getEntry("arr_1.npy")).readAllBytes();
            String lh = npyHeader(lab);
            assertTrue(lh.startsWith("{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }"), lh);
            ByteBuffer lb = ByteBuffer.wrap(lab, 10 + lh.length(), 16).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(2, lb.getLong());
            assertEquals(0, lb.getLong());
        }
    }

    private static String npyHeader(byte[] npy) {
        assertEquals((byte) 0x93, npy[0]);
        assertEquals("NUMPY", new String(npy, 1, 5, StandardCharsets.US_ASCII));
        int len = ByteBuffer.wrap(npy, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        String h = new String(npy, 10, len, StandardCharsets.US_ASCII);
        assertTrue(h.endsWith("\n"), h);
        return h;
    }

    @Test
    void safetensorsHoldsU8NhwcAsX() throws IOException {
        Path f = dir.resolve("s.safetensors");
        SampleFiles.write(f, SampleFiles.Kind.SAFETENSORS, rgb(), null, false);
        Safetensors.Contents c = Safetensors.read(f);
        StoredTensor x = c.tensors().get("x");
        assertEquals("U8", x.fileDType());
        assertArrayEquals(new int[] {2, 2, 3, 3}, x.shape());
        byte[] b = SampleFiles.toBytesHwc(rgb());
        for (int i = 0; i < b.length; i++) {
            assertEquals(b[i] & 0xff, x.ints()[i], "value " + i);
        }
        assertEquals(List.of("x"), List.copyOf(c.tensors().keySet()));
        assertThrows(IllegalArgumentException.class,
                () -> SampleFiles.write(f, SampleFiles.Kind.SAFETENSORS, rgb(), new int[] {1}, false));
    }
}
