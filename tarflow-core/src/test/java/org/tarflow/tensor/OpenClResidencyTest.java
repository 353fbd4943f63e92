package org.tarflow.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tarflow.OpenClTests;

/**
 * {@link DeviceCopy}'s protocol on the OpenCL backend: tensors from {@link OpenClKernels#allocate} stay on the
 * device between kernels, the host sees what kernels wrote and kernels see what the host wrote (through any view and
 * through the raw array), clearing runs on the device, and an unreachable tensor's buffer is released. The
 * transfers are counted by {@link OpenClKernels#traffic()}. Skipped with the reason where there is no OpenCL device.
 */
class OpenClResidencyTest {
    private OpenClKernels k;

    @BeforeEach
    void device() {
        k = OpenClTests.assumeKernels();
    }

    private static Tensor ramp(Tensor t) {
        for (int i = 0; i < t.size(); i++) {
            t.set(i, 0.25 * i - 3);
        }
        return t;
    }

    @Test
    void kernelsChainOnTheDeviceAndTheHostSeesTheirResult() {
        Tensor a = ramp(k.allocate(DType.F32, 1000));
        Tensor b = k.allocate(DType.F32, 10, 100);
        OpenClKernels.Traffic before = k.traffic();
        k.add(a, a, 1.0, b);
        k.mul(b, b, b);
        k.exp(b, -0.01, b);
        OpenClKernels.Traffic chained = k.traffic();
        assertEquals(before.uploads() + 1, chained.uploads(), "a goes up once, b is made on the device");
        assertEquals(4000, chained.uploadBytes() - before.uploadBytes());
        assertEquals(before.downloads(), chained.downloads(), "nothing comes back while kernels chain");
        for (int i = 0; i < a.size(); i++) {
            float twice = (float) (2 * a.get(i));
            assertEquals((float) Math.exp(-0.01 * (float) (twice * twice)), (float) b.get(i), 1e-6, "element " + i);
        }
        assertEquals(chained.downloads() + 1, k.traffic().downloads(), "b comes back once, at the first read");
    }

    @Test
    void hostWritesThroughAViewOrTheArrayReachTheNextKernel() {
        Tensor a = ramp(k.allocate(DType.F64, 2, 3));
        Tensor out = k.allocate(DType.F64, 6);
        k.add(a, a, 0.0, out); // a is on the device now
        a.reshape(6).set(4, 10.0);
        k.add(a, a, 0.0, out);
        assertEquals(10.0, out.get(4), "a write through a view is seen by the next kernel");
        a.f64()[5] = 20.0;
        k.add(a, a, 0.0, out);
        assertEquals(20.0, out.get(5), "a write through the raw array is seen by the next kernel");
        assertEquals(0.25 * 3 - 3, out.get(3));
    }

    @Test
    void fillClearsOnTheDeviceAndMovesNoData() {
        Tensor a = ramp(k.allocate(DType.F32, 257));
        Tensor out = k.allocate(DType.F32, 257);
        k.exp(a, 1.0, a); // a is newer on the device
        OpenClKernels.Traffic before = k.traffic();
        a.fill(1.5);
        k.add(a, a, 1.0, out);
        OpenClKernels.Traffic after = k.traffic();
        assertEquals(before.uploads(), after.uploads(), "the fill and the add upload nothing");
        assertEquals(before.downloads(), after.downloads(), "nor download anything");
        for (int i = 0; i < a.size(); i++) {
            assertEquals(1.5, a.get(i), "element " + i + " of the filled tensor");
            assertEquals(3.0, out.get(i), "element " + i + " of the sum");
        }
    }

    @Test
    void aHeapTensorStillGoesUpAndBackPerCall() {
        Tensor a = ramp(Tensor.zeros(DType.F32, 64));
        Tensor b = ramp(Tensor.zeros(DType.F32, 64));
        Tensor out = Tensor.zeros(DType.F32, 64);
        OpenClKernels.Traffic before = k.traffic();
        k.add(a, b, 1.0, out);
        OpenClKernels.Traffic after = k.traffic();
        assertEquals(before.uploads() + 2, after.uploads(), "each operand goes up");
        assertEquals(before.downloads() + 1, after.downloads(), "the result comes back before the call returns");
        assertEquals(2 * (0.25 * 63 - 3), out.get(63));
    }

    @Test
    void theBuffersOfUnreachableTensorsAreReleased() throws InterruptedException {
        List<Tensor> held = new ArrayList<>();
        Tensor sink = k.allocate(DType.F32, 1024);
        long start = k.traffic().residentBuffers();
        for (int i = 0; i < 50; i++) {
            Tensor t = k.allocate(DType.F32, 1024);
            k.add(sink, sink, 1.0, t); // creates t's buffer
            held.add(t);
        }
        assertTrue(k.traffic().residentBuffers() >= start + 50, "50 buffers made: " + k.traffic());
        held.clear();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (k.traffic().residentBuffers() > start + 10 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertTrue(k.traffic().residentBuffers() <= start + 10, "after the tensors became unreachable: "
                + k.traffic() + ", " + start + " before");
    }

    @Test
    void aHostOverwriteOfADeviceNewerTensorDownloadsNothing() {
        Tensor a = ramp(k.allocate(DType.F32, 300));
        Tensor t = k.allocate(DType.F32, 300);
        Tensor out = k.allocate(DType.F32, 300);
        k.exp(a, 1.0, t); // t is newer on the device
        OpenClKernels.Traffic before = k.traffic();
        t.copyFrom(ramp(Tensor.zeros(DType.F32, 300)));
        assertEquals(before.downloads(), k.traffic().downloads(), "copyFrom overwrites every element: no download");
        k.add(t, a, -1.0, out);
        assertEquals(before.uploads() + 1, k.traffic().uploads(), "t goes up once");
        assertEquals(0.0, out.get(299), "the kernel saw the host's values");
    }

    @Test
    void aTensorOfAnotherInstanceIsRefused() {
        OpenClKernels other = new OpenClKernels(k.device());
        Tensor x = ramp(other.allocate(DType.F32, 8));
        Tensor out = k.allocate(DType.F32, 8);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> k.add(x, x, 1.0, out));
        assertTrue(e.getMessage().contains("of another OpenCL device"), e.getMessage());
        Tensor onHeap = x.copy();
        k.add(onHeap, onHeap, 1.0, out);
        assertEquals(2 * (0.25 * 7 - 3), out.get(7), "its heap copy works");
    }

    /**
     * A tensor nothing refers to after the call (here each fresh output) must keep its buffer until the call's
     * kernels are enqueued, whatever the garbage collector does meanwhile: a buffer released too early made POCL
     * abort the process (found by a review, with a thread calling System.gc() in a loop, within 1000 calls).
     */
    @Test
    void aBufferStaysUntilItsKernelIsEnqueuedWhileTheCollectorRuns() throws InterruptedException {
        Tensor a = k.allocate(DType.F32, 1 << 16);
        a.fill(1);
        Thread collector = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
            }
        });
        collector.setDaemon(true);
        collector.start();
        try {
            for (int i = 0; i < 8000; i++) {
                k.exp(a, 1.0, k.allocate(DType.F32, 1 << 16));
            }
        } finally {
            collector.interrupt();
            collector.join();
        }
        Tensor last = k.allocate(DType.F32, 1 << 16);
        k.exp(a, 1.0, last);
        assertEquals((float) Math.E, (float) last.get(12345), 1e-6);
    }
}
