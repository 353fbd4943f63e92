package org.tarflow.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fast kernels: Vector API loops for float32, the matrix product on all cores in both precisions.
 *
 * <p>float32 is the training and sampling path and every kernel here is vectorised for it, with a
 * scalar loop for the tail that does not fill a vector. float64 is the verification path: its matrix
 * products use the same packed SIMD code ({@link SimdGemm}, because the golden and gradient tests run
 * many of them), and its O(n) kernels delegate to {@link ScalarKernels}.
 *
 * <p>Exponentials and lane sums go through {@link VMath}, whose results do not depend on JIT compilation,
 * so a computation repeated later in a run (or in a resumed run) gives the same bits.
 *
 * <p>Large loops are split over rows (or, for reductions over rows, over columns) with
 * {@link Parallel}, so that no element's summation order depends on the thread count.
 */
public final class SimdKernels implements Kernels {
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    private static final int L = S.length();
    /** Elementwise work below this many elements stays on the calling thread. */
    private static final int PARALLEL_ELEMENTS = 1 << 15;
    /** Rows summed in float before the partial sum is flushed into a double accumulator. */
    private static final int FLUSH_ROWS = 64;

    /** The twins, for what has no code here: the F64 paths and the O(parameters) or O(data) loops. */
    private final ScalarKernels scalar = new ScalarKernels();

    /**
     * Creates the SIMD kernels. They hold no state of their own: the vector species is the process-wide
     * {@code VectorWidth} (the machine's preferred one unless {@code -Dtarflow.vector.bits} narrows it) and the
     * threads are the process-wide {@link Parallel} pool.
     */
    public SimdKernels() {
    }

    @Override
    public String name() {
        return "simd(" + S + ", threads=" + Parallel.threads() + ")";
    }

