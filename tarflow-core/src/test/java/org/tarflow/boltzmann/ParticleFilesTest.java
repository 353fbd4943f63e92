package org.tarflow.boltzmann;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.data.SequenceDataset;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.io.TensorFileException;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/** {@link ParticleFiles}: the reference, samples and energies files of a FILE target, and their refusals. */
class ParticleFilesTest {
    @TempDir
    Path dir;

    @Test
    void aCsvReferenceHasItsEnergyColumnAnywhereAndComesBackCentredInKt() throws IOException {
        Path f = dir.resolve("ref.csv");
        // two configurations of 2 particles in 2-D; centres (2, 3) and (0, 0)
        Files.writeString(f, "x0_0,x0_1,energy,x1_0,x1_1\n1,2,5.0,3,4\n-1,0,-2.5,1,0\n");
        ParticleFiles.Reference r = ParticleFiles.readReference(f, 2, 2.5);
        assertArrayEquals(new double[] {2, -1}, r.energies(), 0);
        assertArrayEquals(new double[] {-1, -1, 1, 1, -1, 0, 1, 0}, r.configurations().values(), 0);
        assertEquals(2, r.configurations().length());
        assertEquals(2, r.configurations().dim());
    }

    @Test
    void aSafetensorsReferenceRoundTrips() throws IOException {
        Path f = dir.resolve("ref.safetensors");
        double[] x = {0.5, -0.5, 0.25, -0.25, 1, -1};
        ParticleFiles.writeReference(f, new SequenceDataset(x, null, 2, 1, 0), new double[] {1.5, 2.5, -3});
        ParticleFiles.Reference r = ParticleFiles.readReference(f, 0, 1);
        assertArrayEquals(x, r.configurations().values(), 0);
        assertArrayEquals(new double[] {1.5, 2.5, -3}, r.energies(), 0);
    }

    @Test
    void referencesWithoutOneFiniteEnergyPerConfigurationAreRefused() throws IOException {
        Path noColumn = dir.resolve("a.csv");
        Files.writeString(noColumn, "a,b,c,d\n1,2,3,4\n");
        assertMessage(() -> ParticleFiles.readReference(noColumn, 2, 1), "no column 'energy'");
        Path noTensor = dir.resolve("a.safetensors");
        SequenceDataset.write(noTensor, Tensor.zeros(DType.F64, 2, 2, 1), null);
        assertMessage(() -> ParticleFiles.readReference(noTensor, 0, 1), "no tensor 'energy': the reference needs");
        Path fewer = dir.resolve("b.safetensors");
        Safetensors.write(fewer, Map.of("x", StoredTensor.of(Tensor.zeros(DType.F64, 3, 2, 1)),
                "energy", StoredTensor.of(Tensor.zeros(DType.F64, 2))), Map.of());
        assertMessage(() -> ParticleFiles.readReference(fewer, 0, 1), "2 energies for 3 configurations");
        Path nan = dir.resolve("nan.csv");
        Files.writeString(nan, "energy,a,b\n1,0,1\nnan,0,2\n");
        assertMessage(() -> ParticleFiles.readReference(nan, 1, 1), "energy NaN of reference configuration 1 is not finite");
        assertThrows(IllegalArgumentException.class, () -> ParticleFiles.readReference(nan, 1, 0));
    }

    @Test
    void energiesComeFromEveryFormatInKt() throws IOException {
        Path txt = dir.resolve("e.txt");
        Files.writeString(txt, "1.5\n-2\ninf\n");
        assertArrayEquals(new double[] {0.75, -1, Double.POSITIVE_INFINITY}, ParticleFiles.readEnergies(txt, 3, 2), 0);
        Path csv = dir.resolve("e.csv");
        Files.writeString(csv, "id,energy\n0,1.5\n1,-2\n");
        assertArrayEquals(new double[] {1.5, -2}, ParticleFiles.readEnergies(csv, 2, 1), 0);
        double[] fromNumpy = ParticleFiles.readEnergies(Path.of("reference-data/npy/f8.npy"), 5, 1);
        assertArrayEquals(new double[] {0.5, -1.25, 1e300, Double.POSITIVE_INFINITY, 1.0 / 3.0}, fromNumpy, 0);
        assertEquals(3, ParticleFiles.readEnergies(Path.of("reference-data/npy/f4_column.npy"), 3, 1).length);
        Path st = dir.resolve("e.safetensors");
        Safetensors.write(st, Map.of("energy", StoredTensor.of(Tensor.of(DType.F64, new double[] {4, 6}, 2, 1))), Map.of());
        assertArrayEquals(new double[] {2, 3}, ParticleFiles.readEnergies(st, 2, 2), 0);
    }

