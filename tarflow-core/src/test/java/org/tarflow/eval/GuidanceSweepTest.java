package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tarflow.flow.GuidanceRule;

class GuidanceSweepTest {
    private static final GuidanceRule REF = GuidanceRule.REFERENCE;

    @Test
    void weightZeroOnceEveryOtherWeightPerSchedule() {
        List<GuidanceSweep.Setting> s = GuidanceSweep.settings(new double[] {0, 0.5, 2}, true, true, REF);
        assertEquals(List.of(new GuidanceSweep.Setting(0, false, REF), new GuidanceSweep.Setting(0.5, false, REF),
                new GuidanceSweep.Setting(0.5, true, REF), new GuidanceSweep.Setting(2, false, REF),
                new GuidanceSweep.Setting(2, true, REF)), s);
        assertEquals(List.of("cfg-0", "cfg-0.5", "cfg-0.5-annealed", "cfg-2", "cfg-2-annealed"),
                s.stream().map(GuidanceSweep.Setting::name).toList());
        assertEquals(2, GuidanceSweep.settings(new double[] {0, 3}, false, true, REF).size());
    }

    @Test
    void theRuleIsEverySettingsAndNamesItsGrids() {
        List<GuidanceSweep.Setting> s = GuidanceSweep.settings(new double[] {0, 10}, true, true, GuidanceRule.STARFLOW);
        assertEquals(List.of("cfg-0", "cfg-10-starflow", "cfg-10-annealed-starflow"),
                s.stream().map(GuidanceSweep.Setting::name).toList());
        assertEquals(GuidanceRule.STARFLOW, s.get(2).options().rule());
        assertEquals(true, s.get(2).options().annealed());
    }

    @Test
    void badGridsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> GuidanceSweep.settings(new double[] {1, 1}, true, false, REF));
        assertThrows(IllegalArgumentException.class, () -> GuidanceSweep.settings(new double[] {-1}, true, false, REF));
        assertThrows(IllegalArgumentException.class, () -> GuidanceSweep.settings(new double[] {1}, false, false, REF));
    }
}