    @Override
    public void gemm(int batch, boolean transA, boolean transB, int m, int n, int k,
                     double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        SimdGemm.gemm(batch, transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    @Override
    public void add(Tensor a, Tensor b, double beta, Tensor out) {
        if (a.dtype() == DType.F64) {
            scalar.add(a, b, beta, out);
            return;
        }
        Shapes.sameDType(a, b, out);
        Shapes.suffix(a, b);
        Shapes.sameSize(a, out);
        float[] x = a.f32(), y = b.f32(), o = out.f32();
        int nb = y.length;
        float fb = (float) beta;
        forRows(x.length / Math.max(nb, 1), nb, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int base = r * nb;
                int j = 0;
                for (; j < S.loopBound(nb); j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, base + j);
                    v.add(FloatVector.fromArray(S, y, j).mul(fb)).intoArray(o, base + j);
                }
                for (; j < nb; j++) {
                    o[base + j] = x[base + j] + fb * y[j];
                }
            }
        });
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        if (a.dtype() == DType.F64) {
            scalar.mul(a, b, out);
            return;
        }
        Shapes.sameDType(a, b, out);
        Shapes.suffix(a, b);
        Shapes.sameSize(a, out);
        float[] x = a.f32(), y = b.f32(), o = out.f32();
        int nb = y.length;
        forRows(x.length / Math.max(nb, 1), nb, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int base = r * nb;
                int j = 0;
                for (; j < S.loopBound(nb); j += L) {
                    FloatVector.fromArray(S, x, base + j).mul(FloatVector.fromArray(S, y, j)).intoArray(o, base + j);
                }
                for (; j < nb; j++) {
                    o[base + j] = x[base + j] * y[j];
                }
            }
        });
    }

    @Override
    public void exp(Tensor a, double alpha, Tensor out) {
        if (a.dtype() == DType.F64) {
            scalar.exp(a, alpha, out);
            return;
        }
        Shapes.sameDType(a, out);
        Shapes.sameSize(a, out);
        float[] x = a.f32(), o = out.f32();
        float fa = (float) alpha;
        Parallel.forRange(x.length, x.length >= PARALLEL_ELEMENTS, (lo, hi) -> {
            int i = lo;
            for (; i + L <= hi; i += L) {
                VMath.exp(FloatVector.fromArray(S, x, i).mul(fa)).intoArray(o, i);
            }
            if (i < hi) {
                // the tail through the same vector code (zero-padded), so that an element's bits do not
                // depend on where the ranges and tails fall (thread count, batch size)
                float[] pad = new float[L];
                System.arraycopy(x, i, pad, 0, hi - i);
                VMath.exp(FloatVector.fromArray(S, pad, 0).mul(fa)).intoArray(pad, 0);
                System.arraycopy(pad, 0, o, i, hi - i);
            }
        });
    }

    @Override
    public double sum(Tensor a) {
        if (a.dtype() == DType.F64) {
            return scalar.sum(a);
        }
        return sumF32(a.f32(), false);
    }

    @Override
    public double sumSquares(Tensor a) {
        if (a.dtype() == DType.F64) {
            return scalar.sumSquares(a);
        }
        return sumF32(a.f32(), true);
    }

    /** Sums in float vector lanes over blocks of 4096 elements and accumulates the blocks in double. */
    private static double sumF32(float[] x, boolean squares) {
        double total = 0;
        for (int block = 0; block < x.length; block += 4096) {
            int end = Math.min(x.length, block + 4096);
            FloatVector acc = FloatVector.zero(S);
            int i = block;
            for (; i + L <= end; i += L) {
                FloatVector v = FloatVector.fromArray(S, x, i);
                acc = squares ? v.fma(v, acc) : acc.add(v);
            }
            double part = VMath.sum(acc);
            for (; i < end; i++) {
                part += squares ? (double) x[i] * x[i] : x[i];
            }
            total += part;
        }
        return total;
    }

    @Override
    public void sumLeading(Tensor x, Tensor out) {
        if (x.dtype() == DType.F64) {
            scalar.sumLeading(x, out);
            return;
        }
        Shapes.sameDType(x, out);
        Shapes.suffix(x, out);
        float[] in = x.f32(), o = out.f32();
        int n = o.length;
        int rows = in.length / Math.max(n, 1);
        // split over columns so each column is summed by one thread, in row order
        Parallel.forRange(n, (long) rows * n >= PARALLEL_ELEMENTS, (lo, hi) ->
                columnSums(in, null, rows, n, lo, hi, o));
    }

    /**
     * {@code out[j] += sum_r x[r, j] * (w == null ? 1 : w[r, j])} for columns {@code [lo, hi)}, summed in
     * float over {@link #FLUSH_ROWS} rows at a time and in double across those blocks.
     */
    private static void columnSums(float[] x, float[] w, int rows, int n, int lo, int hi, float[] out) {
        int width = hi - lo;
        double[] total = new double[width];
        float[] part = new float[width];
        for (int r0 = 0; r0 < rows; r0 += FLUSH_ROWS) {
            java.util.Arrays.fill(part, 0f);
            int r1 = Math.min(rows, r0 + FLUSH_ROWS);
            for (int r = r0; r < r1; r++) {
                int base = r * n + lo;
                int j = 0;
                for (; j < S.loopBound(width); j += L) {
                    FloatVector v = FloatVector.fromArray(S, x, base + j);
                    FloatVector p = FloatVector.fromArray(S, part, j);
                    (w == null ? p.add(v) : v.fma(FloatVector.fromArray(S, w, base + j), p)).intoArray(part, j);
                }
                for (; j < width; j++) {
                    part[j] += w == null ? x[base + j] : x[base + j] * w[base + j];
                }
            }
            for (int j = 0; j < width; j++) {
                total[j] += part[j];
            }
        }
        for (int j = 0; j < width; j++) {
            out[lo + j] = (float) (out[lo + j] + total[j]);
        }
    }

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd) {
        if (x.dtype() == DType.F64) {
            scalar.layerNorm(x, weight, bias, eps, y, mean, rstd);
            return;
        }
        int cols = weight.size();
        int rows = Shapes.layerNorm(x, weight, bias, y, mean, rstd);
        float[] in = x.f32(), w = weight.f32(), b = bias.f32(), o = y.f32(), mu = mean.f32(), rs = rstd.f32();
        forRows(rows, cols, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int base = r * cols;
                float m = (float) (rowSum(in, base, cols, 0f, false) / cols);
                float var = (float) (rowSum(in, base, cols, m, true) / cols);
                float s = (float) (1.0 / Math.sqrt(var + eps));
                int j = 0;
                for (; j < S.loopBound(cols); j += L) {
                    FloatVector v = FloatVector.fromArray(S, in, base + j).sub(m).mul(s);
                    v.fma(FloatVector.fromArray(S, w, j), FloatVector.fromArray(S, b, j)).intoArray(o, base + j);
                }
                for (; j < cols; j++) {
                    o[base + j] = (in[base + j] - m) * s * w[j] + b[j];
                }
                mu[r] = m;
                rs[r] = s;
            }
        });
    }

    /** Sum of {@code x[base..base+n)} or, with {@code squares}, of {@code (x - shift)^2}. */
    private static double rowSum(float[] x, int base, int n, float shift, boolean squares) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j < S.loopBound(n); j += L) {
            FloatVector v = FloatVector.fromArray(S, x, base + j);
            if (squares) {
                v = v.sub(shift);
                acc = v.fma(v, acc);
            } else {
                acc = acc.add(v);
            }
        }
        double s = VMath.sum(acc);
        for (; j < n; j++) {
            float v = x[base + j] - (squares ? shift : 0f);
            s += squares ? v * v : v;
        }
        return s;
    }

    @Override
    public void layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dweight, Tensor dbias) {
        if (x.dtype() == DType.F64) {
            scalar.layerNormBackward(dy, x, weight, mean, rstd, dx, dweight, dbias);
            return;
        }
        int cols = weight.size();
        int rows = Shapes.rows(x, cols);
        Shapes.sameDType(dy, x, weight, mean, rstd, dx, dweight, dbias);
        Shapes.sameSize(x, dy);
        Shapes.sameSize(x, dx);
        float[] g = dy.f32(), in = x.f32(), w = weight.f32(), mu = mean.f32(), rs = rstd.f32(), o = dx.f32();
        // xhat is needed twice: for dx (per row) and for dweight (per column); compute it once
        float[] xhat = new float[in.length];
        forRows(rows, cols, (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                int base = r * cols;
                float m = mu[r];
                float s = rs[r];
                FloatVector sg = FloatVector.zero(S);
                FloatVector sgx = FloatVector.zero(S);
                int j = 0;
                for (; j < S.loopBound(cols); j += L) {
                    FloatVector xh = FloatVector.fromArray(S, in, base + j).sub(m).mul(s);
                    xh.intoArray(xhat, base + j);
                    FloatVector gw = FloatVector.fromArray(S, g, base + j).mul(FloatVector.fromArray(S, w, j));
                    sg = sg.add(gw);
                    sgx = gw.fma(xh, sgx);
                }
                float meanG = VMath.sum(sg);
                float meanGx = VMath.sum(sgx);
                for (; j < cols; j++) {
                    float xh = (in[base + j] - m) * s;
                    xhat[base + j] = xh;
                    float gw = g[base + j] * w[j];
                    meanG += gw;
                    meanGx += gw * xh;
                }
                meanG /= cols;
                meanGx /= cols;
                j = 0;
                for (; j < S.loopBound(cols); j += L) {
                    FloatVector gw = FloatVector.fromArray(S, g, base + j).mul(FloatVector.fromArray(S, w, j));
                    FloatVector xh = FloatVector.fromArray(S, xhat, base + j);
                    gw.sub(meanG).sub(xh.mul(meanGx)).mul(s).intoArray(o, base + j);
                }
                for (; j < cols; j++) {
                    o[base + j] = s * (g[base + j] * w[j] - meanG - xhat[base + j] * meanGx);
                }
            }
        });
        boolean par = (long) rows * cols >= PARALLEL_ELEMENTS;
        float[] dw = dweight.f32(), db = dbias.f32();
        Parallel.forRange(cols, par, (lo, hi) -> {
            columnSums(g, xhat, rows, cols, lo, hi, dw);
            columnSums(g, null, rows, cols, lo, hi, db);
        });
    }

    @Override
    public void gelu(Tensor x, Tensor y) {
        if (x.dtype() == DType.F64) {
            scalar.gelu(x, y);
            return;
        }
        Shapes.sameDType(x, y);
        Shapes.sameSize(x, y);
        float[] in = x.f32(), o = y.f32();
        Parallel.forRange(in.length, in.length >= PARALLEL_ELEMENTS, (lo, hi) -> {
            float[] e = new float[GELU_CHUNK];
            int full = lo + (hi - lo) / L * L;
            for (int c = lo; c < full; c += GELU_CHUNK) {
                int end = Math.min(full, c + GELU_CHUNK);
                expNegHalfSquare(in, c, end, e);
                geluFromExp(in, c, end, e, o);
            }
            if (full < hi) {
                // the tail through the same vector code (zero-padded): bits independent of where tails fall
                float[] pad = new float[L];
                float[] out = new float[L];
                System.arraycopy(in, full, pad, 0, hi - full);
                expNegHalfSquare(pad, 0, L, e);
                geluFromExp(pad, 0, L, e, out);
                System.arraycopy(out, 0, o, full, hi - full);
            }
        });
    }

    /*
     * GELU and its derivative are computed in two loops per chunk, the exponential first: in one loop the
     * inlined Vector API code outgrew C2's node budget (NodeCountInliningCutoff), and the blends and
     * reinterprets left over ran on the Vector API's per-lane fallback (~8% of a training step). Each loop
     * is its own method taking arrays, so none passes vectors across a call. Same arithmetic as before.
     */
    private static final int GELU_CHUNK = 1024;

    /** e[i - lo] = exp(-(|x·√½|)²) for the whole vectors of [lo, hi). */
    private static void expNegHalfSquare(float[] in, int lo, int hi, float[] e) {
        for (int i = lo; i + L <= hi; i += L) {
            FloatVector au = FloatVector.fromArray(S, in, i).mul(SQRT_HALF).abs();
            VMath.exp(au.mul(au).neg()).intoArray(e, i - lo);
        }
    }

    /** o = GELU(x) for the whole vectors of [lo, hi), given e from {@link #expNegHalfSquare}. */
    private static void geluFromExp(float[] in, int lo, int hi, float[] e, float[] o) {
        for (int i = lo; i + L <= hi; i += L) {
            FloatVector v = FloatVector.fromArray(S, in, i);
            FloatVector u = v.mul(SQRT_HALF);
            FloatVector erf = erfFromExp(u, u.abs(), FloatVector.fromArray(S, e, i - lo));
            v.mul(0.5f).mul(erf.add(1f)).intoArray(o, i);
        }
    }

    /** o = g·GELU'(x) for the whole vectors of [lo, hi), given e from {@link #expNegHalfSquare}. */
    private static void geluGradFromExp(float[] in, float[] g, int lo, int hi, float[] e, float[] o) {
        for (int i = lo; i + L <= hi; i += L) {
            FloatVector v = FloatVector.fromArray(S, in, i);
            FloatVector u = v.mul(SQRT_HALF);
            FloatVector ex = FloatVector.fromArray(S, e, i - lo);
            FloatVector cdf = erfFromExp(u, u.abs(), ex).add(1f).mul(0.5f);
            FloatVector pdf = ex.mul(INV_SQRT_2PI); // exp(-x²/2) again
            v.fma(pdf, cdf).mul(FloatVector.fromArray(S, g, i)).intoArray(o, i);
        }
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        if (x.dtype() == DType.F64) {
            scalar.geluBackward(x, dy, dx);
            return;
        }
        Shapes.sameDType(x, dy, dx);
        Shapes.sameSize(x, dy);
        Shapes.sameSize(x, dx);
        float[] in = x.f32(), g = dy.f32(), o = dx.f32();
        Parallel.forRange(in.length, in.length >= PARALLEL_ELEMENTS, (lo, hi) -> {
            // one exponential, exp(-x²/2), serves the erf inside the CDF and the PDF
            float[] e = new float[GELU_CHUNK];
            int full = lo + (hi - lo) / L * L;
            for (int c = lo; c < full; c += GELU_CHUNK) {
                int end = Math.min(full, c + GELU_CHUNK);
                expNegHalfSquare(in, c, end, e);
                geluGradFromExp(in, g, c, end, e, o);
            }
            if (full < hi) {
                float[] pad = new float[L];
                float[] padG = new float[L];
                float[] out = new float[L];
                System.arraycopy(in, full, pad, 0, hi - full);
                System.arraycopy(g, full, padG, 0, hi - full);
                expNegHalfSquare(pad, 0, L, e);
                geluGradFromExp(pad, padG, 0, L, e, out);
                System.arraycopy(out, 0, o, full, hi - full);
            }
        });
    }

    /** {@link Erf#erfFast} lane-wise, given |x| and exp(-x²). */
    private static FloatVector erfFromExp(FloatVector x, FloatVector ax, FloatVector e) {
        FloatVector t = ax.mul(Erf.AS_P).add(1f);
        t = FloatVector.broadcast(S, 1f).div(t);
        FloatVector poly = t.mul(Erf.AS_A5).add(Erf.AS_A4);
        poly = poly.mul(t).add(Erf.AS_A3);
        poly = poly.mul(t).add(Erf.AS_A2);
        poly = poly.mul(t).add(Erf.AS_A1);
        poly = poly.mul(t);
        FloatVector r = poly.mul(e).neg().add(1f);
        // r >= 0 takes the sign of x
        return r.reinterpretAsInts().or(x.reinterpretAsInts().and(0x80000000)).reinterpretAsFloats();
    }

    @Override
    public void softmaxCausal(Tensor s, Tensor p) {
        if (s.dtype() == DType.F64) {
            scalar.softmaxCausal(s, p);
            return;
        }
        Shapes.sameDType(s, p);
        Shapes.sameSize(s, p);
        int t = Shapes.square(s);
        float[] in = s.f32(), o = p.f32();
        forRows(in.length / t, t, (lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                int base = row * t;
                int len = row % t + 1;
                FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
                int j = 0;
                for (; j < S.loopBound(len); j += L) {
                    vmax = vmax.max(FloatVector.fromArray(S, in, base + j));
                }
                float max = vmax.reduceLanes(VectorOperators.MAX);
                for (; j < len; j++) {
                    max = Math.max(max, in[base + j]);
                }
                FloatVector vsum = FloatVector.zero(S);
                j = 0;
                for (; j < S.loopBound(len); j += L) {
                    FloatVector e = VMath.exp(FloatVector.fromArray(S, in, base + j).sub(max));
                    e.intoArray(o, base + j);
                    vsum = vsum.add(e);
                }
                float sum = VMath.sum(vsum);
                for (; j < len; j++) {
                    o[base + j] = (float) Math.exp(in[base + j] - max);
                    sum += o[base + j];
                }
                float inv = 1f / sum;
                j = 0;
                for (; j < S.loopBound(len); j += L) {
                    FloatVector.fromArray(S, o, base + j).mul(inv).intoArray(o, base + j);
                }
                for (; j < len; j++) {
                    o[base + j] *= inv;
                }
                java.util.Arrays.fill(o, base + len, base + t, 0f);
            }
        });
    }

    @Override
    public void softmaxCausalBackward(Tensor p, Tensor dp, Tensor ds) {
        if (p.dtype() == DType.F64) {
            scalar.softmaxCausalBackward(p, dp, ds);
            return;
        }
        Shapes.sameDType(p, dp, ds);
        Shapes.sameSize(p, dp);
        Shapes.sameSize(p, ds);
        int t = Shapes.square(p);
        float[] pr = p.f32(), g = dp.f32(), o = ds.f32();
        forRows(pr.length / t, t, (lo, hi) -> {
            for (int row = lo; row < hi; row++) {
                int base = row * t;
                int len = row % t + 1;
                float dot = dot(pr, base, g, base, len);
                int j = 0;
                for (; j < S.loopBound(len); j += L) {
                    FloatVector pv = FloatVector.fromArray(S, pr, base + j);
                    pv.mul(FloatVector.fromArray(S, g, base + j).sub(dot)).intoArray(o, base + j);
                }
                for (; j < len; j++) {
                    o[base + j] = pr[base + j] * (g[base + j] - dot);
                }
                java.util.Arrays.fill(o, base + len, base + t, 0f);
            }
        });
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        FloatVector acc = FloatVector.zero(S);
        int j = 0;
        for (; j < S.loopBound(n); j += L) {
            acc = FloatVector.fromArray(S, a, ao + j).fma(FloatVector.fromArray(S, b, bo + j), acc);
        }
        float s = VMath.sum(acc);
        for (; j < n; j++) {
            s += a[ao + j] * b[bo + j];
        }
        return s;
    }

    /** The scalar twin's loop: O(data), once per block, in double as the log-det is everywhere. */
    @Override
    public void sumRows(Tensor x, double divisor, Tensor out) {
        scalar.sumRows(x, divisor, out);
    }

    /** The scalar twin's loop: O(data), once per block's backward. */
    @Override
    public void shiftedAffineBackward(Tensor dz, Tensor z, Tensor dxp, Tensor dLogdet, double perDim, boolean nvp,
                                      Tensor dO) {
        scalar.shiftedAffineBackward(dz, z, dxp, dLogdet, perDim, nvp, dO);
    }

    /** The scalar twin's loop: O(data) once per block's backward, in double. */
    @Override
    public void classEmbeddingBackward(Tensor dh, int[] labels, Tensor g) {
        scalar.classEmbeddingBackward(dh, labels, g);
    }

    /**
     * The scalar twin's loop: it is a sliver of a training step (the model's parameters, once), and its double
     * arithmetic with float32 rounding at each store would need two conversions per lane.
     */
    @Override
    public void adamW(Tensor w, Tensor g, Tensor m, Tensor v, double beta1, double beta2, double stepSize,
                      double bc2Sqrt, double eps, double decay) {
        scalar.adamW(w, g, m, v, beta1, beta2, stepSize, bc2Sqrt, eps, decay);
    }

    /**
     * A loop over the outer three dimensions, the innermost copied by {@link System#arraycopy} where both of its
     * strides are 1 (the runs of heads, cache rows and tokens the model moves), else element by element; one
     * thread: the model's copies are small.
     */
    @Override
    public void copyStrided(Tensor src, int srcOffset, int[] srcStrides, Tensor dst, int dstOffset, int[] dstStrides,
                            int[] shape) {
        int[][] p = Shapes.strided(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape);
        if (p == null) {
            return;
        }
        int[] n = p[0], s = p[1], d = p[2];
        Object from = src.array();
        Object to = dst.array();
        boolean runs = s[3] == 1 && d[3] == 1;
        for (int i0 = 0; i0 < n[0]; i0++) {
            for (int i1 = 0; i1 < n[1]; i1++) {
                for (int i2 = 0; i2 < n[2]; i2++) {
                    int so = srcOffset + i0 * s[0] + i1 * s[1] + i2 * s[2];
                    int dof = dstOffset + i0 * d[0] + i1 * d[1] + i2 * d[2];
                    if (runs) {
                        System.arraycopy(from, so, to, dof, n[3]);
                    } else if (from instanceof float[] a && to instanceof float[] b) {
                        for (int i3 = 0; i3 < n[3]; i3++) {
                            b[dof + i3 * d[3]] = a[so + i3 * s[3]];
                        }
                    } else {
                        double[] a = (double[]) from;
                        double[] b = (double[]) to;
                        for (int i3 = 0; i3 < n[3]; i3++) {
                            b[dof + i3 * d[3]] = a[so + i3 * s[3]];
                        }
                    }
                }
            }
        }
    }

    /**
     * Per row (one head of one sequence; the rows are split across the threads): the logits from the transposed
     * keys, a row of K^T at a time (broadcast q[e], FMA the row into the logits; no lane reductions), the softmax
     * with {@link VMath#exp}, then the values weighted in register blocks of the output. Both caches are read
     * front to back in contiguous runs: at batch 1 they come from memory (issue 14).
     */
    @Override
    public void attendCached(Tensor q, Tensor kCache, Tensor vCache, int length, double[] scales, Tensor out) {
        if (q.dtype() == DType.F64) {
            scalar.attendCached(q, kCache, vCache, length, scales, out);
            return;
        }
        int cap = ScalarKernels.checkCache(q, kCache, vCache, length, scales, out);
        int rows = q.dim(0);
        int d = q.dim(1);
        int groupRows = rows / scales.length;
        float[] qs = q.f32(), kt = kCache.f32(), vs = vCache.f32(), o = out.f32();
        Parallel.forRange(rows, (long) rows * length * d >= PARALLEL_ELEMENTS, (lo, hi) -> {
            float[] w = new float[roundUp(length)];
            for (int r = lo; r < hi; r++) {
                float scale = (float) scales[r / groupRows];
                float z = cachedLogitsToWeights(qs, r * d, kt, r * d * cap, cap, d, length, scale, w);
                weightValues(w, z, vs, r * cap * d, d, length, o, r * d);
            }
        });
    }

    /**
     * w[j] = q·k_j for j &lt; n (a multiple of L; positions past the capacity count as zero keys), k_j[e] =
     * kt[kb + e·cap + j]. The logits accumulate in w itself, one row of K^T (four per pass) at a time: each
     * row is one contiguous run of the cache, read once, where a vector of logits at a time would walk down
     * all d rows at once, d strided streams that the prefetchers do not follow. Each logit is the FMA chain
     * over e in order from zero.
     */
    private static void cachedLogits(float[] qs, int qb, float[] kt, int kb, int cap, int d, int n, float[] w) {
        // the last vector may reach past the cache's capacity when that is not a multiple of L
        int full = Math.min(n, cap / L * L);
        java.util.Arrays.fill(w, 0, n, 0f);
        int e = 0;
        for (; e + 4 <= d; e += 4) {
            FloatVector x0 = FloatVector.broadcast(S, qs[qb + e]);
            FloatVector x1 = FloatVector.broadcast(S, qs[qb + e + 1]);
            FloatVector x2 = FloatVector.broadcast(S, qs[qb + e + 2]);
            FloatVector x3 = FloatVector.broadcast(S, qs[qb + e + 3]);
            int k0 = kb + e * cap;
            for (int j = 0; j < full; j += L) {
                FloatVector acc = FloatVector.fromArray(S, w, j);
                acc = FloatVector.fromArray(S, kt, k0 + j).fma(x0, acc);
                acc = FloatVector.fromArray(S, kt, k0 + cap + j).fma(x1, acc);
                acc = FloatVector.fromArray(S, kt, k0 + 2 * cap + j).fma(x2, acc);
                acc = FloatVector.fromArray(S, kt, k0 + 3 * cap + j).fma(x3, acc);
                acc.intoArray(w, j);
            }
            if (full < n) {
                VectorMask<Float> inCache = S.indexInRange(full, cap);
                FloatVector acc = FloatVector.fromArray(S, w, full);
                acc = FloatVector.fromArray(S, kt, k0 + full, inCache).fma(x0, acc);
                acc = FloatVector.fromArray(S, kt, k0 + cap + full, inCache).fma(x1, acc);
                acc = FloatVector.fromArray(S, kt, k0 + 2 * cap + full, inCache).fma(x2, acc);
                acc = FloatVector.fromArray(S, kt, k0 + 3 * cap + full, inCache).fma(x3, acc);
                acc.intoArray(w, full);
            }
        }
        for (; e < d; e++) {
            FloatVector x = FloatVector.broadcast(S, qs[qb + e]);
            int k0 = kb + e * cap;
            for (int j = 0; j < full; j += L) {
                FloatVector.fromArray(S, kt, k0 + j).fma(x, FloatVector.fromArray(S, w, j)).intoArray(w, j);
            }
            if (full < n) {
                FloatVector.fromArray(S, kt, k0 + full, S.indexInRange(full, cap))
                        .fma(x, FloatVector.fromArray(S, w, full)).intoArray(w, full);
            }
        }
    }

    /**
     * w[j] = exp(scale·q·k_j - max) for j &lt; length (0 beyond, up to the next multiple of L); returns
     * their sum. k is transposed: k_j[e] = kt[kb + e·cap + j]. Two methods, the dot products
     * ({@link #cachedLogits}) and then this softmax: in one, the inlined Vector API code outgrew C2's node
     * budget and the loops ran on the Vector API's Java fallback, many times slower (a JFR profile of a
     * sampling run: FloatVector.ldOp, VectorSupport.ternaryOp).
     */
    private static float cachedLogitsToWeights(float[] qs, int qb, float[] kt, int kb, int cap, int d, int length,
                                               float scale, float[] w) {
        int n = roundUp(length);
        cachedLogits(qs, qb, kt, kb, cap, d, n, w);
        FloatVector maxv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j += L) {
            FloatVector acc = FloatVector.fromArray(S, w, j).mul(scale);
            if (j + L > length) {
                acc = acc.blend(Float.NEGATIVE_INFINITY, S.indexInRange(j, length).not());
            }
            acc.intoArray(w, j);
            maxv = maxv.max(acc);
        }
        float max = Float.NEGATIVE_INFINITY;
        for (int x = 0; x < L; x++) {
            max = Math.max(max, maxv.lane(x));
        }
        FloatVector zv = FloatVector.zero(S);
        for (int j = 0; j < n; j += L) {
            FloatVector p = VMath.exp(FloatVector.fromArray(S, w, j).sub(max));
            p.intoArray(w, j);
            zv = zv.add(p);
        }
        return VMath.sum(zv);
    }

    /**
     * o[ob..ob+d) = sum_{j &lt; length} w[j]·v_j / z, with v_j[e] = vs[vb + j·d + e]. Up to four vectors of
     * the output stay in registers while the rows v_j stream past in order (all of a row of d = 64 at 512
     * bits: the cache is read once, front to back); each element is the FMA chain over j in order.
     */
    private static void weightValues(float[] w, float z, float[] vs, int vb, int d, int length, float[] o, int ob) {
        int bound = S.loopBound(d);
        int e = 0;
        for (; e + 4 * L <= bound; e += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0, v = vb + e; j < length; j++, v += d) {
                FloatVector x = FloatVector.broadcast(S, w[j]);
                a0 = FloatVector.fromArray(S, vs, v).fma(x, a0);
                a1 = FloatVector.fromArray(S, vs, v + L).fma(x, a1);
                a2 = FloatVector.fromArray(S, vs, v + 2 * L).fma(x, a2);
                a3 = FloatVector.fromArray(S, vs, v + 3 * L).fma(x, a3);
            }
            a0.div(z).intoArray(o, ob + e);
            a1.div(z).intoArray(o, ob + e + L);
            a2.div(z).intoArray(o, ob + e + 2 * L);
            a3.div(z).intoArray(o, ob + e + 3 * L);
        }
        for (; e < bound; e += L) {
            FloatVector acc = FloatVector.zero(S);
            for (int j = 0; j < length; j++) {
                acc = FloatVector.fromArray(S, vs, vb + j * d + e).fma(FloatVector.broadcast(S, w[j]), acc);
            }
            acc.div(z).intoArray(o, ob + e);
        }
        for (; e < d; e++) {
            float acc = 0f;
            for (int j = 0; j < length; j++) {
                acc = Math.fma(w[j], vs[vb + j * d + e], acc);
            }
            o[ob + e] = acc / z;
        }
    }

    private static int roundUp(int n) {
        return (n + L - 1) / L * L;
    }

    /** Parallel loop over rows of {@code cols} elements when the total is large enough to pay. */
    private static void forRows(int rows, int cols, Parallel.RangeBody body) {
        Parallel.forRange(rows, (long) rows * cols >= PARALLEL_ELEMENTS, body);
    }

    private static final float SQRT_HALF = (float) ScalarKernels.SQRT_HALF;
    private static final float INV_SQRT_2PI = (float) ScalarKernels.INV_SQRT_2PI;
}
