package org.tarflow.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tarflow.boltzmann.BoltzmannGenerator;
import org.tarflow.boltzmann.DoubleWell;
import org.tarflow.boltzmann.Energy;
import org.tarflow.boltzmann.ImportanceWeights;
import org.tarflow.boltzmann.LennardJones;
import org.tarflow.boltzmann.Mala;
import org.tarflow.boltzmann.ParticleAugmentation;
import org.tarflow.boltzmann.ParticleFiles;
import org.tarflow.boltzmann.Wasserstein;
import org.tarflow.data.Seeds;
import org.tarflow.data.SequenceDataset;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.AtomicFiles;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tarflow boltzmann --target dw4|lj13|FILE}: trains TarFlow as a Boltzmann generator (atoms as tokens) on
 * reference configurations, samples with exact log-likelihoods and reports the importance weights' ESS, E-W2 and
 * distance W1 (raw, reweighted, clipped) in {@code metrics.json}, {@code energies.png} and {@code distances.png}.
 * For DW-4 and LJ-13 the reference comes from seeded MALA ({@code reference.safetensors}, with its energies) and
 * everything runs at once, with a Gaussian fitted to the reference as a baseline. For a FILE of configurations with
 * energies computed elsewhere ({@link ParticleFiles}) it takes two invocations, because the energy function is not
 * available here: the first trains and writes {@code samples.safetensors} (x, log q) and {@code samples.csv}; the
 * second, {@code --reweight SAMPLES --energies E}, takes the user's energies of those samples and reports.
 */
@Command(name = "boltzmann", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train TarFlow as a Boltzmann generator on DW-4, LJ-13 (reference data by seeded MALA) or a FILE of"
                + " configurations with energies computed elsewhere, sample with exact log-likelihoods and report ESS, E-W2 and"
                + " distance W1, raw and importance-reweighted. For a FILE: first train and sample (samples.safetensors,"
                + " samples.csv), then compute the samples' energies and run again with --reweight SAMPLES --energies E."})
final class BoltzmannCommand implements Callable<Integer> {
    private static final int BINS = 60;
    private static final double TRIM = 0.99;
    private static final String SAMPLES = "samples.safetensors";
    /** What a run writes once its energies are known; an --overwrite run removes them first. */
    private static final List<String> FIGURE_FILES = List.of("metrics.json", "energies.png", "distances.png");

    @Option(names = "--target", required = true, description = "dw4, lj13, or a reference FILE: a sequence dataset (.safetensors"
            + " with x (N, T, D) and energy (N), or .csv of T*D values and an 'energy' column per line) of configurations"
            + " and their energies")
    String target;

    @Option(names = "--reweight", paramLabel = "SAMPLES", description = "With --target FILE: report on the samples.safetensors"
            + " of an earlier run, weighted by --energies")
    Path reweight;

    @Option(names = "--energies", paramLabel = "E", description = "With --reweight: the samples' energies, in their order"
            + " (.npy, .csv or .txt of one value a line, or .safetensors with 'energy'); +inf marks weight 0")
    Path energies;

    @Option(names = "--kt", defaultValue = "1", description = "kT in the FILE's energy unit (e.g. 2.494339 for kJ/mol at"
            + " 300 K): energies are divided by it. Default: ${DEFAULT-VALUE} (energies in kT)")
    double kt;

    @Option(names = "--token-dim", defaultValue = "3", description = "D, coordinates per particle of a .csv FILE. Default:"
            + " ${DEFAULT-VALUE}")
    int tokenDim;

    @Option(names = "--species", split = ",", description = "One label per particle, comma-separated (e.g. C,C,N,H):"
            + " particles of equal label are identical and are permuted among themselves. Default: all identical")
    String[] species;

    @Option(names = "--rotations", completionCandidates = Choices.Rotations.class, defaultValue = "orthogonal", description = "Orientation augmentation: orthogonal"
            + " (rotations and reflections), proper (rotations only: for chiral molecules) or none. Default: ${DEFAULT-VALUE}")
    String rotations;

    @Option(names = "--chains", defaultValue = "16", description = "MALA chains; the first half is the training set, the"
            + " second the evaluation reference. Default: ${DEFAULT-VALUE}")
    int chains;

