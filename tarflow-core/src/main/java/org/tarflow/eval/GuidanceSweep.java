package org.tarflow.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tarflow.flow.GuidanceRule;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.Tensor;

/**
 * Sample quality over a grid of classifier-free guidance weights, constant or annealed, each with and
 * without the score-based denoising step. For every setting the same N class-balanced samples are drawn
 * (sample i has label i mod K and the same prior noise in every setting, so that settings differ only by
 * the setting) through a {@link GuardedSampler}; the denoised variant is the denoising step applied to
 * those very samples. Each variant is scored by the judge classifier's accuracy against the labels the
 * samples were drawn for, and by the Fréchet distance of its {@link PatchFeatures} to the real test images'.
 *
 * <p>Cost per setting: N reverse passes (twice the work with guidance, which runs both branches) and, with
 * denoising, N forward and backward passes; linear in N and in the number of settings.
 */
public final class GuidanceSweep {
    /** Samples per sampling call: bounds the memory of the reverse pass and paces the progress reports. */
    private static final int BATCH = 100;

    /**
     * A guidance weight, constant over the sampling steps or ramped up linearly ({@link SamplingOptions}).
     *
     * @param weight   the classifier-free guidance weight w ≥ 0
     * @param annealed ramp the weight linearly over the sampling steps
     * @param rule     how guidance combines the two branches
     */
    public record Setting(double weight, boolean annealed, GuidanceRule rule) {
        /** {@return the sampling options: guidance on a and b, attention temperature 1} */
        public SamplingOptions options() {
            return new SamplingOptions(weight, "ab", 1.0, annealed, rule);
        }

        /** {@return a file-name-safe name, e.g. {@code cfg-2-annealed}, {@code cfg-0.5} or {@code cfg-10-starflow}} */
        public String name() {
            return String.format(Locale.ROOT, "cfg-%s%s%s", trim(weight), weight > 0 && annealed ? "-annealed" : "",
                    weight > 0 && rule != GuidanceRule.REFERENCE ? "-" + rule.label() : "");
        }
    }

    /**
     * One variant's scores.
     *
     * @param setting        guidance weight and schedule
     * @param denoised       whether the denoising step was applied
     * @param samples        number of samples scored
     * @param redrawn        draws thrown away for NaN or infinite values (counted once for both variants)
     * @param report         the judge classifier on the samples against their labels (null for an unconditional model)
     * @param frechet        squared Fréchet distance to the real test images on the patch features
     * @param seconds        time of the sampling (for the denoised variant, sampling plus denoising)
     */
    public record Row(Setting setting, boolean denoised, int samples, int redrawn, ClassificationReport report,
                      double frechet, double seconds) {
        /** {@return the judge's accuracy on the samples, NaN for an unconditional model} */
        public double sampleAccuracy() {
            return report == null ? Double.NaN : report.accuracy();
        }
    }

    /** Receives each setting's samples, e.g. to write a grid. */
    @FunctionalInterface
    public interface SampleSink {
        /**
         * Takes one variant's samples.
         *
         * @param setting  the guidance setting
         * @param denoised whether the samples were denoised
         * @param samples  (N, C, H, W) in [-1, 1]
         * @param labels   (N) their labels, or null
         * @throws IOException if writing them fails
         */
        void accept(Setting setting, boolean denoised, Tensor samples, int[] labels) throws IOException;
    }

    /**
     * What the sweep needs besides the model.
     *
     * @param classifier the judge classifier, trained on real images
     * @param classNames the class names in label order
     * @param features   the feature map of the Fréchet distance
     * @param realTest   the real test images' feature moments
     */
    public record Judges(PixelClassifier classifier, List<String> classNames, PatchFeatures features, Moments realTest) {
    }

    private GuidanceSweep() {
    }

