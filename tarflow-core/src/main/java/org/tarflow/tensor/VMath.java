package org.tarflow.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane-wise math built only from exactly rounded IEEE operations (add, mul, fma, compares, bit moves),
 * so it gives the same bits whether the JIT has compiled it or not.
 *
 * <p>The Vector API's own {@code lanewise(EXP)} and float {@code reduceLanes(ADD)} do not: compiled, they
 * use different algorithms (SVML, tree reductions) than their interpreted fallbacks, so the same step of a
 * training run could round differently depending on JIT warm-up, and a resumed run would drift from an
 * uninterrupted one. The kernels use these instead.
 */
final class VMath {
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding and subtracting it rounds a float to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final float MAX_ARG = 88.72283f;
    private static final float MIN_ARG = -87.33654f;
    private static final FloatVector ZERO = FloatVector.zero(S);
    private static final FloatVector INFINITY = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);

    private VMath() {
    }

    /**
     * e^x per lane, within 2 ulp of the exact value (Cephes {@code expf}: x = n ln 2 + r, |r| ≤ ln2/2, a
     * degree-6 polynomial for e^r, then scaling by 2^n through the exponent bits). Results below 2^-126
     * flush to 0, above the float range give +inf; NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector t = x.max(MIN_ARG).min(MAX_ARG);
        FloatVector shifted = t.fma(FloatVector.broadcast(S, LOG2E), FloatVector.broadcast(S, ROUND));
        FloatVector n = shifted.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), t);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(S, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(S, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(S, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(S, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(S, 5.0000001201e-1f));
        FloatVector er = p.mul(r).fma(r, r).add(1f);
        // 2^n from exponent bits: the low bits of `shifted` hold n (its mantissa after adding 1.5·2^23).
        // n reaches 128 near the top of the range, so scale by 2^(n/2) twice to stay within normal floats.
        IntVector n0 = shifted.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUND));
        IntVector n1 = n0.lanewise(VectorOperators.ASHR, 1);
        IntVector n2 = n0.sub(n1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector result = er.mul(s1).mul(s2);
        // below the range: 0; above: +inf; NaN (the only value unequal to itself) stays NaN
        VectorMask<Float> under = x.lt(MIN_ARG);
        VectorMask<Float> over = x.compare(VectorOperators.GT, MAX_ARG);
        return result.blend(ZERO, under).blend(INFINITY, over).blend(x, x.compare(VectorOperators.NE, x));
    }

    /** The sum of the lanes in lane order (the same order on every call, compiled or not). */
    static float sum(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }
}
