package org.tarflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.tarflow.TestTensors;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.WorkspacePool;

/** {@link TarFlowModel#diagnose}: where an inversion first goes non-finite, and what overflowed. */
class NonFiniteDiagnosisTest {

    /** A float32 model of 1×8×8 images, patch 2 (T = 16, D = 4), whose block {@code blk} has the constant log-scale a. */
    private static TarFlowModel constantScale(int blk, double a) {
        TarFlowModel m = new TarFlowModel(new ModelConfig(1, 8, 2, 64, 2, 1, true, 0), DType.F32, Backends.get("simd")).init(3);
        for (Parameter p : m.parameters()) {
            if (p.name().equals("blocks." + blk + ".proj_out.weight")) {
                p.value().fill(0);
            }
            if (p.name().equals("blocks." + blk + ".proj_out.bias")) {
                for (int j = 0; j < 4; j++) {
                    p.value().set(j, a); // the log-scale half of the bias; the shift half stays 0
                }
            }
        }
        return m;
    }

    private static Tensor noise(long seed, TarFlowModel m) {
        return TestTensors.randn(DType.F32, new SplittableRandom(seed), 1, m.config().numPatches(), m.config().patchDim());
    }

    /**
     * exp(100) overflows float32 for any |x| &gt; 1.3e-5: the first value decoded by the block. Block 1 is
     * inverted first and runs in flipped order, so its first step writes patch T − 2 = 14; block 0's writes patch 1.
     */
    @Test
    void aConstantHugeScaleOverflowsAtItsBlocksFirstStep() {
        NonFiniteStep one = constantScale(1, 100).diagnose(noise(1, constantScale(1, 100)), null, SamplingOptions.PLAIN);
        assertNotNull(one);
        assertEquals(1, one.block());
        assertEquals(1, one.step());
        assertEquals(14, one.patch());
        assertEquals(0, one.value());
        assertEquals(NonFiniteStep.Quantity.SCALE, one.quantity());
        assertEquals(100.0, one.logScale(), 0.0);
        assertTrue(Double.isNaN(one.unguidedLogScale()), "no unconditional branch without guidance");
        assertTrue(Double.isInfinite(one.result()));
        assertTrue(one.describe().startsWith("block 1, patch 14 (decoding step 1 of the block), value 0: exp(a) overflowed"),
                one.describe());
        TarFlowModel zero = constantScale(0, 100);
        NonFiniteStep first = zero.diagnose(noise(1, zero), null, SamplingOptions.PLAIN);
        assertEquals(0, first.block());
        assertEquals(1, first.patch());
        assertNull(constantScale(0, 1).diagnose(noise(1, zero), null, SamplingOptions.PLAIN), "a finite inversion");
    }

    /** The classification of one overflowing value (float32 limit 3.4e38 = e^88.7). */
    @Test
    void whatOverflowedIsTheFirstQuantityThatCannotBeRepresented() {
        DType f = DType.F32;
        assertEquals(NonFiniteStep.Quantity.PREDICTION, TarFlowBlock.overflow(f, 1, Double.NaN, 0, false, 0, 0, Double.NaN));
        assertEquals(NonFiniteStep.Quantity.PREDICTION, TarFlowBlock.overflow(f, 1, 1, 0, true, 1, Double.POSITIVE_INFINITY, 1));
        assertEquals(NonFiniteStep.Quantity.SCALE, TarFlowBlock.overflow(f, 2, 89, 0, false, 0, 0, 89));
        assertEquals(NonFiniteStep.Quantity.SCALE, TarFlowBlock.overflow(f, 2, 89, 0, true, 88, 0, 90));
        // a_c = 80 fits, the guided a = 80 + 10·(80 − 79) = 90 does not
        assertEquals(NonFiniteStep.Quantity.GUIDED_SCALE, TarFlowBlock.overflow(f, 1, 80, 0, true, 79, 0, 90));
        // exp(88) = 1.65e38 fits, adding a guided shift of 3e38 does not
        assertEquals(NonFiniteStep.Quantity.GUIDED_SHIFT, TarFlowBlock.overflow(f, 1, 88, 0, true, 88, 0, 88));
        // float64 has room for exp(90)
        assertEquals(NonFiniteStep.Quantity.GUIDED_SHIFT, TarFlowBlock.overflow(DType.F64, 1, 80, 0, true, 79, 0, 90));
    }

    /**
     * Over random float32 models sampled with strong guidance: a sample is diagnosed iff it is not finite, and
     * the report is where it happened: the blocks inverted before the reported one leave the sample finite, and
     * the reported block's output is finite before the reported step and value and not at them.
     */
    @Property(tries = 30)
    void theReportIsWhereTheSampleFirstWentNonFinite(@ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        TarFlowModel m = new TarFlowModel(new ModelConfig(1, 6, 2, 64, 1 + rng.nextInt(3), 1, true, 3), DType.F32,
                Backends.get("simd")).init(seed);
        TestTensors.perturb(m.parameters(), 0.05 + 0.1 * rng.nextDouble(), rng); // from mostly finite to mostly not
        boolean starflow = rng.nextBoolean();
        SamplingOptions opts = new SamplingOptions(5 + 45 * rng.nextDouble(), "ab", 1.0, rng.nextBoolean(),
                starflow ? GuidanceRule.STARFLOW : GuidanceRule.REFERENCE);
        int t = m.config().numPatches();
        int d = m.config().patchDim();
        for (int s = 0; s < 4; s++) {
            Tensor z = noise(rng.nextLong(), m);
            int[] y = {rng.nextInt(3)};
            Tensor x = m.reverseSequence(z, y, opts).x();
            NonFiniteStep r = m.diagnose(z, y, opts);
            boolean finite = allFinite(x, 0, x.size());
            assertEquals(finite, r == null, "diagnosed iff not finite: " + r);
            if (r == null) {
                continue;
            }
            Tensor in = z.copy(); // prior variance is 1 for affine models
            for (int i = m.blocks().size() - 1; i > r.block(); i--) {
                in = m.blocks().get(i).reverse(in, y, opts, null, new WorkspacePool(Backends.get("simd")));
                assertTrue(allFinite(in, 0, in.size()), "block " + i + " before the reported one");
            }
            TarFlowBlock blk = m.blocks().get(r.block());
            Tensor out = blk.permutation().apply(blk.reverse(in, y, opts, null, new WorkspacePool(Backends.get("simd"))), 1,
                    new org.tarflow.tensor.Workspace(Backends.get("simd")));
            int at = r.step() * d + r.value();
            assertTrue(allFinite(out, 0, at), "finite before step " + r.step() + " value " + r.value());
            assertTrue(!Double.isFinite(out.get(at)), "not finite at the report: " + r.describe());
            assertEquals(r.patch(), blk.permutation() == Permutation.FLIP ? t - 1 - r.step() : r.step());
        }
    }

    private static boolean allFinite(Tensor x, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!Double.isFinite(x.get(i))) {
                return false;
            }
        }
        return true;
    }
}
