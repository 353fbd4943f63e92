package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.tarflow.eval.ClassificationReport;
import org.tarflow.eval.FrechetDistance;
import org.tarflow.eval.GuidanceSweep;
import org.tarflow.eval.PixelClassifier;

/** Runs a guidance sweep with its judges and progress bar, writing its files: shared by {@code sweep} and {@code evaluate --report}. */
final class Sweep {
    private Sweep() {
    }

    /**
     * @param rows          the sweep's rows
     * @param judge         the judge classifier
     * @param realTest      the judge on the real test images
     * @param frechetFloor  Fréchet distance of as many real training images as samples per setting to the test images
     * @param output        the files written, with the samples of every variant
     * @param seconds       wall time of the sweep's sampling and scoring
     * @param judgeSeconds  time to train the judge
     */
    record Outcome(List<GuidanceSweep.Row> rows, PixelClassifier judge, ClassificationReport realTest, double frechetFloor,
                   SweepOutput output, double seconds, double judgeSeconds, double denoiseSigma) {
        /** The judge's accuracy on real test images, NaN for an unconditional model (whose samples have no class). */
        double realAccuracy() {
            return rows.get(0).report() == null ? Double.NaN : realTest.accuracy();
        }
    }

    static Outcome run(EvaluationSetup setup, List<GuidanceSweep.Setting> settings, SweepOptions options, long seed, Path out)
            throws IOException {
        double sigma = setup.denoiseSigma(options.denoise);
        long t0 = System.nanoTime();
        PixelClassifier judge = setup.trainJudge(options.classifierImages, options.classifierEpochs, seed);
        double judgeSeconds = (System.nanoTime() - t0) / 1e9;
        ClassificationReport real = judge.evaluate(setup.test);
        System.out.printf(Locale.ROOT, "judge accuracy on the %,d real test images: %.2f%%%n", setup.test.size(), 100 * real.accuracy());
        GuidanceSweep.Judges judges = setup.judges(judge);
        double floor = FrechetDistance.of(setup.moments(setup.train.head(options.samples)), judges.realTest());
        SweepOutput output = new SweepOutput(out, setup.model.config().conditional() ? setup.model.config().numClasses() : 0);
        List<GuidanceSweep.Setting> used = settings;
        if (!setup.model.config().conditional()) {
            System.out.println("note: the model is unconditional (it has no classes): the sweep is its unguided samples, with"
                    + " and without denoising");
            used = List.of(new GuidanceSweep.Setting(0, false, settings.getFirst().rule()));
        }
        ProgressBar bar = new ProgressBar(System.err, "sweep (" + used.size() + " settings)");
        long t1 = System.nanoTime();
        List<GuidanceSweep.Row> rows = GuidanceSweep.run(setup.model, used, options.samples, sigma, judges, seed,
                (done, total) -> bar.update(done, total, ""), output);
        bar.finish();
        double seconds = (System.nanoTime() - t1) / 1e9;
        output.writeTableAndPlots(rows, rows.get(0).report() == null ? Double.NaN : real.accuracy(), floor);
        return new Outcome(rows, judge, real, floor, output, seconds,
                judgeSeconds, sigma);
    }

    /** A paragraph on how the sweep was made, for the Markdown files. */
    static String describe(EvaluationSetup setup, SweepOptions o, Outcome r) {
        return String.format(Locale.ROOT, """
                %d class-balanced samples per setting (sample i has label i mod K and the same prior noise in every \
                setting); denoising step %s. Judge: Tribuo logistic regression on pixels, trained on %,d real training \
                images for %d epochs (%.0f s): %.2f%% accuracy on the %,d real test images. Fréchet distance: on the \
                %d-value patch features (docs/EVALUATION.md), against all %,d test images; %,d real training images \
                score %.3f (the floor of the estimate at this sample count). Samples whose values are not all finite \
                are redrawn with fresh noise ("redrawn"). Sweep time %.1f s.
                """, o.samples, r.denoiseSigma() > 0 ? String.format(Locale.ROOT, "for Gaussian noise σ = %.3g", r.denoiseSigma())
                        : "off (no Gaussian training noise recorded, or --denoise 0)",
                Math.min(o.classifierImages, setup.train.size()), o.classifierEpochs, r.judgeSeconds(),
                100 * r.realTest().accuracy(), setup.test.size(),
                setup.features.dim(setup.test.channels(), setup.test.height(), setup.test.width()), setup.test.size(),
                Math.min(o.samples, setup.train.size()), r.frechetFloor(), r.seconds());
    }
}
