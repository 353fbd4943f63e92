package org.tarflow.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tarflow.TestTensors;
import org.tarflow.flow.ForwardResult;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.nn.Gradients;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.Kernels;

class BatchGradientTest {
    private static final Kernels K = Backends.get("simd");
    // 8x8 images in patches of 2: T = 16
    private static final ModelConfig CFG = new ModelConfig(1, 8, 2, 64, 2, 2, true, 3);
    private static final int B = 13;
    private static final int GROUP_ROWS = 3 * 16; // groups of 3 images: 5 groups, the last of 1

    private static TarFlowModel model(DType dtype) {
        TarFlowModel m = new TarFlowModel(CFG, dtype, K).init(5);
        TestTensors.perturb(m.parameters(), 0.05, new SplittableRandom(6)); // proj_out starts at zero
        return m;
    }

    private static Tensor images(DType dtype) {
        return TestTensors.uniform(dtype, new SplittableRandom(7), -1, 1, B, 1, 8, 8);
    }

    private static int[] labels() {
        int[] y = new int[B];
        for (int i = 0; i < B; i++) {
            y[i] = i % 4 - 1; // -1 (mean embedding) and every class
        }
        return y;
    }

    private static List<double[]> grads(TarFlowModel m, Gradients g) {
        List<double[]> out = new ArrayList<>();
        for (Parameter p : m.parameters()) {
            out.add(g.of(p).toDoubleArray());
        }
        return out;
    }

    /**
     * In float64 the grouped pass gives the whole-batch forward bit for bit (rows are independent) and the
     * whole-batch gradient up to the rounding of summing it per group.
     */
    @Test
    void groupedPassGivesTheWholeBatchForwardAndGradient() {
        TarFlowModel m = model(DType.F64);
        Tensor x = images(DType.F64);
        Gradients g = m.newGradients();
        Workspace ws = new Workspace(K);
        TarFlowModel.Activations acts = m.forwardForTraining(x, labels(), ws);
        ForwardResult whole = acts.result();
        m.backward(acts, g, ws);
        List<double[]> expected = grads(m, g);

        g.zero();
        ForwardResult grouped = new BatchGradient(m, GROUP_ROWS).compute(x, labels(), g);
        assertArrayEquals(whole.z().toDoubleArray(), grouped.z().toDoubleArray(), 0.0, "z");
        assertArrayEquals(whole.logdets().toDoubleArray(), grouped.logdets().toDoubleArray(), 0.0, "logdets");
        for (int i = 0; i < whole.blockOutputs().size(); i++) {
            assertArrayEquals(whole.blockOutputs().get(i).toDoubleArray(), grouped.blockOutputs().get(i).toDoubleArray(),
                    0.0, "output of block " + i);
        }
        assertArrayEquals(x.shape(), grouped.inputShape());
        assertEquals(m.loss(whole), m.loss(grouped), 0.0);
        List<double[]> actual = grads(m, g);
        List<Parameter> ps = m.parameters();
        for (int i = 0; i < ps.size(); i++) {
            double scale = 0;
            for (double v : expected.get(i)) {
                scale = Math.max(scale, Math.abs(v));
            }
            assertTrue(scale > 0 || ps.get(i).name().endsWith("qkv.bias"), ps.get(i).name() + " has no gradient");
            assertArrayEquals(expected.get(i), actual.get(i), 1e-12 * scale + 1e-300, ps.get(i).name());
        }
    }

    /** The groups are fixed and summed in order, so float32 gradients are bit-identical on 1, 2 and 3 threads. */
    @Test
    void gradientBitsDoNotDependOnTheThreadCount() throws Exception {
        TarFlowModel m = model(DType.F32);
        Tensor x = images(DType.F32);
        List<List<double[]>> runs = new ArrayList<>();
        Gradients g = m.newGradients();
        BatchGradient kept = new BatchGradient(m, GROUP_ROWS);
        TestTensors.forEachThreadCount(new int[] {1, 2, 3, 2}, threads -> {
            g.zero();
            new BatchGradient(m, GROUP_ROWS).compute(x, labels(), g);
            runs.add(grads(m, g));
            g.zero(); // the same with the workspaces and group gradients of earlier calls reused
            kept.compute(x, labels(), g);
            runs.add(grads(m, g));
        });
        for (int r = 1; r < runs.size(); r++) {
            assertGradsEqual(m, runs.getFirst(), runs.get(r), "run " + r);
        }
    }

    private static void assertGradsEqual(TarFlowModel m, List<double[]> expected, List<double[]> actual, String what) {
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), 0.0, m.parameters().get(i).name() + ", " + what);
        }
    }

    /**
     * The passes read the parameter tensors themselves: after the optimiser (here a perturbation) changes
     * them, the next call, in reused workspaces, computes with the new values, as the plain forward does.
     */
    @Test
    void reusedWorkspacesSeeParameterUpdates() {
        TarFlowModel m = model(DType.F64);
        Tensor x = images(DType.F64);
        BatchGradient gradient = new BatchGradient(m, GROUP_ROWS);
        Gradients g = m.newGradients();
        gradient.compute(x, labels(), g); // the workspaces exist from here on
        TestTensors.perturb(m.parameters(), 0.05, new SplittableRandom(9));
        g.zero();
        ForwardResult grouped = gradient.compute(x, labels(), g);
        ForwardResult whole = m.forward(x, labels());
        assertArrayEquals(whole.z().toDoubleArray(), grouped.z().toDoubleArray(), 0.0);
    }

    /**
     * In steady state a training step allocates no activation memory: the workspace stops growing after the
     * first step, which has seen both group sizes (full groups and the smaller last one). On one thread, so
     * that the same worker runs every group (on more, which worker takes the last group varies).
     */
    @Test
    void aSteadyLoopAllocatesNoNewActivationBuffers() throws Exception {
        TarFlowModel m = model(DType.F32);
        Tensor x = images(DType.F32);
        Gradients g = m.newGradients();
        TestTensors.forEachThreadCount(new int[] {1}, threads -> {
            BatchGradient gradient = new BatchGradient(m, GROUP_ROWS);
            gradient.compute(x, labels(), g);
            long first = gradient.workspaceBytes();
            assertTrue(first > 0);
            for (int i = 0; i < 5; i++) {
                g.zero();
                gradient.compute(x, labels(), g);
            }
            assertEquals(first, gradient.workspaceBytes());
        });
    }

    /** A failing call (a label out of range) leaves nothing behind that spoils the next call. */
    @Test
    void aFailedCallDoesNotSpoilTheNext() {
        TarFlowModel m = model(DType.F32);
        Tensor x = images(DType.F32);
        BatchGradient gradient = new BatchGradient(m, GROUP_ROWS);
        Gradients g = m.newGradients();
        double[] before = gradient.compute(x, labels(), g).z().toDoubleArray(); // the next call overwrites z
        List<double[]> expected = grads(m, g);
        int[] bad = labels();
        bad[B - 1] = 7; // in the last group: the others have run
        g.zero();
        assertThrows(IllegalArgumentException.class, () -> gradient.compute(x, bad, g));
        g.zero();
        ForwardResult after = gradient.compute(x, labels(), g);
        assertArrayEquals(before, after.z().toDoubleArray(), 0.0);
        assertGradsEqual(m, expected, grads(m, g), "after a failed call");
    }

    @Test
    void aWrongLabelCountIsRejected() {
        TarFlowModel m = model(DType.F32);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BatchGradient(m, GROUP_ROWS).compute(images(DType.F32), new int[] {0, 1}, m.newGradients()));
        assertEquals("2 labels for a batch of 13", e.getMessage());
    }
}
