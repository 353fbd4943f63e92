package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tarflow.cli.Cli.assertOneLineError;
import static org.tarflow.cli.Cli.run;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.cli.Cli.Run;
import org.tarflow.data.ImageFiles;
import org.tarflow.io.ModelFiles;
import org.tarflow.io.Safetensors;

/** Training on an RGB image folder and sampling from it, end to end. */
class ImageFolderCliTest {
    @TempDir
    Path dir;

    /**
     * train --img-size is recorded in the model and the checkpoint, so evaluate reads IDX data resized as training
     * did without being told again; a file without the record reads the data at their own size and the error says
     * which --img-size mends it; a channel mismatch is not said to be mended by resizing.
     */
    @Test
    void evaluateResizesTheDataAsTrainingDidAndSaysWhatMendsAMismatch() throws IOException {
        Path data = Files.createDirectories(dir.resolve("idx"));
        org.tarflow.data.IdxFiles.writeToyDataset(data, 16, 32, 3, 5);
        Path out = dir.resolve("run");
        Run t = run("train", "--data", data.toString(), "--img-size", "8", "--out", out.toString(), "--patch-size", "4",
                "--channels", "64", "--blocks", "1", "--layers-per-block", "1", "--epochs", "1", "--batch-size", "8",
                "--eval-images", "0", "--sample-every", "0");
        assertEquals(0, t.code(), t.err());
        for (String file : new String[] {"model.safetensors", "checkpoint.safetensors"}) {
            Path m = out.resolve(file);
            assertEquals("8", Safetensors.read(m).metadata().get(ModelFiles.DATA_IMG_SIZE), file);
            Run e = run("evaluate", m.toString(), "--data", data.toString(), "--limit", "4");
            assertEquals(0, e.code(), e.err());
            assertTrue(e.out().contains("resizing and center-cropping the images to 8x8, as in training (data_img_size in ")
                    && e.out().contains("t10k bits/dim:"), e.out());
        }
        var model = ModelFiles.load(out.resolve("model.safetensors"), org.tarflow.tensor.DType.F32,
                org.tarflow.tensor.Backends.get("simd"));
        Path old = dir.resolve("old.safetensors");
        ModelFiles.save(model, old, "gaussian(0.05)"); // as files written before the record existed
        Cli.assertOneLineError(run("evaluate", old.toString(), "--data", data.toString(), "--limit", "4"),
                "the data are 1x16x16 images but the model expects 1x8x8 (--img-size 8 resizes and center-crops them to the"
                        + " model's size)");
        assertEquals(0, run("evaluate", old.toString(), "--data", data.toString(), "--limit", "4", "--img-size", "8").code());
        Path rgb = dir.resolve("rgb");
        ImageFiles.writeRgbFolder(rgb, new String[] {"a", "b", "c"}, 4, 8, 3);
        Run c = run("evaluate", old.toString(), "--data", rgb.toString(), "--limit", "4");
        Cli.assertOneLineError(c, "the data are 3x8x8 images but the model expects 1x8x8: data of another kind than the"
                + " model's training data");
        assertTrue(!c.err().contains("--img-size"), c.err());
    }

    /** A folder with train/ and val/ gives both splits, and the scores of val/ are labelled val, not t10k. */
    @Test
    void aValSplitIsLabelledVal() throws IOException {
        Path data = dir.resolve("split");
        ImageFiles.writeRgbFolder(data.resolve("train"), new String[] {"a", "b"}, 8, 8, 3);
        ImageFiles.writeRgbFolder(data.resolve("val"), new String[] {"a", "b"}, 2, 8, 4);
        Path out = dir.resolve("run");
        Run t = run("train", "--data", data.toString(), "--out", out.toString(), "--patch-size", "4", "--channels", "64",
                "--blocks", "1", "--layers-per-block", "1", "--epochs", "1", "--batch-size", "8", "--eval-images", "0",
                "--sample-every", "0");
        assertEquals(0, t.code(), t.err());
        Run e = run("evaluate", out.resolve("model.safetensors").toString(), "--data", data.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("val bits/dim:") && e.out().contains("(4 images") && !e.out().contains("t10k"), e.out());
    }