    @Option(names = "--burn-in", defaultValue = "5000", description = "Discarded MALA steps per chain. Default: ${DEFAULT-VALUE}")
    int burnIn;

    @Option(names = "--per-chain", defaultValue = "1000", description = "Kept states per chain. Default: ${DEFAULT-VALUE}")
    int perChain;

    @Option(names = "--thin", defaultValue = "20", description = "MALA steps between kept states. Default: ${DEFAULT-VALUE}")
    int thin;

    @Option(names = "--epochs", defaultValue = "40", description = "Passes over the training set. Default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--blocks", defaultValue = "4", description = "Flow blocks. Default: ${DEFAULT-VALUE}")
    int blocks;

    @Option(names = "--channels", defaultValue = "64", description = "Transformer width. Default: ${DEFAULT-VALUE}")
    int channels;

    @Option(names = "--layers", defaultValue = "1", description = "Layers per block. Default: ${DEFAULT-VALUE}")
    int layers;

    @Option(names = "--batch-size", defaultValue = "256", description = "Configurations per step. Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate. Default: ${DEFAULT-VALUE}")
    double lr;

    @Option(names = "--samples", defaultValue = "8000", description = "Flow samples drawn for the figures. Default: ${DEFAULT-VALUE}")
    int samples;

    @Option(names = "--clip-quantile", defaultValue = "0.998", description = "Log-weights above this quantile are clipped to"
            + " it for the clipped figures (1: none). Default: ${DEFAULT-VALUE}")
    double clipQuantile;

    @Option(names = "--out", description = "Output directory. Default: runs/boltzmann-<target> (with --reweight: the"
            + " folder of SAMPLES)")
    Path out;

