package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tarflow.cli.Cli.assertOneLineError;
import static org.tarflow.cli.Cli.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.cli.Cli.Run;
import org.tarflow.data.SequenceDataset;
import org.tarflow.data.ToyDensity;

/** Training and sampling on (N, T, D) sequence data from the command line. */
class SequenceCliTest {
    @TempDir
    Path dir;

    @Test
    void trainSampleAndResumeOnLabelledCsvSequences() throws IOException {
        SplittableRandom rng = new SplittableRandom(5);
        StringBuilder csv = new StringBuilder("a0,a1,a2,b0,b1,b2,label\n"); // T = 2 tokens of D = 3, 2 classes
        for (int i = 0; i < 256; i++) {
            int y = i % 2;
            for (int j = 0; j < 6; j++) {
                csv.append(y * 2 + rng.nextGaussian()).append(',');
            }
            csv.append(y).append('\n');
        }
        Path data = Files.writeString(dir.resolve("points.csv"), csv);
        Path out = dir.resolve("run");
        Run t = run("train", "--sequences", data.toString(), "--sequences-test", data.toString(), "--token-dim", "3",
                "--out", out.toString(), "--channels", "64", "--blocks", "2", "--layers-per-block", "1", "--epochs", "2",
                "--batch-size", "32", "--eval-images", "64");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("sequences of T=2 tokens x D=3") && t.out().contains("2 classes")
                && t.out().contains("noise none") && t.out().contains("test NLL:"), t.out());
        assertTrue(Files.readString(out.resolve("train-log.jsonl")).contains("test_nll_subset"));
        List<String> samples = Files.readAllLines(out.resolve("samples.csv"));
        assertEquals("x0_0,x0_1,x0_2,x1_0,x1_1,x1_2,label", samples.getFirst());
        assertEquals(201, samples.size(), "100 samples of each class and the header");

        Path drawn = dir.resolve("drawn.safetensors");
        Run s = run("sample", out.resolve("model.safetensors").toString(), "--out", drawn.toString(), "--num", "10",
                "--class", "1");
        assertEquals(0, s.code(), s.err());
        SequenceDataset back = SequenceDataset.read(drawn, 3);
        assertEquals(10, back.size());
        assertEquals(1, back.labels()[7]);
        assertOneLineError(run("sample", out.resolve("model.safetensors").toString(), "--out", dir.resolve("x.png").toString()),
                "a sequence model's samples go to a .csv or .safetensors file");

        Run r = run("train", "--resume", out.resolve("checkpoint.safetensors").toString(), "--sequences-test", data.toString(),
                "--final-eval-images", "0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("already complete") && r.out().contains("from " + data), r.out());
        assertTrue(r.out().contains("test NLL: not computed (--final-eval-images 0)"), r.out());
    }

    @Test
    void unlabelledSafetensorsSequencesTrainAnUnconditionalModel() throws IOException {
        Path data = dir.resolve("moons.safetensors");
        double[] v = ToyDensity.MOONS.sample(512, new SplittableRandom(1));
        org.tarflow.tensor.Tensor x = org.tarflow.tensor.Tensor.wrap(v, 512, 2, 1);
        SequenceDataset.write(data, x, null);
        Run t = run("train", "--sequences", data.toString(), "--out", dir.resolve("m").toString(), "--channels", "64",
                "--blocks", "2", "--layers-per-block", "1", "--epochs", "1", "--batch-size", "64");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("unconditional") && t.out().contains("training NLL:"), t.out());
        Cli.assertUsageError(run("train", "--sequences", data.toString(), "--out", dir.resolve("p").toString(),
                "--patch-size", "2"), "--patch-size applies to image data, not to the sequences of --sequences");
        Cli.assertUsageError(run("train", "--resume", dir.resolve("m/checkpoint.safetensors").toString(), "--data",
                dir.toString()), "--data applies to image data, not to the sequences of the checkpoint");
    }
}
