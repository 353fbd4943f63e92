package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.tarflow.cli.Cli.assertOneLineError;
import static org.tarflow.cli.Cli.assertUsageError;
import static org.tarflow.cli.Cli.run;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.cli.Cli.Run;
import org.tarflow.boltzmann.DoubleWell;
import org.tarflow.boltzmann.ParticleFiles;
import org.tarflow.data.SequenceDataset;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

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
        assertEquals(64, ParticleFiles.readSamples(out.resolve("samples.safetensors")).size());
        assertEquals(4, ref.length());
        assertEquals(2, ref.dim());
        assertOneLineError(run("boltzmann", "--target", "dw4", "--out", out.toString()), "already holds a run");
    }

    /**
     * The FILE route end to end on a target whose energy is computable here: the reference that the DW-4 run wrote
     * (configurations and MALA energies) is the FILE, the samples' energies are computed by the test with DW-4 and
     * handed over as a CSV, and every figure the two routes share must equal the built-in run's on the same seed,
     * because both train on the same configurations with the same seeds; the ESS is also recomputed here from the
     * samples file's log_q and log_centre and those energies, by the formula.
     */
    @Test
    void fileTargetInTwoStepsGivesTheBuiltInFiguresOnTheSameSeed() throws IOException {
        String[] common = {"--epochs", "1", "--blocks", "2", "--batch-size", "32", "--samples", "64"};
        Path builtin = dir.resolve("dw4");
        Run b = run(Cli.concat(common, "boltzmann", "--target", "dw4", "--chains", "2", "--burn-in", "200", "--per-chain", "64",
                "--thin", "2", "--out", builtin.toString()));
        assertEquals(0, b.code(), b.err());
        Path ref = builtin.resolve("reference.safetensors");
        Path first = dir.resolve("file");
        Run a = run(Cli.concat(common, "boltzmann", "--target", ref.toString(), "--out", first.toString()));
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("--reweight"), a.out());
        assertFalse(Files.exists(first.resolve("metrics.json")), "no figures before the energies are known");
        Path samples = first.resolve("samples.safetensors");
        ParticleFiles.SampleFile sf = ParticleFiles.readSamples(samples);
        assertEquals(64, sf.size());
        SequenceDataset csv = SequenceDataset.read(first.resolve("samples.csv"), 2);
        assertArrayEquals(sf.draws().x(), csv.values(), "samples.csv holds the configurations of samples.safetensors");

        DoubleWell dw4 = DoubleWell.dw4();
        StringBuilder energies = new StringBuilder("energy\n");
        double[] logW = new double[64];
        for (int i = 0; i < 64; i++) {
            double e = dw4.energy(Arrays.copyOfRange(sf.draws().x(), 8 * i, 8 * i + 8), null);
            energies.append(e).append('\n');
            logW[i] = -e - sf.draws().logQ()[i] + sf.draws().logCentre()[i];
        }
        Path eFile = dir.resolve("e.csv");
        Files.writeString(eFile, energies);
        Run r = run("boltzmann", "--target", ref.toString(), "--reweight", samples.toString(), "--energies", eFile.toString());
        assertEquals(0, r.code(), r.err());
        JsonObject fromFile = JsonParser.parseString(Files.readString(first.resolve("metrics.json"))).getAsJsonObject();
        JsonObject fromBuiltin = JsonParser.parseString(Files.readString(builtin.resolve("metrics.json"))).getAsJsonObject();
        int shared = 0;
        for (String key : fromFile.keySet()) {
            if (fromBuiltin.has(key) && !key.endsWith("_seconds") && !key.equals("target")) {
                assertEquals(fromBuiltin.get(key), fromFile.get(key), key);
                shared++;
            }
        }
        assertEquals(18, shared, fromFile.keySet() + " vs " + fromBuiltin.keySet());
        double max = Arrays.stream(logW).max().orElseThrow();
        double sum = 0;
        double sumSq = 0;
        for (double lw : logW) {
            sum += Math.exp(lw - max);
            sumSq += Math.exp(2 * (lw - max));
        }
        assertEquals(sum * sum / (64 * sumSq), fromFile.get("ess_fraction").getAsDouble(), 1e-12);
        assertTrue(Files.size(first.resolve("energies.png")) > 0 && Files.size(first.resolve("distances.png")) > 0);

        // refusals of the second step, each before anything is written
        String[] again = {"boltzmann", "--target", ref.toString(), "--reweight", samples.toString(), "--overwrite", "--energies"};
        assertOneLineError(run("boltzmann", "--target", ref.toString(), "--reweight", samples.toString(), "--energies",
                eFile.toString()), "already holds metrics.json");
        Path short63 = dir.resolve("short.txt");
        Files.writeString(short63, energies.substring("energy\n".length(), energies.lastIndexOf("\n", energies.length() - 2) + 1));
        assertOneLineError(run(Cli.concat(new String[] {short63.toString()}, again)), "63 energies for 64 samples");
        Path nan = dir.resolve("nan.csv");
        Files.writeString(nan, energies.toString().replaceFirst("\n[^\n]*\n", "\nnan\n"));
        assertOneLineError(run(Cli.concat(new String[] {nan.toString()}, again)), "energy NaN of sample 0 is not a number or +inf");
        Path wide = dir.resolve("wide.safetensors");
        Safetensors.write(wide, Map.of("energy", StoredTensor.of(Tensor.zeros(DType.F64, 64, 2))), Map.of());
        assertOneLineError(run(Cli.concat(new String[] {wide.toString()}, again)), "has shape (64, 2)");
        Path other = dir.resolve("three.safetensors");
        ParticleFiles.writeReference(other, new SequenceDataset(new double[2 * 6], null, 3, 2, 0), new double[2]);
        assertOneLineError(run("boltzmann", "--target", other.toString(), "--reweight", samples.toString(), "--energies",
                eFile.toString(), "--overwrite"), "holds samples of 4 particles in 2-D");
        assertUsageError(run("boltzmann", "--target", "dw4", "--reweight", samples.toString(), "--energies", eFile.toString()),
                "--reweight is for --target FILE");
        assertUsageError(run("boltzmann", "--target", ref.toString(), "--reweight", samples.toString()), "go together");

        // step 1 again over the finished run: the old figures go, they belong to samples that are being replaced
        Run redo = run(Cli.concat(common, "boltzmann", "--target", ref.toString(), "--out", first.toString(), "--overwrite"));
        assertEquals(0, redo.code(), redo.err());
        for (String old : new String[] {"metrics.json", "energies.png", "distances.png"}) {
            assertFalse(Files.exists(first.resolve(old)), old + " of the replaced run");
        }
        assertTrue(Files.exists(samples), "the new samples");
    }

    @Test
    void referenceFilesWithoutFiniteEnergiesAreOneLineErrors() throws IOException {
        Path noEnergy = dir.resolve("x.safetensors");
        SequenceDataset.write(noEnergy, Tensor.zeros(DType.F64, 4, 3, 2), null);
        assertOneLineError(run("boltzmann", "--target", noEnergy.toString(), "--out", dir.resolve("a").toString()),
                "no tensor 'energy'");
        Path csv = dir.resolve("x.csv");
        Files.writeString(csv, "a,b,c,d\n1,2,3,4\n5,6,7,8\n");
        assertOneLineError(run("boltzmann", "--target", csv.toString(), "--token-dim", "2", "--out", dir.resolve("b").toString()),
                "no column 'energy'");
        Path inf = dir.resolve("inf.csv");
        Files.writeString(inf, "a,b,energy,c,d\n1,2,0.5,3,4\n5,6,inf,7,8\n");
        assertOneLineError(run("boltzmann", "--target", inf.toString(), "--token-dim", "2", "--out", dir.resolve("c").toString()),
                "energy Infinity of reference configuration 1 is not finite");
        Path ok = dir.resolve("ok.csv");
        Files.writeString(ok, "a,b,energy,c,d\n1,2,0.5,3,4\n5,6,1.5,7,8\n");
        assertOneLineError(run("boltzmann", "--target", ok.toString(), "--token-dim", "2", "--batch-size", "1", "--species", "A,B,C",
                "--out", dir.resolve("d").toString()), "--species names 3 particles, the configurations have 2");
        assertOneLineError(run("boltzmann", "--target", ok.toString(), "--token-dim", "2", "--out", dir.resolve("e").toString()),
                "--batch-size 256 must be between 1 and the 1 training configurations");
    }

    /** The command printed for step 2 can be pasted as it is: a CSV reference needs its --token-dim again. */
    @Test
    void theNextStepOfACsvReferenceRepeatsItsTokenDim() throws IOException {
        Path ref = dir.resolve("pairs.csv");
        StringBuilder rows = new StringBuilder("x0,y0,x1,y1,energy\n");
        java.util.SplittableRandom rng = new java.util.SplittableRandom(5);
        for (int i = 0; i < 16; i++) {
            rows.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%.4f,%.4f,%.4f%n", rng.nextGaussian(),
                    rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian(), rng.nextDouble()));
        }
        Files.writeString(ref, rows);
        Path out = dir.resolve("pairs");
        Run r = run("boltzmann", "--target", ref.toString(), "--token-dim", "2", "--epochs", "1", "--blocks", "1",
                "--batch-size", "4", "--samples", "4", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tarflow boltzmann --target " + ref + " --token-dim 2 --reweight "
                + out.resolve("samples.safetensors")), r.out());
    }

    @Test
    void badOptionsAreOneLineErrors() {
        assertOneLineError(run("boltzmann", "--target", "argon", "--out", dir.resolve("x").toString()),
                "--target must be dw4, lj13 or a reference file, got 'argon' (no such file)");
        assertOneLineError(run("boltzmann", "--target", "dw4", "--chains", "3", "--out", dir.resolve("x").toString()),
                "--chains must be even (half train, half evaluate), got 3");
        assertOneLineError(run("boltzmann", "--target", "dw4", "--clip-quantile", "2", "--out", dir.resolve("x").toString()),
                "--clip-quantile must be in (0, 1], got 2.0");
        assertOneLineError(run("boltzmann", "--target", "dw4", "--kt", "0", "--out", dir.resolve("x").toString()),
                "--kt must be a finite number > 0, got 0.0");
        // MALA's counts: each named, before the output folder exists (--per-chain 0 used to blame --batch-size)
        Path mala = dir.resolve("mala");
        assertOneLineError(run("boltzmann", "--target", "dw4", "--per-chain", "0", "--out", mala.toString()),
                "--per-chain must be at least 2, got 0");
        assertOneLineError(run("boltzmann", "--target", "dw4", "--burn-in", "-1", "--out", mala.toString()),
                "--burn-in must be at least 0, got -1");
        assertOneLineError(run("boltzmann", "--target", "dw4", "--thin", "0", "--out", mala.toString()),
                "--thin must be at least 1, got 0");
        assertFalse(Files.exists(mala), "refused before the output folder was made");
        Cli.assertUsageError(run("boltzmann", "--target", "dw4", "--rotations", "mirror", "--out", dir.resolve("x").toString()),
                "expected one of [orthogonal, proper, none] but was 'mirror'");
        Path small = dir.resolve("small");
        assertOneLineError(run("boltzmann", "--target", "dw4", "--chains", "4", "--per-chain", "100", "--out", small.toString()),
                "--batch-size 256 must be between 1 and the 200 training configurations");
        assertFalse(Files.exists(small.resolve("reference.safetensors")), "refused before MALA wrote its reference");
    }
}
