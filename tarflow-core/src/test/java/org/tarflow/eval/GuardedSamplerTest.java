package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tarflow.data.Seeds;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

class GuardedSamplerTest {
    private static final int T = 4;
    private static final int D = 4;

    /** A stand-in flow: image = noise·0.5, except NaN everywhere when the first noise value exceeds 0.5. */
    private static Tensor fakeFlow(Tensor noise, int[] labels) {
        int b = noise.dim(0);
        Tensor x = Tensor.zeros(noise.dtype(), b, 1, 4, 4);
        for (int i = 0; i < b; i++) {
            boolean bad = noise.get(i * T * D) > 0.5;
            for (int j = 0; j < T * D; j++) {
                x.set(i * 16 + j, bad ? Double.NaN : 0.5 * noise.get(i * T * D + j));
            }
        }
        return x;
    }

    @Test
    void nonFiniteSamplesAreRedrawnAndCounted() {
        long seed = 9;
        int n = 40;
        GuardedSampler s = new GuardedSampler(GuardedSamplerTest::fakeFlow, null, DType.F64, T, D, seed);
        GuardedSampler.Draw d = s.draw(null, n, 0);
        // the expected count, from the noise streams directly: attempts until the first value is <= 0.5
        int expected = 0;
        for (int i = 0; i < n; i++) {
            for (int a = 0; Seeds.stream(seed, Seeds.EVAL_SAMPLES, (long) i * GuardedSampler.MAX_ATTEMPTS + a).nextGaussian() > 0.5; a++) {
                expected++;
            }
        }
        assertTrue(expected > 0, "the test needs some bad draws");
        assertEquals(expected, d.redrawn());
        for (int i = 0; i < d.raw().size(); i++) {
            assertTrue(Double.isFinite(d.raw().get(i)));
        }
    }

    @Test
    void aSampleDoesNotDependOnItsBatch() {
        GuardedSampler s = new GuardedSampler(GuardedSamplerTest::fakeFlow, (x, y) -> x, DType.F64, T, D, 3);
        Tensor all = s.draw(new int[] {1, 2, 3, 4}, 4, 0).denoised();
        Tensor tail = s.draw(new int[] {3, 4}, 2, 2).denoised();
        for (int j = 0; j < 32; j++) {
            assertEquals(all.get(32 + j), tail.get(j));
        }
    }

    @Test
    void clippedToTheDataRange() {
        GuardedSampler s = new GuardedSampler((noise, y) -> {
            Tensor x = Tensor.zeros(noise.dtype(), noise.dim(0), 1, 4, 4);
            x.fill(5);
            return x;
        }, null, DType.F32, T, D, 0);
        assertEquals(1.0, s.draw(null, 2, 0).raw().get(7));
    }

    @Test
    void aFlowThatOnlyGivesNanFailsClearly() {
        GuardedSampler s = new GuardedSampler((noise, y) -> {
            Tensor x = Tensor.zeros(noise.dtype(), noise.dim(0), 1, 4, 4);
            x.fill(Double.NaN);
            return x;
        }, null, DType.F64, T, D, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> s.draw(null, 3, 0));
        assertTrue(e.getMessage().contains("3 samples still had NaN"), e.getMessage());
    }
}
