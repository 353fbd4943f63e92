package org.tarflow.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tarflow.data.Dataset;
import org.tarflow.data.FashionMnist;
import org.tarflow.data.ImageData;
import org.tarflow.data.ImageDataset;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.data.SequenceDataset;
import org.tarflow.eval.Likelihood;
import org.tarflow.eval.NegativeLogLikelihood;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.GuidanceRule;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.ImageGrid;
import org.tarflow.io.ModelFiles;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.AdamW;
import org.tarflow.train.Checkpoint;
import org.tarflow.train.TrainConfig;
import org.tarflow.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tarflow train}: the main job. Trains a TarFlow model on Fashion-MNIST (or other image data:
 * IDX, CIFAR-10 binary, an image folder; {@link ImageData}), writes a checkpoint every epoch, sample grids, the final weights, a 10×10 class-conditional
 * sample grid, and prints the test bits/dim.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train TarFlow on Fashion-MNIST (or IDX, CIFAR-10 or image-folder data), sample from it and report test bits/dim.",
            "Writes to --out: checkpoint.safetensors (every epoch; resumable), model.safetensors (final weights),",
            "samples.png (10x10 grid, one class per row), samples-epoch-N.png, train-log.jsonl.",
            "With --sequences FILE it trains on (N, T, D) sequences instead (no image front end) and writes samples.csv.",
            "Options that would be ignored are refused: the image options (--data, --img-size, --patch-size, --sample-every)"
                + " with --sequences, --sequences-test and --token-dim without it, --cfg and --guidance-rule on an"
                + " unconditional model."})
