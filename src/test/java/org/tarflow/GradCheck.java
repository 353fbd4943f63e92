package org.tarflow;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Checks an explicit backward pass against central finite differences in float64.
 *
 * <p>The scalar objective is {@code L = sum(forward(x) * r)} for a fixed random r, so
 * {@code backward(r)} must return dL/dx and accumulate dL/dθ into each parameter's grad. Up to
 * {@code samples} coordinates of x and of every parameter are perturbed by ±h.
 */
public final class GradCheck {
    private static final double H = 1e-5;
    private static final double RTOL = 1e-6;

    private GradCheck() {
    }

    public static void check(String what, Tensor x, Function<Tensor, Tensor> forward,
                             Function<Tensor, Tensor> backward, List<Parameter> params, int samples, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Tensor y = forward.apply(x);
        Tensor r = TestTensors.randn(DType.F64, rng, y.shape());
        for (Parameter p : params) {
            p.zeroGrad();
        }
        Tensor dx = backward.apply(r).copy();
        double scale = Math.abs(dot(y, r)) + 1;
        compare(what + " d/dx", x, dx, forward, r, samples, rng, scale);
        for (Parameter p : params) {
            compare(what + " d/d" + p.name(), p.value(), p.grad().copy(), t -> forward.apply(x), r, samples, rng, scale);
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
