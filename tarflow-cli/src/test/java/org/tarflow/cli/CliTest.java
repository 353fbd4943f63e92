package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tarflow.cli.Cli.assertOneLineError;
import static org.tarflow.cli.Cli.assertUsageError;
import static org.tarflow.cli.Cli.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.cli.Cli.Run;
import org.tarflow.data.IdxFiles;
import picocli.CommandLine;

/** The commands end to end on a tiny dataset, and their handling of bad input. */
class CliTest {
    /**
     * A constant log-scale of the last block inverted for which 8 of the first 16 samples overflow float32
     * (exp(86.8) = 4.5e37: values of the block's input above ~7.6 overflow) and the others do not (found by trying).
     */
    private static final double EDGE_LOG_SCALE = 86.8;

    @TempDir
    Path dir;

    @Test
    void trainSampleEvaluateAndResumeOnATinyDataset() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        IdxFiles.writeToyDataset(data, 8, 64, 3, 5);
        Path out = dir.resolve("run");
        Run t = run("train", "--data", data.toString(), "--out", out.toString(), "--patch-size", "4", "--channels", "64",
                "--blocks", "2", "--layers-per-block", "1", "--epochs", "2", "--batch-size", "16", "--eval-images", "8");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("test bits/dim:"), t.out());
        for (String f : new String[] {"checkpoint.safetensors", "model.safetensors", "samples.png", "samples-epoch-002.png",
            "train-log.jsonl"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        Path png = dir.resolve("s.png");
        Run s = run("sample", out.resolve("model.safetensors").toString(), "--out", png.toString(), "--num", "6",
                "--nrow", "3", "--cfg", "1.0");
        assertEquals(0, s.code(), s.err());
        assertTrue(Files.size(png) > 0);
        Path pngs = dir.resolve("pngs");
        Run files = run("sample", out.resolve("model.safetensors").toString(), "--out", pngs + "/", "--num", "5");
        assertEquals(0, files.code(), files.err());
        try (var list = Files.list(pngs)) {
            assertEquals(java.util.List.of("000000.png", "000001.png", "000002.png", "000003.png", "000004.png"),
                    list.map(p -> p.getFileName().toString()).sorted().toList());
        }
        java.awt.image.BufferedImage one = javax.imageio.ImageIO.read(pngs.resolve("000004.png").toFile());
        assertEquals(8, one.getWidth());
        assertEquals(java.awt.image.BufferedImage.TYPE_BYTE_GRAY, one.getType());
        assertOneLineError(run("sample", out.resolve("model.safetensors").toString(), "--out", pngs + "/", "--num", "2"),
                "is not empty");
        Run npz = run("sample", out.resolve("model.safetensors").toString(), "--out", dir.resolve("s.npz").toString(),
                "--num", "3");
        assertEquals(0, npz.code(), npz.err());
        assertOneLineError(run("sample", out.resolve("model.safetensors").toString(), "--out",
                dir.resolve("s.csv").toString()), "an image model's samples go to");
        Run e = run("evaluate", out.resolve("checkpoint.safetensors").toString(), "--data", data.toString(), "--limit", "10");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("t10k bits/dim:"), e.out());
        Run done = run("train", "--resume", out.resolve("checkpoint.safetensors").toString(), "--eval-images", "0");
        assertEquals(0, done.code(), done.err());
        assertTrue(done.out().contains("training is already complete (step 8 of 8)"), done.out());
        assertTrue(done.out().contains("from " + data), "the data directory comes from the checkpoint: " + done.out());

        Run again = run("train", "--data", data.toString(), "--out", out.toString(), "--patch-size", "4", "--channels", "64");
        assertOneLineError(again, "already holds a training run");
    }

    @Test
    void resumeKeepsTheTrainingSubsetAndOneEpochRunsWork() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        IdxFiles.writeToyDataset(data, 8, 64, 3, 5);
        Path out = dir.resolve("run");
        String[] common = {"--data", data.toString(), "--patch-size", "4", "--channels", "64", "--blocks", "1",
            "--layers-per-block", "1", "--batch-size", "8", "--eval-images", "0", "--sample-every", "0"};
        Run t = run(Cli.concat(common, "train", "--out", out.toString(), "--epochs", "1", "--train-images", "32"));
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("training on 32 images"), t.out());
        Run r = run("train", "--resume", out.resolve("checkpoint.safetensors").toString(), "--eval-images", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("training on 32 images") && r.out().contains("already complete (step 4 of 4)"), r.out());
        Run o = run(Cli.concat(common, "train", "--out", out.toString(), "--epochs", "1", "--overwrite"));
        assertEquals(0, o.code(), o.err());
        assertEquals(1, Files.readAllLines(out.resolve("train-log.jsonl")).size(), "--overwrite starts a fresh log");
    }

    @Test
    void settingsThatChangeNothingWarn() throws IOException {
        String model = "reference-data/torch/cond_nvp_c1_p4.pth";
        Run r = run("sample", model, "--out", dir.resolve("a.png").toString(), "--num", "2", "--attn-temp", "0.5",
                "--denoise", "0", "--denoise-scale", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: --attn-temp has no effect without guidance")
                && r.err().contains("warning: --denoise-scale has no effect"), r.err());
        Path data = Files.createDirectories(dir.resolve("data"));
        IdxFiles.writeToyDataset(data, 8, 16, 3, 5);
        Run t = run("train", "--data", data.toString(), "--out", dir.resolve("run").toString(), "--patch-size", "4",
                "--channels", "64", "--blocks", "1", "--layers-per-block", "1", "--epochs", "1", "--batch-size", "8",
                "--eval-images", "0", "--sample-every", "0", "--unconditional", "--drop-label", "0.2", "--noise", "uniform",
                "--noise-std", "0.1");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.err().contains("warning: --drop-label has no effect on an unconditional model")
                && t.err().contains("warning: --noise-std has no effect with --noise uniform"), t.err());
    }

    /**
     * Options that would be ignored are refused as usage errors, naming the option: guidance without classes (unless
     * against another attention temperature), in sample, train and sweep, and the image options of train on sequences
     * and the sequence options on images.
     */
    @Test
    void optionsThatDoNotApplyAreRefused() throws IOException {
        String uncond = "reference-data/torch/uncond_nvp_c1_p2.pth";
        String png = dir.resolve("u.png").toString();
        assertUsageError(run("sample", uncond, "--out", png, "--num", "2", "--cfg", "2"),
                "--cfg 2 on this unconditional model (it has no classes) changes nothing unless");
        assertUsageError(run("sample", uncond, "--out", png, "--num", "2", "--guide", "b"), "--guide on this unconditional");
        assertUsageError(run("sample", uncond, "--out", png, "--num", "2", "--cfg", "2", "--attn-temp", "1", "--annealed"),
                "--cfg 2 on this unconditional");
        assertUsageError(run("sample", "reference-data/torch/cond_nvp_c1_p4.pth", "--out", png, "--num", "2", "--no-labels",
                "--cfg", "1.5"), "--cfg 1.5 with --no-labels (no class to guide towards) changes nothing");
        assertUsageError(run("sample", uncond, "--out", png, "--num", "2", "--class", "1"),
                "the model is unconditional: remove --class");
        assertUsageError(run("sample", "reference-data/torch/cond_nvp_c1_p4.pth", "--out", png, "--num", "2", "--no-labels",
                "--class", "1"), "--class and --no-labels exclude each other");
        assertTrue(!Files.exists(Path.of(png)), "a refused command writes nothing");
        Run temp = run("sample", uncond, "--out", png, "--num", "2", "--cfg", "2", "--attn-temp", "0.5", "--annealed");
        assertEquals(0, temp.code(), "guidance against another attention temperature applies: " + temp.err());
        assertEquals(0, run("sample", uncond, "--out", dir.resolve("z.png").toString(), "--num", "2", "--cfg", "0").code(),
                "--cfg 0 is no guidance");

        Path data = Files.createDirectories(dir.resolve("data"));
        IdxFiles.writeToyDataset(data, 8, 16, 3, 5);
        Path never = dir.resolve("never");
        String[] small = {"--out", never.toString(), "--channels", "64", "--blocks", "1", "--layers-per-block", "1",
            "--epochs", "1"};
        assertUsageError(run(Cli.concat(small, "train", "--data", data.toString(), "--unconditional", "--cfg", "3")),
                "--cfg guides the samples towards a class, and this model is unconditional (it has no classes)");
        assertUsageError(run(Cli.concat(small, "train", "--data", data.toString(), "--token-dim", "2")),
                "--token-dim applies to --sequences data only");
        Path csv = Files.writeString(dir.resolve("s.csv"), "1,2\n3,4\n");
        assertUsageError(run(Cli.concat(small, "train", "--sequences", csv.toString(), "--data", data.toString())),
                "--data applies to image data, not to the sequences of --sequences");
        assertUsageError(run(Cli.concat(small, "train", "--sequences", csv.toString(), "--img-size", "8")),
                "--img-size applies to image data");
        assertUsageError(run(Cli.concat(small, "train", "--sequences", csv.toString(), "--cfg", "2")),
                "--cfg guides the samples towards a class"); // sequences without labels: an unconditional model
        assertTrue(!Files.exists(never.resolve("checkpoint.safetensors")), "a refused run trains nothing");

        assertUsageError(run("sweep", uncond, "--data", data.toString(), "--out", dir.resolve("sw").toString(),
                "--weights", "0,1"), "--weights sets the guidance of the sweep, and this model is unconditional");
    }

    /**
     * Every word-valued option of every command refuses a mistyped value as a usage error that lists the values
     * (one check for all of them, before the command runs: the model file named here does not exist), and takes each
     * of its values; the options whose values come in any case take them in upper case too.
     */
    @Test
    void mistypedWordValuesAreUsageErrorsListingTheValues() {
        String missing = dir.resolve("missing.safetensors").toString();
        CommandLine cl = new CommandLine(new Main());
        int options = 0;
        for (CommandLine sub : cl.getSubcommands().values()) {
            for (CommandLine.Model.OptionSpec o : sub.getCommandSpec().options()) {
                if (!(o.completionCandidates() instanceof Choices c)) {
                    continue;
                }
                options++;
                List<String> values = new java.util.ArrayList<>();
                c.forEach(values::add);
                String name = sub.getCommandName();
                boolean needsTarget = name.equals("boltzmann") && !o.longestName().equals("--target");
                List<String> args = new java.util.ArrayList<>(List.of(name));
                if (!sub.getCommandSpec().positionalParameters().isEmpty()) {
                    args.add(missing);
                    if (sub.getCommandSpec().positionalParameters().size() > 1) {
                        args.add(dir.resolve("out.safetensors").toString());
                    }
                }
                if (needsTarget) {
                    args.addAll(List.of("--target", "dw4"));
                }
                args.addAll(List.of(o.longestName(), "x" + values.getFirst()));
                Run r = run(args.toArray(String[]::new));
                assertUsageError(r, "tarflow " + name + ": Invalid value for option '" + o.longestName() + "': expected one of "
                        + values + " but was 'x" + values.getFirst() + "'");
            }
        }
        assertTrue(options >= 18, "the commands' word-valued options: " + options);
        assertTrue(!Files.exists(Path.of(missing)));
        // a value of the list gets past the check: the command then fails on the missing file, not on the value
        assertOneLineError(run("sample", missing, "--method", "gs-jacobi", "--guide", "b"), "no such file");
        assertOneLineError(run("convert", missing, dir.resolve("o.safetensors").toString(), "--dtype", "bf16"), "no such file");
        assertOneLineError(run("toy", "--target", "MOONS", "--epochs", "0"), "--epochs must be between 1 and 1000, got 0");
    }

    /**
     * An existing output is refused before any sampling unless --overwrite: a grid, a tensor file, a folder of
     * samples (which --overwrite replaces, old files gone); a folder with other files is never replaced; a
     * hidden folder left by a killed run is named.
     */
    @Test
    void existingOutputsAreRefusedUnlessOverwriteAndOnlySampleFoldersAreReplaced() throws IOException {
        String model = "reference-data/torch/cond_nvp_c1_p4.pth";
        for (String name : new String[] {"g.png", "s.npz", "s.safetensors"}) {
            Path f = Files.writeString(dir.resolve(name), "old");
            assertOneLineError(run("sample", model, "--num", "2", "--out", f.toString()), f + " exists; pass --overwrite to replace it");
            assertEquals("old", Files.readString(f));
            Run o = run("sample", model, "--num", "2", "--out", f.toString(), "--overwrite");
            assertEquals(0, o.code(), o.err());
            assertTrue(Files.size(f) > 3, name);
        }
        for (String name : new String[] {"adir.png", "dd.npz", "dd.safetensors"}) { // a folder is never a file to replace
            Path folder = Files.createDirectories(dir.resolve(name));
            assertOneLineError(run("sample", model, "--num", "2", "--out", folder.toString(), "--overwrite"),
                    "--out " + folder + " is a folder, not a file");
            try (var list = Files.list(folder)) {
                assertEquals(0, list.count(), name + " stays empty");
            }
        }
        Path pngs = dir.resolve("pngs");
        assertEquals(0, run("sample", model, "--num", "3", "--out", pngs + "/").code());
        assertOneLineError(run("sample", model, "--num", "2", "--out", pngs + "/"),
                "is not empty; the PNGs need a new or empty folder (an FID tool reads every image in it); --overwrite replaces"
                        + " a folder of samples");
        Run o = run("sample", model, "--num", "2", "--out", pngs + "/", "--overwrite");
        assertEquals(0, o.code(), o.err());
        try (var list = Files.list(pngs)) {
            assertEquals(List.of("000000.png", "000001.png"), list.map(p -> p.getFileName().toString()).sorted().toList());
        }
        Files.writeString(pngs.resolve("README"), "mine");
        assertOneLineError(run("sample", model, "--num", "2", "--out", pngs + "/", "--overwrite"),
                "holds README, which is not a sample: only a folder of samples (000000.png, ...) is replaced");
        Path killed = Files.createDirectory(dir.resolve(".fid." + org.tarflow.io.SampleFiles.PARTIAL + "-k1"));
        Run note = run("sample", model, "--num", "2", "--out", dir.resolve("fid") + "/");
        assertEquals(0, note.code(), note.err());
        assertTrue(note.err().contains("note: " + killed + " is left by a 'tarflow sample --out " + dir.resolve("fid")
                + "/' that was killed"), note.err());
    }

    /** --final-eval-images limits the final score to the first N test images, and 0 skips it, saying so. */
    @Test
    void theFinalScoreCanBeLimitedOrSkipped() throws IOException {
        Path data = Files.createDirectories(dir.resolve("data"));
        IdxFiles.writeToyDataset(data, 8, 16, 3, 5); // 8 test images
        Path out = dir.resolve("run");
        Run t = run("train", "--data", data.toString(), "--out", out.toString(), "--patch-size", "4", "--channels", "64",
                "--blocks", "1", "--layers-per-block", "1", "--epochs", "1", "--batch-size", "8", "--eval-images", "0",
                "--sample-every", "0", "--final-eval-images", "3");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("test bits/dim: ") && t.out().contains(" (3 images, uniform dequantisation"), t.out());
        Run all = run("train", "--resume", out.resolve("checkpoint.safetensors").toString());
        assertTrue(all.out().contains(" (8 images, uniform dequantisation"), "all by default: " + all.out());
        Run skipped = run("train", "--resume", out.resolve("checkpoint.safetensors").toString(), "--final-eval-images", "0");
        assertEquals(0, skipped.code(), skipped.err());
        assertTrue(skipped.out().contains("test bits/dim: not computed (--final-eval-images 0)")
                && !skipped.err().contains("test bits/dim"), skipped.out() + skipped.err());
        assertOneLineError(run("train", "--final-eval-images", "-1"), "--final-eval-images must be at least 0, got -1");
    }

    /** A value out of range is named alone, with its option, when the options checked with it are fine. */
    @Test
    void eachRangeErrorNamesTheOneOptionThatIsWrong() {
        String missing = dir.resolve("missing.safetensors").toString();
        String[][] cases = {
            {"--nrow must be at least 1, got 0", "sample", missing, "--num", "5", "--nrow", "0"},
            {"--num must be at least 1, got -2", "sample", missing, "--num", "-2", "--nrow", "4"},
            {"--blocks must be between 1 and 64, got 65", "toy", "--epochs", "3", "--blocks", "65"},
            {"--batch-size must be between 1 and 32768, got 0", "toy", "--batch-size", "0"},
            {"--sample-every must be at least 0, got -1", "train", "--eval-images", "5", "--sample-every", "-1"},
            {"--checkpoint-every must be at least 0, got -4", "train", "--checkpoint-every", "-4"},
            {"--train-images must be at least 1, got 0", "train", "--train-images", "0"},
            {"--lr must be a finite number >= 1.0E-6, got -1.0", "train", "--lr", "-1"},
            {"--warmup-epochs must be between 0.0 and 2.0, got 3.0", "train", "--warmup-epochs", "3"},
            {"--drop-label must be between 0.0 and 1.0, got 2.0", "train", "--drop-label", "2"},
            {"--noise-std must be a finite number > 0, got -0.1", "train", "--noise-std", "-0.1"},
            {"--attn-temp must be a finite number > 0, got 0.0", "sample", missing, "--attn-temp", "0"},
            {"--bayes-limit must be at least 1, got 0", "evaluate", missing, "--limit", "3", "--bayes-limit", "0"},
            {"--limit must be at least 1, got 0", "evaluate", missing, "--limit", "0"},
            {"--classifier-epochs must be at least 1, got 0", "sweep", missing, "--classifier-images", "9",
                "--classifier-epochs", "0"},
            // a 3-class model; -1 would be read as "no label" and 3 has no class name
            {"--class must be between 0 and 2, got -1", "sample", "reference-data/torch/cond_nvp_c1_p4.pth", "--out",
                dir.resolve("c.png").toString(), "--num", "2", "--class", "-1", "--cfg", "2", "--in-channels", "1", "--patch-size", "4"},
            {"--class must be between 0 and 2, got 3", "sample", "reference-data/torch/cond_nvp_c1_p4.pth", "--out",
                dir.resolve("c.png").toString(), "--num", "2", "--class", "3", "--in-channels", "1", "--patch-size", "4"},
        };
        for (String[] c : cases) {
            Run r = run(java.util.Arrays.copyOfRange(c, 1, c.length));
            assertOneLineError(r, c[0]);
            assertEquals(1, r.err().split(" must ", -1).length - 1, "one option named: " + r.err());
        }
        assertTrue(!Files.exists(dir.resolve("c.png")), "a refused --class writes nothing");
    }

    /** --method jacobi and gs-jacobi sample and print their iterations; their settings are checked. */
    @Test
    void fixedPointDecodingSamplesAndReportsIterations() {
        String model = "reference-data/torch/uncond_nvp_c1_p2.pth"; // 2 blocks of T = 16 patches
        Run j = run("sample", model, "--out", dir.resolve("j.png").toString(), "--num", "3", "--method", "jacobi",
                "--jacobi-threshold", "0", "--jacobi-chunk", "5");
        assertEquals(0, j.code(), j.err());
        assertTrue(j.out().contains("mean iterations per block (blocks.0 first; 15 network passes sequentially): "
                + "[15.00, 15.00]"), j.out());
        Run g = run("sample", model, "--out", dir.resolve("g.png").toString(), "--num", "3", "--method", "gs-jacobi",
                "--gs-segments", "3,1", "--gs-max-iter", "2");
        assertEquals(0, g.code(), g.err());
        assertTrue(g.out().contains("mean iterations per block"), g.out());
        assertOneLineError(run("sample", model, "--in-channels", "1", "--patch-size", "2", "--out", dir.resolve("e.png").toString(), "--method", "gs-jacobi",
                "--gs-segments", "1,2,3"), "per-block list [1, 2, 3] has 3 values for a model of 2 blocks");
        assertUsageError(run("sample", model, "--in-channels", "1", "--patch-size", "2", "--out", dir.resolve("e.png").toString(), "--method", "newton"),
                "Invalid value for option '--method': expected one of [sequential, jacobi, gs-jacobi] but was 'newton'");
        assertOneLineError(run("sample", model, "--in-channels", "1", "--patch-size", "2", "--out", dir.resolve("e.png").toString(), "--method", "jacobi",
                "--jacobi-threshold", "-1"), "the Jacobi threshold must be a finite number >= 0");
    }

    /** A compute command says on stderr which kernels it uses and why, first thing. */
    @Test
    void theBackendIsChosenByAutoOrByNameAndSaidOnStderr() {
        String model = "reference-data/torch/uncond_nvp_c1_p2.pth";
        Run auto = run("sample", model, "--out", dir.resolve("auto.png").toString(), "--num", "2");
        assertEquals(0, auto.code(), auto.err());
        assertTrue(firstLine(auto.err()).startsWith("backend: simd: jdk.incubator.vector readable, C2 on, "), auto.err());
        Run scalar = run("sample", model, "--out", dir.resolve("scalar.png").toString(), "--num", "2", "--backend", "scalar");
        assertEquals(0, scalar.code(), scalar.err());
        assertEquals("backend: scalar: requested by name", firstLine(scalar.err()));
    }

    private static String firstLine(String err) {
        return err.lines().filter(l -> !l.startsWith("WARNING")).findFirst().orElse("");
    }

    /**
     * The label-free reference model with the log-scale bias of one block's proj_out set to {@code a}; with
     * {@code constant}, that proj_out's weight is zero, so that every patch's log-scale is exactly a.
     */
    private Path overflowingModel(String block, double a, boolean constant) throws IOException {
        var model = org.tarflow.io.ModelFiles.load(Path.of("reference-data/torch/uncond_nvp_c1_p2.pth"),
                org.tarflow.tensor.DType.F32, org.tarflow.tensor.Backends.get("simd"));
        var bias = model.parameters().stream().filter(p -> p.name().equals(block + ".proj_out.bias")).findFirst().orElseThrow();
        for (int i = 0; i < 4; i++) {
            bias.value().set(i, a); // the log-scale part of the bias (D = 4): exp(a) near the float32 limit
        }
        if (constant) {
            model.parameters().stream().filter(p -> p.name().equals(block + ".proj_out.weight")).findFirst().orElseThrow()
                    .value().fill(0);
        }
        Path weights = dir.resolve(block + "-" + a + ".safetensors");
        org.tarflow.io.ModelFiles.save(model, weights, null);
        return weights;
    }

    @Test
    void samplesThatAlwaysOverflowAreNamedOrFailTheCommand() throws IOException {
        Path weights = overflowingModel("blocks.1", 100.0, false); // a = 100: exp(a) overflows float32 in sampling
        Path png = dir.resolve("o.png");
        Run kept = run("sample", weights.toString(), "--out", png.toString(), "--num", "4", "--no-redraw");
        assertEquals(0, kept.code(), kept.err());
        assertTrue(kept.err().contains("warning: 4 of 4 samples hold NaN or infinite values, kept (rows 0, 1, 2, 3;"), kept.err());
        // blocks are inverted last to first: block 1 (flipped order) overflows at its first step, patch T-2 = 14
        assertTrue(kept.err().contains("the first: sample 0, block 1, patch 14 (decoding step 1 of the block), value 0:"
                + " exp(a) overflowed"), kept.err());
        Files.delete(png);
        Run failed = run("sample", weights.toString(), "--out", png.toString(), "--num", "4", "--max-draws", "3");
        assertEquals(1, failed.code(), failed.err());
        assertTrue(failed.err().contains("4 samples still had NaN or infinite values after 3 draws each"), failed.err());
        assertTrue(failed.err().contains("block 1, patch 14"), failed.err());
        assertTrue(!Files.exists(png), "nothing is written when samples stay non-finite");
    }

    /**
     * A scale at the edge of float32 makes some draws overflow and not others: redrawing replaces exactly the
     * samples that --no-redraw keeps non-finite (the first draws are the same), and says how many.
     */
    @Test
    void nonFiniteSamplesAreRedrawnAndCounted() throws IOException {
        Path weights = overflowingModel("blocks.0", EDGE_LOG_SCALE, true);
        Run kept = run("sample", weights.toString(), "--out", dir.resolve("k.png").toString(), "--num", "16", "--no-redraw");
        assertEquals(0, kept.code(), kept.err());
        var bad = java.util.regex.Pattern.compile("warning: (\\d+) of 16 samples hold NaN").matcher(kept.err());
        assertTrue(bad.find(), kept.err());
        int nonFinite = Integer.parseInt(bad.group(1));
        assertTrue(nonFinite > 0 && nonFinite < 16, "the test needs some samples of each kind: " + kept.err());
        Run redrawn = run("sample", weights.toString(), "--out", dir.resolve("r.png").toString(), "--num", "16");
        assertEquals(0, redrawn.code(), redrawn.err());
        assertTrue(redrawn.out().contains("(" + nonFinite + " of 16 samples: rows "), redrawn.out());
        assertTrue(!redrawn.err().contains("hold NaN"), redrawn.err());
    }

    /** Sampling options are checked before the model is read: a bad value is named even when the file is missing. */
    @Test
    void guidanceAndRedrawOptionsAreCheckedFirst() throws IOException {
        String missing = dir.resolve("missing.safetensors").toString();
        assertUsageError(run("sample", missing, "--guidance-rule", "cfg++"), "expected one of [reference, starflow] but was 'cfg++'");
        assertUsageError(run("sample", missing, "--guidance-rule", "starflow", "--guide", "b"),
                "--guidance-rule starflow guides scale and shift together: use --guide ab");
        assertUsageError(run("sample", missing, "--no-redraw", "--max-draws", "3"), "--no-redraw and --max-draws exclude each other");
        assertOneLineError(run("sample", missing, "--max-draws", "0"), "--max-draws must be at least 1");
        assertUsageError(run("sweep", missing, "--guidance-rule", "cfg++", "--out", dir.resolve("s").toString()),
                "expected one of [reference, starflow] but was 'cfg++'");
        Path never = dir.resolve("never-trained");
        assertUsageError(run("train", "--guidance-rule", "cfg++", "--out", never.toString()),
                "expected one of [reference, starflow] but was 'cfg++'");
        assertTrue(!Files.exists(never), "a refused run creates no output directory");
        Path png = dir.resolve("starflow.png");
        Run ok = run("sample", "reference-data/torch/cond_nvp_c1_p4.pth", "--cfg", "3", "--annealed", "--guidance-rule", "starflow",
                "--num", "4", "--nrow", "2", "--out", png.toString());
        assertEquals(0, ok.code(), ok.err());
        assertTrue(Files.size(png) > 0);
        Run noop = run("sample", "reference-data/torch/cond_nvp_c1_p4.pth", "--guidance-rule", "starflow", "--num", "2",
                "--out", dir.resolve("plain.png").toString());
        assertTrue(noop.err().contains("warning: --guidance-rule has no effect without guidance"), noop.err());
    }

    /** Problems a fresh user hit: each is one clear line, and a refused run leaves nothing behind. */
    @Test
    void freshUserMistakes() throws IOException {
        assertOneLineError(run("conformance", "reference-data/torch/cond_nvp_c1_p4.safetensors"), "is not a case manifest");
        assertOneLineError(run("conformance", "reference-data/torch"), "is a directory, not a case manifest");
        Path junk = Files.writeString(dir.resolve("junk.json"), "{\"a\": ");
        Run j = run("conformance", junk.toString());
        assertOneLineError(j, "manifest is not valid JSON");
        assertTrue(!j.err().contains("setStrictness") && !j.err().contains("github"), j.err());
        assertUsageError(run("sample", "reference-data/torch/uncond_nvp_c1_p2.pth", "--guide", "c"), "expected one of [a, b, ab] but was 'c'");
        Path out = dir.resolve("never");
        assertOneLineError(run("train", "--epochs", "0", "--out", out.toString()), "--epochs must be at least 1, got 0");
        assertTrue(!Files.exists(out), "a refused run creates no output directory");
        Path toy = dir.resolve("toy");
        Run first = run("toy", "--target", "gaussians", "--epochs", "1", "--blocks", "1", "--batch-size", "4096", "--out",
                toy.toString());
        assertEquals(0, first.code(), first.err());
        assertOneLineError(run("toy", "--epochs", "1", "--out", toy.toString()), "already holds a toy run");
    }

    @Test
    void badInputGivesOneLineErrorsAndExitCodeOne() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.safetensors"), "not a tensor file");
        assertOneLineError(run("sample", junk.toString()), "header length");
        assertOneLineError(run("sample", dir.resolve("missing.safetensors").toString()), "no such file");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertOneLineError(run("train", "--data", empty.toString(), "--out", dir.resolve("o").toString()),
                "holds no image data: expected MNIST-format IDX files (train-images-idx3-ubyte[.gz]");
        Path data = Files.createDirectories(dir.resolve("d"));
        IdxFiles.writeToyDataset(data, 8, 16, 3, 5);
        assertOneLineError(run("train", "--data", data.toString(), "--patch-size", "3"), "not divisible by patch_size");
        assertOneLineError(run("train", "--data", data.toString(), "--channels", "100"), "multiple of 64");
        assertUsageError(run("train", "--data", data.toString(), "--patch-size", "4", "--channels", "64",
                "--noise", "salt"), "expected one of [gaussian, uniform, none] but was 'salt'");
        assertUsageError(run("train", "--resume", junk.toString(), "--lr", "1"), "settings come from the checkpoint");
        assertOneLineError(run("sample", dir.toString()), "is a directory");
        assertOneLineError(run("train", "--data", data.toString(), "--cfg", "-3"), "guidance must be");
        assertOneLineError(run("sample", junk.toString(), "--out", "x.jpg"), "must name a .png grid, a folder (DIR/)");
        assertOneLineError(run("bench", "--threads", "0"), "--threads must be between 1 and");
        assertOneLineError(run("bench", "--warmup", "-1"), "--warmup must be a number of seconds >= 0");
        assertUsageError(run("bench", "--backend", "gpu"), "expected one of [simd, scalar, opencl, auto] but was 'gpu'");
        Path blocked = Files.writeString(dir.resolve("file"), "x");
        assertOneLineError(run("train", "--data", data.toString(), "--out", blocked.resolve("sub").toString()), "Not a directory");
        Run usage = run("train", "--epochs");
        assertEquals(Main.USAGE, usage.code());
        assertEquals(1, usage.err().lines().filter(l -> !l.startsWith("WARNING")).count(), usage.err());
        assertTrue(usage.err().contains("see 'tarflow train --help'"), usage.err());
        assertEquals(Main.USAGE, run().code(), "no command is a usage error");
    }
}
