package org.tarflow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.tarflow.nn.Gradients;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;

/**
 * Checks an explicit backward pass against central finite differences in float64.
 *
 * <p>The scalar objective is {@code L = sum(forward(x) * r)} for a fixed random r, so
 * {@code backward(r, activations)} must return dL/dx and accumulate dL/dθ into the gradients. Up to
 * {@code samples} coordinates of x and of every parameter are perturbed by ±h. The backward pass without
 * gradients (input gradient only) must give the same dx, bit for bit.
 */
public final class GradCheck {
    private static final double H = 1e-5;
    private static final double RTOL = 1e-6;

    private GradCheck() {
    }

    /**
     * A layer seen through its forward/backward pair.
     *
     * @param <A> the layer's activations record
     */
    public interface Layer<A> {
        /** The forward pass, returning the activations. */
        A forward(Tensor x, Workspace ws);

        /** The output inside the activations. */
        Tensor output(A acts);

        /** The backward pass. */
        Tensor backward(Tensor dy, A acts, Gradients grads, Workspace ws);

        /** {@return a layer from its three methods} */
        static <A> Layer<A> of(BiFunction<Tensor, Workspace, A> forward, Function<A, Tensor> output, Backward<A> backward) {
            return new Layer<>() {
                public A forward(Tensor x, Workspace ws) {
                    return forward.apply(x, ws);
                }

                public Tensor output(A acts) {
                    return output.apply(acts);
                }

                public Tensor backward(Tensor dy, A acts, Gradients grads, Workspace ws) {
                    return backward.apply(dy, acts, grads, ws);
                }
            };
        }
    }

    /** A backward method's shape. */
    public interface Backward<A> {
        Tensor apply(Tensor dy, A acts, Gradients grads, Workspace ws);
    }

    public static <A> void check(String what, Tensor x, Layer<A> layer, List<Parameter> params, Kernels k,
                                 int samples, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Workspace ws = new Workspace(k);
        A acts = layer.forward(x, ws);
        Tensor y = layer.output(acts);
        Tensor r = TestTensors.randn(DType.F64, rng, y.shape());
        Gradients grads = new Gradients(params, k);
        Tensor dx = layer.backward(r, acts, grads, ws).copy();
        Tensor dxOnly = layer.backward(r, acts, null, ws);
        assertArrayEquals(dx.toDoubleArray(), dxOnly.toDoubleArray(), what + ": dx without parameter gradients");
        double scale = Math.abs(dot(y, r)) + 1;
        Workspace fd = new Workspace(k);
        Function<Tensor, Tensor> f = v -> {
            fd.reset();
            return layer.output(layer.forward(v, fd));
        };
        compare(what + " d/dx", x, dx, f, r, samples, rng, scale);
        for (Parameter p : params) {
            compare(what + " d/d" + p.name(), p.value(), grads.of(p).copy(), t -> f.apply(x), r, samples, rng, scale);
        }
    }

    private static void compare(String what, Tensor v, Tensor analytic, Function<Tensor, Tensor> forward, Tensor r,
                                int samples, SplittableRandom rng, double scale) {
        int n = v.size();
        for (int s = 0; s < Math.min(samples, n); s++) {
            int i = n <= samples ? s : rng.nextInt(n);
            double orig = v.get(i);
            v.set(i, orig + H);
            double lp = dot(forward.apply(v), r);
            v.set(i, orig - H);
            double lm = dot(forward.apply(v), r);
            v.set(i, orig);
            double numeric = (lp - lm) / (2 * H);
            double a = analytic.get(i);
            double tol = RTOL * Math.max(Math.abs(a), Math.abs(numeric)) + 1e-9 * scale;
            if (!(Math.abs(a - numeric) <= tol)) {
                fail(what + "[" + i + "]: analytic " + a + ", numeric " + numeric);
            }
        }
    }

    static double dot(Tensor a, Tensor b) {
        double s = 0;
        for (int i = 0; i < a.size(); i++) {
            s += a.get(i) * b.get(i);
        }
        return s;
    }
}
