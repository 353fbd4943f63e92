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
 * The SIMD kernels against their scalar twins ({@link KernelTwinChecks}), and the SIMD kernels' own promises:
 * the requested vector width, and results that do not depend on how rows or elements are cut.
 *
 * <p>The O(n) kernels are compared in float32 only: for float64, {@link SimdKernels} hands them to
 * {@link ScalarKernels}, so a float64 comparison would compare a kernel with itself.
 */
class KernelTwinProperties extends KernelTwinChecks {
    private static final Kernels SIMD = new SimdKernels();

    @Override
    Kernels fast() {
        return SIMD;
    }

    @Override
    DType[] dtypes() {
        return new DType[] {DType.F32};
    }

    /** pom.xml reruns this class at 128 and 256 bits: make sure the kernels really run at that width. */
    @Test
    void theKernelsRunAtTheRequestedVectorWidth() {
        String bits = System.getProperty(VectorWidth.PROPERTY);
        int expected = bits == null ? VectorShape.preferredShape().vectorBitSize() : Integer.parseInt(bits);
        assertEquals(expected, VectorWidth.FLOAT.vectorBitSize());
        assertEquals(expected, VectorWidth.DOUBLE.vectorBitSize());
        assertTrue(SIMD.name().contains(VectorWidth.FLOAT.toString()), SIMD.name());
    }

    /**
     * Products with fewer row panels than threads (batch-1 decoding: a row or two times a weight) split their
     * work across the threads: the result matches the scalar twin and has the same bits on 1, 2 and 3
     * threads, and the first one or two rows computed alone (the streaming path, its k blocks and columns split
     * across the threads) have the bits they have in the whole product (the tiled path when m &gt; 2). Sizes
     * reach past NC = 512 columns and KC = 256 (up to five blocks), with odd column counts (SIMD and panel tails).
     */
    @Property(tries = 12)
    void fewRowProductsSplitColumnsWithoutChangingABit(@ForAll long seed, @ForAll boolean f32, @ForAll boolean ta,
                                                       @ForAll boolean tb, @ForAll @IntRange(min = 1, max = 13) int m,
                                                       @ForAll @IntRange(min = 700, max = 1300) int n,
                                                       @ForAll @IntRange(min = 400, max = 1100) int k) throws Exception {
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
        int few = 1 + rng.nextInt(Math.min(m, 2));
        Tensor aFew = Tensor.zeros(dt, ta ? k : few, ta ? few : k);
        for (int i = 0; i < few; i++) {
            for (int q = 0; q < k; q++) {
                aFew.set(ta ? q * few + i : i * k + q, a.get(ta ? q * m + i : i * k + q));
            }
        }
        java.util.List<Tensor> results = new java.util.ArrayList<>();
        java.util.List<Tensor> fewResults = new java.util.ArrayList<>();
        TestTensors.forEachThreadCount(new int[] {1, 2, 3}, threads -> {
            Tensor c = c0.copy();
            SIMD.gemm(1, ta, tb, m, n, k, 1.25, a, b, beta, c);
            results.add(c);
            Tensor cFew = Tensor.zeros(dt, few, n);
            for (int i = 0; i < few * n; i++) {
                cFew.set(i, c0.get(i));
            }
            SIMD.gemm(1, ta, tb, few, n, k, 1.25, aFew, b, beta, cFew);
            fewResults.add(cFew);
        });
        String what = "gemm " + dt + " ta=" + ta + " tb=" + tb + " 1x" + m + "x" + n + "x" + k;
        assertWithinScale(expected, results.get(0), scale, tol(dt) * Math.sqrt(k), what);
        for (int t = 0; t < results.size(); t++) {
            for (int i = 0; i < m * n; i++) {
                if (Double.doubleToLongBits(results.get(0).get(i)) != Double.doubleToLongBits(results.get(t).get(i))) {
                    throw new AssertionError(what + ": element " + i + " differs between 1 and " + (t + 1)
                            + " threads: " + results.get(0).get(i) + " vs " + results.get(t).get(i));
                }
            }
            for (int i = 0; i < few * n; i++) {
                if (Double.doubleToLongBits(results.get(0).get(i)) != Double.doubleToLongBits(fewResults.get(t).get(i))) {
                    throw new AssertionError(what + ": element " + i + " of the first " + few + " rows alone on "
                            + (t + 1) + " threads differs from the whole product on 1: " + fewResults.get(t).get(i)
                            + " vs " + results.get(0).get(i));
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
}
