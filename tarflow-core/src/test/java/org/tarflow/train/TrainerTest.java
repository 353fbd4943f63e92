package org.tarflow.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.data.IdxFiles;
import org.tarflow.data.ImageDataset;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.ModelFiles;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.Kernels;

class TrainerTest {
    @TempDir
    Path dir;

    private static final Kernels K = Backends.get("simd");

    private ImageDataset toyData() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        IdxFiles.writeToyDataset(data, 8, 96, 3, 1);
        return ImageDataset.readMnistSplit(data, "train", 3);
    }

    private static Checkpoint.State fresh(boolean nvp, NoiseAugmentation noise, int epochs) {
        ModelConfig mc = new ModelConfig(1, 8, 4, 64, 2, 1, nvp, 3);
        TrainConfig tc = new TrainConfig(epochs, 16, 3e-3, 1, noise, 0.2, 0, 42, DType.F32);
        TarFlowModel m = new TarFlowModel(mc, DType.F32, K).init(42);
        return new Checkpoint.State(m, AdamW.reference(m.kernels(), m.parameters()), tc, 0, null, 0);
    }

    @Test
    void lossDecreasesAndEveryEpochIsLoggedAndCheckpointed() throws IOException {
        ImageDataset data = toyData();
        Path out = Files.createDirectories(dir.resolve("run"));
        List<Trainer.EpochSummary> epochs = new ArrayList<>();
        Checkpoint.State s = fresh(true, NoiseAugmentation.uniform(), 4);
        new Trainer(s, data, out, 0, Trainer.NonFinitePolicy.STOP).run(new Trainer.Listener() {
            @Override
            public void step(Trainer.StepInfo info) {
            }

            @Override
            public void epoch(Trainer.EpochSummary summary) {
                epochs.add(summary);
            }
        }, (e, m) -> Map.of("hook_epoch", (double) e));
        assertEquals(4, epochs.size());
        assertTrue(epochs.get(3).loss() < epochs.get(0).loss() - 0.1,
                "loss should fall: " + epochs.get(0).loss() + " -> " + epochs.get(3).loss());
        List<String> log = Files.readAllLines(out.resolve(Trainer.LOG));
        assertEquals(4, log.size());
        assertTrue(log.get(3).contains("\"epoch\":4") && log.get(3).contains("\"hook_epoch\":4.0"), log.get(3));
        Checkpoint.State back = Checkpoint.load(out.resolve(Trainer.CHECKPOINT), K);
        assertEquals(4 * 6, back.step());
        assertParametersEqual(s.model(), back.model());
    }

    /** A run interrupted mid-epoch and resumed from its checkpoint ends with exactly the same weights. */
    @Test
    void resumedRunEndsWithTheSameWeightsAsAnUninterruptedOne() throws IOException {
        for (boolean nvp : new boolean[] {true, false}) {
            ImageDataset data = toyData();
            NoiseAugmentation noise = NoiseAugmentation.gaussian(0.05);
            Path a = Files.createDirectories(dir.resolve("a" + nvp));
            Checkpoint.State full = fresh(nvp, noise, 3);
            new Trainer(full, data, a, 0, Trainer.NonFinitePolicy.STOP).run(Trainer.Listener.SILENT, null);

            Path b = Files.createDirectories(dir.resolve("b" + nvp));
            Checkpoint.State part = fresh(nvp, noise, 3);
            RuntimeException crash = assertThrows(RuntimeException.class,
                    () -> new Trainer(part, data, b, 4, Trainer.NonFinitePolicy.STOP).run(
                    new Trainer.Listener() {
                        @Override
                        public void step(Trainer.StepInfo info) {
                            if (info.step() == 10) {
                                throw new RuntimeException("simulated crash at step 10");
                            }
                        }

                        @Override
                        public void epoch(Trainer.EpochSummary summary) {
                        }
                    }, null));
            assertTrue(crash.getMessage().contains("simulated"));
            Checkpoint.State resumed = Checkpoint.load(b.resolve(Trainer.CHECKPOINT), K);
            assertEquals(8, resumed.step(), "last checkpoint before the crash");
            new Trainer(resumed, data, b, 4, Trainer.NonFinitePolicy.STOP).run(Trainer.Listener.SILENT, null);
            assertParametersEqual(full.model(), resumed.model());
            assertArrayEquals(full.model().priorVar().toDoubleArray(), resumed.model().priorVar().toDoubleArray(), 0.0);
        }
    }

    @Test
    void weightsFileRoundTripsWithItsConfiguration() throws IOException {
        Checkpoint.State s = fresh(true, NoiseAugmentation.uniform(), 2);
        Path f = dir.resolve("model.safetensors");
        ModelFiles.save(s.model(), f, "uniform");
        TarFlowModel back = ModelFiles.load(f, DType.F32, K);
        assertEquals(s.model().config(), back.config());
        assertParametersEqual(s.model(), back);
        assertThrows(org.tarflow.io.TensorFileException.class, () -> Checkpoint.load(f, K),
                "a weights file is not a resumable checkpoint");
        assertEquals("uniform", ModelFiles.loadWithMetadata(f, DType.F32, K, org.tarflow.flow.ConfigInference.Hints.NONE).metadata().get(ModelFiles.TRAINING_NOISE));
        byte[] first = Files.readAllBytes(f);
        ModelFiles.save(s.model(), f, "uniform");
        assertArrayEquals(first, Files.readAllBytes(f), "the same model gives the same bytes");
    }

    @Test
    void nonFiniteWeightsAreRefusedOnLoad() throws IOException {
        Checkpoint.State s = fresh(true, NoiseAugmentation.uniform(), 2);
        s.model().parameters().get(3).value().set(5, Double.NaN);
        Path f = dir.resolve("nan.safetensors");
        ModelFiles.save(s.model(), f, null);
        org.tarflow.io.TensorFileException e = assertThrows(org.tarflow.io.TensorFileException.class,
                () -> ModelFiles.load(f, DType.F32, K));
        assertTrue(e.getMessage().contains("non-finite value (NaN) at index 5"), e.getMessage());
    }

    /** Sets blocks.1.proj_out.bias: -1e6 makes exp(-a) overflow float32 (affine), NaN poisons any model. */
    private static void poison(TarFlowModel m, double value) {
        m.parameters().stream().filter(p -> p.name().equals("blocks.1.proj_out.bias")).findFirst().orElseThrow()
                .value().fill(value);
    }

    @Test
    void aNonFiniteLossStopsNamingTheStepAndKeepsTheLastCheckpoint() throws IOException {
        ImageDataset data = toyData();
        Path out = Files.createDirectories(dir.resolve("run"));
        Checkpoint.State s = fresh(true, NoiseAugmentation.uniform(), 2);
        new Trainer(s, data, out, 0, Trainer.NonFinitePolicy.STOP).run(Trainer.Listener.SILENT, null); // 2 epochs of 6 steps
        Path ckpt = out.resolve(Trainer.CHECKPOINT);
        Checkpoint.State back = Checkpoint.load(ckpt, K);
        TrainConfig longer = new TrainConfig(3, 16, 3e-3, 1, NoiseAugmentation.uniform(), 0.2, 0, 42, DType.F32);
        Checkpoint.State resumed = new Checkpoint.State(back.model(), back.optimizer(), longer, back.step(), null, 0);
        poison(resumed.model(), -1e6);
        byte[] before = Files.readAllBytes(ckpt);
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class,
                () -> new Trainer(resumed, data, out, 0, Trainer.NonFinitePolicy.STOP).run(Trainer.Listener.SILENT, null));
        assertTrue(e.getMessage().startsWith("non-finite loss (Infinity), first in the output of flow block 1")
                && e.getMessage().contains("at step 13 (epoch 3)") && e.getMessage().contains("the last checkpoint is "
                + ckpt), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(ckpt), "the last good checkpoint is untouched");
    }

    /** Volume-preserving with a NaN weight, and affine with an overflowing one (finite, so it can be resumed). */
    @Test
    void skippedStepsLeaveTheParametersAloneAndAreCounted() throws IOException {
        ImageDataset data = toyData();
        for (boolean nvp : new boolean[] {false, true}) {
            Path out = Files.createDirectories(dir.resolve("run" + nvp));
            Checkpoint.State s = fresh(nvp, NoiseAugmentation.uniform(), 1);
            poison(s.model(), nvp ? -1e6 : Double.NaN);
            List<double[]> before = s.model().parameters().stream().map(p -> p.value().toDoubleArray()).toList();
            double[] var = s.model().priorVar().toDoubleArray();
            new Trainer(s, data, out, 0, Trainer.NonFinitePolicy.SKIP).run(Trainer.Listener.SILENT, null);
            for (int i = 0; i < before.size(); i++) {
                assertArrayEquals(before.get(i), s.model().parameters().get(i).value().toDoubleArray(), 0.0);
            }
            assertArrayEquals(var, s.model().priorVar().toDoubleArray(), 0.0, "no prior update on a skipped step");
            String log = Files.readString(out.resolve(Trainer.LOG));
            assertTrue(log.contains("\"steps_averaged\":0") && log.contains("\"skipped_steps\":6.0")
                    && !log.contains("NaN"), log);
            if (nvp) {
                Checkpoint.State back = Checkpoint.load(out.resolve(Trainer.CHECKPOINT), K);
                assertEquals(6, back.step(), "a run with skipped steps can be resumed");
                assertEquals(0, back.optimizer().stepCount(), "the optimiser took no step");
            }
        }
    }

    @Test
    void aNonFiniteGradientIsNamed() {
        TarFlowModel m = fresh(true, NoiseAugmentation.uniform(), 1).model();
        org.tarflow.nn.Gradients g = m.newGradients();
        assertEquals(null, Trainer.firstNonFiniteGradient(g));
        g.of(m.parameters().get(4)).set(7, Double.NaN);
        assertEquals("non-finite gradient of " + m.parameters().get(4).name() + " (NaN at element 7)",
                Trainer.firstNonFiniteGradient(g));
    }

    /** The same seed gives bit-identical weights on 1 and on 2 worker threads. */
    @Test
    void trainingIsBitIdenticalAcrossThreadCounts() throws Exception {
        ImageDataset data = toyData();
        List<TarFlowModel> models = new ArrayList<>();
        org.tarflow.TestTensors.forEachThreadCount(new int[] {1, 2}, threads -> {
            Checkpoint.State s = fresh(true, NoiseAugmentation.gaussian(0.05), 2);
            new Trainer(s, data, Files.createDirectories(dir.resolve("t" + threads)), 0, Trainer.NonFinitePolicy.STOP)
                    .run(Trainer.Listener.SILENT, null);
            models.add(s.model());
        });
        assertParametersEqual(models.get(0), models.get(1));
    }

    private static void assertParametersEqual(TarFlowModel expected, TarFlowModel actual) {
        List<Parameter> e = expected.parameters();
        List<Parameter> a = actual.parameters();
        assertEquals(e.size(), a.size());
        for (int i = 0; i < e.size(); i++) {
            assertArrayEquals(e.get(i).value().toDoubleArray(), a.get(i).value().toDoubleArray(), 0.0, e.get(i).name());
        }
    }
}
