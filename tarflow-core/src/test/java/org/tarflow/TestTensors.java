package org.tarflow;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/** Random tensors and closeness checks shared by the tests. */
public final class TestTensors {
    private TestTensors() {
    }

    /** Standard normal entries. */
    public static Tensor randn(DType dtype, SplittableRandom rng, int... shape) {
        Tensor t = Tensor.zeros(dtype, shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, rng.nextGaussian());
        }
        return t;
    }

    /** Uniform entries in [lo, hi). */
    public static Tensor uniform(DType dtype, SplittableRandom rng, double lo, double hi, int... shape) {
        Tensor t = Tensor.zeros(dtype, shape);
        for (int i = 0; i < t.size(); i++) {
            t.set(i, lo + (hi - lo) * rng.nextDouble());
        }
        return t;
    }

    /** Body of {@link #forEachThreadCount}: a test step run at one thread count. */
    @FunctionalInterface
    public interface ThreadCountBody {
        /**
         * Runs the step.
         *
         * @param threads the thread count {@link org.tarflow.tensor.Parallel} is set to
         * @throws Exception whatever the step throws
         */
        void run(int threads) throws Exception;
    }

    /**
     * Runs {@code body} once per thread count, with {@link org.tarflow.tensor.Parallel} set to it, and restores
     * the previous count afterwards, also when the body fails.
     */
    public static void forEachThreadCount(int[] counts, ThreadCountBody body) throws Exception {
        int previous = org.tarflow.tensor.Parallel.threads();
        try {
            for (int threads : counts) {
                org.tarflow.tensor.Parallel.setThreads(threads);
                body.run(threads);
            }
        } finally {
            org.tarflow.tensor.Parallel.setThreads(previous);
        }
    }

    /** Adds N(0, std²) noise to every parameter, so that no gradient or output is trivially zero or one. */
    public static void perturb(java.util.List<org.tarflow.nn.Parameter> params, double std, SplittableRandom rng) {
        for (org.tarflow.nn.Parameter p : params) {
            for (int i = 0; i < p.value().size(); i++) {
                p.value().set(i, p.value().get(i) + std * rng.nextGaussian());
            }
        }
    }

    /** Relative error {@code ||actual - expected|| / ||expected||} (Frobenius), as the conformance tables use. */
    public static double relError(Tensor expected, Tensor actual) {
        return org.tarflow.conformance.Comparison.relativeError(expected, actual);
    }

    /** Fails unless {@link #relError} is at most {@code tol}. */
    public static void assertRelClose(Tensor expected, Tensor actual, double tol, String what) {
        double e = relError(expected, actual);
        if (!(e <= tol)) {
            fail(what + ": relative error " + e + " > " + tol);
        }
    }

    /** Elementwise {@code |actual - expected| <= tol * scale[i] + tiny}. */
    public static void assertWithinScale(Tensor expected, Tensor actual, Tensor scale, double tol, String what) {
        if (expected.size() != actual.size()) {
            fail(what + ": size " + actual + " vs expected " + expected);
        }
        for (int i = 0; i < expected.size(); i++) {
            double bound = tol * scale.get(i) + 1e-30;
            double d = Math.abs(actual.get(i) - expected.get(i));
            if (!(d <= bound)) {
                fail(what + ": element " + i + " is " + actual.get(i) + ", expected " + expected.get(i)
                        + " (|diff| " + d + " > " + bound + ")");
            }
        }
    }

    /** Elementwise {@code |actual - expected| <= atol + rtol * |expected|}. */
    public static void assertAllClose(Tensor expected, Tensor actual, double rtol, double atol, String what) {
        if (expected.size() != actual.size()) {
            fail(what + ": size " + actual + " vs expected " + expected);
        }
        for (int i = 0; i < expected.size(); i++) {
            double d = Math.abs(actual.get(i) - expected.get(i));
            if (!(d <= atol + rtol * Math.abs(expected.get(i)))) {
                fail(what + ": element " + i + " is " + actual.get(i) + ", expected " + expected.get(i));
            }
        }
    }

    /** Elementwise absolute values. */
    public static Tensor abs(Tensor t) {
        Tensor r = t.copy();
        for (int i = 0; i < r.size(); i++) {
            r.set(i, Math.abs(r.get(i)));
        }
        return r;
    }
}
