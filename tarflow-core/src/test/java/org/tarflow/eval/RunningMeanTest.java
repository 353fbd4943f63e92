package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RunningMeanTest {
    @Test
    void meanAndStandardErrorOfAHandCountedSet() {
        RunningMean m = new RunningMean();
        for (double v : new double[] {1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4}) {
            m.add(v);
        }
        Likelihood.Result r = m.result();
        assertEquals(1e9 + 2.5, r.mean(), 1e-6);
        // s² = (2.25 + 0.25 + 0.25 + 2.25) / 3, standard error s / √4; exact far from the origin (Welford)
        assertEquals(Math.sqrt(5.0 / 3) / 2, r.stdError(), 1e-9);
        assertEquals(4, r.count());
        RunningMean one = new RunningMean();
        one.add(7);
        assertEquals(0, one.result().stdError());
    }
}
