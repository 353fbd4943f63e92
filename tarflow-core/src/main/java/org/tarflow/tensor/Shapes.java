package org.tarflow.tensor;

import java.util.Arrays;

/** Argument checks shared by the {@link Kernels} implementations. */
final class Shapes {
    private Shapes() {
    }

    static void sameDType(Tensor... ts) {
        for (Tensor t : ts) {
            if (t.dtype() != ts[0].dtype()) {
                throw new IllegalArgumentException("mixed dtypes: " + Arrays.toString(ts));
            }
        }
    }

    static void sameSize(Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("size mismatch: " + a + " vs " + b);
        }
    }

    /** b must broadcast as a suffix of a: its shape equals a's trailing dimensions. */
    static void suffix(Tensor a, Tensor b) {
        int[] as = a.shape();
        int[] bs = b.shape();
        boolean ok = bs.length <= as.length;
        for (int i = 1; ok && i <= bs.length; i++) {
            ok = as[as.length - i] == bs[bs.length - i];
        }
        if (!ok) {
            throw new IllegalArgumentException(b + " does not broadcast as a suffix of " + a);
        }
    }

    static void size(Tensor t, long expected, String what) {
        if (t.size() != expected) {
            throw new IllegalArgumentException(what + ": expected " + expected + " elements, got " + t);
        }
    }

    /** The rows of a (..., C) tensor and checks that aux tensors are (rows) and params (C). */
    static int rows(Tensor x, int cols) {
        if (cols <= 0 || x.size() % cols != 0) {
            throw new IllegalArgumentException(x + " is not a multiple of " + cols + " columns");
        }
        return x.size() / cols;
    }

    /**
     * Checks the operands of {@link Kernels#layerNorm} (one dtype; y like x; bias (C); mean and rstd (rows))
     * and {@return the rows of x}, C being the weight's size.
     */
    static int layerNorm(Tensor x, Tensor weight, Tensor bias, Tensor y, Tensor mean, Tensor rstd) {
        int cols = weight.size();
        int rows = rows(x, cols);
        sameDType(x, weight, bias, y, mean, rstd);
        sameSize(x, y);
        size(bias, cols, "layerNorm bias");
        size(mean, rows, "layerNorm mean");
        size(rstd, rows, "layerNorm rstd");
        return rows;
    }

    static void gemm(int batch, int m, int n, int k, Tensor a, Tensor b, Tensor c) {
        if (batch < 0 || m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("negative gemm size");
        }
        sameDType(a, b, c);
        size(a, (long) batch * m * k, "gemm A");
        size(b, (long) batch * k * n, "gemm B");
        size(c, (long) batch * m * n, "gemm C");
    }

    /** Side of the square matrices in a (..., T, T) tensor. */
    static int square(Tensor s) {
        if (s.rank() < 2 || s.dim(-1) != s.dim(-2)) {
            throw new IllegalArgumentException("expected (..., T, T), got " + s);
        }
        return s.dim(-1);
    }
}
