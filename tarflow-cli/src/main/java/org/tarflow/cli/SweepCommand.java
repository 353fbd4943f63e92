package org.tarflow.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tarflow.eval.GuidanceSweep;
import org.tarflow.io.AtomicFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tarflow sweep}: sample quality over guidance weights, annealed or not, with and without denoising. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Sample quality of a trained model over guidance weights (constant and annealed),",
            "with and without the denoising step: judge-classifier accuracy on the samples,",
            "Fréchet distance to the real test images (patch features), NaN redraws, time.",
            "Writes to --out: sweep.md, sweep.csv, sweep-frechet.png, sweep-accuracy.png,",
            "grids/<setting>.png (one class per row)."})
final class SweepCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "Checkpoint or weights file written by 'tarflow train', or a PyTorch .pth.")
    Path model;

    @Option(names = "--out", defaultValue = "sweep", description = "Output directory. Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--data", defaultValue = TrainCommand.DEFAULT_DATA, description = "Image data: IDX files, CIFAR-10 binary batches or an image folder (see 'train --help'),"
            + " resized and center-cropped as in training (see --img-size). Default: ${DEFAULT-VALUE}")
    Path data;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the prior noise and the judge's training order. Default: ${DEFAULT-VALUE}")
    long seed;

    @CommandLine.Mixin
    SweepOptions sweep = new SweepOptions();

    @CommandLine.Mixin
    ModelFileOptions modelFile = new ModelFileOptions();

    @CommandLine.Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws IOException {
        runtime.apply();
        List<GuidanceSweep.Setting> settings = sweep.settings();
        Files.createDirectories(out);
        EvaluationSetup setup = EvaluationSetup.load(model, modelFile, org.tarflow.tensor.DType.F32, runtime.kernels(),
                data, true, System.out);
        sweep.refuseGuidanceFor(setup.model.config());
        Sweep.Outcome r = Sweep.run(setup, settings, sweep, seed, out);
        String md = "# Guidance and denoising sweep\n\n" + Sweep.describe(setup, sweep, r) + "\n"
                + SweepOutput.markdownTable(r.rows(), "") + "\n![Fréchet distance](" + SweepOutput.FD_PLOT + ")\n"
                + (Double.isNaN(r.realAccuracy()) ? "" : "\n![judge accuracy](" + SweepOutput.ACCURACY_PLOT + ")\n");
        byte[] bytes = md.getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out.resolve("sweep.md"), o -> o.write(bytes));
        System.out.print(SweepOutput.markdownTable(r.rows(), out + "/"));
        GuidanceSweep.Row best = SweepOutput.best(r.rows());
        System.out.printf(Locale.ROOT, "lowest Fréchet distance %.3f at guidance %s (%s%s); wrote %s%n", best.frechet(),
                GuidanceSweep.trim(best.setting().weight()), SweepOutput.schedule(best.setting()),
                best.denoised() ? ", denoised" : "", out.resolve("sweep.md"));
        return 0;
    }
}
