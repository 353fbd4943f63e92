package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.ModelFiles;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;

/** The launcher's heap for the commands that load a model file. */
class LaunchHeapTest {
    private static final long MIB = 1L << 20;
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    /** The expected options for a heap of {@code allowanceMb} plus 110% of {@code weightBytes}, counted here. */
    private static String heap(long allowanceMb, long weightBytes) {
        long bytes = allowanceMb * MIB + weightBytes + weightBytes / 10;
        long mb = (bytes + MIB - 1) / MIB;
        return "-Xms" + mb + "m -Xmx" + mb + "m";
    }

    @Test
    void theHeapIsTheAllowancePlusTheParametersInTheModelsDtype() throws IOException {
        ModelConfig cfg = new ModelConfig(1, 8, 4, 64, 2, 1, true, 3);
        TarFlowModel m = new TarFlowModel(cfg, DType.F32, Backends.get("scalar")).init(1);
        Path f = dir.resolve("m.safetensors");
        ModelFiles.save(m, f, null);
        long elements = m.stateDict().values().stream().mapToLong(t -> t.size()).sum();
        assertEquals(4 * elements, LaunchHeap.weightBytes(List.of("sample", f.toString(), "--num", "4")));
        assertEquals(8 * elements, LaunchHeap.weightBytes(List.of("sample", f.toString(), "--dtype", "float64")));
        assertEquals(heap(768 + 2 * 128, 4 * elements), LaunchHeap.options(List.of("sample", f.toString(), "--num", "4"), 2, 64 * GIB));
        assertEquals(heap(768 + 2 * 128, 8 * elements),
                LaunchHeap.options(List.of("sample", f.toString(), "--dtype", "float64"), 2, 64 * GIB));
        assertEquals(heap(768 + 4 * 128, 8 * elements),
                LaunchHeap.options(List.of("sample", "--dtype=float64", f.toString()), 4, 64 * GIB));
        assertEquals(heap(2048, 4 * elements), LaunchHeap.options(List.of("evaluate", f.toString()), 2, 64 * GIB),
                "evaluate keeps its 2 GB allowance");
        // a file stored in half precision is widened when read: its parameters cost as much as an F32 file's
        Path half = dir.resolve("half.safetensors");
        ModelFiles.save(m, half, null, "BF16", List.of(), null);
        assertEquals(heap(1024, 4 * elements), LaunchHeap.options(List.of("sample", half.toString()), 2, 64 * GIB));
    }

    @Test
    void aCheckpointsOptimiserStateDoesNotCountAndThePhysicalMemoryCapsTheHeap() throws IOException {
        ModelConfig cfg = new ModelConfig(1, 8, 4, 64, 2, 1, true, 0);
        TarFlowModel m = new TarFlowModel(cfg, DType.F32, Backends.get("scalar")).init(1);
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(ModelFiles.tensors(m));
        long elements = m.stateDict().values().stream().mapToLong(t -> t.size()).sum();
        m.stateDict().forEach((key, t) -> tensors.put(ModelFiles.OPTIMIZER_PREFIX + "exp_avg." + key, StoredTensor.of(t)));
        Path ckpt = dir.resolve("checkpoint.safetensors");
        Safetensors.write(ckpt, tensors, Map.of());
        assertEquals(4 * elements, LaunchHeap.weightBytes(List.of("sample", ckpt.toString())));
        assertEquals(heap(1024, 4 * elements), LaunchHeap.options(List.of("sample", ckpt.toString()), 2, 0));

        Path pth = Path.of("reference-data/torch/uncond_nvp_c1_p2.pth");
        long weights = LaunchHeapTest.weights(pth);
        assertEquals(heap(1024, weights), LaunchHeap.options(List.of("convert", pth.toString(), "out.safetensors"), 2, 0));
        assertEquals("-Xms1024m -Xmx1024m", LaunchHeap.options(List.of("sample", pth.toString()), 2, GIB),
                "never below the allowance, even when the machine is smaller");
        assertEquals("-Xms1024m -Xmx1024m", LaunchHeap.options(List.of("sample", "--num", "4"), 2, 64 * GIB),
                "no model file: the allowance alone");
    }

    @Test
    void anUnreadableModelFileLeavesTheJvmDefaultForTheCommandToReport() throws IOException {
        Path bad = Files.writeString(dir.resolve("bad.safetensors"), "not a safetensors file");
        assertEquals("", LaunchHeap.options(List.of("sample", bad.toString()), 2, 64 * GIB));
        assertEquals("", LaunchHeap.options(List.of(), 2, 64 * GIB));
    }

    /** The float32 bytes of the reference fixture's state_dict, counted from the model it loads as. */
    private static long weights(Path pth) throws IOException {
        TarFlowModel m = ModelFiles.load(pth, DType.F32, Backends.get("scalar"));
        return 4 * m.stateDict().values().stream().mapToLong(t -> t.size()).sum();
    }
}
