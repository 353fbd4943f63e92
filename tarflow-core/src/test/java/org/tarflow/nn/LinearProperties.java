package org.tarflow.nn;

import static org.tarflow.TestTensors.randn;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;

/** {@link Linear}'s sampling path: the forward over the cached W^T is the forward over W, bit for bit. */
class LinearProperties {
    private static final Kernels K = Backends.get("simd");

    /**
     * A few rows (sampling's one-patch steps) through {@link Linear#cacheTransposedWeight} give the same bits
     * as through the weight itself, in both dtypes: the transposed copy is exact and the products over it
     * compute every element the same way. Sizes are odd and cross the transpose's 16-row tiles and its
     * threshold for splitting across threads (65 536 elements).
     */
    @Property(tries = 30)
    void cachedTransposedWeightChangesNoBit(@ForAll long seed, @ForAll boolean f32,
                                            @ForAll @IntRange(min = 1, max = 4) int rows,
                                            @ForAll @IntRange(min = 1, max = 300) int in,
                                            @ForAll @IntRange(min = 1, max = 300) int out) {
        DType dt = f32 ? DType.F32 : DType.F64;
        SplittableRandom rng = new SplittableRandom(seed);
        Linear l = new Linear("lin", in, out, dt, K);
        l.weight().value().copyFrom(randn(dt, rng, out, in));
        l.bias().value().copyFrom(randn(dt, rng, out));
        Tensor x = randn(dt, rng, rows, in);
        Workspace ws = new Workspace(K);
        Tensor plain = l.forward(x, ws).copy();
        l.cacheTransposedWeight();
        Tensor cached = l.forward(x, ws).copy();
        l.dropTransposedWeight();
        for (int i = 0; i < plain.size(); i++) {
            if (Double.doubleToLongBits(plain.get(i)) != Double.doubleToLongBits(cached.get(i))) {
                throw new AssertionError(dt + " " + rows + "x" + in + " -> " + out + ": element " + i + " is "
                        + cached.get(i) + " over W^T, " + plain.get(i) + " over W");
            }
        }
    }
}
