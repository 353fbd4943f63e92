package org.tarflow.cli;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tarflow.boltzmann.BoltzmannGenerator;
import org.tarflow.boltzmann.DoubleWell;
import org.tarflow.boltzmann.Energy;
import org.tarflow.boltzmann.ImportanceWeights;
import org.tarflow.boltzmann.LennardJones;
import org.tarflow.boltzmann.Mala;
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
 * {@code tarflow boltzmann --target dw4|lj13}: draws reference configurations by MALA, trains TarFlow on them as a
 * Boltzmann generator (atoms as tokens), samples with exact log-likelihoods and reports the importance weights' ESS,
 * E-W2 and distance W1 (raw, reweighted, clipped), next to a Gaussian fitted to the reference; writes
 * {@code reference.safetensors}, {@code energies.png}, {@code distances.png} and {@code metrics.json}.
 */
@Command(name = "boltzmann", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train TarFlow as a Boltzmann generator on DW-4 or LJ-13 (reference data by seeded MALA), sample with"
                + " exact log-likelihoods and report ESS, E-W2 and distance W1, raw and importance-reweighted."})
final class BoltzmannCommand implements Callable<Integer> {
    private static final int BINS = 60;
    private static final double TRIM = 0.99;

    @Option(names = "--target", completionCandidates = Choices.BoltzmannTarget.class, required = true, description = "dw4 or lj13")
    String target;

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

    @Option(names = "--out", description = "Output directory. Default: runs/boltzmann-<target>")
    Path out;

    @Option(names = "--overwrite", description = "Replace a run already in the output directory.")
    boolean overwrite;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of MALA, initialisation, augmentation and samples. Default: ${DEFAULT-VALUE}")
    long seed;