    @Option(names = "--overwrite", description = "Replace a run already in the output directory.")
    boolean overwrite;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of MALA, initialisation, augmentation and samples"
            + " (with --reweight, the bootstrap's seed is the samples'). Default: ${DEFAULT-VALUE}")
    long seed;

    @CommandLine.Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    /** The held-out half of the reference, against which the flow is measured, and the training half's energies. */
    private record Held(String label, double[] trainE, double[] x, double[] e, int np, int d) {
    }

    @Override
    public Integer call() throws IOException {
        runtime.apply();
        String name = target.toLowerCase(Locale.ROOT);
        Energy e = switch (name) {
            case "dw4" -> DoubleWell.dw4();
            case "lj13" -> LennardJones.lj13();
            default -> null;
        };
        // MALA's start: a lattice near the pair potential's minimum, so of finite, moderate energy
        double spacing = name.equals("dw4") ? 4 : 1;
        if (e == null && !Files.exists(Path.of(target))) {
            throw new IllegalArgumentException("--target must be dw4, lj13 or a reference file, got '" + target
                    + "' (no such file)");
        }
        if ((reweight != null) != (energies != null)) {
            throw Usage.error(spec, "--reweight SAMPLES and --energies E go together");
        }
        if (!(clipQuantile > 0 && clipQuantile <= 1)) {
            throw new IllegalArgumentException("--clip-quantile must be in (0, 1], got " + clipQuantile);
        }
        Ranges.positive("--kt", kt); // the library's own check would say "kT", after the reference is read
        if (reweight != null) {
            if (e != null) {
                throw Usage.error(spec, "--reweight is for --target FILE: " + target + "'s energies are computed here");
            }
            return reweight();
        }
        Ranges.atLeast("--epochs", epochs, 1);
        Ranges.atLeast("--samples", samples, 2);
        // Choices.Rotations has let only the enum's names in lower case through
        ParticleAugmentation.Rotations rot = ParticleAugmentation.Rotations.valueOf(rotations.toUpperCase(Locale.ROOT));
        Path dir = out != null ? out : Path.of("runs", "boltzmann-" + (e != null ? name : stem(Path.of(target))));
        if ((Files.exists(dir.resolve("metrics.json")) || Files.exists(dir.resolve(Trainer.CHECKPOINT))
                || Files.exists(dir.resolve(SAMPLES))) && !overwrite) {
            throw new IllegalArgumentException(dir + " already holds a run: choose another --out or pass --overwrite");
        }
        // the old run's figures would otherwise sit beside the new samples (a FILE target writes none until step 2)
        for (String old : FIGURE_FILES) {
            Files.deleteIfExists(dir.resolve(old));
        }
        long t0 = System.nanoTime();
        Path file;
        Mala.Result mala = null;
        if (e != null) {
            Ranges.atLeast("--chains", chains, 2);
            if (chains % 2 != 0) {
                throw new IllegalArgumentException("--chains must be even (half train, half evaluate), got " + chains);
            }
            // MALA's own check names no option and comes after the output folder is made and the run announced
            Ranges.atLeast("--per-chain", perChain, 2);
            Ranges.atLeast("--burn-in", burnIn, 0);
            Ranges.atLeast("--thin", thin, 1);
            // checked before MALA runs and writes its reference: the trainer would refuse it only after that
            checkBatch((long) chains / 2 * perChain, "--chains / 2 x --per-chain");
            Files.createDirectories(dir);
            System.err.printf(Locale.ROOT, "MALA: %d chains x (%d burn-in + %d x %d) steps%n", chains, burnIn, perChain, thin);
            mala = Mala.sample(e, lattice(e.particles(), e.dim(), spacing),
                    new Mala.Settings(chains, burnIn, perChain, thin, 1e-3, seed));
            System.err.printf(Locale.ROOT, "MALA: acceptance %.3f, step %.3g, energy autocorrelation time %.2f kept samples%n",
                    mala.acceptance(), mala.stepSize(), mala.autocorrelationTime());
            file = dir.resolve("reference.safetensors");
            ParticleFiles.writeReference(file, mala.samples(), mala.energies());
        } else {
            file = Path.of(target);
        }
        ParticleFiles.Reference ref = readReference(file, e != null ? 1 : kt);
        SequenceDataset all = ref.configurations();
        int np = all.length();
        int d = all.dim();
        int half = all.size() / 2;
        if (half < 1) {
            throw new IllegalArgumentException(file + " holds " + all.size() + " configuration(s): need at least 2 (half to"
                    + " train on, half to measure against)");
        }
        if (e == null) {
            checkBatch(half, "half of the " + all.size() + " configurations of " + file);
        }
        int[] labels = speciesLabels(np);
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(Trainer.LOG));
        Files.deleteIfExists(dir.resolve(Trainer.CHECKPOINT));
        double malaSeconds = (System.nanoTime() - t0) / 1e9;

        SequenceDataset train = all.head(half);
        TrainingProgress progress = new TrainingProgress();
        TarFlowModel model = BoltzmannGenerator.train(new ParticleAugmentation(train, labels, rot, seed),
                new BoltzmannGenerator.Settings(channels, blocks, layers, epochs, batchSize, lr), seed, dir, runtime.kernels(), progress);
        progress.finish();
        double trained = (System.nanoTime() - t0) / 1e9;
        System.err.println("sampling " + samples + " configurations in float64");
        int m = np * d;
        Held held = new Held(e != null ? "reference (MALA)" : "reference (" + file.getFileName() + ")",
                Arrays.copyOf(ref.energies(), half), Arrays.copyOfRange(all.values(), half * m, all.size() * m),
                Arrays.copyOfRange(ref.energies(), half, all.size()), np, d);
        BoltzmannGenerator.Draws draws = BoltzmannGenerator.draw(model, samples, seed);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("reference", file.toAbsolutePath().toString());
        meta.put("seed", Long.toString(seed));
        meta.put("train_seconds", Double.toString(trained - malaSeconds));
        meta.put("sample_seconds", Double.toString((System.nanoTime() - t0) / 1e9 - trained));
        ParticleFiles.writeSamples(dir.resolve(SAMPLES), draws, np, d, meta);
        if (e == null) {
            SequenceDataset.write(dir.resolve("samples.csv"), Tensor.of(DType.F64, draws.x(), samples, np, d), null);
            System.out.println("wrote " + dir.resolve(SAMPLES) + " (x, log_q, log_centre) and samples.csv: " + samples
                    + " configurations of " + np + " particles in " + d + "-D, each centred on its centre of mass");
            System.out.println("next: compute their energies, in that order and in the unit of " + file.getFileName()
                    + "'s energies (with the same --kt), then run");
            boolean csv = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv");
            System.out.println("  tarflow boltzmann --target " + target + (csv ? " --token-dim " + tokenDim : "")
                    + " --reweight " + dir.resolve(SAMPLES) + " --energies ENERGIES.npy|.csv");
            return 0;
        }
        double[] en = BoltzmannGenerator.energies(e, draws.x());
        double[] logW = draws.logWeights(en);
        double[][] gauss = BoltzmannGenerator.gaussianBaseline(train, e, samples, Seeds.stream(seed, Seeds.EVAL_SAMPLES, 0));
        JsonObject o = new JsonObject();
        o.addProperty("target", name);
        o.addProperty("reference_samples", held.e().length);
        o.addProperty("mala_acceptance", mala.acceptance());
        o.addProperty("mala_autocorrelation_time", mala.autocorrelationTime());
        figures(o, held, draws.x(), en, logW, gauss, seed);
        o.addProperty("mala_seconds", malaSeconds);
        o.addProperty("train_seconds", trained - malaSeconds);
        o.addProperty("total_seconds", (System.nanoTime() - t0) / 1e9);
        o.addProperty("threads", Runtime.getRuntime().availableProcessors());
        write(dir, o, held, draws.x(), en, logW, "reference.safetensors, " + SAMPLES);
        return 0;
    }

    /** The second step for a FILE target: the samples of the first, weighed with the user's energies. */
    private int reweight() throws IOException {
        Path file = Path.of(target);
        ParticleFiles.Reference ref = readReference(file, kt);
        ParticleFiles.SampleFile sf = ParticleFiles.readSamples(reweight);
        SequenceDataset all = ref.configurations();
        if (sf.particles() != all.length() || sf.dim() != all.dim()) {
            throw new IllegalArgumentException(reweight + " holds samples of " + sf.particles() + " particles in " + sf.dim()
                    + "-D, " + file + " configurations of " + all.length() + " in " + all.dim() + "-D");
        }
        double[] en = ParticleFiles.readEnergies(energies, sf.size(), kt);
        Path dir = out != null ? out : reweight.toAbsolutePath().getParent();
        if (Files.exists(dir.resolve("metrics.json")) && !overwrite) {
            throw new IllegalArgumentException(dir + " already holds metrics.json: choose another --out or pass --overwrite");
        }
        int half = all.size() / 2;
        int np = all.length();
        int m = np * all.dim();
        Held held = new Held("reference (" + file.getFileName() + ")", Arrays.copyOf(ref.energies(), half),
                Arrays.copyOfRange(all.values(), half * m, all.size() * m), Arrays.copyOfRange(ref.energies(), half, all.size()),
                np, all.dim());
        double[] logW = sf.draws().logWeights(en);
        if (Arrays.stream(logW).allMatch(v -> v == Double.NEGATIVE_INFINITY)) {
            throw new IllegalArgumentException(energies + ": every sample has energy +inf, so every weight is 0");
        }
        long bootstrapSeed = sf.metadata().containsKey("seed") ? Long.parseLong(sf.metadata().get("seed")) : seed;
        JsonObject o = new JsonObject();
        o.addProperty("target", file.getFileName().toString());
        o.addProperty("reference_samples", held.e().length);
        figures(o, held, sf.draws().x(), en, logW, null, bootstrapSeed);
        for (String key : new String[] {"train_seconds", "sample_seconds"}) {
            if (sf.metadata().containsKey(key)) {
                o.addProperty(key, Double.parseDouble(sf.metadata().get(key)));
            }
        }
        o.addProperty("seed", bootstrapSeed);
        o.addProperty("kt", kt);
        Files.createDirectories(dir);
        write(dir, o, held, sf.draws().x(), en, logW, energies.getFileName().toString());
        return 0;
    }

    private ParticleFiles.Reference readReference(Path file, double kT) throws IOException {
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv") && tokenDim < 1) {
            throw new IllegalArgumentException("--token-dim must be positive for a .csv reference, got " + tokenDim);
        }
        return ParticleFiles.readReference(file, tokenDim, kT);
    }

    private void checkBatch(long trainingSet, String what) {
        if (batchSize < 1 || batchSize > trainingSet) {
            throw new IllegalArgumentException("--batch-size " + batchSize + " must be between 1 and the " + trainingSet
                    + " training configurations (" + what + ")");
        }
    }

    /** {@code --species} as integer labels in order of first appearance, or null (all identical). */
    private int[] speciesLabels(int np) {
        if (species == null) {
            return null;
        }
        if (species.length != np) {
            throw new IllegalArgumentException("--species names " + species.length + " particles, the configurations have " + np);
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        int[] labels = new int[np];
        for (int i = 0; i < np; i++) {
            labels[i] = ids.computeIfAbsent(species[i].strip(), k -> ids.size());
        }
        return labels;
    }

    private static String stem(Path file) {
        String f = file.getFileName().toString();
        int dot = f.lastIndexOf('.');
        return dot > 0 ? f.substring(0, dot) : f;
    }

    /**
     * Adds the figures of flow samples against the held-out reference to {@code o}: ESS (with its bootstrap interval),
     * E-W2 and distance W1, raw, reweighted and clipped, and those of the Gaussian baseline when there is one.
     *
     * @param gauss {configurations, energies} of the fitted Gaussian, or null where the energy is not available here
     * @param seed  seeds the bootstrap
     */
    private void figures(JsonObject o, Held ref, double[] x, double[] en, double[] logW, double[][] gauss, long seed) {
        int np = ref.np();
        int d = ref.d();
        double[] w = ImportanceWeights.normalised(logW);
        double[] wClip = ImportanceWeights.normalised(ImportanceWeights.clip(logW, clipQuantile));
        double[] ci = ImportanceWeights.kishInterval(logW, 200, 0.95, Seeds.stream(seed, Seeds.EVAL, 0));
        double[] refD = BoltzmannGenerator.distances(ref.x(), np, d);
        double[] flowD = BoltzmannGenerator.distances(x, np, d);
        int pairs = np * (np - 1) / 2;
        double[] evalE = ref.e();
        o.addProperty("flow_samples", en.length);
        o.addProperty("flow_infinite_energy", Arrays.stream(en).filter(v -> !Double.isFinite(v)).count());
        o.addProperty("ess_fraction", ImportanceWeights.kish(logW));
        o.addProperty("ess_fraction_ci95_lo", ci[0]);
        o.addProperty("ess_fraction_ci95_hi", ci[1]);
        o.addProperty("ess_fraction_clipped", ImportanceWeights.kish(ImportanceWeights.clip(logW, clipQuantile)));
        o.addProperty("clip_quantile", clipQuantile);
        o.addProperty("e_w2_halves_of_reference", Wasserstein.distance(ref.trainE(), null, evalE, null, 2));
        if (gauss != null) {
            o.addProperty("e_w2_gaussian", Wasserstein.distance(gauss[1], null, evalE, null, 2));
        }
        o.addProperty("e_w2_raw", Wasserstein.distance(en, null, evalE, null, 2));
        o.addProperty("e_w2_reweighted", Wasserstein.distance(en, w, evalE, null, 2));
        o.addProperty("e_w2_clipped", Wasserstein.distance(en, wClip, evalE, null, 2));
        if (gauss != null) {
            o.addProperty("e_w2_gaussian_finite_only", Wasserstein.distance(finite(gauss[1]), null, evalE, null, 2));
        }
        o.addProperty("e_w2_raw_finite_only", Wasserstein.distance(finite(en), null, evalE, null, 2));
        if (gauss != null) {
            o.addProperty("e_w2_gaussian_trimmed", Wasserstein.distance(lowest(gauss[1]), null, lowest(evalE), null, 2));
        }
        o.addProperty("e_w2_raw_trimmed", Wasserstein.distance(lowest(en), null, lowest(evalE), null, 2));
        o.addProperty("trimmed_fraction", 1 - TRIM);
        if (gauss != null) {
            o.addProperty("dist_w1_gaussian", Wasserstein.distance(BoltzmannGenerator.distances(gauss[0], np, d), null, refD, null, 1));
        }
        o.addProperty("dist_w1_raw", Wasserstein.distance(flowD, null, refD, null, 1));
        o.addProperty("dist_w1_reweighted", Wasserstein.distance(flowD, perPair(w, pairs), refD, null, 1));
        o.addProperty("dist_w1_clipped", Wasserstein.distance(flowD, perPair(wClip, pairs), refD, null, 1));
    }

    /** Writes {@code metrics.json} and the two histograms into dir, and prints the figures. */
    private static void write(Path dir, JsonObject o, Held ref, double[] x, double[] en, double[] logW, String alsoWritten)
            throws IOException {
        byte[] bytes = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(o)
                .getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(dir.resolve("metrics.json"), os -> os.write(bytes));
        double[] w = ImportanceWeights.normalised(logW);
        int pairs = ref.np() * (ref.np() - 1) / 2;
        histogram("energy", "E (kT)", ref.label(), ref.e(), en, w).writePng(dir.resolve("energies.png"));
        histogram("interatomic distance", "r (length units)", ref.label(), BoltzmannGenerator.distances(ref.x(), ref.np(), ref.d()),
                BoltzmannGenerator.distances(x, ref.np(), ref.d()), perPair(w, pairs)).writePng(dir.resolve("distances.png"));
        for (String key : o.keySet()) {
            System.out.println(key + " = " + o.get(key));
        }
        System.out.println("wrote " + dir.resolve("metrics.json") + ", energies.png, distances.png (" + alsoWritten + " beside)");
    }

    /** N particles on a square (cubic, ...) lattice of the given spacing, centred: a start of finite energy. */
    private static double[] lattice(int np, int d, double spacing) {
        int side = (int) Math.ceil(Math.pow(np, 1.0 / d) - 1e-9);
        double[] x = new double[np * d];
        for (int i = 0; i < np; i++) {
            int r = i;
            for (int k = 0; k < d; k++) {
                x[i * d + k] = spacing * (r % side);
                r /= side;
            }
        }
        return x;
    }

    /**
     * The lowest {@value #TRIM} of the values, for E-W2 trimmed on both sides alike: a few LJ samples with two
     * particles nearly on top of each other have energies of 10^20 kT, which would make W2 a measure of those few
     * alone (the trimmed distance of Álvarez-Esteban et al. 2008, with the trimming fixed at the top quantile).
     */
    private static double[] lowest(double[] v) {
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        return Arrays.copyOf(sorted, Math.max(1, (int) Math.floor(TRIM * sorted.length)));
    }

    private static double[] finite(double[] v) {
        return Arrays.stream(v).filter(Double::isFinite).toArray();
    }

    /** Each sample's weight repeated for each of its pairs, in the order of {@link BoltzmannGenerator#distances}. */
    private static double[] perPair(double[] w, int pairs) {
        double[] out = new double[w.length * pairs];
        for (int i = 0; i < out.length; i++) {
            out[i] = w[i / pairs];
        }
        return out;
    }

    /**
     * Histograms (probability density per unit of the value) of the reference, the raw flow samples and the reweighted
     * flow samples, over the reference's 0.1 %..99.9 % range widened by a quarter on each side; flow values outside
     * it (e.g. LJ overlaps of huge energy) are not drawn.
     */
    private static LineChart histogram(String what, String unit, String refLabel, double[] ref, double[] flow, double[] w) {
        double[] sorted = ref.clone();
        Arrays.sort(sorted);
        double lo = sorted[(int) (0.001 * (sorted.length - 1))];
        double hi = sorted[(int) (0.999 * (sorted.length - 1))];
        double pad = 0.25 * (hi - lo);
        lo -= pad;
        hi += pad;
        double[] centres = new double[BINS];
        for (int b = 0; b < BINS; b++) {
            centres[b] = lo + (b + 0.5) * (hi - lo) / BINS;
        }
        return new LineChart(what + " histograms", unit, "probability density", false)
                .series(refLabel, centres, density(ref, null, lo, hi))
                .series("flow, raw", centres, density(flow, null, lo, hi))
                .series("flow, reweighted", centres, density(flow, w, lo, hi));
    }

    private static double[] density(double[] v, double[] w, double lo, double hi) {
        double[] h = new double[BINS];
        double width = (hi - lo) / BINS;
        double total = 0;
        for (int i = 0; i < v.length; i++) {
            double wi = w == null ? 1 : w[i];
            total += wi;
            int b = (int) Math.floor((v[i] - lo) / width);
            if (b >= 0 && b < BINS) {
                h[b] += wi;
            }
        }
        for (int b = 0; b < BINS; b++) {
            h[b] /= total * width;
        }
        return h;
    }
}
