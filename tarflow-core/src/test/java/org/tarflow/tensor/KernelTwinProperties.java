package org.tarflow.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tarflow.TestTensors.abs;
import static org.tarflow.TestTensors.assertWithinScale;
import static org.tarflow.TestTensors.randn;

import java.util.SplittableRandom;
import jdk.incubator.vector.VectorShape;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.tarflow.TestTensors;

/**
 * Each SIMD kernel against its scalar twin on random shapes, including sizes that are not multiples
 * of the vector length or the micro-kernel tile (the SIMD tails).
 *
 * <p>The matrix product is compared in both precisions, because {@link SimdGemm} has a float64 path of its
 * own. The O(n) kernels are compared in float32 only: for float64, {@link SimdKernels} hands them to
 * {@link ScalarKernels}, so a float64 comparison would compare a kernel with itself.
 */
class KernelTwinProperties {
    private static final Kernels SCALAR = new ScalarKernels();
    private static final Kernels SIMD = new SimdKernels();

    /** pom.xml reruns this class at 128 and 256 bits: make sure the kernels really run at that width. */
    @Test
    void theKernelsRunAtTheRequestedVectorWidth() {
        String bits = System.getProperty(VectorWidth.PROPERTY);
        int expected = bits == null ? VectorShape.preferredShape().vectorBitSize() : Integer.parseInt(bits);
        assertEquals(expected, VectorWidth.FLOAT.vectorBitSize());
        assertEquals(expected, VectorWidth.DOUBLE.vectorBitSize());
        assertTrue(SIMD.name().contains(VectorWidth.FLOAT.toString()), SIMD.name());
    }

    private static double tol(DType dtype) {
        return dtype == DType.F32 ? 2e-6 : 1e-13;
    }

    /** Elementwise bound: |simd - scalar| <= tol * (|alpha| |A||B| + |beta| |C|), the error a sum of products can have. */
    private static void checkGemm(DType dtype, long seed, int batch, boolean ta, boolean tb, int m, int n, int k,
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
        SIMD.gemm(batch, ta, tb, m, n, k, alpha, a, b, beta, actual);
        Tensor scale = abs(c0);
        SCALAR.gemm(batch, ta, tb, m, n, k, Math.abs(alpha), abs(a), abs(b), Math.abs(beta), scale);
        assertWithinScale(expected, actual, scale, tol(dtype) * Math.max(1, Math.sqrt(k)),
                "gemm " + dtype + " ta=" + ta + " tb=" + tb + " " + batch + "x" + m + "x" + n + "x" + k);
    }