    @CommandLine.Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws IOException {
        runtime.apply();
        Energy e;
        double spacing;
        switch (target.toLowerCase(Locale.ROOT)) {
            case "dw4" -> {
                e = DoubleWell.dw4();
                spacing = 4;
            }
            case "lj13" -> {
                e = LennardJones.lj13();
                spacing = 1;
            }
            default -> throw new IllegalArgumentException("--target must be dw4 or lj13, got '" + target + "'");
        }
        Ranges.atLeast("--chains", chains, 2);
        if (chains % 2 != 0) {
            throw new IllegalArgumentException("--chains must be even (half train, half evaluate), got " + chains);
        }
        Ranges.atLeast("--epochs", epochs, 1);
        Ranges.atLeast("--samples", samples, 2);
        if (!(clipQuantile > 0 && clipQuantile <= 1)) {
            throw new IllegalArgumentException("--clip-quantile must be in (0, 1], got " + clipQuantile);
        }
        // checked before MALA runs and writes its reference: the trainer would refuse it only after that
        long trainingSet = (long) chains / 2 * perChain;
        if (batchSize < 1 || batchSize > trainingSet) {
            throw new IllegalArgumentException("--batch-size " + batchSize + " must be between 1 and the " + trainingSet
                    + " training configurations (--chains / 2 x --per-chain)");
        }
        Path dir = out != null ? out : Path.of("runs", "boltzmann-" + target.toLowerCase(Locale.ROOT));
        if ((Files.exists(dir.resolve("metrics.json")) || Files.exists(dir.resolve(Trainer.CHECKPOINT))) && !overwrite) {
            throw new IllegalArgumentException(dir + " already holds a run: choose another --out or pass --overwrite");
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve(Trainer.LOG));
        Files.deleteIfExists(dir.resolve(Trainer.CHECKPOINT));
        long t0 = System.nanoTime();
        int np = e.particles();
        int d = e.dim();
        int m = np * d;

        System.err.printf(Locale.ROOT, "MALA: %d chains x (%d burn-in + %d x %d) steps%n", chains, burnIn, perChain, thin);
        Mala.Result ref = Mala.sample(e, lattice(np, d, spacing), new Mala.Settings(chains, burnIn, perChain, thin, 1e-3, seed));
        System.err.printf(Locale.ROOT, "MALA: acceptance %.3f, step %.3g, energy autocorrelation time %.2f kept samples%n",
                ref.acceptance(), ref.stepSize(), ref.autocorrelationTime());
        Tensor refTensor = Tensor.zeros(DType.F64, ref.samples().size(), np, d);
        for (int i = 0; i < refTensor.size(); i++) {
            refTensor.set(i, ref.samples().values()[i]);
        }
        SequenceDataset.write(dir.resolve("reference.safetensors"), refTensor, null);
        int half = chains / 2 * perChain;
        SequenceDataset train = ref.samples().head(half);
        double[] evalX = Arrays.copyOfRange(ref.samples().values(), half * m, 2 * half * m);
        double[] trainE = Arrays.copyOf(ref.energies(), half);
        double[] evalE = Arrays.copyOfRange(ref.energies(), half, 2 * half);
        double mala = (System.nanoTime() - t0) / 1e9;

        TrainingProgress progress = new TrainingProgress();
        TarFlowModel model = BoltzmannGenerator.train(train, new BoltzmannGenerator.Settings(channels, blocks, layers, epochs, batchSize, lr),
                seed, dir, runtime.kernels(), progress);
        progress.finish();
        double trained = (System.nanoTime() - t0) / 1e9;
        System.err.println("sampling " + samples + " configurations in float64");
        BoltzmannGenerator.Samples s = BoltzmannGenerator.sample(model, e, samples, seed);
        double[][] gauss = BoltzmannGenerator.gaussianBaseline(train, e, samples, Seeds.stream(seed, Seeds.EVAL_SAMPLES, 0));

        double[] w = ImportanceWeights.normalised(s.logW());
        double[] wClip = ImportanceWeights.normalised(ImportanceWeights.clip(s.logW(), clipQuantile));
        double[] ci = ImportanceWeights.kishInterval(s.logW(), 200, 0.95, Seeds.stream(seed, Seeds.EVAL, 0));
        double[] refD = BoltzmannGenerator.distances(evalX, np, d);
        double[] flowD = BoltzmannGenerator.distances(s.x(), np, d);
        int pairs = np * (np - 1) / 2;
        JsonObject o = new JsonObject();
        o.addProperty("target", target.toLowerCase(Locale.ROOT));
        o.addProperty("reference_samples", evalE.length);
        o.addProperty("mala_acceptance", ref.acceptance());
        o.addProperty("mala_autocorrelation_time", ref.autocorrelationTime());
        o.addProperty("flow_samples", samples);
        o.addProperty("flow_infinite_energy", Arrays.stream(s.energies()).filter(v -> !Double.isFinite(v)).count());
        o.addProperty("ess_fraction", ImportanceWeights.kish(s.logW()));
        o.addProperty("ess_fraction_ci95_lo", ci[0]);
        o.addProperty("ess_fraction_ci95_hi", ci[1]);
        o.addProperty("ess_fraction_clipped", ImportanceWeights.kish(ImportanceWeights.clip(s.logW(), clipQuantile)));
        o.addProperty("clip_quantile", clipQuantile);
        o.addProperty("e_w2_halves_of_reference", Wasserstein.distance(trainE, null, evalE, null, 2));
        o.addProperty("e_w2_gaussian", Wasserstein.distance(gauss[1], null, evalE, null, 2));
        o.addProperty("e_w2_raw", Wasserstein.distance(s.energies(), null, evalE, null, 2));
        o.addProperty("e_w2_reweighted", Wasserstein.distance(s.energies(), w, evalE, null, 2));
        o.addProperty("e_w2_clipped", Wasserstein.distance(s.energies(), wClip, evalE, null, 2));
        o.addProperty("e_w2_gaussian_finite_only", Wasserstein.distance(finite(gauss[1]), null, evalE, null, 2));
        o.addProperty("e_w2_raw_finite_only", Wasserstein.distance(finite(s.energies()), null, evalE, null, 2));
        o.addProperty("e_w2_gaussian_trimmed", Wasserstein.distance(lowest(gauss[1]), null, lowest(evalE), null, 2));
        o.addProperty("e_w2_raw_trimmed", Wasserstein.distance(lowest(s.energies()), null, lowest(evalE), null, 2));
        o.addProperty("trimmed_fraction", 1 - TRIM);
        o.addProperty("dist_w1_gaussian", Wasserstein.distance(BoltzmannGenerator.distances(gauss[0], np, d), null, refD, null, 1));
        o.addProperty("dist_w1_raw", Wasserstein.distance(flowD, null, refD, null, 1));
        o.addProperty("dist_w1_reweighted", Wasserstein.distance(flowD, perPair(w, pairs), refD, null, 1));
        o.addProperty("dist_w1_clipped", Wasserstein.distance(flowD, perPair(wClip, pairs), refD, null, 1));
        o.addProperty("mala_seconds", mala);
        o.addProperty("train_seconds", trained - mala);
        o.addProperty("total_seconds", (System.nanoTime() - t0) / 1e9);
        o.addProperty("threads", Runtime.getRuntime().availableProcessors());
        byte[] bytes = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(o)
                .getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(dir.resolve("metrics.json"), os -> os.write(bytes));

        histogram("energy", "E (kT)", evalE, s.energies(), w).writePng(dir.resolve("energies.png"));
        histogram("interatomic distance", "r (length units)", refD, flowD, perPair(w, pairs)).writePng(dir.resolve("distances.png"));
        for (String key : o.keySet()) {
            System.out.println(key + " = " + o.get(key));
        }
        System.out.println("wrote " + dir.resolve("metrics.json") + ", energies.png, distances.png, reference.safetensors");
        return 0;
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
    private static LineChart histogram(String what, String unit, double[] ref, double[] flow, double[] w) {
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
                .series("reference (MALA)", centres, density(ref, null, lo, hi))
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
