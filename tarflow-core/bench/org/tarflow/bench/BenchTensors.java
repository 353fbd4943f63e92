package org.tarflow.bench;

import java.util.SplittableRandom;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/** Operands for the benchmarks. */
final class BenchTensors {
    private BenchTensors() {
    }

    /** {@return a float32 tensor of the shape with standard normal elements drawn from rng} */
    static Tensor random(SplittableRandom rng, int... shape) {
        Tensor t = Tensor.zeros(DType.F32, shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, rng.nextGaussian());
        }
        return t;
    }
}
