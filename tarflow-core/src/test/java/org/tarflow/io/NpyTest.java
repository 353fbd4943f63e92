package org.tarflow.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Npy} against files NumPy wrote ({@code reference-data/npy}, see its README), and against its own writer. */
class NpyTest {
    private static final Path FIXTURES = Path.of("reference-data/npy");
    private static final double[] VALUES = {0.5, -1.25, 1e300, Double.POSITIVE_INFINITY, 1.0 / 3.0};

    @TempDir
    Path dir;

    @Test
    void readsWhatNumpyWrote() throws IOException {
        Npy.Floats f8 = Npy.readFloats(FIXTURES.resolve("f8.npy"));
        assertArrayEquals(new int[] {5}, f8.shape());
        assertArrayEquals(VALUES, f8.values());
        Npy.Floats v2 = Npy.readFloats(FIXTURES.resolve("f8_v2.npy"));
        assertArrayEquals(VALUES, v2.values());
        Npy.Floats f4 = Npy.readFloats(FIXTURES.resolve("f4_column.npy"));
        assertArrayEquals(new int[] {3, 1}, f4.shape());
        assertArrayEquals(new double[] {0.5, -1.25, (float) (1.0 / 3.0)}, f4.values());
    }

    @Test
    void refusesWhatItDoesNotRead() {
        assertMessage("i8.npy", "dtype '<i8' is not read here");
        assertMessage("fortran.npy", "Fortran-order");
        assertMessage("be.npy", "dtype '>f8' is not read here");
    }

    @Test
    void itsOwnFilesReadBackAndDamagedOnesAreRefused() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(8 * VALUES.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : VALUES) {
            data.putDouble(v);
        }
        byte[] file = Npy.bytes("<f8", new int[] {1, 5}, data.array());
        Path p = dir.resolve("a.npy");
        Files.write(p, file);
        Npy.Floats back = Npy.readFloats(p);
        assertArrayEquals(new int[] {1, 5}, back.shape());
        assertArrayEquals(VALUES, back.values());
        Path cut = dir.resolve("cut.npy");
        Files.write(cut, Arrays.copyOf(file, file.length - 3));
        TensorFileException e = assertThrows(TensorFileException.class, () -> Npy.readFloats(cut));
        assertTrue(e.getMessage().contains("needs 40 bytes of data, the file has 37"), e.getMessage());
        Path text = dir.resolve("text.npy");
        Files.writeString(text, "0.5\n1.5\n");
        e = assertThrows(TensorFileException.class, () -> Npy.readFloats(text));
        assertTrue(e.getMessage().contains("not a .npy file"), e.getMessage());
        e = assertThrows(TensorFileException.class, () -> Npy.readFloats(dir.resolve("missing.npy")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    private static void assertMessage(String fixture, String expected) {
        TensorFileException e = assertThrows(TensorFileException.class, () -> Npy.readFloats(FIXTURES.resolve(fixture)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
