package org.tarflow.boltzmann;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tarflow.data.SequenceDataset;
import org.tarflow.io.Npy;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.io.TensorFileException;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * The files of a Boltzmann generator whose energy function is not available here (a force field run elsewhere, e.g.
 * by OpenMM): reference configurations with their energies, flow samples with their exact log-likelihoods, and the
 * energies of those samples computed outside. Energies are per configuration, divided on reading by {@code kT} given
 * in their unit (1 when they are in kT already), so that everything downstream is in kT.
 *
 * <ul>
 *   <li><b>Reference</b> ({@link #readReference}): a sequence dataset ({@link SequenceDataset}: safetensors
 *       {@code x} (N, T, D), or CSV of T·D values a line) with an {@value #ENERGY} column: the safetensors tensor
 *       {@code energy} (N) or (N, 1), or the CSV column headed {@code energy}.</li>
 *   <li><b>Samples</b> ({@link #writeSamples}, {@link #readSamples}): safetensors with {@code x} (n, T, D) F64, each
 *       configuration centred, {@code log_q} (n) F64, the exact log-density of the flow at the sample as drawn
 *       (before centring), and {@code log_centre} (n) F64, {@code -(N/2)|c|²} for its centre of mass c; then
 *       {@code log w = -E(x) - log_q + log_centre} (see {@link BoltzmannGenerator.Draws}).</li>
 *   <li><b>Sample energies</b> ({@link #readEnergies}): {@code .npy} (float64 or float32, shape (n) or (n, 1), as
 *       {@code np.save} writes), {@code .csv} or {@code .txt} (one value a line, or a column headed {@code energy}),
 *       or safetensors with a tensor {@code energy}, in the samples' order.</li>
 * </ul>
 */
public final class ParticleFiles {
    /** The name of the energy tensor or CSV column. */
    public static final String ENERGY = "energy";
    private static final String FORMAT = "tarflow-boltzmann-samples";

    private ParticleFiles() {
    }

    /**
     * Reference configurations and their energies.
     *
     * @param configurations the configurations, each centred on its centre of mass (the energy is taken to be
     *                       translation invariant), N tokens of D coordinates
     * @param energies       their energies in kT, finite
     */
    public record Reference(SequenceDataset configurations, double[] energies) {
    }

    /**
     * Reads a reference file.
     *
     * @param file     {@code .safetensors} or {@code .csv}
     * @param tokenDim D for a CSV file; ignored for safetensors
     * @param kT       kT in the energies' unit, positive
     * @return the centred configurations and their energies in kT
     * @throws TensorFileException naming the file if it is not a sequence dataset (see {@link SequenceDataset#read}),
     *                             has no energy column, holds another number of energies than of configurations, or an
     *                             energy that is not finite (naming its index)
     * @throws IllegalArgumentException if kT is not positive, or a CSV file's {@code tokenDim} is below 1
     * @throws IOException         if the file cannot be read
     */
    public static Reference readReference(Path file, int tokenDim, double kT) throws IOException {
        SequenceDataset data = SequenceDataset.read(file, tokenDim, Set.of(ENERGY));
        double[] energies = readColumn(file, kT, "the reference needs the energy of each configuration: a tensor 'energy' (N)"
                + " beside 'x'");
        checkCount(file, energies.length, data.size(), "configurations");
        for (int i = 0; i < energies.length; i++) {
            if (!Double.isFinite(energies[i])) {
                throw new TensorFileException(file, "energy " + energies[i] + " of reference configuration " + i
                        + " is not finite: a reference configuration must have a finite energy");
            }
        }
        double[] x = data.values().clone();
        int np = data.length();
        int d = data.dim();
        for (int s = 0; s < data.size(); s++) {
            Mala.centre(x, s * np * d, np, d);
        }
        return new Reference(new SequenceDataset(x, null, np, d, 0), energies);
    }

    /**
     * Writes reference configurations and their energies in kT atomically, as a safetensors file {@link #readReference}
     * reads: {@code x} (N, T, D) F64 and {@code energy} (N) F64.
     *
     * @param file           the file to create or replace
     * @param configurations the configurations
     * @param energies       their energies in kT
     * @throws IllegalArgumentException if there is not one energy per configuration
     * @throws IOException   if the file cannot be written
     */
    public static void writeReference(Path file, SequenceDataset configurations, double[] energies) throws IOException {
        int n = configurations.size();
        if (energies.length != n) {
            throw new IllegalArgumentException(energies.length + " energies for " + n + " configurations");
        }
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        tensors.put("x", StoredTensor.of(Tensor.of(DType.F64, configurations.values(), n, configurations.length(), configurations.dim())));
        tensors.put(ENERGY, StoredTensor.of(Tensor.of(DType.F64, energies, n)));
        Safetensors.write(file, tensors, Map.of("format", "pt"));
    }

    /**
     * Reads the energies of n flow samples, computed elsewhere.
     *
     * @param file {@code .npy}, {@code .csv}, {@code .txt} or {@code .safetensors}
     * @param n    the number of samples they belong to
     * @param kT   kT in the energies' unit, positive
     * @return n energies in kT; +∞ is kept (a configuration whose energy is undefined, e.g. atoms on top of each other:
     *         its weight is 0, as for the built-in energies)
     * @throws TensorFileException naming the file if it is not of these formats, holds no energies or more than one
     *                             value per sample, holds another number than n, or an energy that is NaN or -∞
     *                             (naming its index)
     * @throws IllegalArgumentException if kT is not positive
     * @throws IOException         if the file cannot be read
     */
    public static double[] readEnergies(Path file, int n, double kT) throws IOException {
        double[] e = readColumn(file, kT, "write the energies as a tensor 'energy' (n)");
        checkCount(file, e.length, n, "samples");
        for (int i = 0; i < e.length; i++) {
            if (Double.isNaN(e[i]) || e[i] == Double.NEGATIVE_INFINITY) {
                throw new TensorFileException(file, "energy " + e[i] + " of sample " + i + " is not a number or +inf"
                        + " (+inf, or a huge value, marks a configuration of weight 0)");
            }
        }
        return e;
    }

    private static void checkCount(Path file, int energies, int n, String what) throws TensorFileException {
        if (energies != n) {
            throw new TensorFileException(file, energies + " energies for " + n + " " + what);
        }
    }

    /** The energy column by suffix, divided by kT; {@code hint} says what a safetensors file lacking it should hold. */
    private static double[] readColumn(Path file, double kT, String hint) throws IOException {
        if (!(kT > 0) || Double.isInfinite(kT)) {
            throw new IllegalArgumentException("kT must be positive and finite, got " + kT);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        double[] e;
        if (name.endsWith(".csv") || name.endsWith(".txt")) {
            e = SequenceDataset.readCsvColumn(file, ENERGY);
        } else if (name.endsWith(".npy")) {
            Npy.Floats f = Npy.readFloats(file);
            e = column(file, f.shape(), f.values(), "the array");
        } else if (name.endsWith(".safetensors")) {
            StoredTensor t = Safetensors.read(file).tensors().get(ENERGY);
            if (t == null) {
                throw new TensorFileException(file, "no tensor '" + ENERGY + "': " + hint);
            }
            if (!t.isFloat()) {
                throw new TensorFileException(file, "tensor '" + ENERGY + "' must be a float tensor, got " + t);
            }
            e = column(file, t.shape(), t.floats().toDoubleArray(), "tensor '" + ENERGY + "'");
        } else {
            throw new TensorFileException(file, "energies must be a .npy, .csv, .txt or .safetensors file");
        }
        for (int i = 0; i < e.length; i++) {
            e[i] /= kT;
        }
        return e;
    }

    /** The values of an (n) or (n, 1) array. */
    private static double[] column(Path file, int[] shape, double[] values, String what) throws TensorFileException {
        if (shape.length == 1 || (shape.length == 2 && shape[1] == 1)) {
            if (values.length == 0) {
                throw new TensorFileException(file, what + " holds no energies");
            }
            return values;
        }
        StringBuilder s = new StringBuilder();
        for (int k : shape) {
            s.append(s.isEmpty() ? "" : ", ").append(k);
        }
        throw new TensorFileException(file, what + " has shape (" + s + "): energies must be one per configuration, (n) or (n, 1)");
    }

    /**
     * What a samples file holds.
     *
     * @param draws     the samples, centred, with their log-likelihoods and centre-of-mass terms
     * @param particles N
     * @param dim       D
     * @param metadata  the file's metadata (what wrote it)
     */
    public record SampleFile(BoltzmannGenerator.Draws draws, int particles, int dim, Map<String, String> metadata) {
        /** @return n, the number of samples */
        public int size() {
            return draws.logQ().length;
        }
    }

    /**
     * Writes flow samples atomically in the format of the class comment.
     *
     * @param file      the file to create or replace
     * @param draws     the samples
     * @param particles N
     * @param dim       D
     * @param metadata  entries to record (e.g. the reference file and the seed), besides the format's own
     * @throws IOException if the file cannot be written
     */
    public static void writeSamples(Path file, BoltzmannGenerator.Draws draws, int particles, int dim,
                                    Map<String, String> metadata) throws IOException {
        int n = draws.logQ().length;
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        tensors.put("x", StoredTensor.of(Tensor.of(DType.F64, draws.x(), n, particles, dim)));
        tensors.put("log_q", StoredTensor.of(Tensor.of(DType.F64, draws.logQ(), n)));
        tensors.put("log_centre", StoredTensor.of(Tensor.of(DType.F64, draws.logCentre(), n)));
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put("format", "pt");
        meta.put("tarflow_format", FORMAT);
        Safetensors.write(file, tensors, meta);
    }

    /**
     * Reads a samples file written by {@link #writeSamples}.
     *
     * @param file the samples file
     * @return the samples
     * @throws TensorFileException naming the file if it is not such a file: no or a misshapen {@code x},
     *                             {@code log_q} or {@code log_centre}, or non-finite values in them
     * @throws IOException         if the file cannot be read
     */
    public static SampleFile readSamples(Path file) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        StoredTensor x = c.require(file, "x");
        if (!x.isFloat() || x.shape().length != 3 || x.shape()[0] == 0) {
            throw new TensorFileException(file, "tensor 'x' must be float samples (n, T, D), got " + x + "; is this the"
                    + " samples.safetensors of 'tarflow boltzmann --target FILE'?");
        }
        int n = x.shape()[0];
        double[] logQ = vector(file, c, "log_q", n);
        double[] logCentre = vector(file, c, "log_centre", n);
        double[] xs = x.floats().toDoubleArray();
        for (double[] a : new double[][] {xs, logQ, logCentre}) {
            for (int i = 0; i < a.length; i++) {
                if (!Double.isFinite(a[i])) {
                    throw new TensorFileException(file, "holds the non-finite value " + a[i] + " at flat index " + i);
                }
            }
        }
        return new SampleFile(new BoltzmannGenerator.Draws(xs, logQ, logCentre), x.shape()[1], x.shape()[2], c.metadata());
    }

    private static double[] vector(Path file, Safetensors.Contents c, String name, int n) throws TensorFileException {
        StoredTensor t = c.require(file, name);
        if (!t.isFloat() || t.shape().length != 1 || t.shape()[0] != n) {
            throw new TensorFileException(file, "tensor '" + name + "' must be float (" + n + "), one per sample, got " + t);
        }
        return t.floats().toDoubleArray();
    }
}
