package org.tarflow.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CosineScheduleTest {
    @Test
    void warmsUpLinearlyThenFollowsAHalfCosine() {
        double min = 1e-6, max = 1e-3;
        CosineSchedule s = new CosineSchedule(10, 110, min, max);
        assertEquals(min, s.lrAt(0), 0, "the first step uses the minimum, as the reference's schedule starts there");
        assertEquals(min + 0.5 * (max - min), s.lrAt(5), 1e-18);
        assertEquals(max, s.lrAt(10), 1e-18);
        assertEquals(min + 0.5 * (max - min), s.lrAt(60), 1e-15, "half-way through the cosine");
        assertEquals(min, s.lrAt(110), 1e-18);
        assertEquals(min + 0.5 * (1 + Math.cos(Math.PI * 0.25)) * (max - min), s.lrAt(35), 1e-18);
    }

    @Test
    void aWarmUpAsLongAsTheRunOnlyRises() {
        CosineSchedule s = new CosineSchedule(10, 10, 1e-6, 1e-3);
        assertEquals(1e-6 + 0.5 * (1e-3 - 1e-6), s.lrAt(5), 1e-18);
        assertEquals(1e-3, s.lrAt(10), 1e-18);
    }

    @Test
    void rejectsImpossibleSchedules() {
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(11, 10, 1e-6, 1e-3));
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(0, 10, 1e-3, 1e-6));
    }
}
