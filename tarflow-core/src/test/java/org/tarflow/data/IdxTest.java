package org.tarflow.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

class IdxTest {
    @TempDir
    Path dir;

    @Test
    void readsPlainAndGzippedFiles() throws IOException {
        byte[] pixels = {0, (byte) 255, 127, 1, 2, 3, 4, 5};
        for (boolean gz : new boolean[] {false, true}) {
            Path f = dir.resolve("a" + gz);
            IdxFiles.write(f, IdxFiles.idx(new int[] {2, 2, 2}, pixels), gz);
            Idx.Array a = Idx.read(f, 3);
            assertArrayEquals(new int[] {2, 2, 2}, a.dims());
            assertArrayEquals(pixels, a.data());
        }
    }

    @Test
    void scalesPixelsToMinusOneOne() {
        ImageDataset ds = new ImageDataset(new byte[] {0, (byte) 255, (byte) 128, 51}, new int[] {3}, 1, 2, 2, 10);
        Tensor x = ds.images(new int[] {0}, DType.F64);
        assertArrayEquals(new double[] {-1, 1, (128 / 255.0 - 0.5) / 0.5, (51 / 255.0 - 0.5) / 0.5}, x.toDoubleArray(), 1e-15);
        assertArrayEquals(new int[] {3}, ds.labels(new int[] {0}));
    }

    @Test
    void rejectsBrokenFilesWithAMessageThatSaysWhatIsWrong() throws IOException {
        Path bad = Files.write(dir.resolve("bad"), new byte[] {0, 0, 9, 3, 0, 0, 0, 1});
        assertProblem(bad, 3, "bad magic number");
        Path rank = dir.resolve("rank");
        IdxFiles.write(rank, IdxFiles.idx(new int[] {4}, new byte[4]), false);
        assertProblem(rank, 3, "has 1 dimensions, expected 3");
        Path shortFile = dir.resolve("short");
        IdxFiles.write(shortFile, IdxFiles.idx(new int[] {2, 2, 2}, new byte[5]), false);
        assertProblem(shortFile, 3, "need 24 bytes, the file has 21");
        Path shortGz = dir.resolve("short.gz");
        IdxFiles.write(shortGz, IdxFiles.idx(new int[] {2, 2, 2}, new byte[5]), true);
        assertProblem(shortGz, 3, "ends after 5 of 8 data bytes");
        Path longGz = dir.resolve("long.gz");
        IdxFiles.write(longGz, IdxFiles.idx(new int[] {1, 2, 2}, new byte[6]), true);
        assertProblem(longGz, 3, "has data after the 4 bytes");
        Path huge = dir.resolve("huge");
        IdxFiles.write(huge, IdxFiles.idx(new int[] {1 << 30, 1 << 10, 1 << 10}, new byte[0]), false);
        assertProblem(huge, 3, "impossible size");
    }

    @Test
    void imagesAndLabelsMustAgree() throws IOException {
        IdxFiles.write(dir.resolve("train-images-idx3-ubyte"), IdxFiles.idx(new int[] {3, 2, 2}, new byte[12]), false);
        IdxFiles.write(dir.resolve("train-labels-idx1-ubyte.gz"), IdxFiles.idx(new int[] {2}, new byte[2]), true);
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> ImageDataset.readMnistSplit(dir, "train", 10));
        assertTrue(e.getMessage().contains("2 labels for 3 images"), e.getMessage());
        IdxFormatException missing = assertThrows(IdxFormatException.class, () -> ImageDataset.readMnistSplit(dir, "t10k", 10));
        assertTrue(missing.getMessage().contains("t10k-images-idx3-ubyte[.gz]: no such file"), missing.getMessage());
    }

    private static void assertProblem(Path f, int dims, String expected) {
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.read(f, dims));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertEquals(0, e.getMessage().indexOf(f.toString()), "names the file");
    }
}
