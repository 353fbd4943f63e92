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

    /**
     * One compared tensor.
     *
     * @param key     the tensor's key in the case
     * @param shape   the reference tensor's shape
     * @param error   the relative (or absolute) error; NaN when it could not be compared ({@code problem}
     *                says why) or a value was NaN
     * @param pass    whether the error is at most the tolerance
     * @param problem why the tensor could not be compared, or null
     */
    public record Row(String key, int[] shape, double error, boolean pass, String problem) {
    }

    /**
     * The result of {@link #compare}.
     *
     * @param rows      one row per compared tensor, in the case's key order
     * @param tolerance the largest error that passes
     */
    public record Report(List<Row> rows, double tolerance) {
        /** {@return whether there is at least one row and every row passes: the case's PASS} */
        public boolean pass() {
            return rows.stream().allMatch(Row::pass) && !rows.isEmpty();
        }

        /** {@return the number of rows that fail} */
        public long failures() {
            return rows.stream().filter(r -> !r.pass()).count();
        }

        /**
         * {@return the row with the largest error (a row that could not be compared counts as the largest)}
         *
         * @throws java.util.NoSuchElementException if there are no rows
         */
        public Row worst() {
            return rows.stream().max(Comparator.comparingDouble(r -> Double.isNaN(r.error()) ? Double.POSITIVE_INFINITY
                    : r.error())).orElseThrow();
        }
    }

    /**
     * Compares every output of the case (keys not starting with {@code in.} or {@code param.}) with the
     * recomputed tensor of the same key, in float64.
     *
     * @param reference the case's tensors
     * @param ours      the recomputed outputs by key ({@link CaseRunner#run})
     * @param tolerance the largest error that passes: 1e-10 in float64, 1e-4 in float32 by default
     * @return a row per output
     */
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
            } else if (!Arrays.equals(mine.shape(), ref.shape())) {
                rows.add(new Row(key, ref.shape(), Double.NaN, false, "shape " + Arrays.toString(mine.shape())
                        + " differs from the reference"));
            } else {
                double err = relativeError(ref.toTensor(DType.F64), mine);
                rows.add(new Row(key, ref.shape(), err, err <= tolerance, Double.isNaN(err) ? "non-finite values" : null));
            }
        }
        return new Report(List.copyOf(rows), tolerance);
    }

    /**
     * {@return {@code ||actual - expected||₂ / ||expected||₂}, or {@code ||actual - expected||₂} for an
     * all-zero expected} Over all elements, accumulated in double.
     *
     * @param expected the reference values
     * @param actual   the recomputed values, as many as {@code expected}
     * @throws IllegalArgumentException if the sizes differ
     */
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
