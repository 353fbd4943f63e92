package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tarflow.cli.Cli.assertOneLineError;
import static org.tarflow.cli.Cli.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.cli.Cli.Run;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.io.WeightsFile;
import org.tarflow.tensor.Tensor;

/** {@code conformance}, {@code generate-cases} and {@code convert} from the command line. */
class ConformanceCliTest {
    private static final Path TORCH_CASE = Path.of("reference-data/torch/uncond_nvp_c1_p2.json");
    private static final Path TORCH_PTH = Path.of("reference-data/torch/uncond_nvp_c1_p2.pth");
    private static final Path OTHER_PTH = Path.of("reference-data/torch/cond_nvp_c1_p4.pth");

    @TempDir
    Path dir;

    private static String lastLine(Run r) {
        List<String> lines = r.out().lines().toList();
        return lines.getLast();
    }

    @Test
    void aMatchingCasePassesWithExitCodeZero() {
        Run r = run("conformance", TORCH_CASE.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(lastLine(r).startsWith("conformance: PASS (worst "), r.out());
        assertTrue(r.out().contains("out.sample.cfg_attn_temp"), "one row per tensor: " + r.out());
        Run f32 = run("conformance", TORCH_CASE.toString(), "--weights", TORCH_PTH.toString(), "--dtype", "float32");
        assertEquals(0, f32.code(), f32.out() + f32.err());
        assertTrue(f32.out().contains("tolerance 1e-04") && f32.out().contains("steps were undone"), f32.out());
    }

    @Test
    void theScalarTwinsPassTooWithBackendScalar() {
        Run r = run("conformance", TORCH_CASE.toString(), "--backend", "scalar");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("float64, scalar kernels") && lastLine(r).startsWith("conformance: PASS"), r.out());
        assertTrue(r.err().contains("backend: scalar: requested by name"), r.err());
    }

    @Test
    void aWrongOutputFailsNamingTheTensor() throws IOException {
        Path manifest = dir.resolve("case.json");
        Files.copy(TORCH_CASE, manifest);
        Safetensors.Contents c = Safetensors.read(Path.of("reference-data/torch/uncond_nvp_c1_p2.safetensors"));
        Map<String, StoredTensor> tensors = new LinkedHashMap<>(c.tensors());
        Tensor bpd = tensors.get("out.bpd").floats().copy();
        bpd.set(1, bpd.get(1) * (1 + 1e-6)); // far beyond 1e-10, far within 1e-4
        tensors.put("out.bpd", StoredTensor.of(bpd));
        Safetensors.write(dir.resolve("case.safetensors"), tensors, c.metadata());

        Run r = run("conformance", manifest.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(lastLine(r).startsWith("conformance: FAIL (1 of 126 tensors; worst out.bpd "), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("out.bpd ") && l.endsWith("FAIL")), r.out());
        Run loose = run("conformance", manifest.toString(), "--tolerance", "1e-4");
        assertEquals(0, loose.code(), loose.out());
    }

    @Test
    void weightsOfAnotherModelAreAOneLineError() {
        assertOneLineError(run("conformance", TORCH_CASE.toString(), "--weights", OTHER_PTH.toString()),
                "state_dict does not fit the model");
        assertOneLineError(run("conformance", dir.resolve("none.json").toString()), "no such file");
        Cli.assertUsageError(run("conformance", TORCH_CASE.toString(), "--dtype", "float16"),
                "Invalid value for option '--dtype': expected one of [float32, float64] but was 'float16'");
    }

    @Test
    void generateCasesWritesCasesThatPassAndRefusesToOverwrite() {
        Run g = run("generate-cases", "--out", dir.toString(), "--seed", "7");
        assertEquals(0, g.code(), g.err());
        Path one = dir.resolve("uncond_vp_c1_p1.json");
        Run c = run("conformance", one.toString());
        assertEquals(0, c.code(), c.out());
        assertOneLineError(run("generate-cases", "--out", dir.toString()), "pass --overwrite");
    }

    @Test
    void convertWritesSafetensorsInEachDtypeThatSampleReads() throws IOException {
        Map<String, Tensor> original = WeightsFile.stateDict(TORCH_PTH, WeightsFile.read(TORCH_PTH));
        for (String dtype : new String[] {"F64", "F32", "F16", "BF16"}) {
            Path out = dir.resolve("w-" + dtype + ".safetensors");
            Run r = run("convert", TORCH_PTH.toString(), out.toString(), "--dtype", dtype);
            assertEquals(0, r.code(), r.err());
            Safetensors.Contents back = Safetensors.read(out);
            assertTrue(back.metadata().containsKey("model_config"));
            assertEquals(original.keySet(), back.tensors().keySet());
            for (Map.Entry<String, Tensor> e : original.entrySet()) {
                StoredTensor t = back.tensors().get(e.getKey());
                assertEquals(dtype, t.fileDType());
                for (int i = 0; i < t.floats().size(); i++) {
                    double v = e.getValue().get(i);
                    double expected = switch (dtype) {
                        case "F64" -> v;
                        case "F32" -> (float) v;
                        case "F16" -> Float.float16ToFloat(Float.floatToFloat16((float) v));
                        default -> bfloat16((float) v);
                    };
                    assertEquals(expected, t.floats().get(i), 0.0, dtype + " " + e.getKey() + "[" + i + "]");
                }
            }
            Run s = run("sample", out.toString(), "--out", dir.resolve(dtype + ".png").toString(), "--num", "2");
            assertEquals(0, s.code(), s.err());
        }
        Run direct = run("sample", TORCH_PTH.toString(), "--out", dir.resolve("pth.png").toString(), "--num", "2");
        assertEquals(0, direct.code(), direct.err());
        assertTrue(direct.err().contains("inferred") && direct.err().contains("patch size 2"), direct.err());
        assertOneLineError(run("sample", TORCH_PTH.toString(), "--patch-size", "4"), "does not fit");
        assertOneLineError(run("convert", TORCH_PTH.toString(), dir.resolve("w-F16.safetensors").toString()),
                "pass --overwrite");
    }

    /**
     * Round to nearest-even onto bfloat16 by an independent route: the float whose low 16 bits are zero
     * and which is nearest, ties to the even upper half.
     */
    private static double bfloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        float down = Float.intBitsToFloat(bits & 0xFFFF0000);
        float up = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
        double dDown = Math.abs((double) f - down);
        double dUp = Math.abs((double) up - f);
        if (dDown != dUp) {
            return dDown < dUp ? down : up;
        }
        return ((bits >>> 16) & 1) == 0 ? down : up;
    }
}
