package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tarflow.data.ImageDataset;
import org.tarflow.eval.BayesClassifier;
import org.tarflow.eval.Dequantization;
import org.tarflow.eval.GuidanceSweep;
import org.tarflow.eval.Likelihood;
import org.tarflow.tensor.DType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tarflow evaluate}: test-set bits/dim of a trained model, or with {@code --report} the whole evaluation suite. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Test-set bits/dim (uniform dequantisation, as the reference's evaluate_bpd.py, or --dequant mid).",
            "With --report DIR, the whole evaluation: the flow as a Bayes classifier, a Tribuo",
            "judge classifier on real images and on samples, Fréchet distances on patch",
            "features, a nearest-training-neighbour check, the guidance and denoising sweep,",
            "and plots of the training log, in DIR/report.md with PNGs (docs/EVALUATION.md)."})
final class EvaluateCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "Checkpoint or weights file written by 'tarflow train', or a PyTorch .pth.")
    Path model;

    @Option(names = "--data", defaultValue = TrainCommand.DEFAULT_DATA, description = "Image data: IDX files, CIFAR-10 binary batches or an image folder (see 'train --help'),"
            + " resized and center-cropped as in training (see --img-size). Default: ${DEFAULT-VALUE}")
    Path data;

    @Option(names = "--split", completionCandidates = Choices.Split.class, defaultValue = "t10k", description = "t10k, the test split (IDX t10k files, CIFAR-10's test_batch, an image folder's val/ or test/, and"
            + " named so in the output), or train. Default: ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--limit", description = "Score only the first N images.")
    Integer limit;

    @Option(names = "--draws", defaultValue = "1",
            description = "Dequantisation draws per image; its bits/dim is their mean. Default: ${DEFAULT-VALUE}")
    int draws;

    @Option(names = "--dequant", completionCandidates = Choices.Dequant.class, defaultValue = "uniform",
            description = "uniform (U[0,1) noise on the 8-bit values, as evaluate_bpd.py) or mid (the bin centre, no "
                    + "randomness: ports agree to rounding); also for the Bayes classifier. Default: ${DEFAULT-VALUE}")
    String dequant;

    @Option(names = "--batch-size", defaultValue = "250", description = "Images per forward pass. Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--no-labels", description = "Score a conditional model without labels (mean class embedding), "
            + "as evaluate_bpd.py does; default: given the true label.")
    boolean noLabels;

    @Option(names = "--dtype", completionCandidates = Choices.ComputeType.class, defaultValue = "float32", description = "float32 or float64. Default: ${DEFAULT-VALUE}")
    String dtype;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the dequantisation noise (and, with --report, "
            + "of the samples and the judge). Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--report", description = "Run the whole evaluation and write DIR/report.md with its figures.")
    Path report;

    @Option(names = "--bayes-limit", defaultValue = "2000",
            description = "With --report: test images the Bayes classifier labels (K forward passes each; at most --limit). "
                    + "Default: ${DEFAULT-VALUE}")
    int bayesLimit;

    @Option(names = "--train-log", description = "With --report: the training log to plot. Default: train-log.jsonl beside the model file.")
    Path trainLog;

    @CommandLine.Mixin
    SweepOptions sweep = new SweepOptions();

    @CommandLine.Mixin
    ModelFileOptions modelFile = new ModelFileOptions();

    @CommandLine.Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        runtime.apply();
        if (limit != null) {
            Ranges.atLeast("--limit", limit, 1);
        }
        Ranges.atLeast("--draws", draws, 1);
        Ranges.atLeast("--bayes-limit", bayesLimit, 1);
        List<GuidanceSweep.Setting> settings = null;
        if (report != null) {
            settings = sweep.settings(); // checks the sweep's options before any work
            Files.createDirectories(report);
        } else {
            for (String o : new String[] {"--bayes-limit", "--train-log", "--weights", "--schedule", "--guidance-rule", "--samples", "--denoise",
                "--classifier-images", "--classifier-epochs"}) {
                if (spec.commandLine().getParseResult().hasMatchedOption(o)) {
                    System.err.println("warning: " + o + " has no effect without --report");
                }
            }
        }
        Dequantization dq = Dequantization.parse(dequant);
        if (dq == Dequantization.MID && draws != 1) {
            throw Usage.error(spec, "--dequant mid has no randomness: --draws must be 1, got " + draws);
        }
        DType dt = RuntimeOptions.dtype(dtype);
        EvaluationSetup setup = EvaluationSetup.load(model, modelFile, dt, runtime.kernels(), data,
                report != null || split.equals("train"), System.out);
        if (report != null) {
            sweep.refuseGuidanceFor(setup.model.config());
        }
        ImageDataset ds = split.equals("train") ? setup.train : setup.test;
        if (limit != null) {
            ds = ds.head(limit);
        }
        int total = ds.size() * draws;
        ProgressBar bar = new ProgressBar(System.err, "bits/dim");
        long t0 = System.nanoTime();
        Likelihood.Result r = Likelihood.bitsPerDim(setup.model, ds, batchSize, !noLabels, dq, seed, draws,
                done -> bar.update(done, total, ""));
        bar.finish();
        double s = (System.nanoTime() - t0) / 1e9;
        String scored = split.equals("train") ? split : setup.testName;
        System.out.printf(Locale.ROOT, "%s bits/dim: %s ± %.4f (%d images%s, %.1f img/s)%n", scored,
                String.format(Locale.ROOT, dq == Dequantization.MID ? "%.10f" : "%.4f", r.mean()), r.stdError(), r.count(),
                dq == Dequantization.MID ? ", bin centres" : draws > 1 ? " x " + draws + " dequantisation draws" : "", total / s);
        if (report == null) {
            return 0;
        }
        EvaluationReport.Results results = new EvaluationReport.Results();
        results.likelihood = r;
        results.draws = draws;
        results.likelihoodSeconds = s;
        results.likelihoodSplit = scored;
        if (setup.model.config().conditional()) {
            ImageDataset bayesSet = ds.head(bayesLimit);
            ProgressBar bb = new ProgressBar(System.err, "Bayes classifier");
            long t1 = System.nanoTime();
            results.bayes = BayesClassifier.classify(setup.model, bayesSet, setup.classNames, batchSize, dq, seed,
                    done -> bb.update(done, bayesSet.size(), ""));
            bb.finish();
            results.bayesSeconds = (System.nanoTime() - t1) / 1e9;
            System.out.printf(Locale.ROOT, "Bayes classifier accuracy: %.2f%% (%d %s images, %.0f s)%n",
                    100 * results.bayes.report().accuracy(), bayesSet.size(), scored, results.bayesSeconds);
        }
        results.sweep = Sweep.run(setup, settings, sweep, seed, report);
        Path log = trainLog != null ? trainLog : model.toAbsolutePath().getParent().resolve(org.tarflow.train.Trainer.LOG);
        Path written = new EvaluationReport(setup, sweep, report, results).write(log, model, spec.commandLine().getParseResult()
                .originalArgs());
        System.out.println("wrote " + written);
        return 0;
    }
}
