package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.data.SequenceDataset;
import org.tarflow.io.ImageGrid;
import org.tarflow.io.ModelFiles;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tarflow sample}: draw samples from a checkpoint or weights file into a PNG grid. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draw samples from a trained model (checkpoint.safetensors, model.safetensors or a PyTorch .pth"
                + " state_dict) into a PNG grid.")
final class SampleCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "Checkpoint or weights file written by 'tarflow train', or a PyTorch .pth.")
    Path model;

    @Option(names = "--out", defaultValue = "samples.png",
            description = "File to write: a .png grid (image models), or .csv / .safetensors (sequence models). Default: ${DEFAULT-VALUE}")
    Path out;

    @Option(names = "--num", defaultValue = "100", description = "Number of samples. Default: ${DEFAULT-VALUE}")
    int num;

    @Option(names = "--nrow", defaultValue = "10", description = "Samples per grid row. Default: ${DEFAULT-VALUE}")
    int nrow;

    @Option(names = "--class", description = "Draw every sample for this class (conditional models). "
            + "Default: one class per row, cycling through the classes.")
    Integer label;

    @Option(names = "--no-labels", description = "Sample a conditional model without labels (mean class embedding).")
    boolean noLabels;

    @Option(names = "--cfg", defaultValue = "0", description = "Classifier-free guidance weight. Default: ${DEFAULT-VALUE}")
    double cfg;

    @Option(names = "--guide", defaultValue = "ab", description = "What guidance acts on: a (scale), b (shift) or ab. Default: ${DEFAULT-VALUE}")
    String guide;

    @Option(names = "--attn-temp", defaultValue = "1", description = "Attention temperature of the unguided branch. Default: ${DEFAULT-VALUE}")
    double attnTemp;

    @Option(names = "--annealed", description = "Ramp the guidance weight linearly over the sampling steps.")
    boolean annealed;

    @Option(names = "--denoise", defaultValue = "auto",
            description = "One score-based denoising step for a model trained with Gaussian noise of this std: "
                    + "auto (the noise recorded in the model file), 0 (none) or a number. Default: ${DEFAULT-VALUE}")
    String denoise;

    @Option(names = "--denoise-scale", defaultValue = "1",
            description = "Multiplier of the denoising step (1 = the reference's x + σ²∇log p(x)). Default: ${DEFAULT-VALUE}")
    double denoiseScale;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the prior noise. Default: ${DEFAULT-VALUE}")
    long seed;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ModelFileOptions modelFile = new ModelFileOptions();

    @CommandLine.Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @CommandLine.Mixin
    DecodingOptions decoding = new DecodingOptions();

    @Override
    public Integer call() throws IOException {
        runtime.apply();
        if (!(denoiseScale >= 0) || Double.isInfinite(denoiseScale)) {
            throw new IllegalArgumentException("--denoise-scale must be a finite number >= 0, got " + denoiseScale);
        }
        if (!guide.equals("a") && !guide.equals("b") && !guide.equals("ab")) {
            throw new IllegalArgumentException("--guide must be a, b or ab, got '" + guide + "'");
        }
        if (num <= 0 || nrow <= 0) {
            throw new IllegalArgumentException("--num and --nrow must be positive");
        }
        String suffix = out.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        boolean png = suffix.endsWith(".png");
        if (!png && !suffix.endsWith(".csv") && !suffix.endsWith(".safetensors")) {
            throw new IllegalArgumentException("--out must name a .png file (images), or a .csv or .safetensors file "
                    + "(sequences), got " + out);
        }
        ModelFiles.Loaded loaded = modelFile.load(model, DType.F32, runtime.kernels());
        TarFlowModel m = loaded.model();
        if (png != m.config().isImage()) {
            throw new IllegalArgumentException(m.config().isImage() ? "an image model's samples go to a .png grid"
                    : "a sequence model's samples go to a .csv or .safetensors file, not " + out);
        }
        double sigma = Samples.denoiseSigma(denoise, loaded.metadata().get(ModelFiles.TRAINING_NOISE));
        SamplingOptions opts = new SamplingOptions(cfg, guide, attnTemp, annealed);
        int classes = m.config().numClasses();
        int[] labels = null;
        if (m.config().conditional() && !noLabels) {
            labels = new int[num];
            for (int i = 0; i < num; i++) {
                labels[i] = label != null ? label : (i / nrow) % classes;
            }
        } else if (label != null) {
            throw new IllegalArgumentException(m.config().conditional() ? "--class and --no-labels exclude each other"
                    : "the model is unconditional: remove --class");
        }
        warnAboutNoOps(m, sigma);
        long t0 = System.nanoTime();
        Tensor x = Samples.draw(m, num, labels, opts, decoding.decoding(m.config().numBlocks()), sigma, denoiseScale, seed);
        double s = (System.nanoTime() - t0) / 1e9;
        if (png) {
            ImageGrid.write(out, x, nrow);
        } else {
            SequenceDataset.write(out, x, labels);
        }
        System.out.printf(Locale.ROOT, "wrote %d samples to %s (%.1f s, %.1f img/s%s)%n", num, out, s, num / s,
                sigma > 0 ? String.format(Locale.ROOT, ", denoised for noise %.3g", sigma) : "");
        return 0;
    }

    /** Settings that are legal but change nothing get a warning, so that a typo does not go unnoticed. */
    private void warnAboutNoOps(TarFlowModel m, double sigma) {
        var cl = spec.commandLine().getParseResult();
        if (cfg > 0 && !m.config().conditional() && attnTemp == 1.0) {
            System.err.println("warning: guidance on an unconditional model with --attn-temp 1 changes nothing");
        }
        if (cfg > 0 && noLabels && attnTemp == 1.0) {
            System.err.println("warning: guidance without labels and with --attn-temp 1 changes nothing");
        }
        if (cfg == 0) {
            for (String o : new String[] {"--guide", "--attn-temp", "--annealed"}) {
                if (cl.hasMatchedOption(o)) {
                    System.err.println("warning: " + o + " has no effect without guidance (--cfg > 0)");
                }
            }
        }
        if (sigma == 0 && cl.hasMatchedOption("--denoise-scale")) {
            System.err.println("warning: --denoise-scale has no effect without a denoising step");
        }
    }
}
