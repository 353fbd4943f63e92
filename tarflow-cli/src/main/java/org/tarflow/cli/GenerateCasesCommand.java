package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.tarflow.conformance.CaseGenerator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tarflow generate-cases --out DIR}: writes this project's golden cases (float64, plain-Java
 * kernels) reproducibly from a seed; reference-data/tarflow holds the output of the default seed.
 */
@Command(name = "generate-cases", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write this project's golden cases (manifest + safetensors, float64) over several shapes, "
                + "reproducibly from a seed; see docs/CONFORMANCE.md.")
final class GenerateCasesCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "Directory to write the cases into.")
    Path out;

    @Option(names = "--seed", defaultValue = "2024", description = "Seed of every case. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--overwrite", description = "Replace cases that exist in --out.")
    boolean overwrite;

    @Override
    public Integer call() throws IOException {
        Files.createDirectories(out);
        var specs = CaseGenerator.standardCases(seed);
        for (CaseGenerator.Spec s : specs) {
            Path manifest = out.resolve(s.name() + ".json");
            if (!overwrite && (Files.exists(manifest) || Files.exists(out.resolve(s.name() + ".safetensors")))) {
                throw new IllegalArgumentException(manifest + " exists; pass --overwrite to replace the cases in " + out);
            }
        }
        // the provenance text of the manifests in reference-data/tarflow, word for word ("ScalarKernels" is the
        // class behind Backends.get("scalar")), so that regenerating them gives byte-identical files
        String source = "tarflow-java " + Main.VERSION + " (org.tarflow.conformance.CaseGenerator, ScalarKernels, float64), "
                + "'tarflow generate-cases --seed " + seed + "'";
        for (CaseGenerator.Spec s : specs) {
            Path written = CaseGenerator.write(s, out, source);
            System.out.println("wrote " + written + " (" + TrainCommand.describe(s.config()) + ", batch " + s.batch() + ")");
        }
        return 0;
    }
}
