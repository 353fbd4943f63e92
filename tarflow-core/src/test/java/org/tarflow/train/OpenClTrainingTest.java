package org.tarflow.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tarflow.OpenClTests;
import org.tarflow.TestTensors;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.nn.Gradients;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * Twenty AdamW steps of a tiny model on the OpenCL backend end within float32 noise of the same steps on the SIMD
 * backend (same initialisation, same batches, same learning rates). Skipped with the reason where there is no
 * OpenCL device ({@link OpenClTests}).
 *
 * <p>What "float32 noise" is here is measured, not assumed: the same twenty steps in float64 are the reference, and
 * the distance of the SIMD float32 run from them is what rounding to float32 alone does to this training. The two
 * float32 runs round differently (OpenCL accumulates in float in its own order, SIMD in its lanes), so each is about
 * that far from the float64 run and they are about √2 times that from each other; the test allows
 * {@value #NOISE_FACTOR} times, for the root mean square over the steps of the loss's difference and for the
 * relative (Frobenius) difference of all parameters together at the end. Step by step, or tensor by tensor, the
 * ratio of two such small differences scatters too much to bound (single steps were seen at 6 times); over the
 * whole run it was 0.9 for the losses and 0.6 for the parameters on POCL. A kernel that is wrong rather than
 * rounded moves the run by far more: off-by-ones injected by hand into the tail of the GEMM's inner loop and of
 * the causal softmax backward's dot product put the losses 1.5e5 and 3.4e4 times the noise apart.
 * That the runs are not trivially close is checked too: the parameters move from their start by many orders of
 * magnitude more than the runs are apart.
 */
class OpenClTrainingTest {
    // 8x8 images in patches of 2 (T = 16), width 64 (one head), 2 blocks of 1 layer, 3 classes: the three runs take ~12 s on POCL on two contended cores
    private static final ModelConfig CFG = new ModelConfig(1, 8, 2, 64, 2, 1, true, 3);
    private static final int STEPS = 20;
    private static final int BATCH = 8;
    private static final double LR = 2e-3;
    /** How many times the float32-vs-float64 distance the two float32 runs may be apart; see the class. */
    private static final double NOISE_FACTOR = 3;

    /** The losses of every step, and all parameters concatenated at the start and after the last step. */
    private record Run(double[] losses, double[] start, double[] end) {
    }

    private static double[] concat(TarFlowModel m) {
        return m.parameters().stream().flatMapToDouble(p -> Arrays.stream(p.value().toDoubleArray()))
                .toArray();
    }

    /** {@return the root mean square of {@code a - b}} */
    private static double rmsDiff(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s / a.length);
    }

    private static Run train(Kernels k, DType dtype) {
        TarFlowModel m = new TarFlowModel(CFG, dtype, k).init(3);
        TestTensors.perturb(m.parameters(), 0.02, new SplittableRandom(4)); // proj_out starts at zero
        double[] start = concat(m);
        AdamW opt = AdamW.reference(m.kernels(), m.parameters());
        BatchGradient gradient = new BatchGradient(m);
        Gradients grads = m.newGradients();
        SplittableRandom data = new SplittableRandom(5);
        double[] losses = new double[STEPS];
        for (int s = 0; s < STEPS; s++) {
            Tensor x = TestTensors.uniform(dtype, data, -1, 1, BATCH, 1, 8, 8);
            int[] y = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                y[i] = data.nextInt(-1, CFG.numClasses()); // -1: the mean class embedding
            }
            grads.zero();
            losses[s] = m.loss(gradient.compute(x, y, grads));
            opt.step(LR, grads);
        }
        return new Run(losses, start, concat(m));
    }

    @Test
    void twentyStepsEndWithinFloat32NoiseOfTheSimdBackend() {
        Kernels openClKernels = OpenClTests.assumeKernels();
        Run reference = train(Backends.get("simd"), DType.F64);
        Run simd = train(Backends.get("simd"), DType.F32);
        Run openCl = train(openClKernels, DType.F32);

        double lossNoise = rmsDiff(simd.losses(), reference.losses());
        double lossApart = rmsDiff(openCl.losses(), simd.losses());
        assertTrue(lossApart <= NOISE_FACTOR * lossNoise, "the losses: opencl is " + lossApart + " (rms) from simd, "
                + "simd " + lossNoise + " from float64");

        double norm = rmsDiff(simd.end(), new double[simd.end().length]);
        double paramNoise = rmsDiff(simd.end(), reference.end()) / norm;
        double paramApart = rmsDiff(openCl.end(), simd.end()) / norm;
        assertTrue(paramApart <= NOISE_FACTOR * paramNoise, "the parameters: opencl is " + paramApart
                + " (relative) from simd, simd " + paramNoise + " from float64");
        double moved = rmsDiff(simd.end(), simd.start()) / norm;
        assertTrue(moved > 1e4 * paramApart, "training moved the parameters by " + moved + " (relative), the runs are "
                + paramApart + " apart");
    }
}
