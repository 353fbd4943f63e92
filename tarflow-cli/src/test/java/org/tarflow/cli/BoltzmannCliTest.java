package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.tarflow.cli.Cli.assertOneLineError;
import static org.tarflow.cli.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.cli.Cli.Run;
import org.tarflow.data.SequenceDataset;

/** {@code tarflow boltzmann} end to end on a tiny DW-4 run, and its refusals. */
class BoltzmannCliTest {
    @TempDir
    Path dir;

    @Test
    void tinyDw4RunWritesFiguresPlotsAndTheReference() throws IOException {
        Path out = dir.resolve("bg");
        Run r = run("boltzmann", "--target", "dw4", "--chains", "2", "--burn-in", "200", "--per-chain", "64", "--thin", "2",
                "--epochs", "1", "--blocks", "2", "--batch-size", "32", "--samples", "64", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject m = JsonParser.parseString(Files.readString(out.resolve("metrics.json"))).getAsJsonObject();
        double ess = m.get("ess_fraction").getAsDouble();
        assertTrue(ess > 0 && ess <= 1, "ESS fraction " + ess);
        assertTrue(m.get("e_w2_reweighted").getAsDouble() >= 0 && m.get("mala_acceptance").getAsDouble() > 0.3, m.toString());
        assertTrue(Files.size(out.resolve("energies.png")) > 0 && Files.size(out.resolve("distances.png")) > 0);
        SequenceDataset ref = SequenceDataset.read(out.resolve("reference.safetensors"), 0);
        assertEquals(128, ref.size());
        assertEquals(4, ref.length());
        assertEquals(2, ref.dim());
        assertOneLineError(run("boltzmann", "--target", "dw4", "--out", out.toString()), "already holds a run");
    }

    @Test
    void badOptionsAreOneLineErrors() {
        Cli.assertUsageError(run("boltzmann", "--target", "argon", "--out", dir.resolve("x").toString()),
                "expected one of [dw4, lj13] but was 'argon'");
        assertOneLineError(run("boltzmann", "--target", "dw4", "--chains", "3", "--out", dir.resolve("x").toString()),
                "--chains must be even (half train, half evaluate), got 3");
        assertOneLineError(run("boltzmann", "--target", "dw4", "--clip-quantile", "2", "--out", dir.resolve("x").toString()),
                "--clip-quantile must be in (0, 1], got 2.0");
        Path small = dir.resolve("small");
        assertOneLineError(run("boltzmann", "--target", "dw4", "--chains", "4", "--per-chain", "100", "--out", small.toString()),
                "--batch-size 256 must be between 1 and the 200 training configurations");
        assertFalse(Files.exists(small.resolve("reference.safetensors")), "refused before MALA wrote its reference");
    }
}
