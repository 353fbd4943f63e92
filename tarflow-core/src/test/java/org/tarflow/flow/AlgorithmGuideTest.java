package org.tarflow.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tarflow.eval.BitsPerDim;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.Kernels;

/**
 * The worked numbers of docs/ALGORITHM.md, computed by the code. The expected values were computed by
 * hand from the guide's formulas (Python's math module); if this test fails, the code and the guide
 * disagree and one of them must change.
 */
class AlgorithmGuideTest {
    private static final Kernels K = Backends.get("scalar");
    private static final double[] X = {0.1, 0.2, 1.5, 2.5, -1.0, 3.0}; // T = 3 patches of D = 2

    /** A block whose proj_out weight is 0 and bias (a, b) = ((0.5, -0.25), (1, 2)); other weights random. */
    private static TarFlowBlock block(Permutation perm) {
        TarFlowBlock b = new TarFlowBlock("blocks.0", 3, 2, 64, perm, 1, true, 0, DType.F64, K);
        b.init(new SplittableRandom(1));
        for (Parameter p : b.parameters()) {
            if (p.name().equals("blocks.0.proj_out.bias")) {
                double[] bias = {0.5, -0.25, 1.0, 2.0};
                for (int i = 0; i < 4; i++) {
                    p.value().set(i, bias[i]);
                }
            }
        }
        return b;
    }

    @Test
    void oneBlockByHand() {
        TarFlowBlock.Output id = block(Permutation.IDENTITY).forward(Tensor.wrap(X.clone(), 1, 3, 2), null, new Workspace(K)).output();
        assertArrayEquals(new double[] {0.1, 0.2, 0.30326533, 0.64201271, -1.21306132, 1.28402542},
                id.out().toDoubleArray(), 1e-8);
        assertEquals(-0.0833333, id.logdetPerDim().get(0), 1e-7);
        TarFlowBlock.Output flip = block(Permutation.FLIP).forward(Tensor.wrap(X.clone(), 1, 3, 2), null, new Workspace(K)).output();
        assertArrayEquals(new double[] {-0.54587759, -2.31124575, 0.30326533, 0.64201271, -1.0, 3.0},
                flip.out().toDoubleArray(), 1e-8);
    }

    @Test
    void lossLikelihoodAndBitsPerDim() {
        TarFlowBlock.Output o = block(Permutation.IDENTITY).forward(Tensor.wrap(X.clone(), 1, 3, 2), null, new Workspace(K)).output();
        ForwardResult r = new ForwardResult(o.out(), List.of(o.out()), o.logdetPerDim(), new int[] {1, 3, 2});
        TarFlowModel any = new TarFlowModel(new ModelConfig(1, 4, 2, 64, 1, 1, true, 0), DType.F64, K);
        assertEquals(0.38953243, any.loss(r), 1e-8);
        double sq = K.sumSquares(r.z());
        assertEquals(-7.85082581, -0.5 * sq - 3 * Math.log(2 * Math.PI) + r.logdetsTotal().get(0), 1e-8);
        assertEquals(8.88772458, BitsPerDim.perSample(r).get(0), 1e-8);
        Tensor zero = Tensor.zeros(DType.F64, 1, 49, 16); // a 1x28x28 image's worth of zero latents
        ForwardResult origin = new ForwardResult(zero, List.of(zero), Tensor.zeros(DType.F64, 1), new int[] {1, 1, 28, 28});
        assertEquals(8.32574806, BitsPerDim.perSample(origin).get(0), 1e-8);
    }

    @Test
    void guidance() {
        assertEquals(0.35, TarFlowBlock.guide(0.2, 0.1, 1.5), 1e-15);
        SamplingOptions annealed = new SamplingOptions(1.5, "ab", 1.0, true);
        assertArrayEquals(new double[] {0.5, 1.0, 1.5},
                new double[] {annealed.weightAt(0, 4), annealed.weightAt(1, 4), annealed.weightAt(2, 4)}, 1e-15);
        assertEquals(1.5, SamplingOptions.cfg(1.5).weightAt(0, 4));
    }

    @Test
    void denoisingStepSize() {
        assertEquals(196.0, Denoise.stepSize(100 * 784, 0.05, 1.0), 1e-12);
    }
}
