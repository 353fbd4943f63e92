package org.tarflow.boltzmann;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class MalaTest {

    @Test
    void harmonicOscillatorMeanEnergyIsEquipartition() {
        // N·D = 6 coordinates at k = 2: <E> = 6/2 = 3 kT, Var E = 6/2 = 3; a large first step must be adapted down
        Harmonic e = new Harmonic(3, 2, 2);
        Mala.Result r = Mala.sample(e, new double[6], new Mala.Settings(8, 2000, 3000, 2, 3.0, 7));
        double mean = 0;
        for (double v : r.energies()) {
            mean += v;
        }
        mean /= r.energies().length;
        double stdErr = Math.sqrt(3 * r.autocorrelationTime() / r.energies().length);
        assertEquals(3, mean, 4 * stdErr, "mean energy, standard error " + stdErr);
        assertTrue(r.acceptance() > 0.4 && r.acceptance() < 0.75, "acceptance " + r.acceptance());
        assertTrue(r.autocorrelationTime() >= 0.5 && r.autocorrelationTime() < 10, "tau " + r.autocorrelationTime());
        // kept samples are centred on their centre of mass
        double[] x = r.samples().values();
        assertEquals(0, x[0] + x[2] + x[4], 1e-12);
        // and the run is reproducible from its seed
        assertEquals(r.energies()[123], Mala.sample(e, new double[6], new Mala.Settings(8, 2000, 3000, 2, 3.0, 7)).energies()[123], 0);
    }

    @Test
    void autocorrelationTimeOfAnAr1Process() {
        // x_t = φ x_{t-1} + noise has τ = (1 + φ) / (1 - φ) = 3 for φ = 0.5
        SplittableRandom rng = new SplittableRandom(3);
        double[] s = new double[4 * 20000];
        for (int c = 0; c < 4; c++) {
            double v = 0;
            for (int i = 0; i < 20000; i++) {
                v = 0.5 * v + rng.nextGaussian();
                s[c * 20000 + i] = v;
            }
        }
        assertEquals(3, Mala.autocorrelationTime(s, 4), 0.2);
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> new Mala.Settings(1, 0, 1, 1, 0.1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> Mala.sample(LennardJones.lj13(), new double[39], new Mala.Settings(1, 0, 2, 1, 0.1, 0)));
    }
}
