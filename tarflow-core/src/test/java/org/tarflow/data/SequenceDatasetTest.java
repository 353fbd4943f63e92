package org.tarflow.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.io.TensorFileException;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

class SequenceDatasetTest {
    @TempDir
    Path dir;

    @Test
    void readsCsvWithAndWithoutHeaderAndLabels() throws IOException {
        Path plain = Files.writeString(dir.resolve("a.csv"), "1,2,3,4,5,6\n-1,0.5,2e-3,7,8,9\n");
        SequenceDataset a = SequenceDataset.read(plain, 3);
        assertEquals(2, a.size());
        assertArrayEquals(new int[] {2, 3}, a.itemShape());
        assertNull(a.labels(new int[] {0}));
        assertEquals(0, a.numClasses());
        assertArrayEquals(new double[] {-1, 0.5, 2e-3, 7, 8, 9}, a.batch(new int[] {1}, DType.F64).toDoubleArray());

        Path labelled = Files.writeString(dir.resolve("b.csv"), "x0,label,x1\n0.1,2,0.2\n0.3,0,0.4\n\n");
        SequenceDataset b = SequenceDataset.read(labelled, 1);
        assertArrayEquals(new int[] {2, 1}, b.itemShape());
        assertArrayEquals(new int[] {0, 2}, b.labels(new int[] {1, 0}));
        assertEquals(3, b.numClasses());
        assertArrayEquals(new double[] {0.3, 0.4}, b.batch(new int[] {1}, DType.F64).toDoubleArray());
    }

    @Test
    void writesAndReadsBackBothFormats() throws IOException {
        SplittableRandom rng = new SplittableRandom(3);
        Tensor x = Tensor.zeros(DType.F64, 5, 4, 3);
        for (int i = 0; i < x.size(); i++) {
            x.set(i, rng.nextGaussian());
        }
        int[] y = {0, 1, 2, 1, 0};
        for (String name : new String[] {"s.csv", "s.safetensors"}) {
            Path f = dir.resolve(name);
            SequenceDataset.write(f, x, y);
            SequenceDataset back = SequenceDataset.read(f, 3);
            assertArrayEquals(x.toDoubleArray(), back.values(), 0.0, name);
            assertArrayEquals(y, back.labels(), name);
            assertArrayEquals(new int[] {4, 3}, back.itemShape(), name);
        }
    }

    @Test
    void badFilesSayWhatIsWrong() throws IOException {
        assertProblem(Files.writeString(dir.resolve("ragged.csv"), "1,2\n3,4,5\n"), 1, "line 2 has 3 fields, the first has 2");
        assertProblem(Files.writeString(dir.resolve("word.csv"), "1,2\n3,x\n"), 1, "line 2, field 2: 'x' is not a number");
        assertProblem(Files.writeString(dir.resolve("nan.csv"), "1,NaN\n"), 1, "is not finite");
        assertProblem(Files.writeString(dir.resolve("one.csv"), "1,2\n"), 2, "TarFlow needs T >= 2");
        assertProblem(Files.writeString(dir.resolve("split.csv"), "1,2,3\n"), 2, "do not split into tokens of 2");
        assertProblem(Files.writeString(dir.resolve("label.csv"), "a,label,b\n1,-1,2\n"), 1, "label -1 is not a class");
        assertProblem(Files.writeString(dir.resolve("empty.csv"), "x0,x1\n"), 1, "holds no sequences");
        assertProblem(dir.resolve("missing.csv"), 1, "no such file");
        assertProblem(Files.writeString(dir.resolve("data.txt"), "1,2\n"), 1, "must be a .safetensors or .csv file");
    }

    private static void assertProblem(Path f, int tokenDim, String expected) {
        TensorFileException e = assertThrows(TensorFileException.class, () -> SequenceDataset.read(f, tokenDim));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
