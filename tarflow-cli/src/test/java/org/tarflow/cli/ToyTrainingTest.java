package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.data.ToyDensity;
import org.tarflow.train.Trainer;
import org.tarflow.tensor.Backends;

/**
 * Training really learns: on the eight-Gaussian mixture (entropy 1.698 nats per point) a few seconds of
 * training bring the exact test NLL within 0.75 nats of the entropy. No Gaussian can get closer than
 * 1.85 nats (the best one, N(0, 2.04 I), has entropy log(2πe·2.04) = 3.55), nor can an untrained model
 * (the identity flow: 3.88), so reaching the margin means the flow has captured the modes.
 */
class ToyTrainingTest {
    @TempDir
    Path dir;

    @Test
    void aFewSecondsOfTrainingLearnTheMixture() throws IOException {
        ToyTraining.Result r = ToyTraining.run(ToyDensity.GAUSSIANS, new ToyTraining.Settings(6, 4, 256, 3e-3), 0, dir,
                Backends.get("simd"), Trainer.Listener.SILENT, 500);
        assertEquals(1.698, r.entropy(), 0.01);
        double gap = r.testNll() - r.entropy();
        System.out.printf("toy mixture: test NLL %.4f, entropy %.4f, gap %.4f nats per point, %.1f s%n", r.testNll(),
                r.entropy(), gap, r.seconds());
        assertTrue(gap > -3 * r.testNllStdErr(), "a model cannot beat the entropy: gap " + gap);
        assertTrue(gap < 0.75, "the learned NLL " + r.testNll() + " is not within 0.75 nats of the entropy " + r.entropy());
        // the samples' log-likelihood from the inverse is in the range of the data's
        assertTrue(Math.abs(-r.sampleLogLik() - r.testNll()) < 0.5, "samples' log-likelihood " + r.sampleLogLik());
    }

    @Test
    void theLearnedDensityIsADensity() throws IOException {
        ToyTraining.Result r = ToyTraining.run(ToyDensity.CHECKERBOARD, new ToyTraining.Settings(2, 1, 1024, 3e-3), 1, dir,
                Backends.get("simd"), Trainer.Listener.SILENT, 10);
        double[][] grid = ToyTraining.densityGrid(r.model(), -6, 6, 120);
        double mass = 0;
        for (double[] row : grid) {
            for (double v : row) {
                mass += v * 0.1 * 0.1;
            }
        }
        assertEquals(1.0, mass, 0.05, "the learned density integrates to about 1 over [-6, 6]^2");
        double[][] target = ToyTraining.targetGrid(ToyDensity.MOONS, -4, 4, 80, new SplittableRandom(2));
        double histogram = 0;
        for (double[] row : target) {
            for (double v : row) {
                histogram += v * 0.1 * 0.1;
            }
        }
        assertEquals(1.0, histogram, 1e-9, "the moons' histogram is normalised (all of them lie in [-4, 4]^2)");
    }
}
