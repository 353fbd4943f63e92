package org.tarflow.nn;

import java.util.random.RandomGenerator;
import org.tarflow.tensor.Tensor;

/** PyTorch's default initialisations, drawn from a seeded generator. */
public final class Init {
    private Init() {
    }

    /**
     * Fills {@code t} uniformly on [-bound, bound), element by element in flat order: PyTorch's
     * {@code Linear} default uses bound = 1/sqrt(fan_in) for weight and bias. The values follow
     * PyTorch's distribution, not its random stream.
     *
     * @param t     the tensor to overwrite
     * @param bound half-width of the interval
     * @param rng   one {@code nextDouble()} is drawn per element
     */
    public static void uniform(Tensor t, double bound, RandomGenerator rng) {
        for (int i = 0; i < t.size(); i++) {
            t.set(i, (2 * rng.nextDouble() - 1) * bound);
        }
    }

    /**
     * Fills {@code t} with normal values of mean 0 and the given standard deviation, in flat order
     * ({@code torch.randn(...) * std}; the reference initialises its embeddings with std 0.01).
     *
     * @param t   the tensor to overwrite
     * @param std the standard deviation
     * @param rng one {@code nextGaussian()} is drawn per element
     */
    public static void normal(Tensor t, double std, RandomGenerator rng) {
        for (int i = 0; i < t.size(); i++) {
            t.set(i, rng.nextGaussian() * std);
        }
    }
}
