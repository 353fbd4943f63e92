package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.data.IdxFiles;
import org.tarflow.io.SampleFiles;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.tensor.Backends;
import org.tarflow.train.Checkpoint;
import org.tarflow.train.Trainer;

/**
 * Training in a real child process (a separate JVM running {@code tarflow train}) is killed with SIGKILL
 * at random moments, several times, including while it writes a checkpoint (it writes one every step);
 * after each kill the last checkpoint loads, and resuming to the end gives exactly the weights of an
 * uninterrupted run with the same seed.
 */
class KillAndResumeTest {
    @TempDir
    Path dir;

    private static final String[] RUN = {"--patch-size", "4", "--channels", "64", "--blocks", "2", "--layers-per-block",
        "1", "--epochs", "6", "--batch-size", "8", "--eval-images", "0", "--sample-every", "0", "--seed", "3"};

    private static Process start(Path log, String... args) throws IOException {
        // the child runs this JVM's java on this JVM's class path
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules=jdk.incubator.vector", "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @Test
    void killedTrainingResumesToTheSameWeights() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        IdxFiles.writeToyDataset(data, 8, 160, 3, 5);
        Path ref = dir.resolve("ref");
        Cli.Run uninterrupted = Cli.run(concat("train", "--data", data.toString(), "--out", ref.toString()));
        assertEquals(0, uninterrupted.code(), uninterrupted.err());

        Path out = dir.resolve("killed");
        Path ckpt = out.resolve(Trainer.CHECKPOINT);
        SplittableRandom rng = new SplittableRandom(11);
        int killedMidRun = 0;
        long total = 6 * (160 / 8);
        for (int attempt = 0; attempt < 4; attempt++) {
            String[] args = attempt == 0
                    ? concat("train", "--data", data.toString(), "--out", out.toString(), "--checkpoint-every", "1")
                    : new String[] {"train", "--resume", ckpt.toString(), "--checkpoint-every", "1", "--eval-images", "0",
                        "--sample-every", "0"};
            long before = Files.exists(ckpt) ? Checkpoint.load(ckpt, Backends.get("simd")).step() : 0;
            Process p = start(dir.resolve("log" + attempt), args);
            // wait until this process has written a checkpoint, then a random moment more
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (p.isAlive() && System.nanoTime() < deadline
                    && (!Files.exists(ckpt) || Checkpoint.load(ckpt, Backends.get("simd")).step() <= before)) {
                Thread.sleep(5);
            }
            Thread.sleep(rng.nextInt(150));
            boolean wasAlive = p.isAlive();
            p.destroyForcibly();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            Checkpoint.State s = Checkpoint.load(ckpt, Backends.get("simd")); // loadable after any kill
            if (wasAlive && s.step() < total) {
                killedMidRun++;
            }
        }
        assertTrue(killedMidRun >= 2, "the child processes were killed mid-run only " + killedMidRun + " times: "
                + Files.readString(dir.resolve("log0")));

        Cli.Run finish = Cli.run("train", "--resume", ckpt.toString(), "--eval-images", "0", "--sample-every", "0");
        assertEquals(0, finish.code(), finish.err());
        try (var left = Files.list(out)) {
            assertTrue(left.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temporary files are left");
        }
        Map<String, StoredTensor> a = Safetensors.read(ref.resolve("model.safetensors")).tensors();
        Map<String, StoredTensor> b = Safetensors.read(out.resolve("model.safetensors")).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String key : a.keySet()) {
            assertArrayEquals(a.get(key).floats().toDoubleArray(), b.get(key).floats().toDoubleArray(), 0.0, key);
        }
    }

    /**
     * {@code sample --out DIR/} stopped (SIGTERM, as Ctrl-C's shutdown) while it writes the PNGs into its hidden
     * folder removes that folder, and leaves no DIR either.
     */
    @Test
    void aStoppedSampleIntoAFolderLeavesNoHiddenFolder() throws Exception {
        Path out = dir.resolve("pngs");
        Process p = start(dir.resolve("sample-log"), "sample", "reference-data/torch/uncond_nvp_c1_p2.pth", "--num", "40000",
                "--out", out + "/");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        boolean seen = false;
        while (p.isAlive() && System.nanoTime() < deadline && !seen) {
            seen = !SampleFiles.leftovers(out).isEmpty();
            Thread.sleep(2);
        }
        p.destroy();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(seen, "the hidden folder was never seen: " + Files.readString(dir.resolve("sample-log")));
        assertTrue(p.exitValue() != 0, "stopped before it finished: " + Files.readString(dir.resolve("sample-log")));
        assertEquals(List.of(), SampleFiles.leftovers(out));
        assertTrue(!Files.exists(out));
    }

    private static String[] concat(String... head) {
        String[] all = java.util.Arrays.copyOf(head, head.length + RUN.length);
        System.arraycopy(RUN, 0, all, head.length, RUN.length);
        return all;
    }
}
