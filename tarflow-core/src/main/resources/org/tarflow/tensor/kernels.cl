// TarFlow's OpenCL C kernels (OpenClKernels). Built once per device and dtype, with -DREAL=float or
// -DREAL=double, and -DUSE_FP64 where the device has cl_khr_fp64 (double needs it; ACC is double with it). Each kernel is the twin of the ScalarKernels
// method of the same name (Kernels' Javadoc gives the math and the shapes); the tensors are contiguous
// row-major arrays. Sums run in REAL, in a fixed order per work-item, so a result does not change between runs.
#ifdef USE_FP64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double ACC;
#else
typedef float ACC;
#endif

// GEMM: a TILE x TILE work-group computes a BLOCK x BLOCK block of C, each work-item WPT x WPT of its elements
// (rows lr + w * TILE, columns lc + w * TILE of the block), staging TILE-deep slices of op(A) and op(B) in local
// memory. WPT^2 outputs per work-item give WPT^2 times the multiply-adds per barrier and per local load of a
// one-output kernel: fewer barriers for a CPU device (POCL splits its work-item loops at each) and operand reuse
// in registers for a GPU. Must match OpenClKernels.TILE and OpenClKernels.WPT.
#define TILE 16
#define WPT 4
#define BLOCK (TILE * WPT)

