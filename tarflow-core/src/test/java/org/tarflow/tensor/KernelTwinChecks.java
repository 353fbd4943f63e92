package org.tarflow.tensor;

import static org.tarflow.TestTensors.abs;
import static org.tarflow.TestTensors.assertWithinScale;
import static org.tarflow.TestTensors.randn;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.tarflow.TestTensors;

/**
 * Each kernel of a fast backend against its scalar twin on random shapes, including sizes that are not
 * multiples of a vector length, a micro-kernel tile or a work-group (the tails). A subclass names the backend
 * ({@link #fast()}) and the dtypes its O(n) kernels are compared in ({@link #dtypes()}); the matrix product is
 * compared in both precisions.
 */
abstract class KernelTwinChecks {
    static final Kernels SCALAR = new ScalarKernels();

    /** {@return the kernels under test} */
    abstract Kernels fast();

    /** {@return the dtypes in which the O(n) kernels have code of their own, so a comparison is not with itself} */
    abstract DType[] dtypes();

    static double tol(DType dtype) {
        return dtype == DType.F32 ? 2e-6 : 1e-13;
    }

    /** Elementwise bound: |simd - scalar| <= tol * (|alpha| |A||B| + |beta| |C|), the error a sum of products can have. */
    private void checkGemm(DType dtype, long seed, int batch, boolean ta, boolean tb, int m, int n, int k,
                                  double alpha, double beta) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor a = randn(dtype, rng, batch, ta ? k : m, ta ? m : k);
        Tensor b = randn(dtype, rng, batch, tb ? n : k, tb ? k : n);
        Tensor c0 = randn(dtype, rng, batch, m, n);
        Tensor expected = c0.copy();
        SCALAR.gemm(batch, ta, tb, m, n, k, alpha, a, b, beta, expected);
        Tensor actual = c0.copy();
        if (beta == 0) {
            actual.fill(Double.NaN); // beta == 0 must ignore C entirely, as BLAS does
        }
        fast().gemm(batch, ta, tb, m, n, k, alpha, a, b, beta, actual);
        Tensor scale = abs(c0);
        SCALAR.gemm(batch, ta, tb, m, n, k, Math.abs(alpha), abs(a), abs(b), Math.abs(beta), scale);
        assertWithinScale(expected, actual, scale, tol(dtype) * Math.max(1, Math.sqrt(k)),
                "gemm " + dtype + " ta=" + ta + " tb=" + tb + " " + batch + "x" + m + "x" + n + "x" + k);
    }

    // m and n reach past 64 on both axes: one block of the OpenCL GEMM (16 x 16 work-items of 4 x 4 outputs each)
    // and into the next, so every row and column of a block's outputs and its edge in both directions are met
    @Property(tries = 120)
    void gemmMatchesScalar(@ForAll long seed, @ForAll boolean f32, @ForAll @IntRange(min = 1, max = 3) int batch,
                           @ForAll boolean ta, @ForAll boolean tb,
                           @ForAll @IntRange(min = 1, max = 70) int m, @ForAll @IntRange(min = 1, max = 70) int n,
                           @ForAll @IntRange(min = 0, max = 70) int k, @ForAll boolean withBeta) {
        SplittableRandom rng = new SplittableRandom(seed);
        double alpha = rng.nextDouble(-2, 2);
        double beta = withBeta ? rng.nextDouble(-2, 2) : 0.0;
        checkGemm(f32 ? DType.F32 : DType.F64, seed, batch, ta, tb, m, n, k, alpha, beta);
    }

    /** Sizes past the cache blocks (KC = 256, MC = 96, NC = 512) and large enough to run on all threads. */
    @Test
    void gemmAcrossCacheBlocksAndThreads() {
        for (DType dt : DType.values()) {
            checkGemm(dt, 1, 1, false, true, 131, 530, 300, 1.0, 0.0);
            checkGemm(dt, 2, 1, true, false, 97, 515, 263, 0.5, 1.0);
            checkGemm(dt, 3, 4, false, false, 50, 49, 64, 1.0, 0.0);
            checkGemm(dt, 4, 1, true, true, 7, 33, 600, -1.0, 1.0);
        }
    }

    @Property(tries = 60)
    void elementwiseMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int lead,
                                  @ForAll @IntRange(min = 1, max = 77) int cols) {
        for (DType dt : dtypes()) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor a = randn(dt, rng, lead, 3, cols);
        Tensor b = randn(dt, rng, 3, cols);
        double beta = rng.nextDouble(-2, 2);
        double tol = tol(dt);

        Tensor e = Tensor.zerosLike(a);
        Tensor o = Tensor.zerosLike(a);
        SCALAR.add(a, b, beta, e);
        fast().add(a, b, beta, o);
        TestTensors.assertAllClose(e, o, tol, tol, "add");

        SCALAR.mul(a, b, e);
        fast().mul(a, b, o);
        TestTensors.assertAllClose(e, o, tol, tol, "mul");

        SCALAR.exp(a, -0.7, e);
        fast().exp(a, -0.7, o);
        TestTensors.assertAllClose(e, o, 4 * tol, 0, "exp");

        SCALAR.gelu(a, e);
        fast().gelu(a, o);
        // float32 GELU uses the A&S erf approximation (abs error < 1.5e-7 in erf)
        TestTensors.assertAllClose(e, o, tol, dt == DType.F32 ? 1e-6 : tol, "gelu");

        Tensor dy = randn(dt, rng, lead, 3, cols);
        SCALAR.geluBackward(a, dy, e);
        fast().geluBackward(a, dy, o);
        TestTensors.assertWithinScale(e, o, abs(dy), dt == DType.F32 ? 1e-6 : tol, "geluBackward");

        double n = a.size();
        org.junit.jupiter.api.Assertions.assertEquals(SCALAR.sum(a), fast().sum(a), tol * n * 4, "sum");
        org.junit.jupiter.api.Assertions.assertEquals(SCALAR.sumSquares(a), fast().sumSquares(a), tol * n * 4, "sumSquares");

        Tensor se = randn(dt, rng, 3, cols);
        Tensor so = se.copy();
        SCALAR.sumLeading(a, se);
        fast().sumLeading(a, so);
        TestTensors.assertAllClose(se, so, tol, tol * lead * 4, "sumLeading");
        }
    }

    @Property(tries = 60)
    void layerNormMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int rows,
                                @ForAll @IntRange(min = 2, max = 150) int cols) {
        for (DType dt : dtypes()) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = randn(dt, rng, rows, cols);
        Tensor w = randn(dt, rng, cols);
        Tensor b = randn(dt, rng, cols);
        Tensor[] e = {Tensor.zerosLike(x), Tensor.zeros(dt, rows), Tensor.zeros(dt, rows)};
        Tensor[] o = {Tensor.zerosLike(x), Tensor.zeros(dt, rows), Tensor.zeros(dt, rows)};
        SCALAR.layerNorm(x, w, b, 1e-5, e[0], e[1], e[2]);
        fast().layerNorm(x, w, b, 1e-5, o[0], o[1], o[2]);
        double tol = 8 * tol(dt);
        // A row whose values nearly agree (two columns make it likely) is ill-conditioned: x - mean cancels and
        // rstd is large, so each kernel's rounding of x (about eps |x|) reaches y as eps |x| rstd |w|. The bound is
        // that forward error, not a fraction of |y|.
        TestTensors.assertWithinScale(e[0], o[0], layerNormScale(x, w, b, e[1], e[2]), tol, "layerNorm y");
        TestTensors.assertAllClose(e[1], o[1], tol, tol, "layerNorm mean");
        TestTensors.assertAllClose(e[2], o[2], tol, tol, "layerNorm rstd");

        Tensor dy = randn(dt, rng, rows, cols);
        Tensor dxE = Tensor.zerosLike(x), dxO = Tensor.zerosLike(x);
        Tensor dwE = randn(dt, rng, cols), dwO = dwE.copy();
        Tensor dbE = randn(dt, rng, cols), dbO = dbE.copy();
        SCALAR.layerNormBackward(dy, x, w, e[1], e[2], dxE, dwE, dbE);
        fast().layerNormBackward(dy, x, w, e[1], e[2], dxO, dwO, dbO);
        TestTensors.assertAllClose(dxE, dxO, tol, tol * Math.sqrt(cols), "layerNorm dx");
        TestTensors.assertAllClose(dwE, dwO, tol, tol * rows, "layerNorm dweight");
        TestTensors.assertAllClose(dbE, dbO, tol, tol * rows, "layerNorm dbias");
        }
    }

    /** {@return |b_j| + |w_j| rstd_i (|x_ij| + |mean_i| + rms_i), the scale of layer norm's forward error} */
    private static Tensor layerNormScale(Tensor x, Tensor w, Tensor b, Tensor mean, Tensor rstd) {
        int rows = mean.size(), cols = w.size();
        Tensor scale = Tensor.zerosLike(x);
        for (int i = 0; i < rows; i++) {
            double sq = 0;
            for (int j = 0; j < cols; j++) {
                sq += x.get(i * cols + j) * x.get(i * cols + j);
            }
            double rms = Math.sqrt(sq / cols), m = Math.abs(mean.get(i)), r = rstd.get(i);
            for (int j = 0; j < cols; j++) {
                double xv = Math.abs(x.get(i * cols + j));
                scale.set(i * cols + j, Math.abs(b.get(j)) + Math.abs(w.get(j)) * r * (xv + m + rms));
            }
        }
        return scale;
    }

    @Property(tries = 60)
    void softmaxMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int batch,
                              @ForAll @IntRange(min = 1, max = 70) int t) {
        for (DType dt : dtypes()) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor s = randn(dt, rng, batch, t, t);
        Tensor e = Tensor.zerosLike(s), o = Tensor.zerosLike(s);
        SCALAR.softmaxCausal(s, e);
        fast().softmaxCausal(s, o);
        double tol = 8 * tol(dt);
        TestTensors.assertAllClose(e, o, tol, tol, "softmax");
        Tensor dp = randn(dt, rng, batch, t, t);
        SCALAR.softmaxCausalBackward(e, dp, e);
        fast().softmaxCausalBackward(o, dp, o);
        TestTensors.assertAllClose(e, o, tol, tol, "softmax backward");
        }
    }

    @Property(tries = 60)
    void attendCachedMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int groups,
                                   @ForAll @IntRange(min = 1, max = 4) int groupRows,
                                   @ForAll @IntRange(min = 1, max = 80) int cap,
                                   @ForAll @IntRange(min = 1, max = 140) int d) {
        for (DType dt : dtypes()) {
        SplittableRandom rng = new SplittableRandom(seed);
        int rows = groups * groupRows;
        int length = 1 + rng.nextInt(cap);
        Tensor q = randn(dt, rng, rows, d);
        Tensor k = randn(dt, rng, rows, d, cap);
        Tensor v = randn(dt, rng, rows, cap, d);
        double[] scales = new double[groups];
        for (int g = 0; g < groups; g++) {
            scales[g] = 0.05 + rng.nextDouble(0.3);
        }
        Tensor e = Tensor.zerosLike(q), o = Tensor.zerosLike(q);
        SCALAR.attendCached(q, k, v, length, scales, e);
        fast().attendCached(q, k, v, length, scales, o);
        double tol = 8 * tol(dt);
        TestTensors.assertAllClose(e, o, tol, tol, "attendCached");
        }
    }

    /**
     * {@return whether the kernels that compute in double between float stores ({@link Kernels#adamW},
     * {@link Kernels#sumRows}, {@link Kernels#shiftedAffineBackward}, {@link Kernels#classEmbeddingBackward}) must
     * give the scalar twin's bits}
     */
    boolean doubleExact() {
        return true;
    }

    /**
     * Random parameters, gradients and moments of odd sizes, random hyperparameters of a real run's range; ten
     * steps in a row (the moments feed back). Bit for bit where {@link #doubleExact()}, else to float rounding.
     */
    @Property(tries = 40)
    void adamWMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int size) {
        for (DType dt : dtypes()) {
            SplittableRandom rng = new SplittableRandom(seed);
            Tensor[] e = {randn(dt, rng, size), Tensor.zeros(dt, size), Tensor.zeros(dt, size)};
            Tensor[] o = {e[0].copy(), Tensor.zeros(dt, size), Tensor.zeros(dt, size)};
            double beta1 = 0.8 + 0.19 * rng.nextDouble();
            double beta2 = 0.9 + 0.099 * rng.nextDouble();
            for (int step = 1; step <= 10; step++) {
                Tensor g = randn(dt, rng, size);
                double lr = 1e-4 + 1e-2 * rng.nextDouble();
                double stepSize = lr / (1 - Math.pow(beta1, step));
                double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
                double decay = 1 - lr * 1e-4;
                SCALAR.adamW(e[0], g, e[1], e[2], beta1, beta2, stepSize, bc2Sqrt, 1e-8, decay);
                fast().adamW(o[0], g, o[1], o[2], beta1, beta2, stepSize, bc2Sqrt, 1e-8, decay);
            }
            double tol = doubleExact() ? 0 : 1e-5;
            String[] names = {"w", "m", "v"};
            for (int j = 0; j < 3; j++) {
                TestTensors.assertAllClose(e[j], o[j], tol, tol, "adamW " + names[j] + " " + dt);
            }
        }
    }

    @Property(tries = 40)
    void sumRowsAndShiftedAffineBackwardMatchScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int b,
                                                    @ForAll @IntRange(min = 1, max = 20) int t,
                                                    @ForAll @IntRange(min = 1, max = 19) int d, @ForAll boolean nvp) {
        for (DType dt : dtypes()) {
            SplittableRandom rng = new SplittableRandom(seed);
            double tol = doubleExact() ? 0 : 1e-5;
            Tensor a = randn(dt, rng, b, t, d);
            Tensor e = randn(dt, rng, b), o = e.copy();
            SCALAR.sumRows(a, -(t * d), e);
            fast().sumRows(a, -(t * d), o);
            TestTensors.assertAllClose(e, o, tol, tol, "sumRows " + dt);
            Tensor dz = randn(dt, rng, b, t, d), z = randn(dt, rng, b, t, d), dxp = randn(dt, rng, b, t, d);
            Tensor dl = randn(dt, rng, b);
            Tensor de = randn(dt, rng, b, t, nvp ? 2 * d : d), dOut = de.copy(); // the last rows must stay
            SCALAR.shiftedAffineBackward(dz, z, dxp, dl, 1.0 / (t * d), nvp, de);
            fast().shiftedAffineBackward(dz, z, dxp, dl, 1.0 / (t * d), nvp, dOut);
            TestTensors.assertAllClose(de, dOut, tol, tol, "shiftedAffineBackward " + dt);
        }
    }

    @Property(tries = 40)
    void classEmbeddingBackwardMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 6) int b,
                                             @ForAll @IntRange(min = 1, max = 9) int t,
                                             @ForAll @IntRange(min = 1, max = 70) int c,
                                             @ForAll @IntRange(min = 1, max = 4) int classes, @ForAll boolean labelled) {
        for (DType dt : dtypes()) {
            SplittableRandom rng = new SplittableRandom(seed);
            Tensor dh = randn(dt, rng, b, t, c);
            int[] y = new int[b];
            for (int i = 0; i < b; i++) {
                y[i] = rng.nextInt(-1, classes); // -1: the mean embedding
            }
            Tensor e = randn(dt, rng, classes, c), o = e.copy();
            SCALAR.classEmbeddingBackward(dh, labelled ? y : null, e);
            fast().classEmbeddingBackward(dh, labelled ? y : null, o);
            double tol = doubleExact() ? 0 : 1e-5;
            TestTensors.assertAllClose(e, o, tol, tol, "classEmbeddingBackward " + dt);
        }
    }

    /**
     * Random rank-1..4 copies: src strides anything in -3..3 (repeats and flips), dst a permuted, partly flipped,
     * contiguous layout at an offset inside a larger tensor whose other elements must stay as they were; the
     * result must equal the scalar twin's exactly (a copy rounds nothing).
     */
    @Property(tries = 100)
    void copyStridedMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int rank) {
        for (DType dt : dtypes()) {
            SplittableRandom rng = new SplittableRandom(seed);
            int[] shape = new int[rank];
            int[] ss = new int[rank];
            int[] ds = new int[rank];
            long srcLo = 0;
            long srcHi = 0;
            for (int j = 0; j < rank; j++) {
                shape[j] = rng.nextInt(rank == 1 ? 40 : 7); // 0 included: nothing to copy
                ss[j] = rng.nextInt(-3, 4);
                long reach = (long) Math.max(shape[j] - 1, 0) * ss[j];
                srcLo += Math.min(0, reach);
                srcHi += Math.max(0, reach);
            }
            int srcOffset = (int) -srcLo + rng.nextInt(3);
            Tensor src = randn(dt, rng, (int) (srcOffset + srcHi + 1 + rng.nextInt(3)));
            int[] order = new int[rank]; // a random permutation of the dimensions: dst's layout
            for (int j = 0; j < rank; j++) {
                int at = rng.nextInt(j + 1);
                order[j] = order[at];
                order[at] = j;
            }
            int size = 1;
            int dstOffset = rng.nextInt(4);
            int flips = 0;
            for (int j = rank - 1; j >= 0; j--) {
                int dim = order[j];
                ds[dim] = size;
                if (rng.nextBoolean() && shape[dim] > 0) { // flipped: start at the far end
                    flips += (shape[dim] - 1) * size;
                    ds[dim] = -size;
                }
                size *= shape[dim];
            }
            dstOffset += flips;
            Tensor expected = randn(dt, rng, dstOffset - flips + size + 4);
            Tensor actual = expected.copy();
            SCALAR.copyStrided(src, srcOffset, ss, expected, dstOffset, ds, shape);
            fast().copyStrided(src, srcOffset, ss, actual, dstOffset, ds, shape);
            TestTensors.assertAllClose(expected, actual, 0, 0, "copyStrided " + java.util.Arrays.toString(shape) + " "
                    + java.util.Arrays.toString(ss) + " -> " + java.util.Arrays.toString(ds));
        }
    }

    @Test
    void copyStridedRefusesWhatItCannotDo() {
        Tensor a = Tensor.zeros(DType.F32, 10);
        Tensor b = Tensor.zeros(DType.F32, 10);
        Kernels k = fast();
        assertThrowsWith(() -> k.copyStrided(a, 0, new int[] {1}, b, 5, new int[] {1}, new int[] {6}), "dst indices 5..10");
        assertThrowsWith(() -> k.copyStrided(a, 0, new int[] {-1}, b, 0, new int[] {1}, new int[] {2}), "src indices -1..0");
        assertThrowsWith(() -> k.copyStrided(a, 0, new int[] {1}, a.reshape(2, 5), 0, new int[] {1}, new int[] {2}),
                "share an array");
        assertThrowsWith(() -> k.copyStrided(a, 0, new int[] {1, 1}, b, 0, new int[] {1}, new int[] {2}), "ranks");
        assertThrowsWith(() -> k.copyStrided(a, 0, new int[] {1, 1}, b, 0, new int[] {1, 1}, new int[] {0, -1}),
                "negative extent");
        assertThrowsWith(() -> k.copyStrided(a, 0, new int[] {1}, Tensor.zeros(DType.F64, 10), 0, new int[] {1},
                new int[] {2}), "F64");
    }

    private static void assertThrowsWith(org.junit.jupiter.api.function.Executable call, String part) {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, call);
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