    @Test
    void energiesThatDoNotFitTheSamplesAreRefused() throws IOException {
        Path txt = dir.resolve("e.txt");
        Files.writeString(txt, "1.5\n-inf\n");
        assertMessage(() -> ParticleFiles.readEnergies(txt, 3, 1), "2 energies for 3 samples");
        assertMessage(() -> ParticleFiles.readEnergies(txt, 2, 1), "energy -Infinity of sample 1");
        Path wide = dir.resolve("wide.safetensors");
        Safetensors.write(wide, Map.of("energy", StoredTensor.of(Tensor.zeros(DType.F64, 2, 3))), Map.of());
        assertMessage(() -> ParticleFiles.readEnergies(wide, 2, 1), "has shape (2, 3)");
        assertMessage(() -> ParticleFiles.readEnergies(Path.of("reference-data/npy/i8.npy"), 3, 1), "dtype '<i8'");
        Path word = dir.resolve("w.csv");
        Files.writeString(word, "energy\n1\nlow\n");
        assertMessage(() -> ParticleFiles.readEnergies(word, 2, 1), "line 3, column 'energy': 'low' is not a number");
        Path json = dir.resolve("e.json");
        Files.writeString(json, "[1, 2]");
        assertMessage(() -> ParticleFiles.readEnergies(json, 2, 1), "must be a .npy, .csv, .txt or .safetensors file");
    }

    @Test
    void samplesRoundTripAndMisshapenOnesAreRefused() throws IOException {
        Path f = dir.resolve("s.safetensors");
        BoltzmannGenerator.Draws d = new BoltzmannGenerator.Draws(new double[] {1, -1, 2, -2, 0.5, -0.5}, new double[] {-3, -4, -5},
                new double[] {-0.1, -0.2, -0.3});
        ParticleFiles.writeSamples(f, d, 2, 1, Map.of("seed", "7"));
        ParticleFiles.SampleFile s = ParticleFiles.readSamples(f);
        assertEquals(3, s.size());
        assertEquals(2, s.particles());
        assertEquals(1, s.dim());
        assertArrayEquals(d.x(), s.draws().x(), 0);
        assertArrayEquals(d.logQ(), s.draws().logQ(), 0);
        assertArrayEquals(d.logCentre(), s.draws().logCentre(), 0);
        assertEquals("7", s.metadata().get("seed"));
        assertArrayEquals(new double[] {-1 + 3 - 0.1, -2 + 4 - 0.2, Double.NEGATIVE_INFINITY},
                s.draws().logWeights(new double[] {1, 2, Double.POSITIVE_INFINITY}), 1e-15);
        Path bad = dir.resolve("bad.safetensors");
        Safetensors.write(bad, Map.of("x", StoredTensor.of(Tensor.zeros(DType.F64, 3, 2, 1)),
                "log_q", StoredTensor.of(Tensor.zeros(DType.F64, 2)), "log_centre", StoredTensor.of(Tensor.zeros(DType.F64, 3))), Map.of());
        assertMessage(() -> ParticleFiles.readSamples(bad), "tensor 'log_q' must be float (3), one per sample");
    }

    private interface Reading {
        void run() throws IOException;
    }

    private static void assertMessage(Reading r, String expected) {
        TensorFileException e = assertThrows(TensorFileException.class, r::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
