package org.tarflow.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tarflow.TestTensors;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.Kernels;

class ModelTest {
    private static final Kernels K = Backends.get("simd");

    static void perturb(TarFlowModel m, double std, long seed) {
        TestTensors.perturb(m.parameters(), std, new SplittableRandom(seed));
    }

    @Test
    void patchifyFollowsUnfoldLayout() {
        SplittableRandom rng = new SplittableRandom(1);
        int n = 2, c = 3, s = 6, p = 3;
        Tensor img = TestTensors.randn(DType.F64, rng, n, c, s, s);
        Tensor seq = Patchify.patchify(img, p);
        assertArrayEquals(new int[] {n, 4, c * p * p}, seq.shape());
        for (int ni = 0; ni < n; ni++) {
            for (int ty = 0; ty < 2; ty++) {
                for (int tx = 0; tx < 2; tx++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int dy = 0; dy < p; dy++) {
                            for (int dx = 0; dx < p; dx++) {
                                assertEquals(img.at(ni, ci, ty * p + dy, tx * p + dx),
                                        seq.at(ni, ty * 2 + tx, ci * p * p + dy * p + dx));
                            }
                        }
                    }
                }
            }
        }
        assertArrayEquals(img.toDoubleArray(), Patchify.unpatchify(seq, p, c, s).toDoubleArray());
    }

    @Test
    void labelMinusOneIsTheMeanClassEmbedding() {
        ModelConfig c = new ModelConfig(1, 4, 2, 64, 2, 1, true, 3);
        TarFlowModel m = new TarFlowModel(c, DType.F64, K).init(7);
        perturb(m, 0.05, 8); // the zero-initialised proj_out would hide the class embedding
        Tensor x = TestTensors.randn(DType.F64, new SplittableRandom(3), 2, c.numPatches(), c.patchDim());
        Tensor zNull = m.forward(x, null).z().copy();
        Tensor zDropped = m.forward(x, new int[] {-1, -1}).z();
        assertArrayEquals(zNull.toDoubleArray(), zDropped.toDoubleArray(), 1e-15);
        Tensor zLabelled = m.forward(x, new int[] {0, 1}).z();
        assertTrue(TestTensors.relError(zNull, zLabelled) > 1e-6, "labels must change the output");
    }

    /** The float32 path computes the same function as the float64 one, to float precision. */
    @Test
    void float32AgreesWithFloat64() {
        ModelConfig cfg = new ModelConfig(1, 8, 2, 128, 2, 2, true, 4);
        TarFlowModel m64 = new TarFlowModel(cfg, DType.F64, K).init(11);
        perturb(m64, 0.03, 4);
        SplittableRandom rng = new SplittableRandom(5);
        TarFlowModel m32 = new TarFlowModel(cfg, DType.F32, K);
        m32.loadStateDict(m64.stateDict());
        Tensor x = TestTensors.uniform(DType.F64, rng, -1, 1, 4, 1, 8, 8);
        int[] y = {0, 3, -1, 2};
        ForwardResult r64 = m64.forward(x, y);
        ForwardResult r32 = m32.forward(x.to(DType.F32), y);
        assertTrue(TestTensors.relError(r64.z(), r32.z()) < 1e-5, "z");
        assertEquals(m64.loss(r64), m32.loss(r32), 1e-5);
        Workspace ws64 = new Workspace(K);
        Workspace ws32 = new Workspace(K);
        Tensor g64 = m64.backward(m64.forwardForTraining(x, y, ws64), m64.newGradients(), ws64);
        Tensor g32 = m32.backward(m32.forwardForTraining(x.to(DType.F32), y, ws32), m32.newGradients(), ws32);
        assertTrue(TestTensors.relError(g64, g32) < 1e-4, "grad x " + TestTensors.relError(g64, g32));
        Tensor noise = TestTensors.randn(DType.F64, rng, 4, cfg.numPatches(), cfg.patchDim());
        Tensor s64 = m64.reverse(noise, y, SamplingOptions.cfg(1.5)).x();
        Tensor s32 = m32.reverse(noise.to(DType.F32), y, SamplingOptions.cfg(1.5)).x();
        assertTrue(TestTensors.relError(s64, s32) < 1e-4, "samples " + TestTensors.relError(s64, s32));
    }

    /**
     * Sampling splits its batch across threads and into groups, and decodes guided branches together; none
     * of this may change a bit: 1 vs 2 threads, and a sample drawn alone vs inside its batch, plain and
     * guided (float32).
     */
    @Test
    void samplingDoesNotDependOnThreadsOrOnTheRestOfTheBatch() throws Exception {
        ModelConfig cfg = new ModelConfig(1, 8, 2, 128, 2, 2, true, 4);
        TarFlowModel m = new TarFlowModel(cfg, DType.F32, K).init(11);
        perturb(m, 0.03, 4);
        // 25 samples: more than one decoding group per thread (TarFlowBlock.DECODE_ROWS), plain and guided
        Tensor noise = TestTensors.randn(DType.F32, new SplittableRandom(6), 25, cfg.numPatches(), cfg.patchDim());
        int[] y = new int[25];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 5 - 1;
        }
        for (SamplingOptions opts : new SamplingOptions[] {SamplingOptions.PLAIN, new SamplingOptions(1.5, "ab", 0.8, true)}) {
            java.util.List<TarFlowModel.ReverseResult> byThreads = new java.util.ArrayList<>();
            TestTensors.forEachThreadCount(new int[] {1, 2}, threads -> byThreads.add(m.reverse(noise, y, opts)));
            TarFlowModel.ReverseResult one = byThreads.get(0);
            TarFlowModel.ReverseResult two = byThreads.get(1);
            assertArrayEquals(one.x().toDoubleArray(), two.x().toDoubleArray(), 0.0, "threads, " + opts);
            assertArrayEquals(one.logLikelihood().toDoubleArray(), two.logLikelihood().toDoubleArray(), 0.0);
            Tensor row = Tensor.zeros(DType.F32, 1, cfg.numPatches(), cfg.patchDim());
            int per = cfg.numPatches() * cfg.patchDim();
            System.arraycopy(noise.f32(), 23 * per, row.f32(), 0, per);
            TarFlowModel.ReverseResult alone = m.reverse(row, new int[] {y[23]}, opts);
            double[] all = one.x().toDoubleArray();
            double[] rowOfAll = java.util.Arrays.copyOfRange(all, 23 * per, 24 * per);
            assertArrayEquals(rowOfAll, alone.x().toDoubleArray(), 0.0, "alone, " + opts);
        }
    }

    /**
     * forward runs groups of rows on each thread, in workspaces it keeps; it must give the bits of the
     * whole-batch training forward: z, every block's output and the log-dets, on 1 and 2 threads, with a
     * batch of several groups, on the first call and when the workspaces are reused.
     */
    @Test
    void groupedForwardGivesTheBitsOfTheTrainingForward() throws Exception {
        ModelConfig cfg = new ModelConfig(1, 8, 2, 128, 2, 2, true, 4);
        TarFlowModel m = new TarFlowModel(cfg, DType.F32, K).init(12);
        perturb(m, 0.03, 5);
        int b = 130; // T = 16: groups of 62 images, so 3 groups on one thread and 2 + 2 on two
        Tensor x = TestTensors.uniform(DType.F32, new SplittableRandom(8), -1, 1, b, 1, 8, 8);
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            y[i] = i % 5 - 1;
        }
        ForwardResult whole = m.forwardForTraining(x, y, new Workspace(K)).result();
        TestTensors.forEachThreadCount(new int[] {1, 2, 1}, threads -> {
            ForwardResult grouped = m.forward(x, y);
            assertArrayEquals(whole.z().toDoubleArray(), grouped.z().toDoubleArray(), 0.0, "z, threads " + threads);
            assertArrayEquals(whole.logdets().toDoubleArray(), grouped.logdets().toDoubleArray(), 0.0, "logdets");
            for (int i = 0; i < whole.blockOutputs().size(); i++) {
                assertArrayEquals(whole.blockOutputs().get(i).toDoubleArray(),
                        grouped.blockOutputs().get(i).toDoubleArray(), 0.0, "block " + i);
            }
        });
    }

    /**
     * The denoising direction runs forward and backward in groups of rows on each thread; each sample's
     * input gradient must have the bits of the whole-batch training pass (float32, 3 groups, 1 and 2 threads).
     */
    @Test
    void groupedInputGradientGivesTheBitsOfTheWholeBatchBackward() throws Exception {
        ModelConfig cfg = new ModelConfig(1, 8, 2, 128, 2, 2, true, 4);
        TarFlowModel m = new TarFlowModel(cfg, DType.F32, K).init(13);
        perturb(m, 0.03, 6);
        int b = 70; // T = 16: groups of 31 images
        Tensor x = TestTensors.uniform(DType.F32, new SplittableRandom(9), -1, 1, b, 1, 8, 8);
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            y[i] = i % 5 - 1;
        }
        Workspace ws = new Workspace(K);
        double[] whole = m.backward(m.forwardForTraining(x, y, ws), m.newGradients(), ws).toDoubleArray();
        TestTensors.forEachThreadCount(new int[] {1, 2}, threads ->
                assertArrayEquals(whole, m.inputGradient(x, y).toDoubleArray(), 0.0, "threads " + threads));
    }

    @Test
    void volumePreservingPriorIsLearnedAndScalesTheNoise() {
        ModelConfig cfg = new ModelConfig(1, 4, 2, 64, 2, 1, false, 0);
        TarFlowModel m = new TarFlowModel(cfg, DType.F64, K).init(3);
        Tensor z = TestTensors.randn(DType.F64, new SplittableRandom(9), 5, 4, 4);
        Tensor before = m.priorVar().copy();
        m.updatePrior(z);
        for (int j = 0; j < 16; j++) {
            double meanSq = 0;
            for (int b = 0; b < 5; b++) {
                meanSq += z.get(b * 16 + j) * z.get(b * 16 + j) / 5;
            }
            assertEquals(before.get(j) + 0.1 * (meanSq - before.get(j)), m.priorVar().get(j), 1e-15);
        }
        // sampling starts from noise * sqrt(var): var = 4 is the same as doubling the noise
        Tensor noise = TestTensors.randn(DType.F64, new SplittableRandom(2), 2, 4, 4);
        m.priorVar().fill(1.0);
        Tensor doubled = noise.copy();
        for (int i = 0; i < doubled.size(); i++) {
            doubled.set(i, 2 * doubled.get(i));
        }
        Tensor a = m.reverse(doubled, null, SamplingOptions.PLAIN).x();
        m.priorVar().fill(4.0);
        Tensor b = m.reverse(noise, null, SamplingOptions.PLAIN).x();
        assertArrayEquals(a.toDoubleArray(), b.toDoubleArray(), 1e-14);
    }

    @Test
    void strictLoadingListsEveryProblem() {
        ModelConfig cfg = new ModelConfig(1, 4, 2, 64, 2, 1, true, 0);
        TarFlowModel m = new TarFlowModel(cfg, DType.F64, K);
        Map<String, Tensor> sd = new HashMap<>(m.stateDict());
        sd.remove("blocks.1.proj_in.bias");
        sd.put("blocks.0.extra", Tensor.zeros(DType.F64, 1));
        sd.put("blocks.0.proj_in.weight", Tensor.zeros(DType.F64, 64, 5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(sd));
        assertTrue(e.getMessage().contains("missing keys: [blocks.1.proj_in.bias]"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected keys: [blocks.0.extra]"), e.getMessage());
        assertTrue(e.getMessage().contains("blocks.0.proj_in.weight (file [64, 5], model [64, 4])"), e.getMessage());
    }

    @Test
    void loadingTensorByTensorReadsEachKeyOnceAndGivesTheModelTheSourceValues() throws Exception {
        ModelConfig cfg = new ModelConfig(1, 4, 2, 64, 2, 1, true, 3);
        TarFlowModel src = new TarFlowModel(cfg, DType.F64, K).init(5);
        perturb(src, 0.1, 6);
        Map<String, int[]> shapes = new HashMap<>();
        src.stateDict().forEach((key, t) -> shapes.put(key, t.shape()));
        Map<String, Integer> reads = new HashMap<>();
        TarFlowModel m = new TarFlowModel(cfg, DType.F32, K);
        m.loadStateDict(shapes, key -> {
            reads.merge(key, 1, Integer::sum);
            return src.stateDict().get(key);
        });
        assertEquals(src.stateDict().keySet(), reads.keySet());
        assertTrue(reads.values().stream().allMatch(n -> n == 1), reads.toString());
        TarFlowModel eager = new TarFlowModel(cfg, DType.F32, K);
        eager.loadStateDict(src.stateDict());
        eager.stateDict().forEach((key, t) -> assertArrayEquals(t.toDoubleArray(), m.stateDict().get(key).toDoubleArray(), 0, key));
    }

    @Test
    void loadingTensorByTensorChecksShapesBeforeReadingAndMasksAndShapesAsItReads() {
        ModelConfig cfg = new ModelConfig(1, 4, 2, 64, 2, 1, true, 0);
        TarFlowModel src = new TarFlowModel(cfg, DType.F64, K).init(5);
        Map<String, int[]> shapes = new HashMap<>();
        src.stateDict().forEach((key, t) -> shapes.put(key, t.shape()));
        Map<String, int[]> missing = new HashMap<>(shapes);
        missing.remove("blocks.1.proj_in.bias");
        TarFlowModel m = new TarFlowModel(cfg, DType.F64, K);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.loadStateDict(missing, key -> fail("read " + key + " before the keys were checked")));
        assertTrue(e.getMessage().contains("missing keys: [blocks.1.proj_in.bias]"), e.getMessage());

        Tensor notCausal = src.stateDict().get("blocks.1.attn_mask").copy();
        notCausal.set(1, 1.0); // row 0 may not see position 1
        e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(shapes,
                key -> key.equals("blocks.1.attn_mask") ? notCausal : src.stateDict().get(key)));
        assertTrue(e.getMessage().contains("blocks.1.attn_mask is not the causal"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(shapes,
                key -> key.equals("var") ? Tensor.zeros(DType.F64, 3) : src.stateDict().get(key)));
        assertTrue(e.getMessage().contains("var read as"), e.getMessage());
    }

    @Test
    void badArgumentsAreRejectedWithAMessageThatSaysWhatToChange() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ModelConfig(1, 28, 4, 100, 4, 4, true, 10))
                .getMessage().contains("multiple of 64"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ModelConfig(1, 28, 5, 128, 4, 4, true, 10))
                .getMessage().contains("not divisible by patch_size"));
        TarFlowModel m = new TarFlowModel(new ModelConfig(1, 4, 2, 64, 1, 1, true, 3), DType.F64, K);
        Tensor x = Tensor.zeros(DType.F64, 1, 1, 4, 4);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.forward(x, new int[] {3}))
                .getMessage().contains("label 3 is outside [-1, 3)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(DType.F64, 1, 1, 5, 5), null))
                .getMessage().contains("expected images (B, 1, 4, 4)"));
    }
}
