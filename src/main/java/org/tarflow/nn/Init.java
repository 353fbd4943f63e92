package org.tarflow.nn;

import java.util.random.RandomGenerator;
import org.tarflow.tensor.Tensor;

/** PyTorch's default initialisations, drawn from a seeded generator. */
public final class Init {
    private Init() {
    }

    /** Uniform on [-bound, bound): PyTorch's {@code Linear} default uses bound = 1/sqrt(fan_in) for weight and bias. */
    public static void uniform(Tensor t, double bound, RandomGenerator rng) {
        for (int i = 0; i < t.size(); i++) {
            t.set(i, (2 * rng.nextDouble() - 1) * bound);
        }
    }

    /** Normal with mean 0 and the given standard deviation ({@code torch.randn(...) * std}). */
    public static void normal(Tensor t, double std, RandomGenerator rng) {
        for (int i = 0; i < t.size(); i++) {
            t.set(i, rng.nextGaussian() * std);
        }
    }
}
