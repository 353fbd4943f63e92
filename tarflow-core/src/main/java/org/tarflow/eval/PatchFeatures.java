package org.tarflow.eval;

import org.tarflow.tensor.Tensor;

/**
 * The fixed feature map on which the evaluation computes Fréchet distances (Inception features, which
 * FID uses, cannot be had here; docs/EVALUATION.md explains the choice). An image (C, H, W) in [-1, 1] is
 * cut into non-overlapping p×p patches (for Fashion-MNIST with p = 4 these are the model's own 49 patches)
 * and described by two numbers per patch and channel:
 * <ul>
 *   <li><b>mean</b>: the patch's mean value, a (H/p)×(W/p) thumbnail that records shape and layout;</li>
 *   <li><b>edge energy</b>: the mean over the patch's pixels of {@code |x[i][j+1] − x[i][j]| + |x[i+1][j] − x[i][j]|}
 *       (forward differences; a difference that would leave the image counts as 0), which records sharpness,
 *       texture and noise.</li>
 * </ul>
 * Feature vector: the C·(H/p)·(W/p) means, then the C·(H/p)·(W/p) edge energies, each block in
 * (channel, patch row, patch column) order; 98 values for 1×28×28 images with p = 4. Nothing is learnt, so
 * the map is the same for every model and every run.
 */
public final class PatchFeatures {
    private final int patch;

    /**
     * The map for patches of {@code patch}×{@code patch} pixels.
     *
     * @param patch the patch side
     * @throws IllegalArgumentException if {@code patch < 1}
     */
    public PatchFeatures(int patch) {
        if (patch < 1) {
            throw new IllegalArgumentException("patch size must be positive, got " + patch);
        }
        this.patch = patch;
    }

    /**
     * {@return the number of features for images (C, H, W)}
     *
     * @param channels C
     * @param height   H, divisible by the patch side
     * @param width    W, divisible by the patch side
     * @throws IllegalArgumentException if H or W is not divisible by the patch side
     */
    public int dim(int channels, int height, int width) {
        check(height, width);
        return 2 * channels * (height / patch) * (width / patch);
    }

    /**
     * Computes the features.
     *
     * @param images (N, C, H, W) with H and W divisible by the patch size
     * @return (N) feature vectors of length {@link #dim}
     */
    public double[][] apply(Tensor images) {
        if (images.rank() != 4) {
            throw new IllegalArgumentException("expected images (N, C, H, W), got " + images);
        }
        int n = images.dim(0), c = images.dim(1), h = images.dim(2), w = images.dim(3);
        int rows = h / patch, cols = w / patch;
        int half = dim(c, h, w) / 2;
        double area = patch * patch;
        double[][] out = new double[n][2 * half];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                int base = (b * c + ch) * h * w;
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < w; j++) {
                        double v = images.get(base + i * w + j);
                        double dx = j + 1 < w ? Math.abs(images.get(base + i * w + j + 1) - v) : 0;
                        double dy = i + 1 < h ? Math.abs(images.get(base + (i + 1) * w + j) - v) : 0;
                        int f = (ch * rows + i / patch) * cols + j / patch;
                        out[b][f] += v / area;
                        out[b][half + f] += (dx + dy) / area;
                    }
                }
            }
        }
        return out;
    }

    private void check(int height, int width) {
        if (height % patch != 0 || width % patch != 0) {
            throw new IllegalArgumentException("image size " + height + "x" + width + " is not divisible by the feature patch size " + patch);
        }
    }
}