final class TrainCommand implements Callable<Integer> {
    static final String DEFAULT_DATA = "/usr/share/datasets/fashion-mnist";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", defaultValue = DEFAULT_DATA,
            description = {"Image data: a folder of MNIST-format IDX files (train-/t10k- images and labels, gzipped or not),"
                + " of CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin), or of one sub-folder of PNG/JPEG/BMP"
                + " images per class (torchvision's ImageFolder; with train/ and val/ sub-folders, both splits)."
                + " Default: ${DEFAULT-VALUE}"})
    Path data;

    @Option(names = "--img-size", paramLabel = "N",
            description = "Resize every image's shorter side to N and center-crop it to NxN, as the reference's transform"
                    + " (needed for image folders of mixed sizes); recorded in the model file, so that evaluate and sweep"
                    + " read the data the same way. Default: the data's own size.")
    Integer imgSize;

    @Option(names = "--out", description = "Output directory. Default: runs/fashion-mnist (or the checkpoint's directory with --resume)")
    Path out;

    @Option(names = "--sequences", paramLabel = "FILE",
            description = "Train on sequences (N, T, D) from a .safetensors (tensor x, optional labels y) or .csv file "
                    + "(one sequence per line) instead of images; see docs/ALGORITHM.md.")
    Path sequences;

    @Option(names = "--sequences-test", paramLabel = "FILE", description = "Held-out sequences to score (NLL in nats/dim).")
    Path sequencesTest;

    @Option(names = "--token-dim", defaultValue = "1", description = "D, the values per token of a .csv sequence file. Default: ${DEFAULT-VALUE}")
    int tokenDim;

    @Option(names = "--resume", description = "Continue training from this checkpoint.safetensors (settings and data come from it).")
    Path resume;

    @Option(names = "--overwrite", description = "Replace a training run already in --out (default: refuse).")
    boolean overwrite;

    // model shape
    @Option(names = "--patch-size", defaultValue = "4", description = "Patch side p. Default: ${DEFAULT-VALUE}")
    int patchSize;
    @Option(names = "--channels", defaultValue = "128", description = "Transformer width, a multiple of 64. Default: ${DEFAULT-VALUE}")
    int channels;
    @Option(names = "--blocks", defaultValue = "4", description = "Flow blocks. Default: ${DEFAULT-VALUE}")
    int blocks;
    @Option(names = "--layers-per-block", defaultValue = "2", description = "Transformer layers per flow block. Default: ${DEFAULT-VALUE}")
    int layersPerBlock;
    @Option(names = "--vp", description = "Volume-preserving (shift-only) flow with a learned prior variance.")
    boolean vp;
    @Option(names = "--unconditional", description = "No class embedding (the default model is class-conditional).")
    boolean unconditional;

    // training
    @Option(names = "--epochs", defaultValue = "2", description = "Training epochs. Default: ${DEFAULT-VALUE}")
    int epochs;
    @Option(names = "--batch-size", defaultValue = "64", description = "Images per step. Default: ${DEFAULT-VALUE}")
    int batchSize;
    @Option(names = "--lr", defaultValue = "3e-3", description = "Peak learning rate (cosine schedule, AdamW). Default: ${DEFAULT-VALUE}")
    double lr;
    @Option(names = "--warmup-epochs", defaultValue = "0.2",
            description = "Linear warm-up from 1e-6, in epochs (at most --epochs). Default: ${DEFAULT-VALUE}")
    double warmupEpochs;
    @Option(names = "--noise", completionCandidates = Choices.Noise.class, defaultValue = "gaussian",
            description = "Input noise: uniform (dequantisation), gaussian (--noise-std) or none. Default: ${DEFAULT-VALUE}"
                    + " (none for --sequences)")
    String noise;
    @Option(names = "--noise-std", defaultValue = "0.15", description = "Std of gaussian noise on [-1, 1] data. Default: ${DEFAULT-VALUE}")
    double noiseStd;
    @Option(names = "--drop-label", defaultValue = "0.1",
            description = "Probability of training a sample without its label (enables guidance). Default: ${DEFAULT-VALUE}")
    double dropLabel;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random draw. Default: ${DEFAULT-VALUE}")
    long seed;
    @Option(names = "--dtype", completionCandidates = Choices.ComputeType.class, defaultValue = "float32", description = "float32 or float64. Default: ${DEFAULT-VALUE}")
    String dtype;
    @Option(names = "--train-images", description = "Use only the first N training images (quick experiments).")
    Integer trainImages;

    @CommandLine.Mixin
    RuntimeOptions runtime = new RuntimeOptions();
    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Also checkpoint every N steps (0: each epoch only).")
    long checkpointEvery;
    @Option(names = "--on-nonfinite", completionCandidates = Choices.OnNonFinite.class, defaultValue = "stop",
            description = "When a step's loss or a gradient is NaN/inf: stop (keeping the last checkpoint) or skip the "
                    + "step and count it in train-log.jsonl. Default: ${DEFAULT-VALUE}")
    String onNonFinite;

    @Option(names = "--sample-every", defaultValue = "1", description = "Write a sample grid every N epochs (0: never). Default: ${DEFAULT-VALUE}")
    int sampleEvery;
    @Option(names = "--eval-images", defaultValue = "1000",
            description = "Test images scored after each epoch (0: none); the full test set is scored at the end (see"
                    + " --final-eval-images). Default: ${DEFAULT-VALUE}")
    int evalImages;
    @Option(names = "--final-eval-images", paramLabel = "N",
            description = "Score only the first N test images (or sequences) at the end; 0 skips the final score. Default:"
                    + " all of the test split (without one, up to 10000 training images).")
    Integer finalEvalImages;
    @Option(names = "--cfg", defaultValue = "1",
            description = "Guidance weight for the sample grids of a conditional model (0: none). Default: ${DEFAULT-VALUE}")
    double cfg;
    @Option(names = "--guidance-rule", completionCandidates = Choices.Rule.class, defaultValue = "reference",
            description = "Guidance rule of the sample grids: reference or starflow (see 'tarflow sample --help'). Default: ${DEFAULT-VALUE}")
    String guidanceRule;

    /** Options that describe the run and therefore come from the checkpoint when resuming. */
    private static final List<String> RUN_OPTIONS = List.of("--patch-size", "--channels", "--blocks", "--layers-per-block",
            "--vp", "--unconditional", "--epochs", "--batch-size", "--lr", "--warmup-epochs", "--noise", "--noise-std",
            "--drop-label", "--seed", "--dtype", "--train-images", "--sequences", "--token-dim", "--img-size");

    @Override
    public Integer call() throws IOException {
        PrintStream log = System.out;
        runtime.apply();
        Ranges.atLeast("--eval-images", evalImages, 0);
        Ranges.atLeast("--sample-every", sampleEvery, 0);
        Ranges.atLeast("--checkpoint-every", checkpointEvery, 0);
        if (trainImages != null) {
            Ranges.atLeast("--train-images", trainImages, 1);
        }
        if (finalEvalImages != null) {
            Ranges.atLeast("--final-eval-images", finalEvalImages, 0);
        }
        // validates --cfg and --guidance-rule before any work
        SamplingOptions gridOptions = SamplingOptions.cfg(cfg).withRule(GuidanceRule.parse(guidanceRule));
        Trainer.NonFinitePolicy policy = nonFinitePolicy();
        Kernels kernels = runtime.kernels();
        Checkpoint.State state = null;
        if (resume != null) {
            List<String> given = RUN_OPTIONS.stream().filter(o -> spec.commandLine().getParseResult().hasMatchedOption(o)).toList();
            if (!given.isEmpty()) {
                throw Usage.error(spec, "with --resume the settings come from the checkpoint; remove " + given);
            }
            state = Checkpoint.load(resume, kernels);
            if (out == null) {
                out = resume.toAbsolutePath().getParent();
            }
            if (state.dataDir() != null && !state.model().config().isImage()) {
                sequences = Path.of(state.dataDir());
            } else if (!spec.commandLine().getParseResult().hasMatchedOption("--data") && state.dataDir() != null) {
                data = Path.of(state.dataDir());
            }
        }
        refuseOptionsThatDoNotApply(state);
        if (out == null) {
            out = Path.of("runs", sequences != null ? "sequences" : "fashion-mnist");
        }
        TrainConfig settings = state == null ? trainConfig(sequences != null) : null; // checked before any output
        prepareOutput();
        Dataset train;
        Dataset test;
        Path dataSource;
        String dataFormat = "sequences";
        if (sequences != null) {
            int d = state != null ? state.model().config().patchDim() : tokenDim;
            train = SequenceDataset.read(sequences, d);
            test = sequencesTest == null ? null : SequenceDataset.read(sequencesTest, d);
            dataSource = sequences;
        } else {
            dataSource = data.toString().equals(DEFAULT_DATA) ? FashionMnist.ensure(data, log) : data;
            // a resumed run brings its images to the model's size, as the run's --img-size did
            ImageData.Splits splits = ImageData.read(dataSource, state != null ? (Integer) state.model().config().imgSize()
                    : imgSize);
            train = splits.train();
            test = splits.test();
            dataFormat = splits.format();
        }
        if (state == null) {
            if (train.numClasses() == 0) {
                refuseGuidanceOptions(); // sequences without labels train an unconditional model
            }
            state = fresh(kernels, train, dataSource, settings);
        } else if (state.model().config().conditional() && train.numClasses() != state.model().config().numClasses()) {
            throw new IllegalArgumentException(dataSource + " has " + train.numClasses() + " classes but the model in "
                    + resume + " has " + state.model().config().numClasses());
        }
        TrainConfig tc = state.config();
        if (tc.trainImages() > 0) {
            train = train.head(tc.trainImages());
        }
        TarFlowModel model = state.model();
        boolean conditional = model.config().conditional();
        Trainer trainer = new Trainer(state, train, out, checkpointEvery, policy);
        long params = model.parameters().stream().mapToLong(p -> p.value().size()).sum();
        log.printf(Locale.ROOT, "model %s: %,d parameters, %s, %s%n", describe(model.config()), params, tc.dtype(), kernels.name());
        log.printf(Locale.ROOT, "training on %,d %s from %s (%s): %d epochs x %d steps of %d, lr %.3g, noise %s%s, seed %d%n",
                train.size(), sequences != null ? "sequences" : "images", dataSource, dataFormat, tc.epochs(),
                trainer.stepsPerEpoch(), tc.batchSize(), tc.lr(), tc.noise(),
                conditional ? String.format(Locale.ROOT, ", label drop %.2f", tc.dropLabel()) : "", tc.seed());
        List<String> classNames = train instanceof ImageDataset img && conditional ? img.classNames() : List.of();
        if (!classNames.isEmpty()) {
            log.println("classes: " + String.join(", ", classNames));
        }
        boolean complete = state.step() == trainer.totalSteps();
        if (complete) {
            log.printf("training is already complete (step %d of %d); writing the final outputs again%n",
                    state.step(), trainer.totalSteps());
        } else if (state.step() > 0) {
            log.printf("resuming at step %d of %d from %s%n", state.step(), trainer.totalSteps(), resume);
        }
        log.println("output: " + out.toAbsolutePath());

        long t0 = System.nanoTime();
        Dataset evalSet = test == null ? null : test.head(evalImages);
        double sigma = tc.noise().type() == NoiseAugmentation.Type.GAUSSIAN ? tc.noise().std() : 0;
        Path outDir = out;
        boolean images = model.config().isImage();
        Trainer.EpochHook hook = (epoch, m) -> {
            Map<String, Double> extra = new LinkedHashMap<>();
            if (evalImages > 0 && evalSet != null) {
                if (images) {
                    extra.put("test_bpd_subset", Likelihood.bitsPerDim(m, (ImageDataset) evalSet, 250, true, tc.seed(), null).mean());
                } else {
                    extra.put("test_nll_subset", NegativeLogLikelihood.perDimension(m, evalSet, 250, true, null).mean());
                }
            }
            if (images && sampleEvery > 0 && epoch % sampleEvery == 0) {
                writeGrid(m, outDir.resolve(String.format(Locale.ROOT, "samples-epoch-%03d.png", epoch)), gridOptions, sigma, tc.seed());
            }
            return extra;
        };
        long[] lastStep = {state.step()};
        Thread onInterrupt = new Thread(() -> System.err.printf("%ninterrupted at step %d; continue with: ./tarflow train --resume %s%n",
                lastStep[0], outDir.resolve(Trainer.CHECKPOINT)));
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        ProgressBar[] bar = {null};
        try {
            trainer.run(new Trainer.Listener() {
                @Override
                public void step(Trainer.StepInfo s) {
                    lastStep[0] = s.step();
                    if (bar[0] == null) {
                        bar[0] = new ProgressBar(System.err, "epoch " + s.epoch() + "/" + s.epochs());
                    }
                    bar[0].update(s.stepInEpoch(), s.stepsPerEpoch(), String.format(Locale.ROOT, "loss %.4f lr %.2e %.1f img/s",
                            s.loss(), s.lr(), s.imagesPerSec()));
                }

                @Override
                public void epoch(Trainer.EpochSummary s) {
                    bar[0].finish();
                    bar[0] = null;
                    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                            "epoch %d/%d: loss %.4f (0.5 mean z^2 %.4f, logdet/dim %.4f), lr %.2e, %.0fs, %.1f img/s",
                            s.epoch(), s.epochs(), s.loss(), s.mseZ(), s.logdet(), s.lr(), s.seconds(), s.imagesPerSec()));
                    s.extra().forEach((k, v) -> sb.append(String.format(Locale.ROOT, ", %s %.4f", k.replace('_', ' '), v)));
                    log.println(sb);
                }
            }, hook);
        } finally {
            Runtime.getRuntime().removeShutdownHook(onInterrupt);
        }
        double trainSeconds = (System.nanoTime() - t0) / 1e9;

        Path weights = out.resolve("model.safetensors");
        ModelFiles.save(model, weights, tc.noise().toString(), classNames, state.dataImgSize());
        Path samples = out.resolve(images ? "samples.png" : "samples.csv");
        if (images) {
            writeGrid(model, samples, gridOptions, sigma, tc.seed());
            if (!classNames.isEmpty()) {
                log.println("samples.png rows: " + String.join(", ", classNames.subList(0, Math.min(10, classNames.size()))));
            }
            // data without a test split (an image folder) are scored on training images, and said to be
            String split = test != null ? "test" : "training";
            ImageDataset scored = (ImageDataset) finalEvalSet(test != null ? test : train.head(10000));
            if (scored == null) {
                log.println(split + " bits/dim: not computed (--final-eval-images 0)");
            } else {
                ProgressBar evalBar = new ProgressBar(System.err, split + " bits/dim");
                Likelihood.Result r = Likelihood.bitsPerDim(model, scored, 250, true, tc.seed(),
                        done -> evalBar.update(done, scored.size(), ""));
                evalBar.finish();
                log.printf(Locale.ROOT, "%s bits/dim: %.4f ± %.4f (%d images, uniform dequantisation%s)%n", split, r.mean(),
                        r.stdError(), r.count(), conditional ? ", given the label" : "");
            }
        } else {
            int[] labels = conditional ? Samples.classRows(model.config().numClasses(), 100) : null;
            Tensor x = Samples.draw(model, labels == null ? 1000 : labels.length, labels,
                    conditional ? gridOptions : SamplingOptions.PLAIN, 0, 1.0, tc.seed());
            SequenceDataset.write(samples, x, labels);
            Dataset scored = finalEvalSet(test != null ? test : train);
            String split = test != null ? "test" : "training";
            if (scored == null) {
                log.println(split + " NLL: not computed (--final-eval-images 0)");
            } else {
                Likelihood.Result r = NegativeLogLikelihood.perDimension(model, scored, 250, true, null);
                log.printf(Locale.ROOT, "%s NLL: %.4f ± %.4f nats/dim (%d sequences%s)%n", split, r.mean(), r.stdError(),
                        r.count(), conditional ? ", given the label" : "");
            }
        }
        log.printf(Locale.ROOT, "%swrote %s%s, %s%n", complete ? "" : "training took " + ProgressBar.duration(trainSeconds) + "; ",
                complete ? "" : out.resolve(Trainer.CHECKPOINT) + ", ", weights, samples);
        return 0;
    }

    /**
     * Creates the output directory and checks, before any training, that it can be written and that a
     * new run would not overwrite an earlier one.
     */
    private void prepareOutput() throws IOException {
        Files.createDirectories(out);
        if (resume == null && Files.exists(out.resolve(Trainer.CHECKPOINT))) {
            if (!overwrite) {
                throw new IllegalArgumentException(out + " already holds a training run: continue it with --resume "
                        + out.resolve(Trainer.CHECKPOINT) + ", choose another --out, or pass --overwrite to replace it");
            }
            Files.deleteIfExists(out.resolve(Trainer.LOG));
        }
        Path probe;
        try {
            probe = Files.createTempFile(out, ".write-test", ".tmp");
        } catch (IOException e) {
            throw new IOException("cannot write to the output directory " + out + ": " + Errors.describe(e), e);
        }
        Files.delete(probe);
    }

    /** {@return the first --final-eval-images items of {@code all} (all without the option), null for 0} */
    private Dataset finalEvalSet(Dataset all) {
        return finalEvalImages == null ? all : finalEvalImages == 0 ? null : all.head(finalEvalImages);
    }

    /**
     * Refuses, before any output, options that would be ignored: the image options on sequence data, the sequence
     * options on images, and the guidance of the sample grids on an unconditional model.
     *
     * @param state the checkpoint of {@code --resume}, else null
     * @throws CommandLine.ParameterException naming the first such option
     */
    private void refuseOptionsThatDoNotApply(Checkpoint.State state) {
        if (sequences != null) {
            Usage.refuse(spec, "applies to image data, not to the sequences of " + (resume == null ? "--sequences"
                    : "the checkpoint"), "--data", "--img-size", "--patch-size", "--sample-every");
        } else {
            Usage.refuse(spec, "applies to --sequences data only, not to images", "--sequences-test", "--token-dim");
        }
        if (unconditional || (state != null && !state.model().config().conditional())) {
            refuseGuidanceOptions();
        }
    }

    /** @throws CommandLine.ParameterException if {@code --cfg} or {@code --guidance-rule} is given */
    private void refuseGuidanceOptions() {
        Usage.refuse(spec, "guides the samples towards a class, and this model is unconditional (it has no classes)",
                "--cfg", "--guidance-rule");
    }

    /**
     * The training settings of a new run from the options, validated before anything is read or written;
     * sequence data train without input noise unless --noise is given.
     */
    private TrainConfig trainConfig(boolean sequenceData) {
        DType dt = RuntimeOptions.dtype(dtype);
        // TrainConfig checks these too; here each message names the option the user typed
        Ranges.atLeast("--epochs", epochs, 1);
        Ranges.atLeast("--lr", lr, TrainConfig.MIN_LR);
        Ranges.between("--warmup-epochs", warmupEpochs, 0, epochs);
        Ranges.between("--drop-label", dropLabel, 0, 1);
        var given = spec.commandLine().getParseResult();
        String noiseType = sequenceData && !given.hasMatchedOption("--noise") ? "none" : noise;
        NoiseAugmentation aug = switch (noiseType) {
            case "uniform" -> NoiseAugmentation.uniform();
            case "gaussian" -> {
                Ranges.positive("--noise-std", noiseStd);
                yield NoiseAugmentation.gaussian(noiseStd);
            }
            case "none" -> NoiseAugmentation.none();
            default -> throw new IllegalArgumentException("--noise must be uniform, gaussian or none, got " + noise);
        };
        if (aug.type() != NoiseAugmentation.Type.GAUSSIAN && given.hasMatchedOption("--noise-std")) {
            System.err.println("warning: --noise-std has no effect with --noise " + noiseType);
        }
        return new TrainConfig(epochs, batchSize, lr, warmupEpochs, aug, dropLabel, trainImages == null ? 0 : trainImages,
                seed, dt);
    }

    private Checkpoint.State fresh(Kernels kernels, Dataset train, Path dataSource, TrainConfig tc) {
        var given = spec.commandLine().getParseResult();
        int classes = unconditional ? 0 : train.numClasses();
        ModelConfig mc;
        if (train instanceof ImageDataset img) {
            if (img.height() != img.width()) {
                throw new IllegalArgumentException("TarFlow here needs square images; the data are " + img.height() + "x"
                        + img.width() + ": give --img-size N to resize and center-crop them to NxN");
            }
            mc = new ModelConfig(img.channels(), img.height(), patchSize, channels, blocks, layersPerBlock, !vp, classes);
        } else {
            mc = ModelConfig.sequence(train.itemShape()[0], train.itemShape()[1], channels, blocks, layersPerBlock, !vp,
                    classes);
        }
        if ((unconditional || classes == 0) && given.hasMatchedOption("--drop-label")) {
            System.err.println("warning: --drop-label has no effect on an unconditional model");
        }
        TarFlowModel model = new TarFlowModel(mc, tc.dtype(), kernels).init(seed);
        int used = trainImages == null ? train.size() : Math.min(trainImages, train.size());
        return new Checkpoint.State(model,
                AdamW.reference(model.kernels(), model.parameters()), tc, 0, dataSource.toString(), used,
                train instanceof ImageDataset ? imgSize : null);
    }

    /**
     * 10×10 grid: one class per row with guidance for a conditional model, 100 unguided samples for an
     * unconditional one (whose guidance with attention temperature 1 would change nothing).
     */
    private static void writeGrid(TarFlowModel m, Path file, SamplingOptions opts, double sigma, long runSeed) throws IOException {
        boolean conditional = m.config().conditional();
        int[] labels = conditional ? Samples.classRows(Math.min(10, m.config().numClasses()), 10) : null;
        int n = labels == null ? 100 : labels.length;
        Tensor x = Samples.draw(m, n, labels, conditional ? opts : SamplingOptions.PLAIN, sigma, 1.0, runSeed);
        ImageGrid.write(file, x, 10);
    }

    /** {@return the model's shape in one line, as train, convert, generate-cases and the note on an inferred configuration print it} */
    static String describe(ModelConfig c) {
        if (!c.isImage()) {
            return String.format(Locale.ROOT, "sequences of T=%d tokens x D=%d, width %d, %d blocks x %d layers, %s, %s",
                    c.numPatches(), c.patchDim(), c.channels(), c.numBlocks(), c.layersPerBlock(),
                    c.nvp() ? "affine" : "volume-preserving", c.conditional() ? c.numClasses() + " classes" : "unconditional");
        }
        return String.format(Locale.ROOT, "%dx%dx%d, patch %d (T=%d, D=%d), width %d, %d blocks x %d layers, %s, %s",
                c.inChannels(), c.imgSize(), c.imgSize(), c.patchSize(), c.numPatches(), c.patchDim(), c.channels(),
                c.numBlocks(), c.layersPerBlock(), c.nvp() ? "affine" : "volume-preserving",
                c.conditional() ? c.numClasses() + " classes" : "unconditional");
    }

    private Trainer.NonFinitePolicy nonFinitePolicy() {
        return switch (onNonFinite) {
            case "stop" -> Trainer.NonFinitePolicy.STOP;
            case "skip" -> Trainer.NonFinitePolicy.SKIP;
            default -> throw new IllegalArgumentException("--on-nonfinite must be stop or skip, got " + onNonFinite);
        };
    }
}
