package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CopyCheckTest {
    private static NearestNeighbours.Result distances(double... d) {
        return new NearestNeighbours.Result(new int[d.length], d, d.clone());
    }

    @Test
    void samplesNearerThanTheFirstPercentileOfTestImagesAreCounted() {
        // 200 test distances 0.30, 0.31, ...: the 1st percentile is the 3rd smallest, 0.32
        double[] test = new double[200];
        for (int i = 0; i < test.length; i++) {
            test[test.length - 1 - i] = 0.30 + 0.01 * i;
        }
        CopyCheck c = CopyCheck.of(distances(0.0, 0.319, 0.32, 0.5, 0.9), distances(test));
        assertEquals(0.32, c.threshold(), 1e-12);
        assertEquals(2, c.closeSamples(), "the exact copy and the one just below the threshold");
        assertEquals(0.4, c.closeFraction(), 1e-12);
        assertEquals(0.32, c.medianSample(), 1e-12);
        assertArrayEquals(new int[] {0, 1}, c.closest(2));
    }

    @Test
    void quantilesOfASmallSet() {
        double[] v = {4, 1, 3, 2};
        assertEquals(1, CopyCheck.quantile(v, 0.0));
        assertEquals(3, CopyCheck.quantile(v, 0.5));
        assertEquals(4, CopyCheck.quantile(v, 1.0));
    }
}
