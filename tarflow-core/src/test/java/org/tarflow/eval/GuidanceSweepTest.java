package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class GuidanceSweepTest {
    @Test
    void weightZeroOnceEveryOtherWeightPerSchedule() {
        List<GuidanceSweep.Setting> s = GuidanceSweep.settings(new double[] {0, 0.5, 2}, true, true);
        assertEquals(List.of(new GuidanceSweep.Setting(0, false), new GuidanceSweep.Setting(0.5, false),
                new GuidanceSweep.Setting(0.5, true), new GuidanceSweep.Setting(2, false), new GuidanceSweep.Setting(2, true)), s);
        assertEquals(List.of("cfg-0", "cfg-0.5", "cfg-0.5-annealed", "cfg-2", "cfg-2-annealed"),
                s.stream().map(GuidanceSweep.Setting::name).toList());
        assertEquals(2, GuidanceSweep.settings(new double[] {0, 3}, false, true).size());
    }

    @Test
    void badGridsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> GuidanceSweep.settings(new double[] {1, 1}, true, false));
        assertThrows(IllegalArgumentException.class, () -> GuidanceSweep.settings(new double[] {-1}, true, false));
        assertThrows(IllegalArgumentException.class, () -> GuidanceSweep.settings(new double[] {1}, false, false));
    }
}
