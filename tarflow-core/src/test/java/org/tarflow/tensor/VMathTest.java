package org.tarflow.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jdk.incubator.vector.FloatVector;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import org.junit.jupiter.api.Test;

class VMathTest {
    private static float vexp(float x) {
        return VMath.exp(FloatVector.broadcast(VectorWidth.FLOAT, x)).lane(0);
    }

    @Property(tries = 3000)
    void expIsWithinTwoUlp(@ForAll @FloatRange(min = -87f, max = 88.5f) float x) {
        double exact = Math.exp(x);
        float got = vexp(x);
        assertTrue(Math.abs(got - exact) <= 2 * Math.ulp((float) exact), "exp(" + x + ") = " + got + ", exact " + exact);
    }

    @Test
    void expEdgeCases() {
        assertEquals(1f, vexp(0f));
        assertEquals(0f, vexp(-200f));
        assertEquals(Float.POSITIVE_INFINITY, vexp(100f));
        assertEquals(Float.POSITIVE_INFINITY, vexp(Float.POSITIVE_INFINITY));
        assertEquals(0f, vexp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(vexp(Float.NaN)));
    }

    @Test
    void sumAddsLanesInOrder() {
        float[] v = new float[VectorWidth.FLOAT.length()];
        float expected = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = 1f / (i + 3);
            expected += v[i];
        }
        assertEquals(expected, VMath.sum(FloatVector.fromArray(VectorWidth.FLOAT, v, 0)), 0f);
    }
}
