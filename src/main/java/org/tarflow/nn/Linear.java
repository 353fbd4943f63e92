package org.tarflow.nn;

import java.util.List;
import java.util.random.RandomGenerator;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * Affine map on the last dimension, {@code y = x W^T + b}, as {@code torch.nn.Linear}.
 *
 * <p>Shapes: x (..., in) → y (..., out); {@code weight} (out, in), {@code bias} (out), keyed
 * {@code <prefix>.weight} and {@code <prefix>.bias}. {@link #forward} keeps a reference to x for
 * {@link #backward}.
 */
public final class Linear {
    private final Kernels k;
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor input;

    public Linear(String prefix, int in, int out, DType dtype, Kernels k) {
        this.k = k;
        this.in = in;
        this.out = out;
        this.weight = new Parameter(prefix + ".weight", Tensor.zeros(dtype, out, in));
        this.bias = new Parameter(prefix + ".bias", Tensor.zeros(dtype, out));
    }

    /** PyTorch's default: weight and bias uniform on ±1/sqrt(in). */
    public void init(RandomGenerator rng) {
        double bound = 1.0 / Math.sqrt(in);
        Init.uniform(weight.value(), bound, rng);
        Init.uniform(bias.value(), bound, rng);
    }

    public Parameter weight() {
        return weight;
    }

    public Parameter bias() {
        return bias;
    }

    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    /** x (..., in) → (..., out). */
    public Tensor forward(Tensor x) {
        if (x.dim(-1) != in) {
            throw new IllegalArgumentException(weight.name() + ": expected last dimension " + in + ", got " + x);
        }
        int rows = x.size() / in;
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor y = Tensor.zeros(x.dtype(), shape);
        k.gemm(1, false, true, rows, out, in, 1.0, x, weight.value(), 0.0, y);
        k.add(y, bias.value(), 1.0, y);
        input = x;
        return y;
    }

    /** Drops the reference to the input saved by {@link #forward}. */
    public void release() {
        input = null;
    }

    /**
     * dy (..., out) → dx (..., in): {@code dx = dy W}; accumulates {@code dW += dy^T x} and
     * {@code db += sum over rows of dy}.
     */
    public Tensor backward(Tensor dy) {
        int rows = input.size() / in;
        Tensor dx = Tensor.zerosLike(input);
        k.gemm(1, false, false, rows, in, out, 1.0, dy, weight.value(), 0.0, dx);
        k.gemm(1, true, false, out, in, rows, 1.0, dy, input, 1.0, weight.grad());
        k.sumLeading(dy, bias.grad());
        return dx;
    }
}
