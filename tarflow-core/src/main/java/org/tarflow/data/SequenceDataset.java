package org.tarflow.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.tarflow.io.AtomicFiles;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.io.TensorFileException;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * N sequences of T tokens of D real values each (e.g. atoms of a molecule as tokens of 3 coordinates, or
 * 2-D points as T = 2 tokens of D = 1), optionally labelled. Values are used as they are: no scaling.
 *
 * <p>Two file formats ({@link #read}):
 * <ul>
 *   <li><b>safetensors</b>: a float tensor {@code x} of shape (N, T, D) (F64, F32, F16 or BF16) and
 *       optionally an I64 tensor {@code y} (N) of labels 0..K-1 (K from the metadata entry
 *       {@code num_classes}, else the largest label + 1);</li>
 *   <li><b>CSV</b>: one sequence per line, its T·D values token by token ({@code x[0,0..D-1], x[1,0..D-1], ...});
 *       an optional header line names the columns, and a column named {@code label} holds labels.</li>
 * </ul>
 *
 * @param values     N·T·D values, sequence-major
 * @param labels     N labels, or null for unlabelled data
 * @param length     T
 * @param dim        D
 * @param numClasses K, 0 for unlabelled data
 */
public record SequenceDataset(double[] values, int[] labels, int length, int dim, int numClasses) implements Dataset {

    /**
     * Checks that the arrays fit the shape.
     *
     * @throws IllegalArgumentException if T or D is below 1, the values are not a whole number of
     *         sequences, or the labels are not one per sequence
     */
    public SequenceDataset {
        if (length < 1 || dim < 1 || values.length % (length * dim) != 0) {
            throw new IllegalArgumentException(values.length + " values are not N sequences of " + length + " x " + dim);
        }
        if (labels != null && labels.length != values.length / (length * dim)) {
            throw new IllegalArgumentException(labels.length + " labels for " + values.length / (length * dim) + " sequences");
        }
    }

    @Override
    public int size() {
        return values.length / (length * dim);
    }

    @Override
    public int[] itemShape() {
        return new int[] {length, dim};
    }

    @Override
    public Tensor batch(int[] indices, DType dtype) {
        int n = length * dim;
        Tensor x = Tensor.zeros(dtype, indices.length, length, dim);
        for (int b = 0; b < indices.length; b++) {
            for (int j = 0; j < n; j++) {
                x.set(b * n + j, values[indices[b] * n + j]);
            }
        }
        return x;
    }

    @Override
    public int[] labels(int[] indices) {
        if (labels == null) {
            return null;
        }
        int[] y = new int[indices.length];
        for (int b = 0; b < indices.length; b++) {
            y[b] = labels[indices[b]];
        }
        return y;
    }

    @Override
    public SequenceDataset head(int n) {
        int k = Math.min(n, size());
        return new SequenceDataset(Arrays.copyOf(values, k * length * dim), labels == null ? null : Arrays.copyOf(labels, k),
                length, dim, numClasses);
    }

    /**
     * Reads a {@code .safetensors} or {@code .csv} file (by its suffix), in the formats of the class
     * comment; for CSV the labels' K is the largest label + 1.
     *
     * @param file     the data file
     * @param tokenDim D for a CSV file (its lines hold T·D values); ignored for safetensors, whose {@code x} has
     *                 its shape
     * @return the sequences, labelled if the file has labels
     * @throws TensorFileException naming the file, line or tensor that is wrong: no {@code x}, a wrong shape,
     *                             non-numeric or non-finite values, lines of different lengths, bad labels,
     *                             fewer than 2 tokens per sequence, or a suffix other than the two
     * @throws IllegalArgumentException for a CSV file with {@code tokenDim < 1}
     * @throws IOException         if the file cannot be read
     */
    public static SequenceDataset read(Path file, int tokenDim) throws IOException {
        return read(file, tokenDim, Set.of());
    }

    /**
     * Reads as {@link #read(Path, int)}, passing over the CSV columns whose header names are in {@code otherColumns}:
     * per-sequence quantities that are not values of the sequence (e.g. {@code energy}), which their own reader takes.
     * Safetensors files keep such quantities in tensors of their own, which are passed over anyway.
     *
     * @param file         the data file
     * @param tokenDim     D for a CSV file; ignored for safetensors
     * @param otherColumns header names of CSV columns that are not values
     * @return the sequences, labelled if the file has labels
     * @throws TensorFileException as {@link #read(Path, int)}
     * @throws IllegalArgumentException for a CSV file with {@code tokenDim < 1}
     * @throws IOException         if the file cannot be read
     */
    public static SequenceDataset read(Path file, int tokenDim, Set<String> otherColumns) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return readCsv(file, tokenDim, otherColumns);
        }
        if (name.endsWith(".safetensors")) {
            return readSafetensors(file);
        }
        throw new TensorFileException(file, "a sequence dataset must be a .safetensors or .csv file");
    }

    private static SequenceDataset readSafetensors(Path file) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        StoredTensor x = c.require(file, "x");
        if (!x.isFloat() || x.shape().length != 3 || x.shape()[2] == 0) {
            throw new TensorFileException(file, "tensor 'x' must be a float tensor (N, T, D) with D >= 1, got " + x);
        }
        if (x.shape()[0] == 0) {
            throw new TensorFileException(file, "holds no sequences");
        }
        double[] values = x.floats().toDoubleArray();
        checkFinite(file, values);
        int[] labels = null;
        int classes = 0;
        StoredTensor y = c.tensors().get("y");
        if (y != null) {
            if (y.isFloat() || y.shape().length != 1 || y.shape()[0] != x.shape()[0]) {
                throw new TensorFileException(file, "tensor 'y' must be I64 labels (N = " + x.shape()[0] + "), got " + y);
            }
            labels = new int[y.shape()[0]];
            for (int i = 0; i < labels.length; i++) {
                long v = y.ints()[i];
                if (v < 0 || v > 1_000_000) {
                    throw new TensorFileException(file, "label " + v + " at index " + i + " is not a class 0..K-1");
                }
                labels[i] = (int) v;
            }
            classes = c.metadata().containsKey("num_classes") ? parseClasses(file, c.metadata().get("num_classes"))
                    : Arrays.stream(labels).max().orElse(-1) + 1;
        }
        return validated(file, values, labels, x.shape()[1], x.shape()[2], classes);
    }

    private static int parseClasses(Path file, String s) throws TensorFileException {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new TensorFileException(file, "metadata num_classes '" + s + "' is not an integer");
        }
    }

    private static SequenceDataset readCsv(Path file, int tokenDim, Set<String> otherColumns) throws IOException {
        if (tokenDim < 1) {
            throw new IllegalArgumentException("the token dimension must be positive, got " + tokenDim);
        }
        List<double[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int labelColumn = -1;
        List<CsvLine> lines = csvLines(file);
        boolean[] skipped = new boolean[lines.isEmpty() ? 0 : lines.getFirst().fields().length];
        for (CsvLine l : lines) {
            String[] fields = l.fields();
            if (l == lines.getFirst() && !isNumber(fields[0].trim())) { // a header
                for (int i = 0; i < fields.length; i++) {
                    if (fields[i].trim().equals("label")) {
                        labelColumn = i;
                    }
                    skipped[i] = otherColumns.contains(fields[i].trim());
                }
                continue;
            }
            double[] row = new double[values(skipped) - (labelColumn >= 0 ? 1 : 0)];
            for (int i = 0, j = 0; i < fields.length; i++) {
                if (skipped[i]) {
                    continue;
                }
                String f = fields[i].trim();
                if (!isNumber(f)) {
                    throw new TensorFileException(file, "line " + l.number() + ", field " + (i + 1) + ": '"
                            + (f.length() > 40 ? f.substring(0, 40) + "..." : f) + "' is not a number");
                }
                double v = Double.parseDouble(f);
                if (i == labelColumn) {
                    if (v != Math.rint(v) || v < 0 || v > 1_000_000) {
                        throw new TensorFileException(file, "line " + l.number() + ": label " + f + " is not a class 0..K-1");
                    }
                    labels.add((int) v);
                } else {
                    row[j++] = v;
                }
            }
            rows.add(row);
        }
        if (rows.isEmpty()) {
            throw new TensorFileException(file, "holds no sequences");
        }
        int width = rows.getFirst().length;
        if (width % tokenDim != 0) {
            throw new TensorFileException(file, width + " values per line do not split into tokens of " + tokenDim);
        }
        double[] values = new double[rows.size() * width];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, values, i * width, width);
        }
        checkFinite(file, values);
        int[] y = labelColumn >= 0 ? labels.stream().mapToInt(Integer::intValue).toArray() : null;
        int classes = y == null ? 0 : Arrays.stream(y).max().orElse(-1) + 1;
        return validated(file, values, y, width / tokenDim, tokenDim, classes);
    }

    /**
     * Reads one per-sequence column of a CSV file: the column whose header name is {@code name}, or, in a file of
     * one column, that column (with or without a header).
     *
     * @param file the CSV file
     * @param name the column's header name
     * @return one value per data line, in order (non-finite values as written: the caller decides what they mean)
     * @throws TensorFileException naming the file and line if there is no such column, a line has another number of
     *                             fields than the first, a field is not a number, or there are no data lines
     * @throws IOException         if the file cannot be read
     */
    public static double[] readCsvColumn(Path file, String name) throws IOException {
        List<Double> out = new ArrayList<>();
        int column = -1;
        for (CsvLine l : csvLines(file)) {
            String[] fields = l.fields();
            if (column < 0) {
                boolean header = !isNumber(fields[0].trim()) && !isNonFinite(fields[0].trim());
                for (int i = 0; header && i < fields.length; i++) {
                    if (fields[i].trim().equals(name)) {
                        column = i;
                    }
                }
                if (column < 0 && fields.length == 1) {
                    column = 0;
                }
                if (column < 0) {
                    throw new TensorFileException(file, "no column '" + name + "' (first line: " + String.join(",", fields).strip()
                            + "): name it there, or write one value per line");
                }
                if (header) {
                    continue;
                }
            }
            String f = fields[column].trim();
            if (!isNumber(f) && !isNonFinite(f)) {
                throw new TensorFileException(file, "line " + l.number() + ", column '" + name + "': '"
                        + (f.length() > 40 ? f.substring(0, 40) + "..." : f) + "' is not a number");
            }
            out.add(Double.parseDouble(f.replace("inf", "Infinity").replace("nan", "NaN")));
        }
        if (out.isEmpty()) {
            throw new TensorFileException(file, "holds no values of '" + name + "'");
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * A non-blank line of a CSV file split at its commas.
     *
     * @param number the line's number, from 1
     * @param fields its fields, untrimmed
     */
    private record CsvLine(int number, String[] fields) {
    }

    /** The non-blank lines of a CSV file, each of as many fields as the first. */
    private static List<CsvLine> csvLines(Path file) throws IOException {
        List<CsvLine> lines = new ArrayList<>();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String[] fields = line.split(",", -1);
                if (!lines.isEmpty() && fields.length != lines.getFirst().fields().length) {
                    throw new TensorFileException(file, "line " + lineNo + " has " + fields.length + " fields, the first has "
                            + lines.getFirst().fields().length);
                }
                lines.add(new CsvLine(lineNo, fields));
            }
        } catch (NoSuchFileException e) {
            throw new TensorFileException(file, "no such file");
        }
        return lines;
    }

    /** inf, -inf and nan as NumPy and Python write them ({@link #isNumber} takes Java's Infinity and NaN). */
    private static boolean isNonFinite(String s) {
        return s.equals("inf") || s.equals("-inf") || s.equals("+inf") || s.equals("nan");
    }

    /** The columns that are not passed over. */
    private static int values(boolean[] skipped) {
        int n = 0;
        for (boolean s : skipped) {
            n += s ? 0 : 1;
        }
        return n;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return !s.isEmpty() && !s.endsWith("d") && !s.endsWith("f") && !s.endsWith("D") && !s.endsWith("F");
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static void checkFinite(Path file, double[] values) throws TensorFileException {
        for (int i = 0; i < values.length; i++) {
            if (!Double.isFinite(values[i])) {
                throw new TensorFileException(file, "value " + values[i] + " at flat index " + i + " is not finite");
            }
        }
    }

    private static SequenceDataset validated(Path file, double[] values, int[] labels, int t, int d, int classes)
            throws TensorFileException {
        if (t < 2) {
            throw new TensorFileException(file, "sequences of " + t + " token(s) of " + d + " values: TarFlow needs T >= 2"
                    + " (the first token passes every block unchanged); split the values into more tokens");
        }
        if (labels != null) {
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] >= classes) {
                    throw new TensorFileException(file, "label " + labels[i] + " at index " + i + " is not below num_classes "
                            + classes);
                }
            }
        }
        return new SequenceDataset(values, labels, t, d, classes);
    }

    /**
     * Writes sequences x (N, T, D) and optional labels atomically as {@code .safetensors} ({@code x} F64 or
     * F32 as x's dtype, {@code y} I64) or {@code .csv} (header {@code x0_0,...,label}), by the suffix of
     * {@code file}. This is the inverse of {@link #read} (for CSV, given the same D).
     *
     * @param file   the file to create or replace, ending in {@code .csv} or (otherwise) written as safetensors
     * @param x      (N, T, D) sequences, F64 or F32
     * @param labels N labels, or null for none
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, Tensor x, int[] labels) throws IOException {
        int n = x.dim(0);
        int t = x.dim(1);
        int d = x.dim(2);
        if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".csv")) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < d; j++) {
                    sb.append(i == 0 && j == 0 ? "" : ",").append("x").append(i).append('_').append(j);
                }
            }
            sb.append(labels != null ? ",label\n" : "\n");
            for (int s = 0; s < n; s++) {
                for (int j = 0; j < t * d; j++) {
                    sb.append(j == 0 ? "" : ",").append(x.get(s * t * d + j));
                }
                sb.append(labels != null ? "," + labels[s] + "\n" : "\n");
            }
            byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(file, out -> out.write(bytes));
            return;
        }
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        tensors.put("x", StoredTensor.of(x));
        if (labels != null) {
            tensors.put("y", StoredTensor.ofInts(Arrays.stream(labels).asLongStream().toArray(), n));
        }
        Safetensors.write(file, tensors, Map.of());
    }
}
