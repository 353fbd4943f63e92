package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

class PatchFeaturesTest {
    /**
     * A bright 2×2 corner on a dark 4×4 image, patches of 2: the means are 1, −1, −1, −1; only the corner
     * patch holds edges, |−1 − 1| = 2 to the right of pixels (0,1), (1,1) and below (1,0), (1,1): 8 / 4 = 2.
     */
    @Test
    void handComputedCorner() {
        double[] v = {
            1, 1, -1, -1,
            1, 1, -1, -1,
            -1, -1, -1, -1,
            -1, -1, -1, -1};
        Tensor x = Tensor.of(DType.F64, v, 1, 1, 4, 4);
        PatchFeatures f = new PatchFeatures(2);
        assertEquals(8, f.dim(1, 4, 4));
        assertArrayEquals(new double[] {1, -1, -1, -1, 2, 0, 0, 0}, f.apply(x)[0], 1e-15);
    }

    @Test
    void constantImagesHaveTheirValueAndNoEdges() {
        Tensor x = Tensor.zeros(DType.F32, 2, 1, 28, 28);
        x.fill(0.25);
        double[][] f = new PatchFeatures(4).apply(x);
        assertEquals(98, f[0].length);
        for (double[] row : f) {
            for (int j = 0; j < 49; j++) {
                assertEquals(0.25, row[j], 1e-7);
                assertEquals(0, row[49 + j], 0);
            }
        }
    }

    @Test
    void indivisibleSizesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new PatchFeatures(3).dim(1, 28, 28));
        assertThrows(IllegalArgumentException.class, () -> new PatchFeatures(0));
    }
}