// C[p] = alpha * op(A[p]) * op(B[p]) + beta * C[p]; global (ceil(n / BLOCK) * TILE, ceil(m / BLOCK) * TILE, batch),
// local (TILE, TILE). Each element of C sums its k products in order, one rounding per multiply-add.
__kernel void gemm(int m, int n, int k, int transA, int transB, REAL alpha, __global const REAL* a,
                   __global const REAL* b, REAL beta, __global REAL* c) {
    int lc = get_local_id(0);
    int lr = get_local_id(1);
    int col0 = get_group_id(0) * BLOCK;
    int row0 = get_group_id(1) * BLOCK;
    int p = get_global_id(2);
    __local REAL as[BLOCK][TILE];
    __local REAL bs[TILE][BLOCK + 1];  // +1: no bank conflicts on a GPU
    a += (size_t) p * m * k;
    b += (size_t) p * k * n;
    c += (size_t) p * m * n;
    REAL acc[WPT][WPT];
    for (int i = 0; i < WPT; i++) {
        for (int j = 0; j < WPT; j++) {
            acc[i][j] = 0;
        }
    }
    for (int t0 = 0; t0 < k; t0 += TILE) {
        // each work-item loads WPT elements of the op(A) slice (its rows, slice column lc) and WPT of the op(B)
        // slice (slice row lr, its columns); outside the matrices they are 0
        for (int w = 0; w < WPT; w++) {
            int row = row0 + lr + w * TILE;
            int ka = t0 + lc;
            as[lr + w * TILE][lc] = (row < m && ka < k)
                    ? (transA ? a[(size_t) ka * m + row] : a[(size_t) row * k + ka]) : 0;
            int col = col0 + lc + w * TILE;
            int kb = t0 + lr;
            bs[lr][lc + w * TILE] = (kb < k && col < n)
                    ? (transB ? b[(size_t) col * k + kb] : b[(size_t) kb * n + col]) : 0;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int q = 0; q < TILE; q++) {
            REAL bv[WPT];
            for (int j = 0; j < WPT; j++) {
                bv[j] = bs[q][lc + j * TILE];
            }
            for (int i = 0; i < WPT; i++) {
                REAL av = as[lr + i * TILE][q];
                for (int j = 0; j < WPT; j++) {
                    acc[i][j] += av * bv[j];
                }
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < WPT; i++) {
        int row = row0 + lr + i * TILE;
        for (int j = 0; j < WPT; j++) {
            int col = col0 + lc + j * TILE;
            if (row < m && col < n) {
                size_t ci = (size_t) row * n + col;
                // beta == 0 ignores the old C entirely (it may hold NaN), as BLAS does
                c[ci] = beta == 0 ? alpha * acc[i][j] : alpha * acc[i][j] + beta * c[ci];
            }
        }
    }
}

// out = a + beta * b, b repeating every nb elements; global (size)
__kernel void add(int nb, REAL beta, __global const REAL* a, __global const REAL* b, __global REAL* out) {
    size_t i = get_global_id(0);
    out[i] = a[i] + beta * b[i % nb];
}

// out = a * b, b repeating every nb elements; global (size)
__kernel void mul(int nb, __global const REAL* a, __global const REAL* b, __global REAL* out) {
    size_t i = get_global_id(0);
    out[i] = a[i] * b[i % nb];
}

// out = exp(alpha * a); global (size)
__kernel void exp_scaled(REAL alpha, __global const REAL* a, __global REAL* out) {
    size_t i = get_global_id(0);
    out[i] = exp(alpha * a[i]);
}

// partial[g] = sum of a[i] (or a[i]^2) over i = g, g + G, ...; global (G); the host adds the G partials in double
__kernel void partial_sums(int n, int squares, __global const REAL* a, __global REAL* partial) {
    int g = get_global_id(0);
    int stride = get_global_size(0);
    REAL s = 0;
    for (int i = g; i < n; i += stride) {
        REAL v = a[i];
        s += squares ? v * v : v;
    }
    partial[g] = s;
}

// out[j] += sum_r x[r * nOut + j], rows in order; global (nOut)
__kernel void sum_leading(int size, int nOut, __global const REAL* x, __global REAL* out) {
    int j = get_global_id(0);
    REAL s = out[j];
    for (int r = j; r < size; r += nOut) {
        s += x[r];
    }
    out[j] = s;
}

// LayerNorm over rows of length cols; global (rows)
__kernel void layer_norm(int cols, REAL eps, __global const REAL* x, __global const REAL* weight,
                         __global const REAL* bias, __global REAL* y, __global REAL* mean, __global REAL* rstd) {
    int r = get_global_id(0);
    __global const REAL* xr = x + (size_t) r * cols;
    REAL mu = 0;
    for (int j = 0; j < cols; j++) {
        mu += xr[j];
    }
    mu /= cols;
    REAL var = 0;
    for (int j = 0; j < cols; j++) {
        REAL dv = xr[j] - mu;
        var += dv * dv;
    }
    var /= cols;
    REAL rs = 1 / sqrt(var + eps);
    for (int j = 0; j < cols; j++) {
        y[(size_t) r * cols + j] = (xr[j] - mu) * rs * weight[j] + bias[j];
    }
    mean[r] = mu;
    rstd[r] = rs;
}

// LayerNorm backward, dx per row; global (rows)
__kernel void layer_norm_dx(int cols, __global const REAL* dy, __global const REAL* x, __global const REAL* weight,
                            __global const REAL* mean, __global const REAL* rstd, __global REAL* dx) {
    int r = get_global_id(0);
    size_t o = (size_t) r * cols;
    REAL mu = mean[r];
    REAL rs = rstd[r];
    REAL meanG = 0;
    REAL meanGx = 0;
    for (int j = 0; j < cols; j++) {
        REAL g = dy[o + j] * weight[j];
        meanG += g;
        meanGx += g * (x[o + j] - mu) * rs;
    }
    meanG /= cols;
    meanGx /= cols;
    for (int j = 0; j < cols; j++) {
        REAL xhat = (x[o + j] - mu) * rs;
        dx[o + j] = rs * (dy[o + j] * weight[j] - meanG - xhat * meanGx);
    }
}

// LayerNorm backward, dweight += sum_r dy * xhat and dbias += sum_r dy per column, rows in order; global (cols)
__kernel void layer_norm_dw(int rows, int cols, __global const REAL* dy, __global const REAL* x,
                            __global const REAL* mean, __global const REAL* rstd, __global REAL* dweight,
                            __global REAL* dbias) {
    int j = get_global_id(0);
    REAL dw = dweight[j];
    REAL db = dbias[j];
    for (int r = 0; r < rows; r++) {
        size_t i = (size_t) r * cols + j;
        dw += dy[i] * (x[i] - mean[r]) * rstd[r];
        db += dy[i];
    }
    dweight[j] = dw;
    dbias[j] = db;
}

#define SQRT_HALF 0.7071067811865476
#define INV_SQRT_2PI 0.3989422804014327

// exact GELU x/2 (1 + erf(x / sqrt 2)); global (size)
__kernel void gelu(__global const REAL* x, __global REAL* y) {
    size_t i = get_global_id(0);
    REAL v = x[i];
    y[i] = (REAL) 0.5 * v * (1 + erf(v * (REAL) SQRT_HALF));
}

// dx = dy * (Phi(x) + x phi(x)); global (size)
__kernel void gelu_backward(__global const REAL* x, __global const REAL* dy, __global REAL* dx) {
    size_t i = get_global_id(0);
    REAL v = x[i];
    REAL cdf = (REAL) 0.5 * (1 + erf(v * (REAL) SQRT_HALF));
    REAL pdf = (REAL) INV_SQRT_2PI * exp((REAL) -0.5 * v * v);
    dx[i] = dy[i] * (cdf + v * pdf);
}

// causal softmax of each row of (T, T) matrices; global (size / t)
__kernel void softmax_causal(int t, __global const REAL* s, __global REAL* p) {
    int row = get_global_id(0);
    int i = row % t;
    size_t o = (size_t) row * t;
    REAL mx = s[o];
    for (int j = 1; j <= i; j++) {
        mx = fmax(mx, s[o + j]);
    }
    REAL z = 0;
    for (int j = 0; j <= i; j++) {
        z += exp(s[o + j] - mx);
    }
    for (int j = 0; j < t; j++) {
        p[o + j] = j <= i ? exp(s[o + j] - mx) / z : 0;
    }
}

// ds = p * (dp - sum_j dp p) on the causal part, 0 above; global (size / t)
__kernel void softmax_causal_backward(int t, __global const REAL* p, __global const REAL* dp, __global REAL* ds) {
    int row = get_global_id(0);
    int i = row % t;
    size_t o = (size_t) row * t;
    REAL dot = 0;
    for (int j = 0; j <= i; j++) {
        dot += p[o + j] * dp[o + j];
    }
    for (int j = 0; j < t; j++) {
        ds[o + j] = j <= i ? p[o + j] * (dp[o + j] - dot) : 0;
    }
}

// KV-cache attention, step 1: w[r, j] = scale_r * q[r] . k[r, :, j]; global (length, rows)
__kernel void attend_scores(int d, int cap, int length, int groupRows, __global const REAL* scales,
                            __global const REAL* q, __global const REAL* kc, __global REAL* w) {
    int j = get_global_id(0);
    int r = get_global_id(1);
    __global const REAL* kr = kc + (size_t) r * cap * d;
    REAL dot = 0;
    for (int e = 0; e < d; e++) {
        dot += q[(size_t) r * d + e] * kr[(size_t) e * cap + j];
    }
    w[(size_t) r * length + j] = scales[r / groupRows] * dot;
}

// step 2: each row of w becomes its softmax; global (rows)
__kernel void attend_softmax(int length, __global REAL* w) {
    __global REAL* wr = w + (size_t) get_global_id(0) * length;
    REAL mx = wr[0];
    for (int j = 1; j < length; j++) {
        mx = fmax(mx, wr[j]);
    }
    REAL z = 0;
    for (int j = 0; j < length; j++) {
        wr[j] = exp(wr[j] - mx);
        z += wr[j];
    }
    for (int j = 0; j < length; j++) {
        wr[j] /= z;
    }
}

// step 3: out[r, e] = sum_j w[r, j] v[r, j, e]; global (d, rows)
__kernel void attend_values(int d, int cap, int length, __global const REAL* w, __global const REAL* vc,
                            __global REAL* out) {
    int e = get_global_id(0);
    int r = get_global_id(1);
    __global const REAL* vr = vc + (size_t) r * cap * d;
    REAL acc = 0;
    for (int j = 0; j < length; j++) {
        acc += w[(size_t) r * length + j] * vr[(size_t) j * d + e];
    }
    out[(size_t) r * d + e] = acc;
}

// Strided copy over a rank-4 index (the leading extent is implied by the global size); global: all elements
__kernel void copy_strided(int n1, int n2, int n3, int so, int s0, int s1, int s2, int s3, int dof, int d0, int d1,
                           int d2, int d3, __global const REAL* src, __global REAL* dst) {
    long i = get_global_id(0);
    long i3 = i % n3;
    long r = i / n3;
    long i2 = r % n2;
    r /= n2;
    long i1 = r % n1;
    long i0 = r / n1;
    dst[dof + i0 * d0 + i1 * d1 + i2 * d2 + i3 * d3] = src[so + i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3];
}

// AdamW, one element per work-item: ScalarKernels.adamW's arithmetic in ACC, rounded to REAL at each store
__kernel void adamw(ACC beta1, ACC beta2, ACC step_size, ACC bc2_sqrt, ACC eps, ACC decay, __global REAL* w,
                    __global const REAL* g, __global REAL* m, __global REAL* v) {
#pragma OPENCL FP_CONTRACT OFF
    // (no fused multiply-adds: each product and sum is rounded as the host's are)
    size_t i = get_global_id(0);
    ACC gi = g[i];
    ACC mi = m[i];
    mi = mi + (1 - beta1) * (gi - mi);
    ACC vi = v[i] * beta2 + (1 - beta2) * gi * gi;
    m[i] = (REAL) mi;
    v[i] = (REAL) vi;
    ACC denom = sqrt((ACC) v[i]) / bc2_sqrt + eps;
    w[i] = (REAL) (w[i] * decay);
    w[i] = (REAL) (w[i] - step_size * ((ACC) m[i] / denom));
}

// out[r] = (sum of row r, in order, in ACC) / divisor; global (rows)
__kernel void sum_rows(int n, ACC divisor, __global const REAL* x, __global REAL* out) {
    size_t r = get_global_id(0);
    ACC s = 0;
    for (int j = 0; j < n; j++) {
        s += x[r * n + j];
    }
    out[r] = (REAL) (s / divisor);
}

// ScalarKernels.shiftedAffineBackward; global (D, T - 1, B): element j of patch t + 1 of sample b
__kernel void shifted_affine_backward(int t, int d, int nvp, ACC per_dim, __global const REAL* dz,
                                      __global const REAL* z, __global const REAL* dxp, __global const REAL* dlogdet,
                                      __global REAL* dout) {
#pragma OPENCL FP_CONTRACT OFF
    int j = get_global_id(0);
    int ti = get_global_id(1) + 1;
    int b = get_global_id(2);
    int out_dim = nvp ? 2 * d : d;
    size_t i = ((size_t) b * t + ti) * d + j;
    size_t o = ((size_t) b * t + ti - 1) * out_dim + j;
    ACC dshift = -(ACC) dxp[i];
    if (nvp) {
        dout[o] = (REAL) (-(ACC) dz[i] * (ACC) z[i] - (ACC) dlogdet[b] * per_dim);
        dout[o + d] = (REAL) dshift;
    } else {
        dout[o] = (REAL) dshift;
    }
}

// ScalarKernels.classEmbeddingBackward; global (C): one channel, the samples in order
__kernel void class_embedding_backward(int b, int t, int c, int classes, __global const int* labels,
                                       __global const REAL* dh, __global REAL* g) {
#pragma OPENCL FP_CONTRACT OFF
    int ch = get_global_id(0);
    for (int bi = 0; bi < b; bi++) {
        ACC s = 0;
        for (int ti = 0; ti < t; ti++) {
            s += dh[((size_t) bi * t + ti) * c + ch];
        }
        int y = labels[bi];
        if (y < 0) {
            for (int k = 0; k < classes; k++) {
                g[k * c + ch] = (REAL) ((ACC) g[k * c + ch] + s / classes);
            }
        } else {
            g[y * c + ch] = (REAL) ((ACC) g[y * c + ch] + s);
        }
    }
}
