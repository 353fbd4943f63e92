package org.tarflow.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.tarflow.eval.BayesClassifier;
import org.tarflow.eval.ClassificationReport;
import org.tarflow.eval.CopyCheck;
import org.tarflow.eval.GuidanceSweep;
import org.tarflow.eval.Indices;
import org.tarflow.eval.Likelihood;
import org.tarflow.eval.NearestNeighbours;
import org.tarflow.io.AtomicFiles;
import org.tarflow.io.ImageGrid;
import org.tarflow.io.TrainLog;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * The report of {@code tarflow evaluate --report DIR}: {@code report.md} (self-contained Markdown that links
 * only files in DIR), {@code metrics.json} (the headline numbers), the training plots, the sweep's files and
 * the nearest-neighbour grid. Every file is written atomically; {@code report.md} is written last, so a
 * directory without it holds an unfinished evaluation.
 */
final class EvaluationReport {
    static final String TRAINING_LOSS_PLOT = "training-loss.png";
    static final String TRAINING_BPD_PLOT = "training-test-bpd.png";
    static final String NEIGHBOURS_GRID = "nearest-neighbours.png";
    private static final int NEIGHBOUR_PAIRS = 10;
    /** The pairs grid is two rows of small images: drawn three times larger so that it can be read. */
    private static final int NEIGHBOURS_SCALE = 3;

    /** What the command computed before the report. */
    static final class Results {
        Likelihood.Result likelihood;
        int draws;
        double likelihoodSeconds;
        String likelihoodSplit;
        BayesClassifier.Result bayes;
        double bayesSeconds;
        Sweep.Outcome sweep;
    }

    private final EvaluationSetup setup;
    private final SweepOptions options;
    private final Path dir;
    private final Results r;

    EvaluationReport(EvaluationSetup setup, SweepOptions options, Path dir, Results results) {
        this.setup = setup;
        this.options = options;
        this.dir = dir;
        this.r = results;
    }

