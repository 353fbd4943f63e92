package org.tarflow.tensor;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix product for {@link SimdKernels}: operands packed into panels, then a register-blocked
 * Vector API micro-kernel (the GotoBLAS/BLIS structure, untuned).
 *
 * <p>For each block of KC rows of op(B) and NC columns, B is packed into NR-wide column panels; for
 * each block of MC rows of op(A), A is packed into MR-tall row panels; the micro-kernel then keeps an
 * MR x NR tile of C in 2·MR vector registers and streams one packed column of A and one packed row of
 * B per step of k. Transposed operands are handled by the packing and by the micro-kernel's strides, so
 * one micro-kernel serves every form the backward pass needs. Packing is skipped where it would not pay:
 * full panels of A, transposed or not, are always read in place, those of a row-major B when a thread
 * computes a few hundred rows at most (sampling's one-patch steps), and products of a few thousand
 * multiply-adds use plain loops.
 *
 * <p>Each element of C accumulates its k-sum in the same order whichever thread computes it, so the
 * result does not depend on the thread count. The float and double versions are the same code written
 * twice, because Java has no generics over primitive arrays.
 */
final class SimdGemm {
    private static final VectorSpecies<Float> FS = VectorWidth.FLOAT;
    private static final VectorSpecies<Double> DS = VectorWidth.DOUBLE;
    private static final int FL = FS.length();
    private static final int DL = DS.length();
    static final int MR = 6;
    private static final int FNR = 2 * FL;
    private static final int DNR = 2 * DL;
    private static final int KC = 256;
    private static final int MC = 16 * MR;
    private static final int NC = 512;
    /** A thread with at most this many rows reads a row-major B in place instead of packing it. */
    private static final int DIRECT_B_ROWS = 4 * MC;
    /** Below this many multiply-adds a product runs on the calling thread alone. */
    private static final long PARALLEL_MACS = 1L << 19;
    /**
     * At most this many rows of C (batch-1 decoding: one row, two with guidance) are computed by
     * {@link #fewRowsF32}, which streams each row of B once instead of the micro-kernel's column panels.
     */
    static final int FEW_ROWS = 2;
    /**
     * Products of at most this many multiply-adds per batch item, or with fewer than FL/2 columns, skip the
     * packing and the register tiles, whose fixed costs (and masked edges) would dominate: e.g. attention
     * over two tokens, or proj_out with 2 outputs.
     */
    private static final long SMALL_MACS = 1L << 12;

    private static final ThreadLocal<float[][]> F_BUF =
            ThreadLocal.withInitial(() -> new float[][] {new float[MC * KC], new float[KC * roundUp(NC, FNR)]});
    /** {@link #fewRowsF32}'s accumulators, grown on demand. */
    private static final ThreadLocal<float[][]> FEW_ACC = ThreadLocal.withInitial(() -> new float[1][0]);
    private static final ThreadLocal<double[][]> D_BUF =
            ThreadLocal.withInitial(() -> new double[][] {new double[MC * KC], new double[KC * roundUp(NC, DNR)]});

    private SimdGemm() {
    }

    static void gemm(int batch, boolean tA, boolean tB, int m, int n, int k,
                     double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        Shapes.gemm(batch, m, n, k, a, b, c);
        boolean parallel = (long) batch * m * n * k >= PARALLEL_MACS;
        boolean f32 = a.dtype() == DType.F32;
        if ((long) m * n * k <= SMALL_MACS || n < FL / 2) {
            Parallel.forRange(batch, parallel && batch > 1, (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    if (f32) {
                        smallF32(tA, tB, m, n, k, (float) alpha, a.f32(), p * m * k, b.f32(), p * k * n, (float) beta,
                                c.f32(), p * m * n);
                    } else {
                        smallF64(tA, tB, m, n, k, alpha, a.f64(), p * m * k, b.f64(), p * k * n, beta, c.f64(), p * m * n);
                    }
                }
            });
            return;
        }
        if (batch >= Parallel.threads() && batch > 1) {
            Parallel.forRange(batch, parallel, (lo, hi) -> {
                for (int p = lo; p < hi; p++) {
                    rows(f32, p, 0, m, 0, n, tA, tB, m, n, k, alpha, a, b, beta, c);
                }
            });
        } else {
            int panels = (m + MR - 1) / MR;
            int nr = f32 ? FNR : DNR;
            int columnPanels = (n + nr - 1) / nr;
            for (int p = 0; p < batch; p++) {
                int item = p;
                if (f32 && !tB && m <= FEW_ROWS && k > 0) {
                    // batch-1 decoding: the threads split the k blocks and columns of B (fewRowsF32)
                    fewRowsF32(tA, m, n, k, (float) alpha, a.f32(), p * m * k, b.f32(), p * k * n, (float) beta,
                            c.f32(), p * m * n, 0, m, 0, n, parallel);
                } else if (panels < Parallel.threads()) {
                    // Too few rows to give every thread a panel (a few rows, or one or two times a transposed
                    // B), so the threads split the output columns instead: each reads its own part of B,
                    // which is what bounds such a product. Every element is still computed by one micro-kernel
                    // call over the same k-blocks, so the split changes no bit.
                    Parallel.forRange(columnPanels, parallel, (lo, hi) -> rows(f32, item, 0, m, lo * nr,
                            Math.min(hi * nr, n), tA, tB, m, n, k, alpha, a, b, beta, c));
                } else {
                    Parallel.forRange(panels, parallel, (lo, hi) -> rows(f32, item, lo * MR, Math.min(hi * MR, m),
                            0, n, tA, tB, m, n, k, alpha, a, b, beta, c));
                }
            }
        }
    }

    /** Computes the block rows [i0, i1) x columns [j0, j1) of batch item {@code item}'s C. */
    private static void rows(boolean f32, int item, int i0, int i1, int j0, int j1, boolean tA, boolean tB, int m,
                             int n, int k, double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        int ao = item * m * k;
        int bo = item * k * n;
        int co = item * m * n;
        if (f32) {
            sgemmRows(tA, tB, m, n, k, (float) alpha, a.f32(), ao, b.f32(), bo, (float) beta, c.f32(), co, i0, i1,
                    j0, j1);
        } else {
            dgemmRows(tA, tB, m, n, k, alpha, a.f64(), ao, b.f64(), bo, beta, c.f64(), co, i0, i1, j0, j1);
        }
    }

    // ---------------------------------------------------------------- float32

    /**
     * A small product by plain loops with the tiled path's arithmetic: each element of C is an FMA chain
     * over k from 0 within each KC block, and the blocks are combined as {@link #storeRow} does, so a row of
     * C gets the same bits whichever path computes it. Rows are thus independent of m, which lets sampling
     * split its batch across threads without changing any result.
     */
    private static void smallF32(boolean tA, boolean tB, int m, int n, int k, float alpha, float[] a, int ao, float[] b,
                                 int bo, float beta, float[] c, int co) {
        float[] row = new float[n];
        for (int i = 0; i < m; i++) {
            int ci = co + i * n;
            if (k == 0) {
                for (int j = 0; j < n; j++) {
                    c[ci + j] = beta == 0 ? 0f : beta * c[ci + j];
                }
            }
            for (int kk = 0; kk < k; kk += KC) {
                int kEnd = Math.min(k, kk + KC);
                java.util.Arrays.fill(row, 0f);
                for (int p = kk; p < kEnd; p++) {
                    float av = tA ? a[ao + p * m + i] : a[ao + i * k + p];
                    if (tB) {
                        for (int j = 0; j < n; j++) {
                            row[j] = Math.fma(av, b[bo + j * k + p], row[j]);
                        }
                    } else {
                        int bi = bo + p * n;
                        for (int j = 0; j < n; j++) {
                            row[j] = Math.fma(av, b[bi + j], row[j]);
                        }
                    }
                }
                boolean first = kk == 0;
                for (int j = 0; j < n; j++) {
                    float v = alpha * row[j];
                    c[ci + j] = first ? (beta == 0 ? v : v + beta * c[ci + j]) : c[ci + j] + v;
                }
            }
        }
    }

    private static void sgemmRows(boolean tA, boolean tB, int m, int n, int k, float alpha, float[] a, int ao,
                                  float[] b, int bo, float beta, float[] c, int co, int i0, int i1,
                                  int j0, int j1) {
        if (k == 0) {
            for (int i = i0; i < i1; i++) {
                for (int j = j0; j < j1; j++) {
                    int ci = co + i * n + j;
                    c[ci] = beta == 0 ? 0f : beta * c[ci];
                }
            }
            return;
        }
        if (!tB && i1 - i0 <= FEW_ROWS) {
            fewRowsF32(tA, m, n, k, alpha, a, ao, b, bo, beta, c, co, i0, i1, j0, j1, false);
            return;
        }
        float[][] buf = F_BUF.get();
        float[] ap = buf[0];
        float[] bp = buf[1];
        for (int kk = 0; kk < k; kk += KC) {
            int kc = Math.min(KC, k - kk);
            boolean first = kk == 0;
            for (int jj = j0; jj < j1; jj += NC) {
                int nc = Math.min(NC, j1 - jj);
                // A row-major B is read in place when this thread has few rows, so that the packing would
                // not be repaid (sampling's one-patch steps); full-width panels only.
                int packBFrom = !tB && i1 - i0 <= DIRECT_B_ROWS ? nc / FNR * FNR : 0;
                if (packBFrom < nc) {
                    packB(tB, k, n, b, bo, kk, kc, jj + packBFrom, nc - packBFrom, bp);
                }
                for (int ii = i0; ii < i1; ii += MC) {
                    int mc = Math.min(MC, i1 - ii);
                    // A is read in place, a transposed one too (there the MR values of one k are adjacent, one
                    // strided stream: +5-50% on the weight gradients' shapes against packing it); only a partial
                    // last panel is packed
                    int packFrom = mc / MR * MR;
                    if (packFrom < mc) {
                        packA(tA, m, k, a, ao, ii + packFrom, mc - packFrom, kk, kc, ap);
                    }
                    for (int jr = 0; jr < nc; jr += FNR) {
                        int nr = Math.min(FNR, nc - jr);
                        float[] bSrc;
                        int bOff, bStride;
                        if (jr < packBFrom) {
                            bSrc = b;
                            bOff = bo + kk * n + jj + jr;
                            bStride = n;
                        } else {
                            bSrc = bp;
                            bOff = (jr - packBFrom) * kc;
                            bStride = FNR;
                        }
                        for (int ir = 0; ir < mc; ir += MR) {
                            int cij = co + (ii + ir) * n + jj + jr;
                            if (ir < packFrom) {
                                int aij = tA ? ao + kk * m + ii + ir : ao + (ii + ir) * k + kk;
                                micro(kc, a, aij, tA ? 1 : k, tA ? m : 1, bSrc, bOff, bStride, c, cij, n, MR, nr,
                                        alpha, beta, first);
                            } else {
                                micro(kc, ap, (ir - packFrom) * kc, 1, MR, bSrc, bOff, bStride, c, cij, n,
                                        Math.min(MR, mc - ir), nr, alpha, beta, first);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Rows [i0, i1) x columns [j0, j1) of C for one or two rows and a row-major B: a batch-1 decoding step,
     * which reads every weight once and is bound by that read. Each row of B is read once and applied to
     * every row of C at once; the micro-kernel's NR-wide column panels instead walk down k rows at a time,
     * hundreds of strided streams that the prefetchers do not follow.
     *
     * <p>The arithmetic is the micro-kernel's: per element, an FMA chain over each KC block of k in order
     * from zero, the blocks combined as {@link #storeRow} does, so the bits are those of the tiled path. The
     * chains of all blocks are computed first, into a scratch row per block, and combined in block order at
     * the end. That lets the threads split the work (with {@code parallel}) as the sequence of (block, column
     * vector) units in order, block by block: each thread reads whole consecutive rows of B, one contiguous
     * run of memory, except at the ends of its range, where a split of the columns reads part of each row. The
     * split changes no bit, since each chain is computed whole by one thread and the combination is serial.
     */
    private static void fewRowsF32(boolean tA, int m, int n, int k, float alpha, float[] a, int ao, float[] b,
                                   int bo, float beta, float[] c, int co, int i0, int i1, int j0, int j1,
                                   boolean parallel) {
        int rows = i1 - i0;
        int w = j1 - j0;
        int blocks = (k + KC - 1) / KC;
        int units = (w + FL - 1) / FL;
        int stride = rows * w;
        float[][] holder = FEW_ACC.get();
        if (holder[0].length < blocks * stride) {
            holder[0] = new float[blocks * stride];
        }
        float[] acc = holder[0];
        Parallel.forRange(blocks * units, parallel, (lo, hi) -> {
            for (int blk = lo / units; blk * units < hi; blk++) {
                int from = j0 + Math.max(lo - blk * units, 0) * FL;
                int to = Math.min(j1, j0 + Math.min(hi - blk * units, units) * FL);
                fewRowsBlockF32(tA, m, n, k, a, ao, b, bo, i0, rows, blk * KC, Math.min(k, blk * KC + KC), from, to,
                        acc, blk * stride + from - j0, w);
            }
        });
        int full = w / FL * FL;
        for (int blk = 0; blk < blocks; blk++) {
            boolean first = blk == 0;
            for (int r = 0; r < rows; r++) {
                int ci = co + (i0 + r) * n + j0;
                int ai = blk * stride + r * w;
                for (int j = 0; j < full; j += FL) {
                    storeRow(FloatVector.fromArray(FS, acc, ai + j), c, ci + j, alpha, beta, first);
                }
                for (int j = full; j < w; j++) {
                    float v = alpha * acc[ai + j];
                    c[ci + j] = first ? (beta == 0 ? v : v + beta * c[ci + j]) : c[ci + j] + v;
                }
            }
        }
    }

    /**
     * One KC block [p0, p1) of k, columns [from, to) of {@link #fewRowsF32}: acc[ao + r·ldAcc + j - from] =
     * sum over p of op(A)[i0 + r, p]·B[p, j], as an FMA chain in p order from zero, for r &lt; rows. Four rows
     * of B per pass over the columns: the accumulators are loaded and stored once for four FMAs (applied in p
     * order, so the chain is the same), and four rows stream at once.
     */
    private static void fewRowsBlockF32(boolean tA, int m, int n, int k, float[] a, int ao, float[] b, int bo, int i0,
                                        int rows, int p0, int p1, int from, int to, float[] acc, int accOff,
                                        int ldAcc) {
        int w = to - from;
        int full = w / FL * FL;
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(acc, accOff + r * ldAcc, accOff + r * ldAcc + w, 0f);
        }
        int p = p0;
        for (; p + 4 <= p1; p += 4) {
            int bi = bo + p * n + from;
            for (int r = 0; r < rows; r++) {
                int i = i0 + r;
                float a0 = tA ? a[ao + p * m + i] : a[ao + i * k + p];
                float a1 = tA ? a[ao + (p + 1) * m + i] : a[ao + i * k + p + 1];
                float a2 = tA ? a[ao + (p + 2) * m + i] : a[ao + i * k + p + 2];
                float a3 = tA ? a[ao + (p + 3) * m + i] : a[ao + i * k + p + 3];
                FloatVector x0 = FloatVector.broadcast(FS, a0);
                FloatVector x1 = FloatVector.broadcast(FS, a1);
                FloatVector x2 = FloatVector.broadcast(FS, a2);
                FloatVector x3 = FloatVector.broadcast(FS, a3);
                int ai = accOff + r * ldAcc;
                for (int j = 0; j < full; j += FL) {
                    FloatVector v = FloatVector.fromArray(FS, acc, ai + j);
                    v = x0.fma(FloatVector.fromArray(FS, b, bi + j), v);
                    v = x1.fma(FloatVector.fromArray(FS, b, bi + n + j), v);
                    v = x2.fma(FloatVector.fromArray(FS, b, bi + 2 * n + j), v);
                    v = x3.fma(FloatVector.fromArray(FS, b, bi + 3 * n + j), v);
                    v.intoArray(acc, ai + j);
                }
                for (int j = full; j < w; j++) {
                    float v = acc[ai + j];
                    v = Math.fma(a0, b[bi + j], v);
                    v = Math.fma(a1, b[bi + n + j], v);
                    v = Math.fma(a2, b[bi + 2 * n + j], v);
                    acc[ai + j] = Math.fma(a3, b[bi + 3 * n + j], v);
                }
            }
        }
        for (; p < p1; p++) {
            int bi = bo + p * n + from;
            for (int r = 0; r < rows; r++) {
                int i = i0 + r;
                float av = tA ? a[ao + p * m + i] : a[ao + i * k + p];
                FloatVector x = FloatVector.broadcast(FS, av);
                int ai = accOff + r * ldAcc;
                for (int j = 0; j < full; j += FL) {
                    x.fma(FloatVector.fromArray(FS, b, bi + j), FloatVector.fromArray(FS, acc, ai + j))
                            .intoArray(acc, ai + j);
                }
                for (int j = full; j < w; j++) {
                    acc[ai + j] = Math.fma(av, b[bi + j], acc[ai + j]);
                }
            }
        }
    }

    /** Packs rows [ii, ii+mc) x k-range [kk, kk+kc) of op(A) into MR-tall panels, zero-padded. */
    private static void packA(boolean tA, int m, int k, float[] a, int ao, int ii, int mc, int kk, int kc, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int base = ir * kc;
            int rows = Math.min(MR, mc - ir);
            if (rows < MR) {
                java.util.Arrays.fill(ap, base, base + kc * MR, 0f);
            }
            if (tA) {
                // op(A)[i, q] = a[q * m + i]: the MR values of one q are adjacent in the source (a plain
                // loop: System.arraycopy's fixed cost dominates at six elements)
                for (int q = 0; q < kc; q++) {
                    int src = ao + (kk + q) * m + ii + ir;
                    int dst = base + q * MR;
                    for (int r = 0; r < rows; r++) {
                        ap[dst + r] = a[src + r];
                    }
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    int src = ao + (ii + ir + r) * k + kk;
                    int dst = base + r;
                    for (int q = 0; q < kc; q++) {
                        ap[dst + q * MR] = a[src + q];
                    }
                }
            }
        }
    }

    /** Packs k-range [kk, kk+kc) x columns [jj, jj+nc) of op(B) into NR-wide panels, zero-padded. */
    private static void packB(boolean tB, int k, int n, float[] b, int bo, int kk, int kc, int jj, int nc, float[] bp) {
        for (int jr = 0; jr < nc; jr += FNR) {
            int base = jr * kc;
            int w = Math.min(FNR, nc - jr);
            if (tB) {
                // op(B)[q, x] = b[x * k + q]: column x of the panel is a contiguous run of the source, read in
                // order (q outer, one element of each of w rows per q, took ~3x as long in training profiles)
                for (int x = 0; x < w; x++) {
                    int src = bo + (jj + jr + x) * k + kk;
                    for (int q = 0; q < kc; q++) {
                        bp[base + q * FNR + x] = b[src + q];
                    }
                }
            }
            for (int q = 0; q < kc; q++) {
                int dst = base + q * FNR;
                if (!tB) {
                    System.arraycopy(b, bo + (kk + q) * n + jj + jr, bp, dst, w);
                }
                for (int x = w; x < FNR; x++) {
                    bp[dst + x] = 0f;
                }
            }
        }
    }

    
    /**
     * C tile (mr x nr at c[co], row stride ldc) = or += alpha * A * Bpanel, where A[r, q] = a[ao + r*rs + q*qs]:
     * (rs, qs) = (1, MR) for a packed panel, (lda, 1) for rows of a row-major A read in place, (1, m) for a
     * transposed A read in place; B[q, x] = bp[bpo + q*bs + x], bs = NR for a packed panel, n for a row-major B
     * read in place.
     */
    private static void micro(int kc, float[] a, int ao, int rs, int qs, float[] bp, int bpo, int bs, float[] c, int co,
                              int ldc, int mr, int nr, float alpha, float beta, boolean first) {
        FloatVector c00 = FloatVector.zero(FS), c01 = FloatVector.zero(FS);
        FloatVector c10 = FloatVector.zero(FS), c11 = FloatVector.zero(FS);
        FloatVector c20 = FloatVector.zero(FS), c21 = FloatVector.zero(FS);
        FloatVector c30 = FloatVector.zero(FS), c31 = FloatVector.zero(FS);
        FloatVector c40 = FloatVector.zero(FS), c41 = FloatVector.zero(FS);
        FloatVector c50 = FloatVector.zero(FS), c51 = FloatVector.zero(FS);
        for (int q = 0; q < kc; q++) {
            int bq = bpo + q * bs;
            FloatVector b0 = FloatVector.fromArray(FS, bp, bq);
            FloatVector b1 = FloatVector.fromArray(FS, bp, bq + FL);
            int aq = ao + q * qs;
            FloatVector x = FloatVector.broadcast(FS, a[aq]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(FS, a[aq + 1 * rs]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(FS, a[aq + 2 * rs]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(FS, a[aq + 3 * rs]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(FS, a[aq + 4 * rs]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(FS, a[aq + 5 * rs]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        if (nr == FNR && mr == MR) {
            int r = co;
            storeRow(c00, c, r, alpha, beta, first);
            storeRow(c01, c, r + FL, alpha, beta, first);
            r += ldc;
            storeRow(c10, c, r, alpha, beta, first);
            storeRow(c11, c, r + FL, alpha, beta, first);
            r += ldc;
            storeRow(c20, c, r, alpha, beta, first);
            storeRow(c21, c, r + FL, alpha, beta, first);
            r += ldc;
            storeRow(c30, c, r, alpha, beta, first);
            storeRow(c31, c, r + FL, alpha, beta, first);
            r += ldc;
            storeRow(c40, c, r, alpha, beta, first);
            storeRow(c41, c, r + FL, alpha, beta, first);
            r += ldc;
            storeRow(c50, c, r, alpha, beta, first);
            storeRow(c51, c, r + FL, alpha, beta, first);
        } else {
            // partial tile: spill the accumulators and write the valid part element by element
            float[] tile = new float[MR * FNR];
            c00.intoArray(tile, 0);
            c01.intoArray(tile, FL);
            c10.intoArray(tile, FNR);
            c11.intoArray(tile, FNR + FL);
            c20.intoArray(tile, 2 * FNR);
            c21.intoArray(tile, 2 * FNR + FL);
            c30.intoArray(tile, 3 * FNR);
            c31.intoArray(tile, 3 * FNR + FL);
            c40.intoArray(tile, 4 * FNR);
            c41.intoArray(tile, 4 * FNR + FL);
            c50.intoArray(tile, 5 * FNR);
            c51.intoArray(tile, 5 * FNR + FL);
            for (int r = 0; r < mr; r++) {
                for (int x = 0; x < nr; x++) {
                    int ci = co + r * ldc + x;
                    float v = alpha * tile[r * FNR + x];
                    c[ci] = first ? (beta == 0 ? v : v + beta * c[ci]) : c[ci] + v;
                }
            }
        }
    }

    private static void storeRow(FloatVector acc, float[] c, int ci, float alpha, float beta, boolean first) {
        FloatVector v = acc.mul(alpha);
        if (!first) {
            v = FloatVector.fromArray(FS, c, ci).add(v);
        } else if (beta != 0) {
            v = v.add(FloatVector.fromArray(FS, c, ci).mul(beta));
        }
        v.intoArray(c, ci);
    }

    // ---------------------------------------------------------------- float64 (same structure)

    /** The float64 twin of {@link #smallF32}. */
    private static void smallF64(boolean tA, boolean tB, int m, int n, int k, double alpha, double[] a, int ao,
                                 double[] b, int bo, double beta, double[] c, int co) {
        double[] row = new double[n];
        for (int i = 0; i < m; i++) {
            int ci = co + i * n;
            if (k == 0) {
                for (int j = 0; j < n; j++) {
                    c[ci + j] = beta == 0 ? 0.0 : beta * c[ci + j];
                }
            }
            for (int kk = 0; kk < k; kk += KC) {
                int kEnd = Math.min(k, kk + KC);
                java.util.Arrays.fill(row, 0.0);
                for (int p = kk; p < kEnd; p++) {
                    double av = tA ? a[ao + p * m + i] : a[ao + i * k + p];
                    if (tB) {
                        for (int j = 0; j < n; j++) {
                            row[j] = Math.fma(av, b[bo + j * k + p], row[j]);
                        }
                    } else {
                        int bi = bo + p * n;
                        for (int j = 0; j < n; j++) {
                            row[j] = Math.fma(av, b[bi + j], row[j]);
                        }
                    }
                }
                boolean first = kk == 0;
                for (int j = 0; j < n; j++) {
                    double v = alpha * row[j];
                    c[ci + j] = first ? (beta == 0 ? v : v + beta * c[ci + j]) : c[ci + j] + v;
                }
            }
        }
    }

    private static void dgemmRows(boolean tA, boolean tB, int m, int n, int k, double alpha, double[] a, int ao,
                                  double[] b, int bo, double beta, double[] c, int co, int i0, int i1,
                                  int j0, int j1) {
        if (k == 0) {
            for (int i = i0; i < i1; i++) {
                for (int j = j0; j < j1; j++) {
                    int ci = co + i * n + j;
                    c[ci] = beta == 0 ? 0.0 : beta * c[ci];
                }
            }
            return;
        }
        double[][] buf = D_BUF.get();
        double[] ap = buf[0];
        double[] bp = buf[1];
        for (int kk = 0; kk < k; kk += KC) {
            int kc = Math.min(KC, k - kk);
            boolean first = kk == 0;
            for (int jj = j0; jj < j1; jj += NC) {
                int nc = Math.min(NC, j1 - jj);
                // A row-major B is read in place when this thread has few rows, so that the packing would
                // not be repaid (sampling's one-patch steps); full-width panels only.
                int packBFrom = !tB && i1 - i0 <= DIRECT_B_ROWS ? nc / DNR * DNR : 0;
                if (packBFrom < nc) {
                    packB(tB, k, n, b, bo, kk, kc, jj + packBFrom, nc - packBFrom, bp);
                }
                for (int ii = i0; ii < i1; ii += MC) {
                    int mc = Math.min(MC, i1 - ii);
                    // A is read in place, a transposed one too (there the MR values of one k are adjacent, one
                    // strided stream: +5-50% on the weight gradients' shapes against packing it); only a partial
                    // last panel is packed
                    int packFrom = mc / MR * MR;
                    if (packFrom < mc) {
                        packA(tA, m, k, a, ao, ii + packFrom, mc - packFrom, kk, kc, ap);
                    }
                    for (int jr = 0; jr < nc; jr += DNR) {
                        int nr = Math.min(DNR, nc - jr);
                        double[] bSrc;
                        int bOff, bStride;
                        if (jr < packBFrom) {
                            bSrc = b;
                            bOff = bo + kk * n + jj + jr;
                            bStride = n;
                        } else {
                            bSrc = bp;
                            bOff = (jr - packBFrom) * kc;
                            bStride = DNR;
                        }
                        for (int ir = 0; ir < mc; ir += MR) {
                            int cij = co + (ii + ir) * n + jj + jr;
                            if (ir < packFrom) {
                                int aij = tA ? ao + kk * m + ii + ir : ao + (ii + ir) * k + kk;
                                micro(kc, a, aij, tA ? 1 : k, tA ? m : 1, bSrc, bOff, bStride, c, cij, n, MR, nr,
                                        alpha, beta, first);
                            } else {
                                micro(kc, ap, (ir - packFrom) * kc, 1, MR, bSrc, bOff, bStride, c, cij, n,
                                        Math.min(MR, mc - ir), nr, alpha, beta, first);
                            }
                        }
                    }
                }
            }
        }
    }

    private static void packA(boolean tA, int m, int k, double[] a, int ao, int ii, int mc, int kk, int kc, double[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int base = ir * kc;
            int rows = Math.min(MR, mc - ir);
            if (rows < MR) {
                java.util.Arrays.fill(ap, base, base + kc * MR, 0.0);
            }
            if (tA) {
                // op(A)[i, q] = a[q * m + i]: the MR values of one q are adjacent in the source (a plain
                // loop: System.arraycopy's fixed cost dominates at six elements)
                for (int q = 0; q < kc; q++) {
                    int src = ao + (kk + q) * m + ii + ir;
                    int dst = base + q * MR;
                    for (int r = 0; r < rows; r++) {
                        ap[dst + r] = a[src + r];
                    }
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    int src = ao + (ii + ir + r) * k + kk;
                    int dst = base + r;
                    for (int q = 0; q < kc; q++) {
                        ap[dst + q * MR] = a[src + q];
                    }
                }
            }
        }
    }

    private static void packB(boolean tB, int k, int n, double[] b, int bo, int kk, int kc, int jj, int nc, double[] bp) {
        for (int jr = 0; jr < nc; jr += DNR) {
            int base = jr * kc;
            int w = Math.min(DNR, nc - jr);
            if (tB) {
                // op(B)[q, x] = b[x * k + q]: column x of the panel is a contiguous run of the source, read in
                // order (q outer, one element of each of w rows per q, took ~3x as long in training profiles)
                for (int x = 0; x < w; x++) {
                    int src = bo + (jj + jr + x) * k + kk;
                    for (int q = 0; q < kc; q++) {
                        bp[base + q * DNR + x] = b[src + q];
                    }
                }
            }
            for (int q = 0; q < kc; q++) {
                int dst = base + q * DNR;
                if (!tB) {
                    System.arraycopy(b, bo + (kk + q) * n + jj + jr, bp, dst, w);
                }
                for (int x = w; x < DNR; x++) {
                    bp[dst + x] = 0.0;
                }
            }
        }
    }

    /**
     * C tile (mr x nr at c[co], row stride ldc) = or += alpha * A * Bpanel, where A[r, q] = a[ao + r*rs + q*qs]:
     * (rs, qs) = (1, MR) for a packed panel, (lda, 1) for rows of a row-major A read in place, (1, m) for a
     * transposed A read in place; B[q, x] = bp[bpo + q*bs + x], bs = NR for a packed panel, n for a row-major B
     * read in place.
     */
    private static void micro(int kc, double[] a, int ao, int rs, int qs, double[] bp, int bpo, int bs, double[] c,
                              int co, int ldc, int mr, int nr, double alpha, double beta, boolean first) {
        DoubleVector c00 = DoubleVector.zero(DS), c01 = DoubleVector.zero(DS);
        DoubleVector c10 = DoubleVector.zero(DS), c11 = DoubleVector.zero(DS);
        DoubleVector c20 = DoubleVector.zero(DS), c21 = DoubleVector.zero(DS);
        DoubleVector c30 = DoubleVector.zero(DS), c31 = DoubleVector.zero(DS);
        DoubleVector c40 = DoubleVector.zero(DS), c41 = DoubleVector.zero(DS);
        DoubleVector c50 = DoubleVector.zero(DS), c51 = DoubleVector.zero(DS);
        for (int q = 0; q < kc; q++) {
            int bq = bpo + q * bs;
            DoubleVector b0 = DoubleVector.fromArray(DS, bp, bq);
            DoubleVector b1 = DoubleVector.fromArray(DS, bp, bq + DL);
            int aq = ao + q * qs;
            DoubleVector x = DoubleVector.broadcast(DS, a[aq]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = DoubleVector.broadcast(DS, a[aq + 1 * rs]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = DoubleVector.broadcast(DS, a[aq + 2 * rs]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = DoubleVector.broadcast(DS, a[aq + 3 * rs]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = DoubleVector.broadcast(DS, a[aq + 4 * rs]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = DoubleVector.broadcast(DS, a[aq + 5 * rs]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        if (nr == DNR && mr == MR) {
            int r = co;
            storeRow(c00, c, r, alpha, beta, first);
            storeRow(c01, c, r + DL, alpha, beta, first);
            r += ldc;
            storeRow(c10, c, r, alpha, beta, first);
            storeRow(c11, c, r + DL, alpha, beta, first);
            r += ldc;
            storeRow(c20, c, r, alpha, beta, first);
            storeRow(c21, c, r + DL, alpha, beta, first);
            r += ldc;
            storeRow(c30, c, r, alpha, beta, first);
            storeRow(c31, c, r + DL, alpha, beta, first);
            r += ldc;
            storeRow(c40, c, r, alpha, beta, first);
            storeRow(c41, c, r + DL, alpha, beta, first);
            r += ldc;
            storeRow(c50, c, r, alpha, beta, first);
            storeRow(c51, c, r + DL, alpha, beta, first);
        } else {
            // partial tile: spill the accumulators and write the valid part element by element
            double[] tile = new double[MR * DNR];
            c00.intoArray(tile, 0);
            c01.intoArray(tile, DL);
            c10.intoArray(tile, DNR);
            c11.intoArray(tile, DNR + DL);
            c20.intoArray(tile, 2 * DNR);
            c21.intoArray(tile, 2 * DNR + DL);
            c30.intoArray(tile, 3 * DNR);
            c31.intoArray(tile, 3 * DNR + DL);
            c40.intoArray(tile, 4 * DNR);
            c41.intoArray(tile, 4 * DNR + DL);
            c50.intoArray(tile, 5 * DNR);
            c51.intoArray(tile, 5 * DNR + DL);
            for (int r = 0; r < mr; r++) {
                for (int x = 0; x < nr; x++) {
                    int ci = co + r * ldc + x;
                    double v = alpha * tile[r * DNR + x];
                    c[ci] = first ? (beta == 0 ? v : v + beta * c[ci]) : c[ci] + v;
                }
            }
        }
    }

    private static void storeRow(DoubleVector acc, double[] c, int ci, double alpha, double beta, boolean first) {
        DoubleVector v = acc.mul(alpha);
        if (!first) {
            v = DoubleVector.fromArray(DS, c, ci).add(v);
        } else if (beta != 0) {
            v = v.add(DoubleVector.fromArray(DS, c, ci).mul(beta));
        }
        v.intoArray(c, ci);
    }

    private static int roundUp(int x, int m) {
        return (x + m - 1) / m * m;
    }
}
