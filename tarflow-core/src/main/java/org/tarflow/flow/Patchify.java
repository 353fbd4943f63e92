package org.tarflow.flow;

import org.tarflow.tensor.Tensor;

/**
 * Images to patch sequences and back, exactly as the reference's {@code patchify}/{@code unpatchify}
 * ({@code torch.nn.functional.unfold}/{@code fold} with kernel = stride = p, then a transpose).
 *
 * <p>Patch index t runs row-major over the (H/p) × (W/p) grid, t = ty·(W/p) + tx; within a patch the
 * feature index is {@code c·p² + dy·p + dx}. So {@code seq[n, t, c·p²+dy·p+dx] = img[n, c, ty·p+dy, tx·p+dx]}.
 */
public final class Patchify {
    private Patchify() {
    }

    /**
     * {@return a new sequence (N, T, C·p²) with T = (H/p)·(W/p): the image's p×p patches in row-major
     * order}
     *
     * @param img (N, C, H, W) images; H and W must be multiples of {@code p}
     * @param p   the patch side
     * @throws IllegalArgumentException if H or W is not a multiple of {@code p}
     */
    public static Tensor patchify(Tensor img, int p) {
        if (img.rank() != 4 || img.dim(2) % p != 0 || img.dim(3) % p != 0) {
            throw new IllegalArgumentException("cannot cut " + img + " into " + p + "x" + p + " patches");
        }
        int n = img.dim(0), c = img.dim(1), h = img.dim(2), w = img.dim(3);
        int gw = w / p;
        int t = (h / p) * gw;
        int d = c * p * p;
        Tensor seq = Tensor.zeros(img.dtype(), n, t, d);
        Object src = img.array();
        Object dst = seq.array();
        for (int ni = 0; ni < n; ni++) {
            for (int ti = 0; ti < t; ti++) {
                int ty = ti / gw, tx = ti % gw;
                for (int ci = 0; ci < c; ci++) {
                    for (int dy = 0; dy < p; dy++) {
                        int from = ((ni * c + ci) * h + ty * p + dy) * w + tx * p;
                        int to = (ni * t + ti) * d + ci * p * p + dy * p;
                        System.arraycopy(src, from, dst, to, p);
                    }
                }
            }
        }
        return seq;
    }

    /**
     * {@return new images (N, C, size, size) reassembled from the patch sequence: the inverse of
     * {@link #patchify} for square images}
     *
     * @param seq      (N, T, C·p²) patch sequence with T = (size/p)²
     * @param p        the patch side
     * @param channels C, the image channels
     * @param size     the image side H = W in pixels, a multiple of {@code p}
     * @throws IllegalArgumentException if the sequence's T or D does not fit that image shape
     */
    public static Tensor unpatchify(Tensor seq, int p, int channels, int size) {
        int gw = size / p;
        if (seq.rank() != 3 || seq.dim(2) != channels * p * p || seq.dim(1) != gw * gw || size % p != 0) {
            throw new IllegalArgumentException("cannot fold " + seq + " into " + channels + "x" + size + "x" + size
                    + " images with patch " + p);
        }
        int n = seq.dim(0), t = seq.dim(1), d = seq.dim(2);
        Tensor img = Tensor.zeros(seq.dtype(), n, channels, size, size);
        Object src = seq.array();
        Object dst = img.array();
        for (int ni = 0; ni < n; ni++) {
            for (int ti = 0; ti < t; ti++) {
                int ty = ti / gw, tx = ti % gw;
                for (int ci = 0; ci < channels; ci++) {
                    for (int dy = 0; dy < p; dy++) {
                        int to = ((ni * channels + ci) * size + ty * p + dy) * size + tx * p;
                        int from = (ni * t + ti) * d + ci * p * p + dy * p;
                        System.arraycopy(src, from, dst, to, p);
                    }
                }
            }
        }
        return img;
    }
}