    /** Runs the nearest-neighbour check, draws the plots and writes the report; returns the report's path. */
    Path write(Path trainLog, Path modelFile, List<String> args) throws IOException {
        List<GuidanceSweep.Row> rows = r.sweep.rows();
        GuidanceSweep.Row best = SweepOutput.best(rows);
        GuidanceSweep.Row plain = rows.stream().filter(x -> x.setting().weight() == 0).reduce((a, b) -> b.denoised() ? b : a)
                .orElse(rows.get(0));
        long t0 = System.nanoTime();
        Tensor bestSamples = r.sweep.output().samples(best);
        NearestNeighbours nn = new NearestNeighbours(setup.train, setup.model.kernels());
        ProgressBar bar = new ProgressBar(System.err, "nearest training neighbours");
        bar.update(0, 2, "");
        NearestNeighbours.Result ofSamples = nn.search(bestSamples);
        bar.update(1, 2, "");
        int n = Math.min(bestSamples.dim(0), setup.test.size());
        NearestNeighbours.Result ofTest = nn.search(setup.test.images(Indices.range(0, n), DType.F32));
        bar.update(2, 2, "");
        bar.finish();
        CopyCheck copies = CopyCheck.of(ofSamples, ofTest);
        writeNeighbourGrid(copies, bestSamples);
        double nnSeconds = (System.nanoTime() - t0) / 1e9;

        List<TrainLog.Epoch> epochs = Files.isRegularFile(trainLog) ? TrainLog.read(trainLog) : List.of();
        writeTrainingPlots(epochs);

        StringBuilder md = new StringBuilder();
        md.append("# TarFlow evaluation\n\n");
        md.append(String.format(Locale.ROOT, "Model `%s`: %s, %,d parameters, trained with %s noise; evaluated in %s.%n%n",
                modelFile.getFileName(), TrainCommand.describe(setup.model.config()),
                setup.model.parameters().stream().mapToLong(p -> p.value().size()).sum(),
                setup.loaded.metadata().getOrDefault(org.tarflow.io.ModelFiles.TRAINING_NOISE, "unrecorded"),
                setup.model.dtype() == DType.F32 ? "float32" : "float64"));
        md.append("Command: `tarflow ").append(String.join(" ", args)).append("`\n\n");
        summary(md, best, plain, copies);
        likelihood(md);
        bayes(md);
        judge(md);
        sweepSection(md, best);
        neighbours(md, copies, best);
        training(md, epochs, trainLog);
        timings(md, nnSeconds);
        writeJson(best, plain, copies);
        Path file = dir.resolve("report.md");
        byte[] bytes = md.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
        return file;
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    /** An accuracy over n items with its binomial standard error √(p(1 − p)/n). */
    private static String acc(double p, int n) {
        return Double.isNaN(p) ? "–" : String.format(Locale.ROOT, "%.1f%% ± %.1f%%", 100 * p, 100 * Math.sqrt(p * (1 - p) / n));
    }

    private static String setting(GuidanceSweep.Row row) {
        return String.format(Locale.ROOT, "guidance %s%s, %s", GuidanceSweep.trim(row.setting().weight()),
                row.setting().weight() == 0 ? "" : " " + SweepOutput.schedule(row.setting()),
                row.denoised() ? "denoised" : "not denoised");
    }

    private void summary(StringBuilder md, GuidanceSweep.Row best, GuidanceSweep.Row plain, CopyCheck copies) {
        Likelihood.Result l = r.likelihood;
        md.append("## Summary\n\nAccuracies with their binomial standard error.\n\n| measure | value |\n| --- | ---: |\n");
        md.append(String.format(Locale.ROOT, "| %s bits/dim (uniform dequantisation, %s, %,d images; mean ± standard error) | %.4f ± %.4f |%n",
                r.likelihoodSplit, draws(), l.count(), l.mean(), l.stdError()));
        if (r.bayes != null) {
            md.append(String.format(Locale.ROOT, "| Bayes classifier accuracy (argmax_y log p(x∣y), %,d test images) | %s |%n",
                    r.bayes.predicted().length, acc(r.bayes.report().accuracy(), r.bayes.predicted().length)));
        }
        md.append(String.format(Locale.ROOT, "| judge classifier accuracy on real test images | %s |%n",
                acc(r.sweep.realTest().accuracy(), setup.test.size())));
        md.append(String.format(Locale.ROOT, "| judge accuracy on samples, %s | %s |%n", setting(plain),
                acc(plain.sampleAccuracy(), plain.samples())));
        md.append(String.format(Locale.ROOT, "| judge accuracy on samples, %s (lowest Fréchet distance) | %s |%n", setting(best),
                acc(best.sampleAccuracy(), best.samples())));
        md.append(String.format(Locale.ROOT, "| Fréchet distance, %s | %.3f |%n", setting(plain), plain.frechet()));
        md.append(String.format(Locale.ROOT, "| Fréchet distance, %s (best of the sweep) | %.3f |%n", setting(best), best.frechet()));
        md.append(String.format(Locale.ROOT, "| Fréchet distance of %,d real training images (floor at this sample count) | %.3f |%n",
                best.samples(), r.sweep.frechetFloor()));
        md.append(String.format(Locale.ROOT, "| samples nearer a training image than 99%% of test images are (best setting) | %d of %d (%s; about 1%% expected) |%n",
                copies.closeSamples(), best.samples(), pct(copies.closeFraction())));
        md.append("\n");
    }

    private String draws() {
        return r.draws == 1 ? "one draw per image" : "mean of " + r.draws + " draws per image";
    }

    private void likelihood(StringBuilder md) {
        md.append("## Likelihood\n\n");
        md.append(String.format(Locale.ROOT, """
                Bits per dimension of the %s images with uniform dequantisation (the reference's `evaluate_bpd.py`), \
                %s, %s: **%.4f ± %.4f** (mean ± standard error over %,d images). This bounds the code length of the \
                8-bit images from above; a model trained with Gaussian noise (σ > 0) pays for the noise it learnt \
                (docs/EVALUATION.md).%n%n""", r.likelihoodSplit,
                setup.model.config().conditional() ? "given the true label" : "unconditional",
                draws(), r.likelihood.mean(), r.likelihood.stdError(),
                r.likelihood.count()));
    }

    private void bayes(StringBuilder md) {
        if (r.bayes == null) {
            md.append("## Bayes classifier\n\nThe model is unconditional: no Bayes classifier.\n\n");
            return;
        }
        md.append("## The flow as a Bayes classifier\n\n");
        md.append(String.format(Locale.ROOT, """
                Each test image is labelled with argmax_y log p(x | y) (uniform class prior; the same dequantisation \
                noise for every label), as the reference's MNIST notebook uses the flow. Accuracy **%s** on %,d images; \
                macro-averaged F1 %.3f. Per class (Tribuo's evaluation):%n%n""",
                pct(r.bayes.report().accuracy()), r.bayes.predicted().length, r.bayes.report().macroF1()));
        perClass(md, r.bayes.report());
        md.append("\nConfusion matrix (rows: true class, columns: predicted class):\n\n");
        confusion(md, r.bayes.report());
    }

    private void judge(StringBuilder md) {
        ClassificationReport real = r.sweep.realTest();
        md.append("## The judge classifier on real images\n\n");
        md.append(String.format(Locale.ROOT, """
                Sample quality is judged by a multinomial logistic regression on pixels trained with Tribuo on real \
                training images. On the %,d real test images it scores **%s** (macro F1 %.3f): the yardstick for its \
                accuracy on samples below. Per class:%n%n""", setup.test.size(), pct(real.accuracy()), real.macroF1()));
        perClass(md, real);
        md.append("\n");
    }

    private static void perClass(StringBuilder md, ClassificationReport c) {
        md.append("| class | precision | recall | F1 | support |\n| --- | ---: | ---: | ---: | ---: |\n");
        for (int i = 0; i < c.classNames().size(); i++) {
            md.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %d |%n", c.classNames().get(i), c.precision()[i],
                    c.recall()[i], c.f1()[i], c.support()[i]));
        }
    }

    private static void confusion(StringBuilder md, ClassificationReport c) {
        int k = c.classNames().size();
        md.append("| true \\ predicted |");
        for (int j = 0; j < k; j++) {
            md.append(' ').append(j).append(" |");
        }
        md.append("\n| --- |").append(" ---: |".repeat(k)).append('\n');
        for (int i = 0; i < k; i++) {
            md.append("| ").append(i).append(' ').append(c.classNames().get(i)).append(" |");
            for (int j = 0; j < k; j++) {
                md.append(' ').append(c.confusion()[i][j]).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private void sweepSection(StringBuilder md, GuidanceSweep.Row best) {
        md.append("## Guidance and denoising sweep\n\n");
        md.append(Sweep.describe(setup, options, r.sweep)).append('\n');
        md.append(SweepOutput.markdownTable(r.sweep.rows(), "")).append('\n');
        md.append(String.format(Locale.ROOT, "Lowest Fréchet distance: %s, %.3f.%n%n", setting(best), best.frechet()));
        md.append("![Fréchet distance against the guidance weight](").append(SweepOutput.FD_PLOT).append(")\n\n");
        if (!Double.isNaN(r.sweep.realAccuracy())) {
            md.append("![judge accuracy on samples against the guidance weight](").append(SweepOutput.ACCURACY_PLOT).append(")\n\n");
        }
        md.append("Sample grids (one class per row):\n\n");
        for (GuidanceSweep.Row row : r.sweep.rows()) {
            md.append(String.format(Locale.ROOT, "**%s**%n%n![%s](%s)%n%n", setting(row), SweepOutput.name(row.setting(), row.denoised()),
                    SweepOutput.gridPath(row.setting(), row.denoised())));
        }
    }

    private void neighbours(StringBuilder md, CopyCheck c, GuidanceSweep.Row best) {
        md.append("## Are samples copies of training images?\n\n");
        md.append(String.format(Locale.ROOT, """
                Each of the %d samples of the best setting (%s) and %d real test images is matched with its nearest \
                training image among all %,d (Euclidean distance, reported as RMS per pixel on the [-1, 1] scale). \
                Median distance: samples %.4f, test images %.4f; closest sample %.4f. %d samples (%s) are nearer \
                to a training image than 99%% of test images are (threshold %.4f); for new images about 1%% is \
                expected, for copies far more. The %d samples nearest to the training set (top row) and their \
                nearest training images (bottom row):%n%n![nearest training neighbours](%s)%n%n""",
                c.samples().distance().length, setting(best), c.test().distance().length, setup.train.size(),
                c.medianSample(), c.medianTest(), c.samples().distance()[c.closest(1)[0]], c.closeSamples(),
                pct(c.closeFraction()), c.threshold(), Math.min(NEIGHBOUR_PAIRS, c.samples().distance().length), NEIGHBOURS_GRID));
    }

    private void writeNeighbourGrid(CopyCheck c, Tensor samples) throws IOException {
        int[] idx = c.closest(NEIGHBOUR_PAIRS);
        int per = samples.size() / samples.dim(0);
        int[] shape = samples.shape().clone();
        shape[0] = 2 * idx.length;
        Tensor out = Tensor.zeros(samples.dtype(), shape);
        int[] nearest = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            nearest[i] = c.samples().nearest()[idx[i]];
        }
        Tensor train = setup.train.images(nearest, samples.dtype());
        for (int i = 0; i < idx.length; i++) {
            for (int j = 0; j < per; j++) {
                out.set(i * per + j, samples.get(idx[i] * per + j));
                out.set((idx.length + i) * per + j, train.get(i * per + j));
            }
        }
        ImageGrid.write(dir.resolve(NEIGHBOURS_GRID), out, idx.length, NEIGHBOURS_SCALE);
    }

    private void writeTrainingPlots(List<TrainLog.Epoch> epochs) throws IOException {
        if (epochs.isEmpty()) {
            return;
        }
        double[] e = epochs.stream().mapToDouble(TrainLog.Epoch::epoch).toArray();
        new LineChart("Training loss per epoch", "epoch", "training loss (nats per dimension)", true)
                .series("training loss", e, epochs.stream().mapToDouble(TrainLog.Epoch::loss).toArray())
                .writePng(dir.resolve(TRAINING_LOSS_PLOT));
        new LineChart("Test bits/dim after each epoch", "epoch", "test bits/dim (bits per dimension)", true)
                .series("test images scored during training", e, epochs.stream().mapToDouble(TrainLog.Epoch::testBpd).toArray())
                .reference("final evaluation (this report)", r.likelihood.mean())
                .writePng(dir.resolve(TRAINING_BPD_PLOT));
    }

    private void training(StringBuilder md, List<TrainLog.Epoch> epochs, Path log) {
        md.append("## Training\n\n");
        if (epochs.isEmpty()) {
            md.append("No training log found at `").append(log).append("` (pass `--train-log`).\n\n");
            return;
        }
        md.append(String.format(Locale.ROOT, """
                From `%s` (%d epochs). The loss is the reference's 0.5·mean(z²) − mean(logdets) in nats per dimension, \
                which omits the constant ½·log 2π and the noise: it can be negative. Test bits/dim during training are \
                on the first test images (`--eval-images` of `train`, 1000 by default), one dequantisation draw.%n%n\
                ![training loss](%s)%n%n![test bits/dim per epoch](%s)%n%n| epoch | training loss (nats/dim) | test bits/dim |%n\
                | ---: | ---: | ---: |%n""", log.getFileName(), epochs.size(), TRAINING_LOSS_PLOT, TRAINING_BPD_PLOT));
        for (TrainLog.Epoch e : epochs) {
            md.append(String.format(Locale.ROOT, "| %d | %.4f | %.4f |%n", e.epoch(), e.loss(), e.testBpd()));
        }
        md.append('\n');
    }

    /** Seconds with one decimal: the table is also how linear scaling is checked (docs/EVALUATION.md). */
    private static String secs(double s) {
        return String.format(Locale.ROOT, "%.1f s", s);
    }

    private void timings(StringBuilder md, double nnSeconds) {
        md.append("## Time\n\n| step | time |\n| --- | ---: |\n");
        md.append(String.format(Locale.ROOT, "| bits/dim (%,d images × %d draws) | %s |%n", r.likelihood.count(), r.draws,
                secs(r.likelihoodSeconds)));
        if (r.bayes != null) {
            md.append(String.format(Locale.ROOT, "| Bayes classifier (%,d images × %d labels) | %s |%n", r.bayes.predicted().length,
                    setup.classNames.size(), secs(r.bayesSeconds)));
        }
        md.append(String.format(Locale.ROOT, "| judge classifier training (%,d images × %d epochs) | %s |%n",
                Math.min(options.classifierImages, setup.train.size()), options.classifierEpochs, secs(r.sweep.judgeSeconds())));
        md.append(String.format(Locale.ROOT, "| sweep (%d settings × %d samples) | %s |%n", r.sweep.rows().stream()
                .filter(x -> !x.denoised()).count(), options.samples, secs(r.sweep.seconds())));
        md.append(String.format(Locale.ROOT, "| nearest-neighbour check | %s |%n%n", secs(nnSeconds)));
    }

    private void writeJson(GuidanceSweep.Row best, GuidanceSweep.Row plain, CopyCheck copies) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("bits_per_dim", r.likelihood.mean());
        o.addProperty("bits_per_dim_std_error", r.likelihood.stdError());
        o.addProperty("bits_per_dim_images", r.likelihood.count());
        if (r.bayes != null) {
            o.addProperty("bayes_accuracy", r.bayes.report().accuracy());
            o.addProperty("bayes_images", r.bayes.predicted().length);
        }
        o.addProperty("judge_accuracy_real_test", r.sweep.realTest().accuracy());
        o.add("plain", row(plain));
        o.add("best", row(best));
        o.addProperty("frechet_floor_real_train", r.sweep.frechetFloor());
        o.addProperty("copy_check_close_samples", copies.closeSamples());
        o.addProperty("copy_check_threshold", copies.threshold());
        o.addProperty("nn_median_distance_samples", copies.medianSample());
        o.addProperty("nn_median_distance_test", copies.medianTest());
        JsonArray all = new JsonArray();
        r.sweep.rows().forEach(x -> all.add(row(x)));
        o.add("sweep", all);
        byte[] bytes = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(o)
                .getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(dir.resolve("metrics.json"), out -> out.write(bytes));
    }

    private static JsonObject row(GuidanceSweep.Row x) {
        JsonObject o = new JsonObject();
        o.addProperty("guidance", x.setting().weight());
        o.addProperty("annealed", x.setting().annealed());
        o.addProperty("guidance_rule", x.setting().rule().label());
        o.addProperty("denoised", x.denoised());
        o.addProperty("samples", x.samples());
        o.addProperty("redrawn", x.redrawn());
        o.addProperty("sample_accuracy", x.sampleAccuracy());
        o.addProperty("frechet", x.frechet());
        o.addProperty("seconds", x.seconds());
        return o;
    }
}
