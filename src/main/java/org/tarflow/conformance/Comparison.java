package org.tarflow.conformance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.tarflow.io.StoredTensor;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Compares recomputed outputs with a case's reference tensors: for every reference key that is not an
 * input ({@code in.*}) or parameter ({@code param.*}), the relative error
 * {@code ||out - ref||₂ / ||ref||₂} (the absolute error {@code ||out - ref||₂} where {@code ref} is all
 * zeros), against one tolerance. A key this implementation did not compute, a shape mismatch, and a
 * non-finite value all fail.
 */
public final class Comparison {
    private Comparison() {
    }

    /** One compared tensor; {@code error} is NaN when it could not be compared ({@code problem} says why). */
    public record Row(String key, int[] shape, double error, boolean pass, String problem) {
    }

    /** All rows, in the case's key order, and the tolerance they were held to. */
    public record Report(List<Row> rows, double tolerance) {
        public boolean pass() {
            return rows.stream().allMatch(Row::pass) && !rows.isEmpty();
        }

        public long failures() {
            return rows.stream().filter(r -> !r.pass()).count();
        }

        /** The row with the largest error (a row that could not be compared counts as the largest). */
        public Row worst() {
            return rows.stream().max(Comparator.comparingDouble(r -> Double.isNaN(r.error()) ? Double.POSITIVE_INFINITY
                    : r.error())).orElseThrow();
        }
    }

    public static Report compare(Map<String, StoredTensor> reference, Map<String, Tensor> ours, double tolerance) {
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, StoredTensor> e : reference.entrySet()) {
            String key = e.getKey();
            if (key.startsWith("in.") || key.startsWith("param.")) {
                continue;
            }
            StoredTensor ref = e.getValue();
            Tensor mine = ours.get(key);
            if (!ref.isFloat()) {
                rows.add(new Row(key, ref.shape(), Double.NaN, false, "reference is not a float tensor"));
            } else if (mine == null) {
                rows.add(new Row(key, ref.shape(), Double.NaN, false, "not computed (unknown output key)"));
            } else if (mine.size() != ref.floats().size()) {
                rows.add(new Row(key, ref.shape(), Double.NaN, false, "shape " + Arrays.toString(mine.shape())
                        + " differs from the reference"));
            } else {
                double err = relativeError(ref.toTensor(DType.F64), mine);
                rows.add(new Row(key, ref.shape(), err, err <= tolerance, Double.isNaN(err) ? "non-finite values" : null));
            }
        }
        return new Report(List.copyOf(rows), tolerance);
    }

    /** {@code ||actual - expected||₂ / ||expected||₂}, or {@code ||actual - expected||₂} for an all-zero expected. */
    public static double relativeError(Tensor expected, Tensor actual) {
        if (expected.size() != actual.size()) {
            throw new IllegalArgumentException("size " + actual + " vs expected " + expected);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < expected.size(); i++) {
            double d = actual.get(i) - expected.get(i);
            num += d * d;
            den += expected.get(i) * expected.get(i);
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }
}
