package org.tarflow.tensor;

/**
 * The plain-loop twin of every kernel: one element at a time, accumulating in double, written to be
 * obviously right rather than fast. Property tests compare {@link SimdKernels} against it on random
 * shapes; it also runs the whole model (slowly) when a test wants the simplest possible arithmetic.
 *
 * <p>For F32 tensors it reads floats, computes in double and rounds once on store, so it is at least
 * as exact as the SIMD float path and serves as its reference. GELU uses the accurate {@link Erf#erf}.
 */
public final class ScalarKernels implements Kernels {

    /** Creates the plain kernels; they hold no state, so one instance can serve every thread. */
    public ScalarKernels() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void gemm(int batch, boolean transA, boolean transB, int m, int n, int k,
                     double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        Shapes.gemm(batch, m, n, k, a, b, c);
        for (int p = 0; p < batch; p++) {
            int ao = p * m * k;
            int bo = p * k * n;
            int co = p * m * n;
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int q = 0; q < k; q++) {
                        double av = a.get(ao + (transA ? q * m + i : i * k + q));
                        double bv = b.get(bo + (transB ? j * k + q : q * n + j));
                        acc += av * bv;
                    }
                    int ci = co + i * n + j;
                    double old = beta == 0 ? 0 : beta * c.get(ci);
                    c.set(ci, alpha * acc + old);
                }
            }
        }
    }

    @Override
    public void add(Tensor a, Tensor b, double beta, Tensor out) {
        Shapes.sameDType(a, b, out);
        Shapes.suffix(a, b);
        Shapes.sameSize(a, out);
        int nb = b.size();
        for (int i = 0; i < a.size(); i++) {
            out.set(i, a.get(i) + beta * b.get(i % nb));
        }
    }

    @Override
    public void mul(Tensor a, Tensor b, Tensor out) {
        Shapes.sameDType(a, b, out);
        Shapes.suffix(a, b);
        Shapes.sameSize(a, out);
        int nb = b.size();
        for (int i = 0; i < a.size(); i++) {
            out.set(i, a.get(i) * b.get(i % nb));
        }
    }

    @Override
    public void exp(Tensor a, double alpha, Tensor out) {
        Shapes.sameDType(a, out);
        Shapes.sameSize(a, out);
        for (int i = 0; i < a.size(); i++) {
            out.set(i, Math.exp(alpha * a.get(i)));
        }
    }

    @Override
    public double sum(Tensor a) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += a.get(i);
        }
        return s;
    }

    @Override
    public double sumSquares(Tensor a) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            double v = a.get(i);
            s += v * v;
        }
        return s;
    }

    @Override
    public void sumLeading(Tensor x, Tensor out) {
        Shapes.sameDType(x, out);
        Shapes.suffix(x, out);
        int n = out.size();
        for (int j = 0; j < n; j++) {
            double s = out.get(j);
            for (int r = j; r < x.size(); r += n) {
                s += x.get(r);
            }
            out.set(j, s);
        }
    }

    @Override
    public void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd) {
        int cols = weight.size();
        int rows = Shapes.layerNorm(x, weight, bias, y, mean, rstd);
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double mu = 0;
            for (int j = 0; j < cols; j++) {
                mu += x.get(o + j);
            }
            mu /= cols;
            double var = 0;
            for (int j = 0; j < cols; j++) {
                double dv = x.get(o + j) - mu;
                var += dv * dv;
            }
            var /= cols;
            double rs = 1.0 / Math.sqrt(var + eps);
            for (int j = 0; j < cols; j++) {
                y.set(o + j, (x.get(o + j) - mu) * rs * weight.get(j) + bias.get(j));
            }
            mean.set(r, mu);
            rstd.set(r, rs);
        }
    }

    @Override
    public void layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dweight, Tensor dbias) {
        int cols = weight.size();
        int rows = Shapes.rows(x, cols);
        Shapes.sameDType(dy, x, weight, mean, rstd, dx, dweight, dbias);
        Shapes.sameSize(x, dy);
        Shapes.sameSize(x, dx);
        for (int r = 0; r < rows; r++) {
            int o = r * cols;
            double mu = mean.get(r);
            double rs = rstd.get(r);
            double meanG = 0;
            double meanGx = 0;
            for (int j = 0; j < cols; j++) {
                double xhat = (x.get(o + j) - mu) * rs;
                double g = dy.get(o + j) * weight.get(j);
                meanG += g;
                meanGx += g * xhat;
            }
            meanG /= cols;
            meanGx /= cols;
            for (int j = 0; j < cols; j++) {
                double xhat = (x.get(o + j) - mu) * rs;
                double g = dy.get(o + j) * weight.get(j);
                dweight.set(j, dweight.get(j) + dy.get(o + j) * xhat);
                dbias.set(j, dbias.get(j) + dy.get(o + j));
                dx.set(o + j, rs * (g - meanG - xhat * meanGx));
            }
        }
    }

    @Override
    public void gelu(Tensor x, Tensor y) {
        Shapes.sameDType(x, y);
        Shapes.sameSize(x, y);
        for (int i = 0; i < x.size(); i++) {
            double v = x.get(i);
            y.set(i, 0.5 * v * (1.0 + Erf.erf(v * SQRT_HALF)));
        }
    }

    @Override
    public void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        Shapes.sameDType(x, dy, dx);
        Shapes.sameSize(x, dy);
        Shapes.sameSize(x, dx);
        for (int i = 0; i < x.size(); i++) {
            double v = x.get(i);
            double cdf = 0.5 * (1.0 + Erf.erf(v * SQRT_HALF));
            double pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
            dx.set(i, dy.get(i) * (cdf + v * pdf));
        }
    }

    @Override
    public void softmaxCausal(Tensor s, Tensor p) {
        Shapes.sameDType(s, p);
        Shapes.sameSize(s, p);
        int t = Shapes.square(s);
        for (int o = 0; o < s.size(); o += t) {
            int i = (o / t) % t;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                max = Math.max(max, s.get(o + j));
            }
            double z = 0;
            for (int j = 0; j <= i; j++) {
                z += Math.exp(s.get(o + j) - max);
            }
            for (int j = 0; j < t; j++) {
                p.set(o + j, j <= i ? Math.exp(s.get(o + j) - max) / z : 0.0);
            }
        }
    }

    @Override
    public void softmaxCausalBackward(Tensor p, Tensor dp, Tensor ds) {
        Shapes.sameDType(p, dp, ds);
        Shapes.sameSize(p, dp);
        Shapes.sameSize(p, ds);
        int t = Shapes.square(p);
        for (int o = 0; o < p.size(); o += t) {
            int i = (o / t) % t;
            double dot = 0;
            for (int j = 0; j <= i; j++) {
                dot += p.get(o + j) * dp.get(o + j);
            }
            for (int j = 0; j < t; j++) {
                ds.set(o + j, j <= i ? p.get(o + j) * (dp.get(o + j) - dot) : 0.0);
            }
        }
    }

    @Override
    public void sumRows(Tensor x, double divisor, Tensor out) {
        int n = Shapes.sumRows(x, out);
        for (int r = 0; r < out.size(); r++) {
            double s = 0;
            for (int j = r * n; j < (r + 1) * n; j++) {
                s += x.get(j);
            }
            out.set(r, s / divisor);
        }
    }

    @Override
    public void shiftedAffineBackward(Tensor dz, Tensor z, Tensor dxp, Tensor dLogdet, double perDim, boolean nvp,
                                      Tensor dO) {
        int t = Shapes.shiftedAffine(dz, z, dxp, dLogdet, nvp, dO);
        int b = dz.dim(0);
        int d = dz.dim(2);
        int outDim = dO.dim(2);
        for (int bi = 0; bi < b; bi++) {
            double dl = dLogdet.get(bi);
            for (int ti = 1; ti < t; ti++) {
                for (int j = 0; j < d; j++) {
                    int i = (bi * t + ti) * d + j;
                    int o = (bi * t + ti - 1) * outDim + j;
                    double dShift = -dxp.get(i);
                    if (nvp) {
                        dO.set(o, -dz.get(i) * z.get(i) - dl * perDim);
                        dO.set(o + d, dShift);
                    } else {
                        dO.set(o, dShift);
                    }
                }
            }
        }
    }

    @Override
    public void classEmbeddingBackward(Tensor dh, int[] labels, Tensor g) {
        int[] y = Shapes.classEmbedding(dh, labels, g);
        int t = dh.dim(1);
        int channels = dh.dim(2);
        int classes = g.dim(0);
        for (int bi = 0; bi < y.length; bi++) {
            for (int c = 0; c < channels; c++) {
                double s = 0;
                for (int ti = 0; ti < t; ti++) {
                    s += dh.get((bi * t + ti) * channels + c);
                }
                if (y[bi] < 0) {
                    for (int k = 0; k < classes; k++) {
                        g.set(k * channels + c, g.get(k * channels + c) + s / classes);
                    }
                } else {
                    g.set(y[bi] * channels + c, g.get(y[bi] * channels + c) + s);
                }
            }
        }
    }

    @Override
    public void adamW(Tensor w, Tensor g, Tensor m, Tensor v, double beta1, double beta2, double stepSize,
                      double bc2Sqrt, double eps, double decay) {
        Shapes.adamW(w, g, m, v);
        for (int i = 0; i < w.size(); i++) {
            double gi = g.get(i);
            double mi = m.get(i);
            mi = mi + (1 - beta1) * (gi - mi);
            double vi = v.get(i) * beta2 + (1 - beta2) * gi * gi;
            m.set(i, mi);
            v.set(i, vi);
            // read back the stored moments so float32 rounds as PyTorch's in-place float ops do
            double denom = Math.sqrt(v.get(i)) / bc2Sqrt + eps;
            w.set(i, w.get(i) * decay);
            w.set(i, w.get(i) - stepSize * (m.get(i) / denom));
        }
    }

    @Override
    public void copyStrided(Tensor src, int srcOffset, int[] srcStrides, Tensor dst, int dstOffset, int[] dstStrides,
                            int[] shape) {
        int[][] p = Shapes.strided(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape);
        if (p == null) {
            return;
        }
        int[] n = p[0], s = p[1], d = p[2];
        for (int i0 = 0; i0 < n[0]; i0++) {
            for (int i1 = 0; i1 < n[1]; i1++) {
                for (int i2 = 0; i2 < n[2]; i2++) {
                    for (int i3 = 0; i3 < n[3]; i3++) {
                        dst.set(dstOffset + i0 * d[0] + i1 * d[1] + i2 * d[2] + i3 * d[3],
                                src.get(srcOffset + i0 * s[0] + i1 * s[1] + i2 * s[2] + i3 * s[3]));
                    }
                }
            }
        }
    }

    @Override
    public void attendCached(Tensor q, Tensor kCache, Tensor vCache, int length, double[] scales, Tensor out) {
        int rows = q.dim(0);
        int d = q.dim(-1);
        int cap = checkCache(q, kCache, vCache, length, scales, out);
        int groupRows = rows / scales.length;
        double[] w = new double[length];
        for (int r = 0; r < rows; r++) {
            double scale = scales[r / groupRows];
            int ko = r * cap * d;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < length; j++) {
                double dot = 0;
                for (int e = 0; e < d; e++) {
                    dot += q.get(r * d + e) * kCache.get(ko + e * cap + j);
                }
                w[j] = scale * dot;
                max = Math.max(max, w[j]);
            }
            double z = 0;
            for (int j = 0; j < length; j++) {
                w[j] = Math.exp(w[j] - max);
                z += w[j];
            }
            for (int e = 0; e < d; e++) {
                double acc = 0;
                for (int j = 0; j < length; j++) {
                    acc += w[j] * vCache.get(ko + j * d + e);
                }
                out.set(r * d + e, acc / z);
            }
        }
    }

    /** Validates {@link #attendCached} arguments and returns the cache capacity. */
    static int checkCache(Tensor q, Tensor kCache, Tensor vCache, int length, double[] scales, Tensor out) {
        Shapes.sameDType(q, kCache, vCache, out);
        if (q.rank() != 2 || kCache.rank() != 3 || vCache.rank() != 3 || !q.sameShape(out)
                || kCache.dim(0) != q.dim(0) || kCache.dim(1) != q.dim(1)
                || vCache.dim(0) != q.dim(0) || vCache.dim(1) != kCache.dim(2) || vCache.dim(2) != q.dim(1)) {
            throw new IllegalArgumentException("attendCached: q " + q + ", k " + kCache + ", v " + vCache + ", out " + out);
        }
        if (length < 1 || length > kCache.dim(2)) {
            throw new IllegalArgumentException("attendCached: length " + length + " outside 1.." + kCache.dim(2));
        }
        if (scales.length == 0 || q.dim(0) % scales.length != 0) {
            throw new IllegalArgumentException("attendCached: " + q.dim(0) + " rows do not split into "
                    + scales.length + " equal groups");
        }
        return kCache.dim(2);
    }

    static final double SQRT_HALF = 0.7071067811865476;
    static final double INV_SQRT_2PI = 0.3989422804014327;
}