    /**
     * The settings for {@code weights}: each positive weight constant and/or annealed; weight 0 (no guidance,
     * where annealing changes nothing) once.
     *
     * @param weights  the guidance weights, each ≥ 0 and listed once
     * @param constant include constant guidance
     * @param annealed include annealed guidance
     * @param rule     the guidance rule of every setting
     * @return the settings, in the order of the weights
     * @throws IllegalArgumentException if neither schedule is chosen, or a weight is negative or repeated
     */
    public static List<Setting> settings(double[] weights, boolean constant, boolean annealed, GuidanceRule rule) {
        if (!constant && !annealed) {
            throw new IllegalArgumentException("choose constant guidance, annealed guidance or both");
        }
        List<Setting> out = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            double w = weights[i];
            for (int j = 0; j < i; j++) {
                if (weights[j] == w) {
                    throw new IllegalArgumentException("guidance weight " + trim(w) + " is listed twice");
                }
            }
            new SamplingOptions(w, "ab", 1.0, false); // validates the weight
            if (w == 0) {
                out.add(new Setting(0, false, rule));
                continue;
            }
            if (constant) {
                out.add(new Setting(w, false, rule));
            }
            if (annealed) {
                out.add(new Setting(w, true, rule));
            }
        }
        return out;
    }

    /**
     * Runs the sweep.
     *
     * @param model        the model
     * @param settings     the guidance settings
     * @param n            samples per setting (at least 2, for a covariance)
     * @param denoiseSigma std of the model's Gaussian training noise; 0 gives only the rows without denoising
     * @param progress     receives (samples done, samples in total) over the whole sweep
     * @param judges       the judge classifier, feature map and reference moments
     * @param seed         seed of the prior noise
     * @param sink         receives every variant's samples (clipped to [-1, 1]) with their labels; may be null
     * @return one row per setting and variant (raw, then denoised)
     * @throws IOException if the sink fails
     */
    public static List<Row> run(TarFlowModel model, List<Setting> settings, int n, double denoiseSigma, Judges judges,
                                long seed, java.util.function.BiConsumer<Integer, Integer> progress, SampleSink sink)
            throws IOException {
        if (n < 2) {
            throw new IllegalArgumentException("need at least 2 samples per setting, got " + n);
        }
        boolean conditional = model.config().conditional();
        int k = conditional ? model.config().numClasses() : 0;
        int[] labels = null;
        if (conditional) {
            labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = i % k;
            }
        }
        List<Row> rows = new ArrayList<>();
        int total = n * settings.size();
        int done = 0;
        for (Setting s : settings) {
            GuardedSampler sampler = GuardedSampler.forModel(model, s.options(), denoiseSigma, seed);
            Tensor raw = null;
            Tensor den = null;
            int redrawn = 0;
            double rawSeconds = 0;
            double denSeconds = 0;
            for (int start = 0; start < n; start += BATCH) {
                int b = Math.min(BATCH, n - start);
                int[] y = labels == null ? null : java.util.Arrays.copyOfRange(labels, start, start + b);
                GuardedSampler.Draw d = sampler.draw(y, b, start);
                redrawn += d.redrawn();
                rawSeconds += d.sampleSeconds();
                denSeconds += d.sampleSeconds() + d.denoiseSeconds();
                raw = append(raw, d.raw(), start, n);
                if (d.denoised() != null) {
                    den = append(den, d.denoised(), start, n);
                }
                done += b;
                if (progress != null) {
                    progress.accept(done, total);
                }
            }
            rows.add(score(s, false, raw, labels, redrawn, rawSeconds, judges, sink));
            if (den != null) {
                rows.add(score(s, true, den, labels, redrawn, denSeconds, judges, sink));
            }
        }
        return rows;
    }

    private static Row score(Setting s, boolean denoised, Tensor x, int[] labels, int redrawn, double seconds, Judges j,
                             SampleSink sink) throws IOException {
        ClassificationReport report = labels == null ? null
                : ClassificationReport.of(labels, j.classifier().predict(x), j.classNames());
        Moments m = new Moments(j.realTest().dim());
        for (double[] f : j.features().apply(x)) {
            m.add(f);
        }
        if (sink != null) {
            sink.accept(s, denoised, x, labels);
        }
        return new Row(s, denoised, x.dim(0), redrawn, report, FrechetDistance.of(m, j.realTest()), seconds);
    }

    /** Copies batch {@code part} into rows {@code start..} of {@code all} (allocated for n rows on first use). */
    private static Tensor append(Tensor all, Tensor part, int start, int n) {
        if (all == null) {
            int[] shape = part.shape().clone();
            shape[0] = n;
            all = Tensor.zeros(part.dtype(), shape);
        }
        int per = part.size() / part.dim(0);
        for (int i = 0; i < part.size(); i++) {
            all.set(start * per + i, part.get(i));
        }
        return all;
    }

    /**
     * {@return a weight as written: 2 rather than 2.0, 0.5 as is}
     *
     * @param w the weight
     */
    public static String trim(double w) {
        return w == Math.rint(w) ? Long.toString((long) w) : Double.toString(w);
    }
}
