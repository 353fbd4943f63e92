package org.tarflow.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResizeCropTest {
    private static final Path FIXTURE = Path.of("reference-data/pil-resize");

    @TempDir
    Path dir;

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    /**
     * 4 -> 2 by hand, from PIL's Resample.c: output 0 is centred at 1 with support 2, so inputs 0, 1, 2 weigh
     * 0.75, 0.75, 0.25 (sum 1.75): (0·3 + 70·3 + 140·1)/7 = 50; output 1 takes inputs 1, 2, 3 as 1, 3, 3
     * sevenths: (70 + 420 + 630)/7 = 160. Equal rows stay equal through the vertical pass.
     */
    @Test
    void shrinksWithPilsWidenedTriangle() {
        byte[] ramp = bytes(0, 70, 140, 210, 0, 70, 140, 210, 0, 70, 140, 210, 0, 70, 140, 210);
        assertArrayEquals(bytes(50, 160, 50, 160), ResizeCrop.apply(ramp, 1, 4, 4, 2));
        byte[] flat = new byte[3 * 5 * 9];
        java.util.Arrays.fill(flat, (byte) 77);
        byte[] expected = new byte[3 * 4 * 4];
        java.util.Arrays.fill(expected, (byte) 77);
        assertArrayEquals(expected, ResizeCrop.apply(flat, 3, 5, 9, 4), "a constant image stays constant");
    }

    /**
     * Without resampling (the short side is already s), the crop offset is Python's round((w - s)/2), which
     * rounds 2.5 to 2 (half to even), not 3.
     */
    @Test
    void cropsTheCentreRoundingHalfToEven() {
        byte[] row = bytes(0, 1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 16); // 2 rows of 7
        assertArrayEquals(bytes(2, 3, 12, 13), ResizeCrop.apply(row, 1, 2, 7, 2));
        byte[] row6 = bytes(0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15); // 2 rows of 6: offset 2
        assertArrayEquals(bytes(2, 3, 12, 13), ResizeCrop.apply(row6, 1, 2, 6, 2));
        byte[] tall = bytes(0, 1, 2, 3, 4, 5, 6); // 7 rows of 1: offset round(3) = 3 and the width stays 1
        assertArrayEquals(bytes(3), ResizeCrop.apply(tall, 1, 7, 1, 1));
    }

    /** Bytes for bytes what Pillow makes of a 53×37 RGB image (reference-data/pil-resize/README.md). */
    @Test
    void matchesPillowOnTheFixture() throws IOException {
        Path root = dir.resolve("one");
        Files.createDirectories(root.resolve("c"));
        Files.copy(FIXTURE.resolve("input.png"), root.resolve("c/input.png"));
        for (int s : new int[] {16, 7, 41}) {
            byte[] expected = Files.readAllBytes(FIXTURE.resolve("expected_" + s + ".chw"));
            assertArrayEquals(expected, ImageFolder.read(root, s).pixels(), "size " + s);
        }
    }
}
