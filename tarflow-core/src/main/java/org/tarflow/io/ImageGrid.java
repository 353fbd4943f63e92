package org.tarflow.io;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.tarflow.tensor.Tensor;

/**
 * Writes a batch of images as one PNG grid, as torchvision's
 * {@code save_image(x, path, normalize=True, nrow=nrow)} does: the whole batch is min–max scaled to
 * [0, 1], images are laid out {@code nrow} per row with 2 pixels of black padding, and each value v
 * becomes {@code clamp(floor(255 v + 0.5), 0, 255)}. One channel gives a grey PNG, three an RGB one.
 */
public final class ImageGrid {
    private static final int PADDING = 2;

    private ImageGrid() {
    }

    /**
     * {@return the grid as an image: 8-bit grey for one channel, RGB for three} Non-finite values are
     * left out of the min–max range and drawn as its minimum.
     *
     * @param x    (N, C, H, W) images with N &gt; 0 and C = 1 or 3, on any scale
     * @param nrow images per row of the grid (torchvision's {@code nrow})
     * @throws IllegalArgumentException for another shape or a non-positive {@code nrow}
     */
    public static BufferedImage render(Tensor x, int nrow) {
        if (x.rank() != 4 || (x.dim(1) != 1 && x.dim(1) != 3) || x.dim(0) == 0) {
            throw new IllegalArgumentException("expected (N>0, 1 or 3, H, W) images, got " + x);
        }
        int n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
        if (nrow <= 0) {
            throw new IllegalArgumentException("nrow must be positive, got " + nrow);
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.size(); i++) {
            double v = x.get(i);
            if (Double.isFinite(v)) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        double scale = max > min ? 1.0 / (max - min) : 0;
        int cols = Math.min(nrow, n);
        int rows = (n + cols - 1) / cols;
        int gw = cols * (w + PADDING) + PADDING;
        int gh = rows * (h + PADDING) + PADDING;
        BufferedImage img = new BufferedImage(gw, gh, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int k = 0; k < n; k++) {
            int ox = (k % cols) * (w + PADDING) + PADDING;
            int oy = (k / cols) * (h + PADDING) + PADDING;
            for (int yy = 0; yy < h; yy++) {
                for (int xx = 0; xx < w; xx++) {
                    int rgb = 0;
                    for (int ch = 0; ch < c; ch++) {
                        double v = x.get(((k * c + ch) * h + yy) * w + xx);
                        int b = toByte(Double.isFinite(v) ? (v - min) * scale : 0);
                        rgb = c == 1 ? b : (rgb << 8) | b;
                    }
                    if (c == 1) {
                        img.getRaster().setSample(ox + xx, oy + yy, 0, rgb);
                    } else {
                        img.setRGB(ox + xx, oy + yy, rgb);
                    }
                }
            }
        }
        return img;
    }

    static int toByte(double v) {
        return (int) Math.max(0, Math.min(255, Math.floor(v * 255 + 0.5)));
    }

    /**
     * Renders the grid ({@link #render}) and writes it as a PNG, atomically.
     *
     * @param file the PNG to create or replace
     * @param x    (N, C, H, W) images, C = 1 or 3
     * @param nrow images per row
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, Tensor x, int nrow) throws IOException {
        write(file, x, nrow, 1);
    }

    /**
     * As {@link #write(Path, Tensor, int)}, each pixel drawn as a {@code scale}×{@code scale} block (for small
     * grids in reports).
     *
     * @param file  the PNG to write
     * @param x     (N, C, H, W) images with C = 1 or 3
     * @param nrow  images per row
     * @param scale pixels per image pixel along each axis, ≥ 1
     * @throws IOException              if the file cannot be written
     * @throws IllegalArgumentException on a bad shape, {@code nrow} or {@code scale}
     */
    public static void write(Path file, Tensor x, int nrow, int scale) throws IOException {
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be positive, got " + scale);
        }
        BufferedImage img = scale == 1 ? render(x, nrow) : enlarge(render(x, nrow), scale);
        AtomicFiles.write(file, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        });
    }

    private static BufferedImage enlarge(BufferedImage src, int scale) {
        BufferedImage out = new BufferedImage(src.getWidth() * scale, src.getHeight() * scale, src.getType());
        int[] pixel = null;
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                // through the rasters: getRGB/setRGB would colour-convert grey values
                pixel = src.getRaster().getPixel(x / scale, y / scale, pixel);
                out.getRaster().setPixel(x, y, pixel);
            }
        }
        return out;
    }
}
