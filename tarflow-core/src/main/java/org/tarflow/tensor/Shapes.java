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
    /**
     * Checks a {@link Kernels#copyStrided} call; {@return the shape and both strides padded in front to rank 4
     * (extent 1, stride 0), as {@code {shape, srcStrides, dstStrides}}, or null if there is nothing to copy}
     */
    static int[][] strided(Tensor src, int srcOffset, int[] srcStrides, Tensor dst, int dstOffset, int[] dstStrides,
                           int[] shape) {
        sameDType(src, dst);
        int rank = shape.length;
        if (rank < 1 || rank > 4 || srcStrides.length != rank || dstStrides.length != rank) {
            throw new IllegalArgumentException("copyStrided: shape " + Arrays.toString(shape) + ", strides "
                    + Arrays.toString(srcStrides) + " and " + Arrays.toString(dstStrides)
                    + ": the ranks must agree, 1 to 4");
        }
        if (src.rawArray() == dst.rawArray()) {
            throw new IllegalArgumentException("copyStrided: src and dst share an array");
        }
        for (int n : shape) {
            if (n < 0) {
                throw new IllegalArgumentException("copyStrided: negative extent in " + Arrays.toString(shape));
            }
        }
        for (int n : shape) {
            if (n == 0) {
                return null;
            }
        }
        int[][] padded = new int[3][4];
        Arrays.fill(padded[0], 1);
        for (int j = 0; j < rank; j++) {
            padded[0][4 - rank + j] = shape[j];
            padded[1][4 - rank + j] = srcStrides[j];
            padded[2][4 - rank + j] = dstStrides[j];
        }
        inside(src, srcOffset, padded[1], padded[0], "src");
        inside(dst, dstOffset, padded[2], padded[0], "dst");
        return padded;
    }

    /** Throws unless every flat index {@code offset + Σ i_j·strides[j]} lies inside {@code t}. */
    private static void inside(Tensor t, int offset, int[] strides, int[] shape, String what) {
        long lo = offset;
        long hi = offset;
        for (int j = 0; j < 4; j++) {
            long reach = (long) (shape[j] - 1) * strides[j];
            lo += Math.min(0, reach);
            hi += Math.max(0, reach);
        }
        if (lo < 0 || hi >= t.size()) {
            throw new IllegalArgumentException("copyStrided: " + what + " indices " + lo + ".." + hi + " outside "
                    + t.describe());
        }
    }

    /** Checks a {@link Kernels#classEmbeddingBackward} call; {@return the labels, -1 everywhere for null} */
    static int[] classEmbedding(Tensor dh, int[] labels, Tensor g) {
        sameDType(dh, g);
        if (dh.rank() != 3 || g.rank() != 2 || g.dim(1) != dh.dim(2) || labels != null && labels.length != dh.dim(0)) {
            throw new IllegalArgumentException("classEmbeddingBackward: dh " + dh.describe() + ", g " + g.describe()
                    + ", " + (labels == null ? "no" : labels.length) + " labels");
        }
        int[] y = labels == null ? new int[dh.dim(0)] : labels;
        if (labels == null) {
            Arrays.fill(y, -1);
        }
        for (int label : y) {
            if (label < -1 || label >= g.dim(0)) {
                throw new IllegalArgumentException("classEmbeddingBackward: label " + label + " for " + g.dim(0)
                        + " classes");
            }
        }
        return y;
    }

    /** Checks a {@link Kernels#adamW} call. */
    static void adamW(Tensor w, Tensor g, Tensor m, Tensor v) {
        sameDType(w, g, m, v);
        sameSize(w, g);
        sameSize(w, m);
        sameSize(w, v);
    }

    /** Checks a {@link Kernels#sumRows} call; {@return the row length} */
    static int sumRows(Tensor x, Tensor out) {
        sameDType(x, out);
        int rows = out.size();
        if (rows == 0 ? x.size() != 0 : x.size() % rows != 0) {
            throw new IllegalArgumentException("sumRows: " + x.describe() + " is not " + rows + " rows");
        }
        return rows == 0 ? 0 : x.size() / rows;
    }

    /** Checks a {@link Kernels#shiftedAffineBackward} call; {@return T} */
    static int shiftedAffine(Tensor dz, Tensor z, Tensor dxp, Tensor dLogdet, boolean nvp, Tensor dO) {
        sameDType(dz, z, dxp, dLogdet, dO);
        sameSize(dz, z);
        sameSize(dz, dxp);
        if (dz.rank() != 3 || dO.rank() != 3 || dLogdet.size() != dz.dim(0) || dO.dim(0) != dz.dim(0)
                || dO.dim(1) != dz.dim(1) || dO.dim(2) != (nvp ? 2 : 1) * dz.dim(2)) {
            throw new IllegalArgumentException("shiftedAffineBackward: dz " + dz.describe() + ", dLogdet "
                    + dLogdet.describe() + ", dO " + dO.describe() + (nvp ? " (affine)" : " (volume-preserving)"));
        }
        return dz.dim(1);
    }

    static int square(Tensor s) {
        if (s.rank() < 2 || s.dim(-1) != s.dim(-2)) {
            throw new IllegalArgumentException("expected (..., T, T), got " + s);
        }
        return s.dim(-1);
    }
}