    @Property(tries = 120)
    void gemmMatchesScalar(@ForAll long seed, @ForAll boolean f32, @ForAll @IntRange(min = 1, max = 3) int batch,
                           @ForAll boolean ta, @ForAll boolean tb,
                           @ForAll @IntRange(min = 1, max = 45) int m, @ForAll @IntRange(min = 1, max = 70) int n,
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

    /**
     * Products with fewer row panels than threads (batch-1 decoding: a row or two times a weight) split their
     * output columns across the threads: the result matches the scalar twin and has the same bits on 1, 2 and 3
     * threads. Sizes reach past NC = 512 columns and KC = 256, with odd column counts (SIMD and panel tails).
     */
    @Property(tries = 12)
    void fewRowProductsSplitColumnsWithoutChangingABit(@ForAll long seed, @ForAll boolean f32, @ForAll boolean ta,
                                                       @ForAll boolean tb, @ForAll @IntRange(min = 1, max = 13) int m,
                                                       @ForAll @IntRange(min = 700, max = 1300) int n,
                                                       @ForAll @IntRange(min = 400, max = 700) int k) throws Exception {
        DType dt = f32 ? DType.F32 : DType.F64;
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor a = randn(dt, rng, ta ? k : m, ta ? m : k);
        Tensor b = randn(dt, rng, tb ? n : k, tb ? k : n);
        Tensor c0 = randn(dt, rng, m, n);
        double beta = rng.nextBoolean() ? 0.0 : 0.75;
        Tensor expected = c0.copy();
        SCALAR.gemm(1, ta, tb, m, n, k, 1.25, a, b, beta, expected);
        Tensor scale = abs(c0);
        SCALAR.gemm(1, ta, tb, m, n, k, 1.25, abs(a), abs(b), beta, scale);
        java.util.List<Tensor> results = new java.util.ArrayList<>();
        TestTensors.forEachThreadCount(new int[] {1, 2, 3}, threads -> {
            Tensor c = c0.copy();
            SIMD.gemm(1, ta, tb, m, n, k, 1.25, a, b, beta, c);
            results.add(c);
        });
        String what = "gemm " + dt + " ta=" + ta + " tb=" + tb + " 1x" + m + "x" + n + "x" + k;
        assertWithinScale(expected, results.get(0), scale, tol(dt) * Math.sqrt(k), what);
        for (int t = 1; t < results.size(); t++) {
            for (int i = 0; i < m * n; i++) {
                if (Double.doubleToLongBits(results.get(0).get(i)) != Double.doubleToLongBits(results.get(t).get(i))) {
                    throw new AssertionError(what + ": element " + i + " differs between 1 and " + (t + 1)
                            + " threads: " + results.get(0).get(i) + " vs " + results.get(t).get(i));
                }
            }
        }
    }

    /**
     * Rows [lo, hi) of op(A)·op(B) computed alone give the same bits as in the full product, whether the
     * sub-product takes the small or the tiled path: sampling relies on this to split its batch across
     * threads without changing a result. k up to 600 crosses the KC = 256 blocks.
     */
    @Property(tries = 80)
    void gemmRowsDoNotDependOnTheOtherRows(@ForAll long seed, @ForAll boolean f32, @ForAll boolean ta,
                                           @ForAll boolean tb, @ForAll @IntRange(min = 2, max = 40) int m,
                                           @ForAll @IntRange(min = 1, max = 70) int n,
                                           @ForAll @IntRange(min = 1, max = 600) int k, @ForAll boolean withBeta) {
        DType dt = f32 ? DType.F32 : DType.F64;
        SplittableRandom rng = new SplittableRandom(seed);
        int lo = rng.nextInt(m);
        int hi = lo + 1 + rng.nextInt(m - lo);
        double alpha = rng.nextDouble(-2, 2);
        double beta = withBeta ? rng.nextDouble(-2, 2) : 0.0;
        Tensor a = randn(dt, rng, ta ? k : m, ta ? m : k);
        Tensor b = randn(dt, rng, tb ? n : k, tb ? k : n);
        Tensor c = randn(dt, rng, m, n);
        Tensor full = c.copy();
        SIMD.gemm(1, ta, tb, m, n, k, alpha, a, b, beta, full);
        int rows = hi - lo;
        Tensor aPart = Tensor.zeros(dt, ta ? k : rows, ta ? rows : k);
        Tensor part = Tensor.zeros(dt, rows, n);
        for (int i = 0; i < rows; i++) {
            for (int q = 0; q < k; q++) {
                aPart.set(ta ? q * rows + i : i * k + q, a.get(ta ? q * m + lo + i : (lo + i) * k + q));
            }
            for (int j = 0; j < n; j++) {
                part.set(i * n + j, c.get((lo + i) * n + j));
            }
        }
        SIMD.gemm(1, ta, tb, rows, n, k, alpha, aPart, b, beta, part);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < n; j++) {
                double want = full.get((lo + i) * n + j);
                double got = part.get(i * n + j);
                if (Double.doubleToLongBits(want) != Double.doubleToLongBits(got)) {
                    throw new AssertionError("row " + (lo + i) + " of " + m + "x" + n + "x" + k + " (rows " + lo + ".."
                            + hi + ", ta=" + ta + " tb=" + tb + ", " + dt + "): " + want + " alone " + got);
                }
            }
        }
    }

    /**
     * exp, GELU and its gradient give an element the same bits wherever it sits (in a vector or in a tail):
     * a slice computed alone equals the same slice of the whole, so results do not depend on how threads
     * or batch groups cut the array.
     */
    @Property(tries = 60)
    void elementwiseBitsDoNotDependOnPosition(@ForAll long seed, @ForAll @IntRange(min = 1, max = 200) int n) {
        SplittableRandom rng = new SplittableRandom(seed);
        int lo = rng.nextInt(n);
        int hi = lo + 1 + rng.nextInt(n - lo);
        Tensor x = randn(DType.F32, rng, n);
        Tensor g = randn(DType.F32, rng, n);
        Tensor part = Tensor.zeros(DType.F32, hi - lo);
        Tensor partG = Tensor.zeros(DType.F32, hi - lo);
        System.arraycopy(x.f32(), lo, part.f32(), 0, hi - lo);
        System.arraycopy(g.f32(), lo, partG.f32(), 0, hi - lo);
        Tensor whole = Tensor.zerosLike(x);
        Tensor alone = Tensor.zerosLike(part);
        SIMD.exp(x, -0.7, whole);
        SIMD.exp(part, -0.7, alone);
        assertSameSlice(whole, lo, alone, "exp");
        SIMD.gelu(x, whole);
        SIMD.gelu(part, alone);
        assertSameSlice(whole, lo, alone, "gelu");
        SIMD.geluBackward(x, g, whole);
        SIMD.geluBackward(part, partG, alone);
        assertSameSlice(whole, lo, alone, "geluBackward");
    }

    private static void assertSameSlice(Tensor whole, int lo, Tensor alone, String what) {
        for (int i = 0; i < alone.size(); i++) {
            if (Float.floatToRawIntBits(whole.f32()[lo + i]) != Float.floatToRawIntBits(alone.f32()[i])) {
                throw new AssertionError(what + ": element " + (lo + i) + " " + whole.f32()[lo + i] + " whole, "
                        + alone.f32()[i] + " alone");
            }
        }
    }

    @Property(tries = 60)
    void elementwiseMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 5) int lead,
                                  @ForAll @IntRange(min = 1, max = 77) int cols) {
        DType dt = DType.F32;
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor a = randn(dt, rng, lead, 3, cols);
        Tensor b = randn(dt, rng, 3, cols);
        double beta = rng.nextDouble(-2, 2);
        double tol = tol(dt);

        Tensor e = Tensor.zerosLike(a);
        Tensor o = Tensor.zerosLike(a);
        SCALAR.add(a, b, beta, e);
        SIMD.add(a, b, beta, o);
        TestTensors.assertAllClose(e, o, tol, tol, "add");

        SCALAR.mul(a, b, e);
        SIMD.mul(a, b, o);
        TestTensors.assertAllClose(e, o, tol, tol, "mul");

        SCALAR.exp(a, -0.7, e);
        SIMD.exp(a, -0.7, o);
        TestTensors.assertAllClose(e, o, 4 * tol, 0, "exp");

        SCALAR.gelu(a, e);
        SIMD.gelu(a, o);
        // float32 GELU uses the A&S erf approximation (abs error < 1.5e-7 in erf)
        TestTensors.assertAllClose(e, o, tol, 1e-6, "gelu");

        Tensor dy = randn(dt, rng, lead, 3, cols);
        SCALAR.geluBackward(a, dy, e);
        SIMD.geluBackward(a, dy, o);
        TestTensors.assertWithinScale(e, o, abs(dy), 1e-6, "geluBackward");

        double n = a.size();
        org.junit.jupiter.api.Assertions.assertEquals(SCALAR.sum(a), SIMD.sum(a), tol * n * 4, "sum");
        org.junit.jupiter.api.Assertions.assertEquals(SCALAR.sumSquares(a), SIMD.sumSquares(a), tol * n * 4, "sumSquares");

        Tensor se = randn(dt, rng, 3, cols);
        Tensor so = se.copy();
        SCALAR.sumLeading(a, se);
        SIMD.sumLeading(a, so);
        TestTensors.assertAllClose(se, so, tol, tol * lead * 4, "sumLeading");
    }

    @Property(tries = 60)
    void layerNormMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int rows,
                                @ForAll @IntRange(min = 2, max = 150) int cols) {
        DType dt = DType.F32;
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = randn(dt, rng, rows, cols);
        Tensor w = randn(dt, rng, cols);
        Tensor b = randn(dt, rng, cols);
        Tensor[] e = {Tensor.zerosLike(x), Tensor.zeros(dt, rows), Tensor.zeros(dt, rows)};
        Tensor[] o = {Tensor.zerosLike(x), Tensor.zeros(dt, rows), Tensor.zeros(dt, rows)};
        SCALAR.layerNorm(x, w, b, 1e-5, e[0], e[1], e[2]);
        SIMD.layerNorm(x, w, b, 1e-5, o[0], o[1], o[2]);
        double tol = 8 * tol(dt);
        TestTensors.assertAllClose(e[0], o[0], tol, tol, "layerNorm y");
        TestTensors.assertAllClose(e[1], o[1], tol, tol, "layerNorm mean");
        TestTensors.assertAllClose(e[2], o[2], tol, tol, "layerNorm rstd");

        Tensor dy = randn(dt, rng, rows, cols);
        Tensor dxE = Tensor.zerosLike(x), dxO = Tensor.zerosLike(x);
        Tensor dwE = randn(dt, rng, cols), dwO = dwE.copy();
        Tensor dbE = randn(dt, rng, cols), dbO = dbE.copy();
        SCALAR.layerNormBackward(dy, x, w, e[1], e[2], dxE, dwE, dbE);
        SIMD.layerNormBackward(dy, x, w, e[1], e[2], dxO, dwO, dbO);
        TestTensors.assertAllClose(dxE, dxO, tol, tol * Math.sqrt(cols), "layerNorm dx");
        TestTensors.assertAllClose(dwE, dwO, tol, tol * rows, "layerNorm dweight");
        TestTensors.assertAllClose(dbE, dbO, tol, tol * rows, "layerNorm dbias");
    }

    @Property(tries = 60)
    void softmaxMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int batch,
                              @ForAll @IntRange(min = 1, max = 70) int t) {
        DType dt = DType.F32;
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor s = randn(dt, rng, batch, t, t);
        Tensor e = Tensor.zerosLike(s), o = Tensor.zerosLike(s);
        SCALAR.softmaxCausal(s, e);
        SIMD.softmaxCausal(s, o);
        double tol = 8 * tol(dt);
        TestTensors.assertAllClose(e, o, tol, tol, "softmax");
        Tensor dp = randn(dt, rng, batch, t, t);
        SCALAR.softmaxCausalBackward(e, dp, e);
        SIMD.softmaxCausalBackward(o, dp, o);
        TestTensors.assertAllClose(e, o, tol, tol, "softmax backward");
    }

    @Property(tries = 60)
    void attendCachedMatchesScalar(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int groups,
                                   @ForAll @IntRange(min = 1, max = 4) int groupRows,
                                   @ForAll @IntRange(min = 1, max = 40) int cap,
                                   @ForAll @IntRange(min = 1, max = 70) int d) {
        DType dt = DType.F32;
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
        SIMD.attendCached(q, k, v, length, scales, o);
        double tol = 8 * tol(dt);
        TestTensors.assertAllClose(e, o, tol, tol, "attendCached");
    }
}
