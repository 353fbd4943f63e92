package org.tarflow.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
        Path csv = dir.resolve("moons.csv");
        String out = run(() -> TrainToyDensity.main(new String[] {"200", csv.toString()}));
        assertTrue(out.contains("step 200: loss") && out.contains("samples' mean log-likelihood"), out);
        java.util.List<String> lines = Files.readAllLines(csv);
        assertEquals(2001, lines.size());
        assertEquals("x,y", lines.getFirst());
        for (String line : lines.subList(1, lines.size())) {
            String[] xy = line.split(",");
            assertTrue(xy.length == 2 && Double.isFinite(Double.parseDouble(xy[0])) && Double.isFinite(Double.parseDouble(xy[1])), line);
        }
    }

    /** The library as a third-party program uses it: load a .pth, bits/dim, fine-tune, sample. */
    @Test
    void useTheLibrary() throws Exception {
        Path png = dir.resolve("tuned.png");
        String out = run(() -> UseTheLibrary.main(new String[] {"reference-data/torch/cond_nvp_c1_p4.pth", "30",
                png.toString()}));
        java.util.regex.Matcher before = java.util.regex.Pattern.compile("bits/dim before: (\\d+\\.\\d+)").matcher(out);
        java.util.regex.Matcher after = java.util.regex.Pattern.compile("bits/dim after: (\\d+\\.\\d+)").matcher(out);
        assertTrue(before.find() && after.find() && out.contains("step 30: loss") && out.contains("wrote 16 samples"), out);
        assertTrue(Double.parseDouble(after.group(1)) < Double.parseDouble(before.group(1)),
                "fine-tuning on the images lowers their bits/dim: " + out);
        assertTrue(ImageIO.read(png.toFile()).getWidth() > 4 * 8, "4 images per row");
    }

    /** The core's class path holds no part of the command line: a program gets the library alone. */
    @Test
    void theLibraryBringsNoCommandLineParts() {
        for (String cls : new String[] {"picocli.CommandLine", "org.jfree.chart.JFreeChart", "org.tarflow.cli.Main",
                "org.tribuo.data.csv.CSVLoader", "org.jline.terminal.Terminal"}) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(cls), cls);
        }
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
