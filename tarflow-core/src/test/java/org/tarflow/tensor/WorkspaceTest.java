package org.tarflow.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkspaceTest {
    private final Workspace ws = new Workspace(Backends.get("scalar"));

    @Test
    void aReusedBufferIsTheSameMemoryClearedToZero() {
        Tensor a = ws.zeros(DType.F32, 2, 3);
        a.fill(7);
        ws.reset();
        Tensor b = ws.zeros(DType.F32, 3, 2); // same size, another shape
        assertSame(a.array(), b.array());
        assertArrayEquals0(b);
        assertEquals(24, ws.allocatedBytes());
        assertNotSame(a.array(), ws.zeros(DType.F64, 6).array(), "another dtype is another buffer");
    }

    @Test
    void rewindKeepsWhatCameBeforeTheMark() {
        Tensor cache = ws.zeros(DType.F32, 4);
        cache.fill(1);
        int mark = ws.mark();
        Tensor step = ws.zeros(DType.F32, 4);
        ws.rewind(mark);
        Tensor again = ws.zeros(DType.F32, 4);
        assertSame(step.array(), again.array());
        assertNotSame(cache.array(), again.array());
        assertEquals(1.0, cache.get(3), "the buffer before the mark is untouched");
        assertThrows(IllegalArgumentException.class, () -> ws.rewind(mark + 5));
    }

    @Test
    void buffersAreMatchedBySizeWhateverTheOrder() {
        ws.zeros(DType.F32, 10);
        ws.zeros(DType.F32, 20);
        ws.reset();
        long before = ws.allocatedBytes();
        ws.zeros(DType.F32, 20);
        ws.zeros(DType.F32, 10);
        assertEquals(before, ws.allocatedBytes());
    }

    /** Ever new sizes do not make it grow without bound: at most twice the most in use at once. */
    @Test
    void theIdleBuffersAreBounded() {
        long peak = 4L * (1099 + 6099); // the most in use at once
        for (int n = 1000; n < 1100; n++) {
            ws.reset();
            ws.zeros(DType.F32, n);
            ws.zeros(DType.F32, n + 5000);
            assertTrue(ws.heldBytes() <= 2 * peak, "held " + ws.heldBytes() + " at n = " + n);
        }
        assertTrue(ws.allocatedBytes() > 2 * peak, "old sizes were dropped and new ones allocated");
        ws.reset();
        assertTrue(ws.idleSizes() <= 4, "sizes with no idle buffer left are forgotten: " + ws.idleSizes());
        ws.reset();
        Tensor t = ws.zeros(DType.F32, 1099);
        assertEquals(1099, t.size());
    }

    @Test
    void rowsOfAnEmptyBatch() {
        Tensor empty = Tensor.zeros(DType.F32, 0, 3);
        assertEquals(0, ws.rows(empty, 0, 0).size());
        assertEquals(0, empty.rows(0, 0).size());
        Tensor t = Tensor.of(DType.F64, new double[] {1, 2, 3, 4, 5, 6}, 3, 2);
        org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {3, 4, 5, 6}, ws.rows(t, 1, 3).toDoubleArray());
        assertThrows(IllegalArgumentException.class, () -> ws.rows(t, 2, 4));
    }

    private static void assertArrayEquals0(Tensor t) {
        for (int i = 0; i < t.size(); i++) {
            assertEquals(0.0, t.get(i));
        }
    }
}
