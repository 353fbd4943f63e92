package org.tarflow.nn;

import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * Moves attention heads between the token-major layout the linear layers produce, (B, T, width), and
 * the head-major layout the per-head products want, (B, H, T, d): PyTorch's
 * {@code reshape(B, T, H, d).transpose(1, 2)} and back, as explicit copies.
 */
final class Heads {
    private Heads() {
    }

    /**
     * Copies columns {@code [col0, col0 + H*d)} of src (B, T, width) into dst (B, H, T, d), head h taking
     * columns {@code col0 + h*d ..}.
     */
    static void split(Kernels k, Tensor src, int col0, Tensor dst) {
        int t = src.dim(1);
        int width = src.dim(2);
        int heads = dst.dim(1);
        int d = dst.dim(3);
        k.copyStrided(src, col0, new int[] {t * width, d, width, 1}, dst, 0, new int[] {heads * t * d, t * d, d, 1},
                new int[] {src.dim(0), heads, t, d});
    }

    /** Inverse of {@link #split}: writes src (B, H, T, d) into columns {@code [col0, col0 + H*d)} of dst (B, T, width). */
    static void merge(Kernels k, Tensor src, Tensor dst, int col0) {
        int heads = src.dim(1);
        int t = src.dim(2);
        int d = src.dim(3);
        int width = dst.dim(2);
        k.copyStrided(src, 0, new int[] {heads * t * d, t * d, d, 1}, dst, col0, new int[] {t * width, d, width, 1},
                new int[] {src.dim(0), heads, t, d});
    }
}
