package org.tarflow.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tarflow.conformance.CaseRunner;
import org.tarflow.conformance.Comparison;
import org.tarflow.conformance.ReferenceCase;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.TensorFileException;
import org.tarflow.io.WeightsFile;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tarflow conformance CASE.json}: recomputes every output of a golden case and prints the relative
 * error of each, then {@code conformance: PASS} or {@code conformance: FAIL}; exit code 0 only on PASS.
 * The case format is documented in docs/CONFORMANCE.md.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Recompute every output of a golden case (manifest + safetensors, see docs/CONFORMANCE.md) and "
                + "compare: relative error ||out - ref|| / ||ref|| per tensor, then 'conformance: PASS' or "
                + "'conformance: FAIL'. Exit code 0 only on PASS, 1 on FAIL or error."})
final class ConformanceCommand implements Callable<Integer> {
    static final double TOLERANCE_F64 = 1e-10;
    static final double TOLERANCE_F32 = 1e-4;

    @Parameters(index = "0", paramLabel = "CASE.json", description = "The case manifest; CASE.safetensors lies beside it.")
    Path manifest;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "Take the parameters from this .pth or .safetensors state_dict instead of the case file.")
    Path weights;

    @Option(names = "--dtype", completionCandidates = Choices.ComputeType.class, defaultValue = "float64", description = "float64 or float32. Default: ${DEFAULT-VALUE}")
    String dtype;

    @Option(names = "--tolerance", description = "Largest relative error that passes. Default: 1e-10 (float64), 1e-4 (float32).")
    Double tolerance;

    @CommandLine.Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws IOException {
        runtime.apply();
        DType dt = RuntimeOptions.dtype(dtype);
        double tol = tolerance != null ? tolerance : dt == DType.F64 ? TOLERANCE_F64 : TOLERANCE_F32;
        if (!(tol >= 0)) {
            throw new IllegalArgumentException("--tolerance must be >= 0, got " + tolerance);
        }
        Kernels k = runtime.kernels();
        PrintStream out = System.out;
        ReferenceCase c = ReferenceCase.read(manifest);
        Map<String, Tensor> given = null;
        if (weights != null) {
            given = WeightsFile.stateDict(weights, WeightsFile.read(weights));
        }
        ReferenceCase.Start start = c.start(given);
        TarFlowModel model;
        try {
            model = CaseRunner.model(c, start, dt, k);
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(weights != null ? weights : manifest, e.getMessage());
        }
        out.printf(Locale.ROOT, "case %s: %s, batch %d; %s, %s kernels, tolerance %.0e%n", c.name(), c.config(), c.batch(),
                dtype, k.name(), tol);
        out.println("parameters: " + (weights != null ? weights.toString() : "the case file")
                + (start.steppedBack() ? " (they hold the values after the case's " + c.lrPerStep().length
                + " AdamW steps; the steps were undone, see reference-data/torch/README.md)" : ""));
        long t0 = System.nanoTime();
        Map<String, Tensor> ours = CaseRunner.run(c, model);
        Comparison.Report report = Comparison.compare(c.tensors(), ours, tol);
        out.printf(Locale.ROOT, "%-56s %-18s %10s%n", "tensor", "shape", "rel.error");
        for (Comparison.Row r : report.rows()) {
            out.printf(Locale.ROOT, "%-56s %-18s %10s  %s%n", r.key(), Arrays.toString(r.shape()).replace(" ", ""),
                    Double.isNaN(r.error()) ? "-" : String.format(Locale.ROOT, "%.2e", r.error()),
                    r.pass() ? "ok" : "FAIL" + (r.problem() != null ? " (" + r.problem() + ")" : ""));
        }
        Comparison.Row worst = report.worst();
        String worstText = worst.key() + " " + (Double.isNaN(worst.error()) ? worst.problem()
                : String.format(Locale.ROOT, "%.2e", worst.error()));
        out.printf(Locale.ROOT, "%d tensors compared in %.1f s%n", report.rows().size(), (System.nanoTime() - t0) / 1e9);
        if (report.pass()) {
            out.println("conformance: PASS (worst " + worstText + ")");
            return 0;
        }
        out.println("conformance: FAIL (" + report.failures() + " of " + report.rows().size() + " tensors; worst "
                + worstText + ")");
        return 1;
    }
}
