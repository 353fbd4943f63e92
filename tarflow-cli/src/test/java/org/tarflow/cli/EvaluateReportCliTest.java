package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tarflow.cli.Cli.assertOneLineError;
import static org.tarflow.cli.Cli.run;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.cli.Cli.Run;
import org.tarflow.data.IdxFiles;

/** {@code evaluate --report} and {@code sweep} end to end on a tiny dataset and model. */
class EvaluateReportCliTest {
    @TempDir
    static Path dir;
    static Path data;
    static Path model;

    @BeforeAll
    static void trainATinyModel() throws IOException {
        data = Files.createDirectories(dir.resolve("data"));
        IdxFiles.writeToyDataset(data, 8, 64, 3, 5);
        Path out = dir.resolve("run");
        Run t = run("train", "--data", data.toString(), "--out", out.toString(), "--patch-size", "4", "--channels", "64",
                "--blocks", "1", "--layers-per-block", "1", "--epochs", "2", "--batch-size", "16", "--eval-images", "8",
                "--sample-every", "0");
        assertEquals(0, t.code(), t.err());
        model = out.resolve("model.safetensors");
    }

    private static final String[] SMALL = {"--samples", "20", "--weights", "0,1", "--classifier-images", "64",
        "--classifier-epochs", "1"};

    @Test
    void reportHasEveryNumberAndFigure() throws IOException {
        Path report = dir.resolve("report");
        Run r = run(Cli.concat(SMALL, "evaluate", model.toString(), "--data", data.toString(), "--report",
                report.toString(), "--limit", "12", "--draws", "2", "--bayes-limit", "6"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("t10k bits/dim:") && r.out().contains("Bayes classifier accuracy:"), r.out());
        String md = Files.readString(report.resolve("report.md"));
        for (String s : new String[] {"## Summary", "bits/dim", "Bayes classifier accuracy", "judge classifier accuracy on real test images",
            "Fréchet distance, guidance 0, denoised", "best of the sweep", "Confusion matrix", "## Guidance and denoising sweep",
            "| 1 | annealed | yes |", "nearer a training image", "![training loss](training-loss.png)", "## Time"}) {
            assertTrue(md.contains(s), "report.md lacks '" + s + "':\n" + md);
        }
        for (String f : new String[] {"metrics.json", "sweep.csv", "sweep-frechet.png", "sweep-accuracy.png", "training-loss.png",
            "training-test-bpd.png", "nearest-neighbours.png", "grids/cfg-0.png", "grids/cfg-0-denoised.png",
            "grids/cfg-1-annealed-denoised.png", "grids/cfg-1.png"}) {
            assertTrue(Files.isRegularFile(report.resolve(f)), f);
        }
        BufferedImage plot = ImageIO.read(report.resolve("sweep-frechet.png").toFile());
        assertEquals(720, plot.getWidth());
        // 3 settings (0; 1 constant; 1 annealed) x denoised or not, plus the header lines of the table
        assertEquals(1 + 6, Files.readAllLines(report.resolve("sweep.csv")).size());
        try (var files = Files.list(report)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    @Test
    void sweepCommandWritesItsTableAndGrids() throws IOException {
        Path out = dir.resolve("sweep");
        Run r = run(Cli.concat(SMALL, "sweep", model.toString(), "--data", data.toString(), "--out", out.toString(),
                "--schedule", "constant", "--denoise", "0"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("lowest Fréchet distance"), r.out());
        String md = Files.readString(out.resolve("sweep.md"));
        assertTrue(md.contains("| 0 | – | no |") && md.contains("| 1 | constant | no |") && !md.contains("annealed"), md);
        assertTrue(Files.isRegularFile(out.resolve("grids/cfg-1.png")));
    }

    @Test
    void anUnconditionalModelGetsAReportWithoutClassesOrGuidance() throws IOException {
        Path out = dir.resolve("uncond");
        Run t = run("train", "--data", data.toString(), "--out", out.toString(), "--patch-size", "4", "--channels", "64",
                "--blocks", "1", "--layers-per-block", "1", "--epochs", "1", "--batch-size", "16", "--eval-images", "0",
                "--sample-every", "0", "--unconditional", "--noise", "uniform");
        assertEquals(0, t.code(), t.err());
        Path report = dir.resolve("uncond-report");
        Cli.assertUsageError(run(Cli.concat(SMALL, "evaluate", out.resolve("model.safetensors").toString(), "--data",
                data.toString(), "--report", report.toString(), "--limit", "8")), "--weights sets the guidance of the sweep,"
                + " and this model is unconditional (it has no classes)");
        Run r = run("evaluate", out.resolve("model.safetensors").toString(), "--data", data.toString(), "--report",
                report.toString(), "--limit", "8", "--samples", "20", "--classifier-images", "64", "--classifier-epochs", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("note: the model is unconditional (it has no classes): the sweep is its unguided samples"),
                r.out());
        String md = Files.readString(report.resolve("report.md"));
        assertTrue(md.contains("The model is unconditional: no Bayes classifier.") && md.contains("| 0 | – | no |")
                && !md.contains("| 0 | – | yes |"), "uniform noise: no denoised rows\n" + md);
        assertTrue(!Files.exists(report.resolve("sweep-accuracy.png")) && Files.isRegularFile(report.resolve("sweep-frechet.png")));
    }

    @Test
    void badSweepOptionsGiveOneLineErrors() {
        String m = model.toString();
        Cli.assertUsageError(run("sweep", m, "--data", data.toString(), "--schedule", "sometimes"),
                "expected one of [constant, annealed, both] but was 'sometimes'");
        assertOneLineError(run("sweep", m, "--data", data.toString(), "--samples", "1"), "--samples must be at least 2");
        assertOneLineError(run("sweep", m, "--data", data.toString(), "--weights", "0,-1"), "guidance must be");
        assertOneLineError(run("sweep", m, "--data", data.toString(), "--weights", "1,1"), "listed twice");
        assertOneLineError(run("evaluate", m, "--data", data.toString(), "--draws", "0"), "--draws must be at least 1, got 0");
        Run w = run("evaluate", m, "--data", data.toString(), "--limit", "4", "--samples", "9");
        assertEquals(0, w.code(), w.err());
        assertTrue(w.err().contains("warning: --samples has no effect without --report"), w.err());
        Cli.assertUsageError(run("evaluate", m, "--data", data.toString(), "--dequant", "centre"),
                "expected one of [uniform, mid] but was 'centre'");
        Cli.assertUsageError(run("evaluate", m, "--data", data.toString(), "--dequant", "mid", "--draws", "2"),
                "--dequant mid has no randomness: --draws must be 1, got 2");
    }

    @Test
    void midBinBitsPerDimIsTheSameForEverySeed() {
        String m = model.toString();
        Run a = run("evaluate", m, "--data", data.toString(), "--limit", "4", "--dequant", "mid", "--seed", "1");
        Run b = run("evaluate", m, "--data", data.toString(), "--limit", "4", "--dequant", "mid", "--seed", "2");
        assertEquals(0, a.code(), a.err());
        String line = a.out().lines().filter(l -> l.contains("bits/dim")).findFirst().orElseThrow();
        assertTrue(line.contains("bin centres"), line);
        assertEquals(line.replaceAll("\\(.*", ""), b.out().lines().filter(l -> l.contains("bits/dim")).findFirst()
                .orElseThrow().replaceAll("\\(.*", ""));
    }
}
