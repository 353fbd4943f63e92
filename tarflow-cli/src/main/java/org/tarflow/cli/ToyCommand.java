package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tarflow.data.Seeds;
import org.tarflow.data.ToyDensity;
import org.tarflow.io.ModelFiles;
import org.tarflow.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tarflow toy --target gaussians|checkerboard|moons}: fits a 2-D toy density in well under a minute
 * and plots target density, learned density and samples side by side.
 */
@Command(name = "toy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fit TarFlow to a 2-D toy density (points as T = 2 tokens of D = 1) and plot the target, the learned "
                + "density and samples (toy.png); report the exact test NLL next to the target's entropy."})
final class ToyCommand implements Callable<Integer> {
    private static final double LO = -3.5;
    private static final double HI = 3.5;
    private static final int CELLS = 120;

    @Option(names = "--target", completionCandidates = Choices.ToyTarget.class, defaultValue = "gaussians", description = "gaussians, checkerboard or moons. Default: ${DEFAULT-VALUE}")
    String target;

    @Option(names = "--epochs", defaultValue = "6", description = "Passes over 32768 target points. Default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--blocks", defaultValue = "6", description = "Flow blocks. Default: ${DEFAULT-VALUE}")
    int blocks;

    @Option(names = "--batch-size", defaultValue = "256", description = "Points per step. Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--lr", defaultValue = "3e-3", description = "Peak learning rate. Default: ${DEFAULT-VALUE}")
    double lr;

    @Option(names = "--out", description = "Output directory. Default: runs/toy-<target>")
    Path out;

    @Option(names = "--overwrite", description = "Replace a toy run already in the output directory.")
    boolean overwrite;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of data, initialisation and samples. Default: ${DEFAULT-VALUE}")
    long seed;

    @CommandLine.Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws IOException {
        runtime.apply();
        ToyDensity t = ToyDensity.parse(target);
        Ranges.between("--epochs", epochs, 1, 1000);
        Ranges.between("--blocks", blocks, 1, 64);
        Ranges.between("--batch-size", batchSize, 1, 32768);
        Path dir = out != null ? out : Path.of("runs", "toy-" + t.name().toLowerCase(Locale.ROOT));
        if (Files.exists(dir.resolve(Trainer.CHECKPOINT)) && !overwrite) {
            throw new IllegalArgumentException(dir + " already holds a toy run: choose another --out or pass --overwrite");
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(Trainer.LOG)); // a toy run always starts afresh
        TrainingProgress progress = new TrainingProgress();
        ToyTraining.Result r = ToyTraining.run(t, new ToyTraining.Settings(blocks, epochs, batchSize, lr), seed, dir, runtime.kernels(),
                progress, 4000);
        progress.finish();
        Path png = dir.resolve("toy.png");
        new DensityPlot(LO, HI)
                .heatMap("target: " + t.name().toLowerCase(Locale.ROOT) + (t.hasDensity() ? "" : " (histogram)"),
                        ToyTraining.targetGrid(t, LO, HI, CELLS, Seeds.stream(seed, Seeds.EVAL, 1)))
                .heatMap("learned density p(x, y)", ToyTraining.densityGrid(r.model(), LO, HI, CELLS))
                .scatter("4000 samples", r.samples())
                .write(png);
        ModelFiles.save(r.model(), dir.resolve("model.safetensors"), "none");
        System.out.printf(Locale.ROOT, "trained in %.1f s; test NLL %.4f ± %.4f nats per point%s%n", r.seconds(), r.testNll(),
                r.testNllStdErr(), Double.isNaN(r.entropy()) ? " (the moons have no closed-form entropy)"
                        : String.format(Locale.ROOT, " (target entropy %.4f: the gap is KL(target || model))", r.entropy()));
        System.out.printf(Locale.ROOT, "samples' mean log-likelihood under the model: %.4f nats per point%n", r.sampleLogLik());
        System.out.println("wrote " + png + ", " + dir.resolve("model.safetensors"));
        return 0;
    }
}
