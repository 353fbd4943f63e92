package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tarflow.eval.GuidanceSweep;
import org.tarflow.flow.GuidanceRule;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.data.SequenceDataset;
import org.tarflow.io.ImageGrid;
import org.tarflow.io.ModelFiles;
import org.tarflow.io.SampleFiles;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tarflow sample}: draw samples from a checkpoint or weights file into a PNG grid, or into files
 * for FID tools ({@link SampleFiles}).
 */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Draw samples from a trained model (checkpoint.safetensors, model.safetensors or a PyTorch .pth"
                + " state_dict) into a PNG grid, a folder of PNGs, or a .npz / .safetensors file.")
final class SampleCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "Checkpoint or weights file written by 'tarflow train', or a PyTorch .pth.")
    Path model;

    @Option(names = "--out", defaultValue = "samples.png",
            description = {"What to write. Image models: a .png grid; a folder (DIR/, new or empty) of one PNG per sample;"
                + " a .npz or .safetensors file of uint8 (N, H, W, C) images (npz: arr_0, labels arr_1; safetensors: x, y),"
                + " the files FID tools read (docs/EVALUATION.md). Sequence models: .csv or .safetensors."
                + " An existing file or a folder that is not empty is refused without --overwrite. Default: ${DEFAULT-VALUE}"})
    String out;

    @Option(names = "--overwrite", description = "Replace an existing --out file, or a DIR/ that holds samples only"
            + " (000000.png, ...; a folder with other files is never replaced).")
    boolean overwrite;

    @Option(names = "--num", defaultValue = "100", description = "Number of samples. Default: ${DEFAULT-VALUE}")
    int num;

    @Option(names = "--nrow", defaultValue = "10", description = "Samples per grid row. Default: ${DEFAULT-VALUE}")
    int nrow;

    @Option(names = "--class", description = "Draw every sample for this class (conditional models). "
            + "Default: one class per row, cycling through the classes.")
    Integer label;

    @Option(names = "--no-labels", description = "Sample a conditional model without labels (mean class embedding).")
    boolean noLabels;

    @Option(names = "--cfg", defaultValue = "0", description = "Classifier-free guidance weight. On a model without classes (unconditional, or --no-labels) only"
            + " with --attn-temp T != 1, the one guidance that changes samples there. Default: ${DEFAULT-VALUE}")
    double cfg;

    @Option(names = "--guide", completionCandidates = Choices.Guide.class, defaultValue = "ab", description = "What guidance acts on: a (scale), b (shift) or ab. Default: ${DEFAULT-VALUE}")
    String guide;

    @Option(names = "--attn-temp", defaultValue = "1", description = "Attention temperature of the unguided branch. Default: ${DEFAULT-VALUE}")
    double attnTemp;

    @Option(names = "--annealed", description = "Ramp the guidance weight linearly over the sampling steps.")
    boolean annealed;

    @Option(names = "--guidance-rule", completionCandidates = Choices.Rule.class, defaultValue = "reference",
            description = "How guidance combines the two branches: reference (the original's a + w(a - a_u), b + w(b - b_u))"
                    + " or starflow (STARFlow's Gaussian p_c^(1+w)/p_u^w, whose scale never exceeds the conditional one;"
                    + " needs --guide ab). Default: ${DEFAULT-VALUE}")
    String guidanceRule;

    @Option(names = "--max-draws", defaultValue = "20",
            description = "Draws per sample at most: a sample that comes out with NaN or infinite values is drawn again"
                    + " with fresh noise and the same label, and the number of redraws is printed. Default: ${DEFAULT-VALUE}")
    int maxDraws;

    @Option(names = "--no-redraw", description = "Keep samples with NaN or infinite values (and name them) instead of drawing them again.")
    boolean noRedraw;

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
        Ranges.atLeast("--num", num, 1);
        Ranges.atLeast("--nrow", nrow, 1);
        SamplingOptions opts = samplingOptions(); // every sampling option is checked before the model is read
        int draws = redrawBound();
        String suffix = out.toLowerCase(Locale.ROOT);
        boolean grid = suffix.endsWith(".png");
        SampleFiles.Kind files = grid ? null : SampleFiles.kindOf(out);
        boolean csv = suffix.endsWith(".csv");
        if (!grid && files == null && !csv) {
            throw new IllegalArgumentException("--out must name a .png grid, a folder (DIR/), a .npz or .safetensors file "
                    + "(images), or a .csv or .safetensors file (sequences), got " + out);
        }
        Path target = Path.of(out);
        checkTarget(target, files == SampleFiles.Kind.PNG_FOLDER);
        ModelFiles.Loaded loaded = modelFile.load(model, DType.F32, runtime.kernels());
        TarFlowModel m = loaded.model();
        boolean image = m.config().isImage();
        if (image ? csv : (grid || (files != null && files != SampleFiles.Kind.SAFETENSORS))) {
            throw new IllegalArgumentException(image
                    ? "an image model's samples go to a .png grid, a folder (DIR/), or a .npz or .safetensors file, not " + out
                    : "a sequence model's samples go to a .csv or .safetensors file, not " + out);
        }
        double sigma = Samples.denoiseSigma(denoise, loaded.metadata().get(ModelFiles.TRAINING_NOISE));
        int classes = m.config().numClasses();
        int[] labels = null;
        if (m.config().conditional() && !noLabels) {
            if (label != null) {
                // the model reads a negative label as "no label" (the mean embedding): --no-labels says that instead
                Ranges.between("--class", label, 0, classes - 1);
            }
            labels = new int[num];
            for (int i = 0; i < num; i++) {
                labels[i] = label != null ? label : (i / nrow) % classes;
            }
        } else if (label != null) {
            throw Usage.error(spec, m.config().conditional() ? "--class and --no-labels exclude each other"
                    : "the model is unconditional: remove --class");
        }
        if (labels == null) {
            refuseGuidanceWithoutClasses(m.config().conditional());
        }
        warnAboutNoOps(sigma);
        long t0 = System.nanoTime();
        Tensor x = Samples.drawRedrawing(m, num, labels, opts, decoding.decoding(m.config().numBlocks()), sigma,
                denoiseScale, seed, draws).raw();
        double s = (System.nanoTime() - t0) / 1e9;
        if (grid) {
            ImageGrid.write(target, x, nrow);
        } else if (image) {
            SampleFiles.write(target, files, x, labels, overwrite);
        } else {
            SequenceDataset.write(target, x, labels);
        }
        System.out.printf(Locale.ROOT, "wrote %d samples to %s (%.1f s, %.1f img/s%s)%n", num, out, s, num / s,
                sigma > 0 ? String.format(Locale.ROOT, ", denoised for noise %.3g", sigma) : "");
        List<String> names = labels == null ? List.of() : ModelFiles.classNames(model, loaded.metadata(), classes);
        if (!names.isEmpty()) {
            System.out.println(label != null ? "class: " + names.get(label) : grid
                    ? "rows: " + rowNames(names, (num + nrow - 1) / nrow)
                    : "classes, " + nrow + " samples each in turn: " + rowNames(names, (num + nrow - 1) / nrow));
        }
        return 0;
    }

    /**
     * Refuses, before any sampling, an output that exists (a folder that is not empty) unless {@code --overwrite}
     * may replace it, and names the hidden folders a killed {@code sample} into the same folder left.
     *
     * @throws IllegalArgumentException if the output is in the way
     */
    private void checkTarget(Path target, boolean folder) throws IOException {
        if (!folder) {
            if (Files.isDirectory(target)) { // refused before sampling: --overwrite replaces files, never a folder
                throw new IllegalArgumentException("--out " + out + " is a folder, not a file: name a file, or write"
                        + " one PNG per sample into a folder with --out DIR/");
            }
            if (Files.exists(target) && !overwrite) {
                throw new IllegalArgumentException(out + " exists; pass --overwrite to replace it");
            }
            return;
        }
        try {
            SampleFiles.checkFolder(target, overwrite);
        } catch (IllegalArgumentException e) {
            throw overwrite || !Files.isDirectory(target) ? e
                    : new IllegalArgumentException(e.getMessage() + "; --overwrite replaces a folder of samples", e);
        }
        for (Path p : SampleFiles.leftovers(target)) {
            System.err.println("note: " + p + " is left by a 'tarflow sample --out " + out + "' that was killed while it"
                    + " wrote the samples (their unfinished folder, or the old folder it replaced): delete it");
        }
    }

    /** {@return the guidance settings of the options} @throws IllegalArgumentException on a bad value */
    private SamplingOptions samplingOptions() {
        GuidanceRule rule = GuidanceRule.parse(guidanceRule);
        if (rule == GuidanceRule.STARFLOW && !guide.equals("ab")) {
            throw Usage.error(spec, "--guidance-rule starflow guides scale and shift together: use --guide ab"
                    + " (the default), got --guide " + guide);
        }
        Ranges.positive("--attn-temp", attnTemp);
        return new SamplingOptions(cfg, guide, attnTemp, annealed, rule);
    }

    /** {@return draws per sample at most: 1 with --no-redraw} @throws IllegalArgumentException on a bad value */
    private int redrawBound() {
        if (noRedraw) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--max-draws")) {
                throw Usage.error(spec, "--no-redraw and --max-draws exclude each other");
            }
            return 1;
        }
        Ranges.atLeast("--max-draws", maxDraws, 1);
        return maxDraws;
    }

    /** The class of each grid row, which cycles through the classes. */
    private static String rowNames(List<String> names, int rows) {
        List<String> r = new java.util.ArrayList<>();
        for (int i = 0; i < Math.min(rows, names.size()); i++) {
            r.add(names.get(i));
        }
        return String.join(", ", r) + (rows > names.size() ? ", then again from the first" : "");
    }

    /**
     * Without classes (an unconditional model, or {@code --no-labels}) both branches of guidance see the same
     * condition, so guidance changes a sample only when the unguided branch has another attention temperature
     * (docs/ALGORITHM.md §9): the guidance options are refused unless {@code --cfg W > 0} comes with
     * {@code --attn-temp T != 1}.
     *
     * @param conditional whether the model has classes (and {@code --no-labels} left them out)
     * @throws CommandLine.ParameterException naming the first guidance option given in vain
     */
    private void refuseGuidanceWithoutClasses(boolean conditional) {
        if (cfg > 0 && attnTemp != 1.0) {
            return;
        }
        String why = (conditional ? "with --no-labels (no class to guide towards)" : "on this unconditional model (it has no"
                + " classes)") + " changes nothing unless it guides against another attention temperature: --cfg W > 0 with"
                + " --attn-temp T != 1";
        if (cfg != 0) {
            throw Usage.error(spec, "--cfg " + GuidanceSweep.trim(cfg) + " " + why);
        }
        Usage.refuse(spec, why, "--guide", "--attn-temp", "--annealed", "--guidance-rule");
    }

    /** Settings that are legal but change nothing get a warning, so that a typo does not go unnoticed. */
    private void warnAboutNoOps(double sigma) {
        var cl = spec.commandLine().getParseResult();
        if (cfg == 0) {
            for (String o : new String[] {"--guide", "--attn-temp", "--annealed", "--guidance-rule"}) {
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
