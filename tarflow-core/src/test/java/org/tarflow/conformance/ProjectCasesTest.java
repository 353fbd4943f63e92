package org.tarflow.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tarflow.flow.ModelConfig;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Backends;

/**
 * The project's own golden cases in {@code reference-data/tarflow}: the fast kernels reproduce them
 * (float64 to 1e-10, float32 to 1e-4), they cover the shapes and modes docs/CONFORMANCE.md promises, and
 * {@code generate-cases} regenerates them from their seed. (They were also checked against the original
 * PyTorch code with tools/torch_check_cases.py; see reference-data/tarflow/README.md.)
 */
class ProjectCasesTest {
    private static final Path DIR = Path.of("reference-data/tarflow");
    private static final long SEED = 2024;

    @TempDir
    Path tmp;

    static Stream<Path> cases() throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            List<Path> found = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
            assertFalse(found.isEmpty(), "no cases in " + DIR);
            return found.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void fastKernelsReproduceTheCase(Path manifest) throws IOException {
        ReferenceCase c = ReferenceCase.read(manifest);
        assertFalse(c.storesPostStepParameters(), "generated cases store the parameters before the AdamW steps");
        for (DType dtype : new DType[] {DType.F64, DType.F32}) {
            Map<String, Tensor> ours = CaseRunner.run(c, CaseRunner.model(c, dtype, Backends.get("simd")));
            Comparison.Report r = Comparison.compare(c.tensors(), ours, dtype == DType.F64 ? 1e-10 : 1e-4);
            assertTrue(r.pass(), c.name() + " " + dtype + ": worst " + r.worst());
            assertTrue(r.rows().stream().anyMatch(row -> row.key().startsWith("out.sample_loglik.")));
        }
    }

    @Test
    void theCasesCoverTheShapesAndModesTheyPromise() {
        List<CaseGenerator.Spec> specs = CaseGenerator.standardCases(SEED);
        Set<Integer> patchSizes = new TreeSet<>();
        for (CaseGenerator.Spec s : specs) {
            patchSizes.add(s.config().patchSize());
        }
        assertEquals(Set.of(1, 2, 3, 4), patchSizes);
        assertTrue(specs.stream().map(CaseGenerator.Spec::config).anyMatch(c -> c.inChannels() == 3), "RGB");
        assertTrue(specs.stream().map(CaseGenerator.Spec::config).anyMatch(c -> c.numBlocks() % 2 == 1), "odd block count");
        assertTrue(specs.stream().map(CaseGenerator.Spec::config).anyMatch(c -> !c.nvp()), "volume-preserving");
        assertTrue(specs.stream().map(CaseGenerator.Spec::config).anyMatch(c -> c.numClasses() == 10), "10 classes");
        assertTrue(specs.stream().map(CaseGenerator.Spec::config).anyMatch(ModelConfig::conditional)
                && specs.stream().map(CaseGenerator.Spec::config).anyMatch(c -> !c.conditional()));
        for (String mode : new String[] {"a", "b", "ab"}) {
            assertTrue(specs.stream().flatMap(s -> s.samplings().stream())
                    .anyMatch(x -> x.options().guidance() > 0 && x.options().guideWhat().equals(mode)), "guide_what " + mode);
        }
        assertTrue(specs.stream().flatMap(s -> s.samplings().stream()).anyMatch(x -> x.options().annealed()));
        assertTrue(specs.stream().flatMap(s -> s.samplings().stream()).anyMatch(x -> x.options().attnTemp() != 1.0));
        assertTrue(specs.stream().flatMap(s -> s.samplings().stream()).anyMatch(x -> !x.useLabels()));
    }

    @Test
    void droppedLabelsAppearInTheForwardPass() throws IOException {
        int dropped = 0;
        for (Path m : cases().toList()) {
            ReferenceCase c = ReferenceCase.read(m);
            if (c.config().conditional()) {
                for (int y : c.labels("in.y")) {
                    dropped += y == -1 ? 1 : 0;
                }
            }
        }
        assertTrue(dropped > 0);
    }

    /**
     * Regenerating from the seed gives the same manifests, bit-identical inputs and parameters, and outputs
     * equal to rounding (1e-12 relative: the JVM's Math.exp/log may differ in the last bit between machines).
     */
    @Test
    void generateCasesReproducesTheShippedCases() throws IOException {
        List<CaseGenerator.Spec> specs = CaseGenerator.standardCases(SEED);
        assertEquals(cases().count(), specs.size(), "every standard case is shipped, and nothing else");
        for (CaseGenerator.Spec s : specs) {
            String source = sourceOf(DIR.resolve(s.name() + ".json"));
            Path fresh = CaseGenerator.write(s, tmp, source);
            assertEquals(Files.readString(DIR.resolve(s.name() + ".json")), Files.readString(fresh), s.name());
            Map<String, StoredTensor> shipped = Safetensors.read(DIR.resolve(s.name() + ".safetensors")).tensors();
            Map<String, StoredTensor> regenerated = Safetensors.read(tmp.resolve(s.name() + ".safetensors")).tensors();
            assertEquals(shipped.keySet(), regenerated.keySet(), s.name());
            for (Map.Entry<String, StoredTensor> e : shipped.entrySet()) {
                StoredTensor a = e.getValue();
                StoredTensor b = regenerated.get(e.getKey());
                assertArrayEquals(a.shape(), b.shape(), e.getKey());
                if (!a.isFloat()) {
                    assertArrayEquals(a.ints(), b.ints(), e.getKey());
                } else if (e.getKey().startsWith("in.") || e.getKey().startsWith("param.")) {
                    assertArrayEquals(a.floats().toDoubleArray(), b.floats().toDoubleArray(), 0.0, e.getKey());
                } else {
                    double err = Comparison.relativeError(a.floats(), b.floats());
                    assertTrue(err <= 1e-12, s.name() + " " + e.getKey() + ": " + err);
                }
            }
        }
    }

    /** The manifest's "source" field, which names the command that wrote it. */
    private static String sourceOf(Path manifest) throws IOException {
        return com.google.gson.JsonParser.parseString(Files.readString(manifest)).getAsJsonObject().get("source")
                .getAsString();
    }
}
