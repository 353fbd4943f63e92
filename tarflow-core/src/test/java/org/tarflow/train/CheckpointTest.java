package org.tarflow.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.ModelFiles;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.io.TensorFileException;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.Kernels;

/** {@link Checkpoint#load}: what it restores, and the one clear error for each way a file can fall short. */
class CheckpointTest {
    private static final Kernels K = Backends.get("simd");

    @TempDir
    Path dir;

    private static Checkpoint.State state() {
        TarFlowModel m = new TarFlowModel(new ModelConfig(1, 8, 4, 64, 2, 1, true, 3), DType.F32, K).init(3);
        AdamW opt = AdamW.reference(m.kernels(), m.parameters());
        opt.expAvg().values().forEach(t -> t.set(0, 0.25));
        opt.expAvgSq().values().forEach(t -> t.set(0, 0.5));
        opt.setStepCount(5);
        TrainConfig tc = new TrainConfig(2, 16, 3e-3, 1, NoiseAugmentation.gaussian(0.05), 0.1, 0, 11, DType.F32);
        return new Checkpoint.State(m, opt, tc, 7, "some/data", 96);
    }

    /** Rewrites the checkpoint {@code from} as {@code name} with tensors and metadata changed by {@code edit}. */
    private Path doctored(Path from, String name, java.util.function.BiConsumer<Map<String, StoredTensor>,
            Map<String, String>> edit) throws IOException {
        Safetensors.Contents c = Safetensors.read(from);
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(c.tensors());
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        edit.accept(tensors, meta);
        Path f = dir.resolve(name);
        Safetensors.write(f, tensors, meta);
        return f;
    }

    private static String message(Path f) {
        return assertThrows(TensorFileException.class, () -> Checkpoint.load(f, K)).getMessage();
    }

    @Test
    void restoresTheModelTheOptimiserAndTheRun() throws IOException {
        Checkpoint.State s = state();
        Path f = dir.resolve("checkpoint.safetensors");
        Checkpoint.save(f, s);
        Checkpoint.State back = Checkpoint.load(f, K);
        assertEquals(s.config(), back.config());
        assertEquals(7, back.step());
        assertEquals("some/data", back.dataDir());
        assertEquals(96, back.trainSetSize());
        assertEquals(5, back.optimizer().stepCount());
        s.model().stateDict().forEach((k, v) ->
                assertArrayEquals(v.toDoubleArray(), back.model().stateDict().get(k).toDoubleArray(), 0.0, k));
        s.optimizer().expAvg().forEach((k, v) ->
                assertArrayEquals(v.toDoubleArray(), back.optimizer().expAvg().get(k).toDoubleArray(), 0.0, k));
        s.optimizer().expAvgSq().forEach((k, v) ->
                assertArrayEquals(v.toDoubleArray(), back.optimizer().expAvgSq().get(k).toDoubleArray(), 0.0, k));
    }

    @Test
    void eachShortfallGivesOneClearError() throws IOException {
        Checkpoint.State s = state();
        Path ckpt = dir.resolve("checkpoint.safetensors");
        Checkpoint.save(ckpt, s);

        Path weights = dir.resolve("model.safetensors");
        ModelFiles.save(s.model(), weights, "gaussian(0.05)");
        assertEquals(weights + ": is not a training checkpoint (no train_config/step metadata); weights files can be"
                + " sampled and evaluated but not resumed", message(weights));

        Path junk = Files.writeString(dir.resolve("junk.safetensors"), "not a checkpoint at all");
        assertEquals(junk + ": not a safetensors file: its header length 7521891404167278446 is impossible for a file"
                + " of 23 bytes (limit 104857600)", message(junk));

        Path badConfig = doctored(ckpt, "bad-config.safetensors", (t, m) -> m.put("train_config", "{\"epochs\":2}"));
        assertEquals(badConfig + ": bad checkpoint metadata: malformed training config {\"epochs\":2}",
                message(badConfig));

        Path badStep = doctored(ckpt, "bad-step.safetensors", (t, m) -> m.put("optimizer_step", "8"));
        assertEquals(badStep + ": bad checkpoint metadata: step 7, optimizer step 8, training set size 96",
                message(badStep));

        String key = s.model().stateDict().keySet().stream().filter(k -> k.endsWith(".weight")).findFirst().orElseThrow();
        Path nan = doctored(ckpt, "nan.safetensors", (t, m) -> {
            Tensor v = t.get(key).floats().copy();
            v.set(0, Double.NaN);
            t.put(key, StoredTensor.of(v));
        });
        assertEquals(nan + ": tensor '" + key + "' holds a non-finite value (NaN) at index 0", message(nan));

        Path noMoments = doctored(ckpt, "no-moments.safetensors", (t, m) -> t.remove("optimizer.exp_avg_sq." + key));
        assertEquals(noMoments + ": optimizer state exp_avg_sq." + key + " is missing or mis-shaped", message(noMoments));
    }
}
