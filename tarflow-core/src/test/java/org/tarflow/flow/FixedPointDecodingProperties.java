package org.tarflow.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.tarflow.TestTensors;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Jacobi and GS-Jacobi decoding over random small float64 models ({@link FlowProperties#randomModel}):
 * the sequential inverse is the fixed point, so with a tight threshold both give the sequential samples
 * and log-likelihoods, with and without guidance; a row's result does not depend on the rows decoded
 * beside it (per-row convergence); the iteration counts are those the chunking implies.
 */
class FixedPointDecodingProperties {

    /** Random guidance: none, or a weight up to 3 on a, b or both, maybe annealed, maybe a temperature. */
    private static SamplingOptions randomGuidance(SplittableRandom rng) {
        if (rng.nextBoolean()) {
            return SamplingOptions.PLAIN;
        }
        String[] what = {"a", "b", "ab"};
        return new SamplingOptions(rng.nextDouble(0.1, 3), what[rng.nextInt(3)],
                rng.nextBoolean() ? 1.0 : rng.nextDouble(0.5, 2), rng.nextBoolean());
    }

    /** A random model, its latent noise, labels and guidance, and the generator the property draws on from. */
    private record Case(TarFlowModel m, int t, Tensor z, int[] y, SamplingOptions opts, SplittableRandom rng) {
        static Case draw(long seed, int batch) {
            TarFlowModel m = FlowProperties.randomModel(seed);
            SplittableRandom rng = new SplittableRandom(seed + 1);
            Tensor z = noise(m, batch, rng);
            int[] y = FlowProperties.randomLabels(m, batch, rng);
            return new Case(m, m.config().numPatches(), z, y, randomGuidance(rng), rng);
        }
    }

    private static Tensor noise(TarFlowModel m, int batch, SplittableRandom rng) {
        return TestTensors.randn(DType.F64, rng, batch, m.config().numPatches(), m.config().patchDim());
    }

    private static void assertSameSamples(TarFlowModel.ReverseResult want, TarFlowModel.ReverseResult got, String what) {
        double err = TestTensors.relError(want.x(), got.x());
        assertTrue(err <= 1e-10, what + ": samples differ from the sequential ones by " + err);
        double errLogq = TestTensors.relError(want.logLikelihood(), got.logLikelihood());
        assertTrue(errLogq <= 1e-10, what + ": log-likelihoods differ from the sequential ones by " + errLogq);
    }

    /** Chunks of {@code chunk} patches (0: whole block) run to their length: T-1 iterations per row and block. */
    @Property(tries = 40)
    void jacobiToTheLimitIsSequential(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int batch) {
        Case c = Case.draw(seed, batch);
        TarFlowModel m = c.m();
        int t = c.t();
        int chunk = c.rng().nextInt(t + 1);
        Decoding jacobi = Decoding.jacobi(0, chunk, 0);
        TarFlowModel.ReverseResult got = m.reverseSequence(c.z(), c.y(), c.opts(), jacobi);
        TarFlowModel.ReverseResult want = m.reverseSequence(c.z(), c.y(), c.opts());
        assertSameSamples(want, got, m.config() + " " + c.opts() + " chunk " + chunk);
        for (int[] block : got.iterations()) {
            for (int it : block) {
                assertEquals(t - 1, it, "iterations of a block run to the chunks' lengths");
            }
        }
        for (int[] block : want.iterations()) {
            for (int it : block) {
                assertEquals(t - 1, it, "sequential steps per block");
            }
        }
    }

    /** Per-block segment counts and limits, a tight threshold: the sequential samples, at most T-1 iterations. */
    @Property(tries = 40)
    void gsJacobiWithATightThresholdIsSequential(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int batch) {
        Case c = Case.draw(seed, batch);
        TarFlowModel m = c.m();
        int t = c.t();
        int nb = m.config().numBlocks();
        List<Integer> segments = new ArrayList<>();
        List<Integer> limits = new ArrayList<>();
        for (int i = 0; i < nb; i++) {
            segments.add(1 + c.rng().nextInt(t));
            limits.add(c.rng().nextBoolean() ? 0 : t + c.rng().nextInt(3)); // both mean: up to the segment's length
        }
        Decoding gs = Decoding.gsJacobi(1e-28, segments, limits);
        TarFlowModel.ReverseResult got = m.reverseSequence(c.z(), c.y(), c.opts(), gs);
        assertSameSamples(m.reverseSequence(c.z(), c.y(), c.opts()), got, m.config() + " " + c.opts() + " segments " + segments);
        for (int[] block : got.iterations()) {
            for (int it : block) {
                assertTrue(it >= Math.min(1, t - 1) && it <= t - 1, "iterations " + it + " outside 1.." + (t - 1));
            }
        }
    }

    /**
     * With a loose threshold and a low limit the samples are not the sequential ones, but each row converges
     * on its own: a batch gives every row what that row gives alone, bit for bit, and the iterations too.
     */
    @Property(tries = 25)
    void rowsConvergeIndependently(@ForAll long seed, @ForAll @IntRange(min = 2, max = 5) int batch) {
        Case c = Case.draw(seed, batch);
        TarFlowModel m = c.m();
        int t = c.t();
        Decoding loose = Decoding.jacobi(c.rng().nextDouble(1e-6, 1e-2), c.rng().nextInt(t + 1), 1 + c.rng().nextInt(t));
        TarFlowModel.ReverseResult all = m.reverseSequence(c.z(), c.y(), c.opts(), loose);
        for (int r = 0; r < batch; r++) {
            int[] yr = c.y() == null ? null : new int[] {c.y()[r]};
            TarFlowModel.ReverseResult one = m.reverseSequence(c.z().rows(r, r + 1), yr, c.opts(), loose);
            assertArrayEquals(one.x().toDoubleArray(), all.x().rows(r, r + 1).toDoubleArray(), "row " + r);
            for (int i = 0; i < all.iterations().length; i++) {
                assertEquals(one.iterations()[i][0], all.iterations()[i][r], "block " + i + " row " + r);
            }
        }
    }

    @Example
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> Decoding.jacobi(-1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Decoding.jacobi(Double.NaN, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Decoding.jacobi(1e-3, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> Decoding.gsJacobi(1e-3, List.of(0), List.of(0)));
        assertThrows(IllegalArgumentException.class, () -> Decoding.gsJacobi(1e-3, List.of(1), List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new Decoding(Decoding.Method.JACOBI, 1e-3, List.of(1, 2), List.of(0)));
        TarFlowModel m = new TarFlowModel(new ModelConfig(1, 4, 2, 64, 2, 1, true, 0), DType.F64,
                org.tarflow.tensor.Backends.get("simd")).init(1);
        Tensor z = noise(m, 1, new SplittableRandom(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.reverseSequence(z, null, SamplingOptions.PLAIN, Decoding.gsJacobi(0, List.of(1, 1, 1), List.of(0))));
        assertTrue(e.getMessage().contains("3 values for a model of 2 blocks"), e.getMessage());
    }
}
