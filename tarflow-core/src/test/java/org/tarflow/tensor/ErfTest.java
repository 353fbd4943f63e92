package org.tarflow.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.FloatRange;
import org.junit.jupiter.api.Test;

class ErfTest {

    /** Values from Abramowitz &amp; Stegun, Table 7.1, and their 30-digit recomputations. */
    @Test
    void matchesTabulatedValues() {
        double[][] table = {
            {0.1, 0.112462916018284892203275071744},
            {0.5, 0.520499877813046537682746653892},
            {1.0, 0.842700792949714869341220635083},
            {1.5, 0.966105146475310713936933729949},
            {2.0, 0.995322265018952734162069256367},
            {2.5, 0.999593047982555041060435784260},
            {3.0, 0.999977909503001414558627223870},
            {4.0, 0.999999984582742099719981147840},
        };
        for (double[] row : table) {
            assertEquals(row[1], Erf.erf(row[0]), 4 * Math.ulp(row[1]), "erf(" + row[0] + ")");
            assertEquals(-row[1], Erf.erf(-row[0]), 4 * Math.ulp(row[1]), "erf(-" + row[0] + ")");
        }
        assertEquals(0.0, Erf.erf(0.0));
        assertEquals(1.0, Erf.erf(30.0));
        assertEquals(-1.0, Erf.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Erf.erf(Double.NaN)));
    }

    /** The two methods meet at the switch point without a jump: erf is smooth and increasing there. */
    @Property(tries = 200)
    void monotoneAcrossTheSwitch(@ForAll @DoubleRange(min = 2.3, max = 2.7) double x) {
        double h = 1e-5;
        double slope = (Erf.erf(x + h) - Erf.erf(x - h)) / (2 * h);
        double exact = Erf.TWO_OVER_SQRT_PI * Math.exp(-x * x);
        assertEquals(exact, slope, 1e-6 * exact + 1e-7);
    }

    /** The float approximation stays within A&amp;S's stated 1.5e-7 plus float rounding. */
    @Property(tries = 2000)
    void fastErfIsWithinItsBound(@ForAll @FloatRange(min = -6f, max = 6f) float x) {
        assertEquals(Erf.erf(x), Erf.erfFast(x), 1.5e-7 + 2 * Math.ulp(1f));
    }
}