    @Test
    void trainsOnAGeneratedRgbImageFolderAndSamplesFromIt() throws IOException {
        Path data = dir.resolve("shapes");
        ImageFiles.writeRgbFolder(data, new String[] {"red", "green", "blue"}, 8, 32, 3);
        Path out = dir.resolve("run");
        Run t = run("train", "--data", data.toString(), "--out", out.toString(), "--patch-size", "8", "--channels", "64",
                "--blocks", "1", "--layers-per-block", "1", "--epochs", "1", "--batch-size", "8", "--eval-images", "0",
                "--sample-every", "0");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("training on 24 images from " + data + " (image-folder)"), t.out());
        assertTrue(t.out().contains("classes: blue, green, red"), t.out());
        assertTrue(t.out().contains("model 3x32x32, patch 8"), t.out());
        assertTrue(t.out().contains("training bits/dim:"), "no test split: scored on training images: " + t.out());
        Path model = out.resolve("model.safetensors");
        var meta = Safetensors.read(model).metadata();
        assertEquals("[\"blue\",\"green\",\"red\"]", meta.get(ModelFiles.CLASS_NAMES));
        assertEquals("pt", meta.get("format"));
        BufferedImage grid = ImageIO.read(out.resolve("samples.png").toFile());
        assertEquals(3, grid.getRaster().getNumBands(), "an RGB grid");
        assertEquals(3 * 34 + 2, grid.getHeight(), "a row per class (3 classes), 32 pixels and padding each");

        Path pngs = dir.resolve("pngs");
        Run s = run("sample", model.toString(), "--out", pngs + "/", "--num", "6", "--nrow", "2");
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("classes, 2 samples each in turn: blue, green, red"), s.out());
        try (var files = Files.list(pngs)) {
            assertEquals(6, files.count());
        }
        BufferedImage one = ImageIO.read(pngs.resolve("000005.png").toFile());
        assertEquals(32, one.getWidth());
        assertEquals(32, one.getHeight());
        assertEquals(3, one.getRaster().getNumBands(), "RGB");
        Run g = run("sample", model.toString(), "--out", dir.resolve("g.png").toString(), "--num", "4", "--nrow", "2");
        assertTrue(g.out().contains("rows: blue, green"), g.out());

        Path twoClasses = dir.resolve("two");
        ImageFiles.writeRgbFolder(twoClasses, new String[] {"x", "y"}, 2, 32, 4);
        assertOneLineError(run("evaluate", model.toString(), "--data", twoClasses.toString(), "--limit", "4"),
                "the data have 2 classes [x, y] but the model has 3");
        assertOneLineError(run("train", "--resume", out.resolve("checkpoint.safetensors").toString(), "--data",
                twoClasses.toString()), "has 2 classes but the model in");
        Run e = run("evaluate", model.toString(), "--data", data.toString(), "--limit", "4");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("training (no test split) bits/dim:"), e.out());

        Path mixed = dir.resolve("mixed");
        ImageFiles.writeRgbFolder(mixed, new String[] {"a"}, 1, 32, 5);
        ImageFiles.writeRgbFolder(mixed, new String[] {"b"}, 1, 16, 6);
        assertOneLineError(run("train", "--data", mixed.toString(), "--out", dir.resolve("m").toString()),
                "images of one data set must have one size; give --img-size N");
        Run resized = run("train", "--data", mixed.toString(), "--out", dir.resolve("m").toString(), "--img-size", "16",
                "--patch-size", "8", "--channels", "64", "--blocks", "1", "--layers-per-block", "1", "--epochs", "1",
                "--batch-size", "2", "--eval-images", "0", "--sample-every", "0");
        assertEquals(0, resized.code(), resized.err());
        assertTrue(resized.out().contains("model 3x16x16"), resized.out());
        List<String> lines = Files.readAllLines(dir.resolve("m").resolve("train-log.jsonl"));
        assertEquals(1, lines.size());
    }
}
