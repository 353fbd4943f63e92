package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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

    /** Noise whose first value is the attempt and whose second is the sample's stream index. */
    private static Tensor countingNoise(long[] samples, int attempt) {
        Tensor z = Tensor.zeros(DType.F64, samples.length, T, D);
        for (int r = 0; r < samples.length; r++) {
            z.set(r * T * D, attempt);
            z.set(r * T * D + 1, samples[r]);
        }
        return z;
    }

    /**
     * With its own noise source and a bound, each failure is recorded as (sample, attempt), a redraw keeps the
     * sample's label, and after the last attempt the non-finite draws are kept and listed when asked.
     */
    @Test
    void failuresAreRecordedAndKeptWhenAsked() {
        // odd samples fail on attempts 0 and 1 (value 0 is +inf) and pass on attempt 2; value 1 is the attempt
        int[][] seenLabels = new int[3][];
        GuardedSampler.Flow flow = (noise, y) -> {
            int attempt = (int) noise.get(0);
            seenLabels[attempt] = y;
            Tensor x = Tensor.zeros(noise.dtype(), noise.dim(0), 1, 4, 4);
            for (int r = 0; r < noise.dim(0); r++) {
                boolean odd = noise.get(r * T * D + 1) % 2 == 1;
                x.set(r * 16, odd && attempt < 2 ? Double.POSITIVE_INFINITY : 7.0);
                x.set(r * 16 + 1, attempt);
            }
            return x;
        };
        GuardedSampler three = new GuardedSampler(flow, null, GuardedSamplerTest::countingNoise, 3, false, false);
        GuardedSampler.Draw d = three.draw(new int[] {5, 6, 7, 8}, 4, 10);
        assertEquals(List.of(new GuardedSampler.Failure(11, 0), new GuardedSampler.Failure(13, 0),
                new GuardedSampler.Failure(11, 1), new GuardedSampler.Failure(13, 1)), d.failures());
        assertEquals(4, d.redrawn());
        assertEquals(0, d.nonFinite().length);
        assertArrayEquals(new int[] {6, 8}, seenLabels[1], "a redraw keeps the sample's label");
        assertEquals(7.0, d.raw().get(16), "not clipped when the sampler does not clip");
        assertEquals(0.0, d.raw().get(2 * 16 + 1), "sample 12 is its first draw");
        assertEquals(2.0, d.raw().get(3 * 16 + 1), "sample 13 is its third draw");

        GuardedSampler two = new GuardedSampler(flow, null, GuardedSamplerTest::countingNoise, 2, true, true);
        GuardedSampler.Draw kept = two.draw(new int[] {5, 6, 7, 8}, 4, 10);
        assertArrayEquals(new int[] {1, 3}, kept.nonFinite());
        assertEquals(4, kept.failures().size());
        assertEquals(2, kept.redrawn());
        assertEquals(1.0, kept.raw().get(16), "the kept draw, clipped: +inf becomes 1");

        GuardedSampler.NonFiniteSamplesException e = assertThrows(GuardedSampler.NonFiniteSamplesException.class,
                () -> new GuardedSampler(flow, null, GuardedSamplerTest::countingNoise, 2, false, true)
                        .draw(null, 4, 10));
        assertEquals(4, e.failures().size());
        assertTrue(e.getMessage().contains("2 samples still had NaN or infinite values after 2 draws each"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new GuardedSampler(flow, null, GuardedSamplerTest::countingNoise, 0, true, true));
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
