package org.tarflow.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.flow.ConfigInference;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;

/** Interoperability of model files: the wrappers' key prefixes and the {@code format} metadata. */
class ModelFilesTest {
    private static final Kernels K = Backends.get("scalar");

    @TempDir
    Path dir;

    private static TarFlowModel model() {
        return new TarFlowModel(new ModelConfig(1, 8, 4, 64, 2, 1, true, 3), DType.F64, K).init(5);
    }

    @Test
    void weightsCarryFormatPtNextToTheProjectsOwnKeys() throws IOException {
        Path f = dir.resolve("m.safetensors");
        ModelFiles.save(model(), f, "gaussian(0.05)");
        Map<String, String> meta = Safetensors.read(f).metadata();
        assertEquals("pt", meta.get("format"));
        assertEquals("tarflow-weights/1", meta.get(ModelFiles.TARFLOW_FORMAT));
        assertEquals(List.of("format", ModelFiles.TARFLOW_FORMAT, ModelFiles.MODEL_CONFIG, ModelFiles.TRAINING_NOISE),
                List.copyOf(meta.keySet()));
    }

    /**
     * A state_dict saved from {@code torch.compile(model)} has {@code _orig_mod.} before every key, one from
     * DDP {@code module.}, and a compiled model wrapped in DDP (or the other way round) both; each loads as
     * the plain one, with no configuration stored (so the shapes, found under the stripped keys, must fix it).
     */
    @Test
    void stripsTheCompileAndDdpPrefixesInEitherOrder() throws IOException {
        TarFlowModel m = model();
        Map<String, StoredTensor> plain = ModelFiles.tensors(m);
        for (String prefix : List.of("_orig_mod.", "module.", "module._orig_mod.", "_orig_mod.module.")) {
            Map<String, StoredTensor> wrapped = new LinkedHashMap<>();
            plain.forEach((k, v) -> wrapped.put(prefix + k, v));
            Path f = dir.resolve(prefix + "safetensors");
            Safetensors.write(f, wrapped, Map.of("format", "pt"));
            ModelFiles.Loaded back = ModelFiles.loadWithMetadata(f, DType.F64, K,
                    new ConfigInference.Hints(1, 4, 8));
            assertEquals(m.config(), back.model().config(), prefix);
            m.stateDict().forEach((k, v) -> assertArrayEquals(v.toDoubleArray(),
                    back.model().stateDict().get(k).toDoubleArray(), 0.0, prefix + k));
        }
    }

    @Test
    void keepsAPrefixThatNotEveryKeyHas() throws IOException {
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        ModelFiles.tensors(model()).forEach((k, v) -> tensors.put(k.startsWith("blocks.0.") ? "_orig_mod." + k : k, v));
        Path f = dir.resolve("mixed.safetensors");
        Safetensors.write(f, tensors, ModelFiles.metadata("tarflow-weights/1", model().config()));
        TensorFileException e = assertThrows(TensorFileException.class, () -> ModelFiles.load(f, DType.F64, K));
        assertEquals(true, e.getMessage().contains("_orig_mod.blocks.0."), e.getMessage());
    }

    @Test
    void classNamesRoundTripAndMalformedOnesAreRefused() throws IOException {
        Path f = dir.resolve("named.safetensors");
        ModelFiles.save(model(), f, null, List.of("cat", "dog", "wild \"one\""), null);
        Map<String, String> meta = Safetensors.read(f).metadata();
        assertEquals(List.of("cat", "dog", "wild \"one\""), ModelFiles.classNames(f, meta, 3));
        assertEquals(List.of(), ModelFiles.classNames(f, Map.of(), 3));
        for (String bad : List.of("[\"a\",\"b\"]", "[\"a\",\"b\",3]", "{\"a\":1}", "['a','b','c']", "[\"a\",\"b\",\"c\"] x")) {
            TensorFileException e = assertThrows(TensorFileException.class,
                    () -> ModelFiles.classNames(f, Map.of(ModelFiles.CLASS_NAMES, bad), 3), bad);
            assertEquals(true, e.getMessage().contains("class_names must be a JSON array of 3 strings"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> ModelFiles.save(model(), f, null, List.of("one"), null));
    }

    @Test
    void theDataImageSizeRoundTripsIsAbsentWhenNotGivenAndMustBePositive() throws IOException {
        Path f = dir.resolve("resized.safetensors");
        ModelFiles.save(model(), f, null, List.of(), 48);
        assertEquals(48, ModelFiles.dataImgSize(f, Safetensors.read(f).metadata()));
        ModelFiles.save(model(), f, null);
        assertEquals(null, ModelFiles.dataImgSize(f, Safetensors.read(f).metadata()));
        for (String bad : List.of("0", "-3", "4.5", "")) {
            TensorFileException e = assertThrows(TensorFileException.class,
                    () -> ModelFiles.dataImgSize(f, Map.of(ModelFiles.DATA_IMG_SIZE, bad)), bad);
            assertEquals(true, e.getMessage().contains("data_img_size must be a positive integer"), e.getMessage());
        }
    }

    @Test
    void wrapperPrefixLengthPeelsOnlySharedPrefixes() {
        assertEquals(0, WeightsFile.wrapperPrefixLength(List.of()));
        assertEquals(0, WeightsFile.wrapperPrefixLength(List.of("module.a", "b")));
        assertEquals("module.".length(), WeightsFile.wrapperPrefixLength(List.of("module.a", "module._orig_mod.b")));
        assertEquals("_orig_mod.module.".length(),
                WeightsFile.wrapperPrefixLength(List.of("_orig_mod.module.a", "_orig_mod.module.b")));
    }
}
