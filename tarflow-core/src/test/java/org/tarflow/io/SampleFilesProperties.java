package org.tarflow.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.ZipFile;
import javax.imageio.ImageIO;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * The three sample files hold the same bytes for random shapes (odd sizes, grey and RGB): each pixel of the
 * PNGs, read back through the raster, is the value that the class comment's formula gives for the sample.
 */
class SampleFilesProperties {
    @Property(tries = 40)
    void pngFolderNpzAndSafetensorsAgreeWithTheFormula(@ForAll @IntRange(min = 1, max = 4) int n,
            @ForAll boolean rgb, @ForAll @IntRange(min = 1, max = 9) int h, @ForAll @IntRange(min = 1, max = 9) int w,
            @ForAll long seed) throws IOException {
        int c = rgb ? 3 : 1;
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor x = Tensor.zeros(DType.F32, n, c, h, w);
        for (int i = 0; i < x.size(); i++) {
            x.set(i, rng.nextDouble(-1.2, 1.2)); // a little outside [-1, 1]: clamped
        }
        Path dir = Files.createTempDirectory("tarflow-samples");
        try {
            Path pngs = dir.resolve("pngs");
            SampleFiles.write(pngs, SampleFiles.Kind.PNG_FOLDER, x, null, false);
            Path npz = dir.resolve("s.npz");
            SampleFiles.write(npz, SampleFiles.Kind.NPZ, x, null, false);
            Path st = dir.resolve("s.safetensors");
            SampleFiles.write(st, SampleFiles.Kind.SAFETENSORS, x, null, false);
            byte[] npy;
            try (ZipFile z = new ZipFile(npz.toFile())) {
                npy = z.getInputStream(z.getEntry("arr_0.npy")).readAllBytes();
            }
            int dataStart = npy.length - n * h * w * c;
            long[] st8 = Safetensors.read(st).tensors().get("x").ints();
            for (int k = 0; k < n; k++) {
                BufferedImage img = ImageIO.read(pngs.resolve(String.format("%06d.png", k)).toFile());
                assertEquals(c, img.getRaster().getNumBands());
                for (int yy = 0; yy < h; yy++) {
                    for (int xx = 0; xx < w; xx++) {
                        for (int ch = 0; ch < c; ch++) {
                            double v = Math.max(-1, Math.min(1, x.get(((k * c + ch) * h + yy) * w + xx)));
                            long expected = Math.round(Math.floor(255 * (v + 1) / 2 + 0.5));
                            int hwc = ((k * h + yy) * w + xx) * c + ch;
                            assertEquals(expected, img.getRaster().getSample(xx, yy, ch), "png " + k);
                            assertEquals(expected, npy[dataStart + hwc] & 0xff, "npz");
                            assertEquals(expected, st8[hwc], "safetensors");
                        }
                    }
                }
            }
            assertArrayEquals(new int[] {n, h, w, c}, Safetensors.read(st).tensors().get("x").shape());
        } finally {
            try (var all = Files.walk(dir)) {
                for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
