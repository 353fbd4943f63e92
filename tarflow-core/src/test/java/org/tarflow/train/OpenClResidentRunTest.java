package org.tarflow.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.tarflow.OpenClTests;
import org.tarflow.TestTensors;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.nn.Gradients;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.OpenClKernels;
import org.tarflow.tensor.Parallel;
import org.tarflow.tensor.Tensor;

/**
 * Whole runs on the OpenCL backend with the model's tensors resident ({@link OpenClKernels}): a training step moves
 * less data between host and device than the model's parameters (before residency it moved 30 times them), and
 * holds no more device buffers than the step before; sampling in groups on two threads, which share the iterate on
 * the device, gives the bits of one thread. Skipped with the reason where there is no OpenCL device.
 */
class OpenClResidentRunTest {
    // as OpenClTrainingTest's model: 8x8 images in patches of 2, width 64, 2 blocks of 1 layer, 3 classes
    private static final ModelConfig CFG = new ModelConfig(1, 8, 2, 64, 2, 1, true, 3);
    private OpenClKernels k;

    @BeforeEach
    void device() {
        k = OpenClTests.assumeKernels();
    }

    private static long bytesMoved(OpenClKernels.Traffic a, OpenClKernels.Traffic b) {
        return b.uploadBytes() - a.uploadBytes() + b.downloadBytes() - a.downloadBytes();
    }

    @Test
    void aTrainingStepMovesLessThanTheParametersAndHoldsNoNewBuffers() {
        TarFlowModel m = new TarFlowModel(CFG, DType.F32, k).init(3);
        TestTensors.perturb(m.parameters(), 0.02, new SplittableRandom(4));
        long parameterBytes = m.parameters().stream().mapToLong(p -> (long) p.value().size() * Float.BYTES).sum();
        AdamW opt = AdamW.reference(m.kernels(), m.parameters());
        BatchGradient gradient = new BatchGradient(m);
        Gradients grads = m.newGradients();
        SplittableRandom data = new SplittableRandom(5);
        long[] moved = new long[4];
        long[] buffers = new long[4];
        for (int s = 0; s < 4; s++) {
            Tensor x = TestTensors.uniform(DType.F32, data, -1, 1, 8, 1, 8, 8);
            int[] y = {0, 1, 2, -1, 0, 1, 2, -1};
            OpenClKernels.Traffic before = k.traffic();
            grads.zero();
            m.loss(gradient.compute(x, y, grads));
            opt.step(1e-3, grads);
            OpenClKernels.Traffic after = k.traffic();
            moved[s] = bytesMoved(before, after);
            buffers[s] = after.residentBuffers();
        }
        for (int s = 1; s < 4; s++) { // the first step uploads the parameters and makes the buffers
            assertTrue(moved[s] < parameterBytes / 2, "step " + s + " moved " + moved[s] + " bytes; the parameters are "
                    + parameterBytes);
            assertTrue(buffers[s] <= buffers[1], "step " + s + " holds " + buffers[s] + " device buffers, step 1 "
                    + buffers[1]);
        }
    }

    @Test
    void samplingInGroupsOnTwoThreadsGivesTheBitsOfOneThread() {
        TarFlowModel m = new TarFlowModel(CFG, DType.F32, k).init(3);
        TestTensors.perturb(m.parameters(), 0.01, new SplittableRandom(6)); // proj_out starts at zero; more overflows
        SplittableRandom rng = new SplittableRandom(7);
        int b = 45; // three groups of decoding rows
        Tensor noise = TestTensors.randn(DType.F32, rng, b, 16, 4);
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            y[i] = i % 4 - 1;
        }
        int threads = Parallel.threads();
        try {
            Parallel.setThreads(1);
            TarFlowModel.ReverseResult one = m.reverseSequence(noise, y, SamplingOptions.cfg(1.5));
            Parallel.setThreads(2);
            TarFlowModel.ReverseResult two = m.reverseSequence(noise, y, SamplingOptions.cfg(1.5));
            assertArrayEquals(one.x().toDoubleArray(), two.x().toDoubleArray(), "samples");
            assertArrayEquals(one.logLikelihood().toDoubleArray(), two.logLikelihood().toDoubleArray(),
                    "log-likelihoods");
            double spread = 0;
            for (double v : one.x().toDoubleArray()) {
                assertTrue(Double.isFinite(v), "a sample is not finite");
                spread = Math.max(spread, Math.abs(v));
            }
            assertTrue(spread > 0.1, "the samples are not trivially zero: max |x| " + spread);
        } finally {
            Parallel.setThreads(threads);
        }
    }
}
