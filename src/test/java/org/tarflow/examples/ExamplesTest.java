package org.tarflow.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.io.ModelFiles;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Backends;

/** Every program in examples/ runs and does what it says. */
class ExamplesTest {
    @TempDir
    Path dir;

    private static synchronized String run(ThrowingMain main) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            main.run();
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    interface ThrowingMain {
        void run() throws Exception;
    }

    @Test
    void trainToyDensity() throws Exception {
        Path png = dir.resolve("moons.png");
        String out = run(() -> TrainToyDensity.main(new String[] {"200", png.toString()}));
        assertTrue(out.contains("step 200: loss") && out.contains("samples' mean log-likelihood"), out);
        assertTrue(Files.size(png) > 0);
    }

    @Test
    void sampleFromPytorchCheckpoint() throws Exception {
        Path png = dir.resolve("grid.png");
        String out = run(() -> SampleFromPytorchCheckpoint.main(
                new String[] {"reference-data/torch/cond_nvp_c1_p4.pth", png.toString(), "1.5"}));
        assertTrue(out.contains("wrote 24 samples"), out);
        BufferedImage grid = ImageIO.read(png.toFile());
        assertTrue(grid.getWidth() > 8 * 8, "8 images per row");
    }

    @Test
    void bitsPerDimOfAnImage() throws Exception {
        Path weights = dir.resolve("m.safetensors");
        ModelFiles.save(ModelFiles.load(Path.of("reference-data/torch/cond_nvp_c1_p4.pth"), DType.F64, Backends.get("scalar")),
                weights, null);
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                img.getRaster().setSample(x, y, 0, (x * 32 + y * 5) & 0xff);
            }
        }
        Path png = dir.resolve("img.png");
        ImageIO.write(img, "png", png.toFile());
        String out = run(() -> BitsPerDimOfAnImage.main(new String[] {weights.toString(), png.toString(), "2"}));
        assertTrue(out.matches("(?s).*img\\.png: \\d+\\.\\d{4} bits/dim.*"), out);
    }
}
