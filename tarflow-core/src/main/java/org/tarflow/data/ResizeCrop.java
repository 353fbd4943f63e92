package org.tarflow.data;

/**
 * The reference's image transform before {@code ToTensor}: torchvision's {@code Resize(s)} then
 * {@code CenterCrop(s)} (apple/ml-tarflow {@code utils.get_data}), on 8-bit images as PIL computes it.
 *
 * <p>{@code Resize(s)} scales the shorter side to {@code s} and the longer one to
 * {@code floor(s · long / short)}, with PIL's bilinear filter, which widens its support by the scale
 * factor when it shrinks (so it averages, rather than skips, pixels). Each axis is resampled on its own,
 * width first, and only if its size changes, in PIL's fixed point ({@code Resample.c}: coefficients
 * normalised to sum 1, rounded to 22 fractional bits; each output rounded and clipped to [0, 255]).
 * {@code CenterCrop(s)} then keeps the s×s square at offset {@code round((h − s)/2)},
 * {@code round((w − s)/2)}, rounding half to even as Python's {@code round} does. The reference's
 * {@code RandomHorizontalFlip} is a training augmentation and not part of this.
 */
public final class ResizeCrop {
    private static final int PRECISION_BITS = 32 - 8 - 2;

    private ResizeCrop() {
    }

    /**
     * {@return {@code Resize(size)} then {@code CenterCrop(size)} of one image, as a new C·size·size array}
     *
     * @param chw  the image, C·H·W values 0..255, channel-major, row-major within a channel
     * @param c    C
     * @param h    H
     * @param w    W
     * @param size the side s of the result, ≥ 1
     * @throws IllegalArgumentException for a non-positive size or dimension, or an array of another length
     */
    public static byte[] apply(byte[] chw, int c, int h, int w, int size) {
        if (size < 1 || c < 1 || h < 1 || w < 1 || chw.length != (long) c * h * w) {
            throw new IllegalArgumentException("cannot resize " + chw.length + " values as " + c + "x" + h + "x" + w
                    + " to " + size);
        }
        // torchvision's _compute_resized_output_size: the short side becomes size, the long one is truncated
        int nh = h <= w ? size : (int) ((long) size * h / w);
        int nw = h <= w ? (int) ((long) size * w / h) : size;
        byte[] cur = chw;
        if (nw != w) {
            cur = resample(cur, c, h, w, nw, true);
        }
        if (nh != h) {
            cur = resample(cur, c, h, nw, nh, false);
        }
        int top = (int) Math.rint((nh - size) / 2.0);
        int left = (int) Math.rint((nw - size) / 2.0);
        byte[] out = new byte[c * size * size];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < size; y++) {
                System.arraycopy(cur, (ch * nh + top + y) * nw + left, out, (ch * size + y) * size, size);
            }
        }
        return out;
    }

    /**
     * One axis of PIL's {@code ImagingResample} with the bilinear filter: along rows ({@code horizontal},
     * width {@code w} to {@code to}) or along columns (height {@code h} to {@code to}).
     */
    private static byte[] resample(byte[] in, int c, int h, int w, int to, boolean horizontal) {
        int inSize = horizontal ? w : h;
        Coefficients k = coefficients(inSize, to);
        int oh = horizontal ? h : to;
        int ow = horizontal ? to : w;
        byte[] out = new byte[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < oh; y++) {
                for (int x = 0; x < ow; x++) {
                    int o = horizontal ? x : y;
                    long ss = 1L << (PRECISION_BITS - 1);
                    for (int j = 0; j < k.count[o]; j++) {
                        int src = k.first[o] + j;
                        int v = in[horizontal ? (ch * h + y) * w + src : (ch * h + src) * w + x] & 0xff;
                        ss += (long) v * k.weights[o][j];
                    }
                    out[(ch * oh + y) * ow + x] = (byte) Math.max(0, Math.min(255, ss >> PRECISION_BITS));
                }
            }
        }
        return out;
    }

    /** For each output position: the first input used, how many, and their fixed-point weights. */
    private record Coefficients(int[] first, int[] count, int[][] weights) {
    }

    /** PIL's {@code precompute_coeffs} and {@code normalize_coeffs_8bpc} for the bilinear (triangle) filter. */
    private static Coefficients coefficients(int inSize, int outSize) {
        double scale = (double) inSize / outSize;
        double filterScale = Math.max(scale, 1.0);
        double support = filterScale; // the triangle's support, 1, widened when shrinking
        int[] first = new int[outSize];
        int[] count = new int[outSize];
        int[][] weights = new int[outSize][];
        for (int xx = 0; xx < outSize; xx++) {
            double center = (xx + 0.5) * scale;
            int xmin = Math.max(0, (int) (center - support + 0.5));
            int xmax = Math.min(inSize, (int) (center + support + 0.5)) - xmin;
            double[] wk = new double[Math.max(xmax, 0)];
            double sum = 0;
            for (int x = 0; x < wk.length; x++) {
                double t = Math.abs((x + xmin - center + 0.5) / filterScale);
                wk[x] = t < 1 ? 1 - t : 0;
                sum += wk[x];
            }
            int[] fixed = new int[wk.length];
            for (int x = 0; x < wk.length; x++) {
                double v = sum != 0 ? wk[x] / sum : wk[x];
                fixed[x] = (int) (v * (1 << PRECISION_BITS) + (v < 0 ? -0.5 : 0.5));
            }
            first[xx] = xmin;
            count[xx] = wk.length;
            weights[xx] = fixed;
        }
        return new Coefficients(first, count, weights);
    }
}
