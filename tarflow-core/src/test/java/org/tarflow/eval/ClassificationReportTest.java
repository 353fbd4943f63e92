package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassificationReportTest {
    /**
     * Truth 0 0 0 1 1 2, predicted 0 0 1 1 2 2; class "d" never occurs. By hand: class a tp 2 fp 0 fn 1,
     * class b tp 1 fp 1 fn 1, class c tp 1 fp 1 fn 0, class d nothing.
     */
    @Test
    void metricsOfAHandCountedCase() {
        ClassificationReport r = ClassificationReport.of(new int[] {0, 0, 0, 1, 1, 2}, new int[] {0, 0, 1, 1, 2, 2},
                List.of("a", "b", "c", "d"));
        assertEquals(4.0 / 6, r.accuracy(), 1e-15);
        assertArrayEquals(new double[] {1, 0.5, 0.5, 0}, r.precision(), 1e-15);
        assertArrayEquals(new double[] {2.0 / 3, 0.5, 1, 0}, r.recall(), 1e-15);
        assertArrayEquals(new double[] {0.8, 0.5, 2.0 / 3, 0}, r.f1(), 1e-15);
        assertArrayEquals(new int[] {3, 2, 1, 0}, r.support());
        assertArrayEquals(new int[] {2, 1, 0, 0}, r.confusion()[0]);
        assertArrayEquals(new int[] {0, 1, 1, 0}, r.confusion()[1]);
        assertArrayEquals(new int[] {0, 0, 1, 0}, r.confusion()[2]);
        assertArrayEquals(new int[] {0, 0, 0, 0}, r.confusion()[3]);
        assertEquals((0.8 + 0.5 + 2.0 / 3) / 4, r.macroF1(), 1e-15);
    }

    @Test
    void perfectPredictionsScoreOne() {
        ClassificationReport r = ClassificationReport.of(new int[] {1, 0, 1}, new int[] {1, 0, 1}, List.of("x", "y"));
        assertEquals(1.0, r.accuracy());
        assertArrayEquals(new double[] {1, 1}, r.f1());
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ClassificationReport.of(new int[] {0}, new int[] {0, 1}, List.of("a", "b")));
        assertThrows(IllegalArgumentException.class, () -> ClassificationReport.of(new int[] {0}, new int[] {2}, List.of("a", "b")));
        assertThrows(IllegalArgumentException.class, () -> ClassificationReport.of(new int[0], new int[0], List.of("a")));
    }
}
