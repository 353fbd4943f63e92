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
    // W^T (in, out) from cacheTransposedWeight() until release()
    private Tensor weightT;

    /**
     * Creates the map with zero weight and bias.
     *
     * @param prefix {@code state_dict} prefix, e.g. {@code blocks.0.proj_in}
     * @param in     input features (the weight's second dimension)
     * @param out    output features (its first dimension)
     * @param dtype  dtype of the parameters and activations
     * @param k      the kernels
     */
    public Linear(String prefix, int in, int out, DType dtype, Kernels k) {
        this.k = k;
        this.in = in;
        this.out = out;
        this.weight = new Parameter(prefix + ".weight", Tensor.zeros(dtype, out, in));
        this.bias = new Parameter(prefix + ".bias", Tensor.zeros(dtype, out));
    }

    private Linear(Linear source) {
        this.k = source.k;
        this.in = source.in;
        this.out = source.out;
        this.weight = source.weight.sharingValue();
        this.bias = source.bias.sharingValue();
    }

    /**
     * {@return a copy of this layer that shares its parameter values (the same tensors) but has gradients of
     * its own (at zero) and saves its own activations} Threads can then run forward and backward on
     * different parts of a batch at once, each with its own replica; the optimiser's in-place updates of
     * the values reach every replica.
     */
    public Linear replica() {
        return new Linear(this);
    }

    /**
     * PyTorch's default: weight and bias uniform on ±1/sqrt(in).
     *
     * @param rng the generator; the weight is drawn first (row-major), then the bias
     */
    public void init(RandomGenerator rng) {
        double bound = 1.0 / Math.sqrt(in);
        Init.uniform(weight.value(), bound, rng);
        Init.uniform(bias.value(), bound, rng);
    }

    /** {@return the weight, shape (out, in)} */
    public Parameter weight() {
        return weight;
    }

    /** {@return the bias, shape (out)} */
    public Parameter bias() {
        return bias;
    }

    /** {@return weight then bias, the {@code state_dict} order} */
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    /**
     * {@return {@code x W^T + b}, shape (..., out)} Keeps a reference to {@code x} (not a copy) for
     * {@link #backward}, so x must not be modified before then.
     *
     * @param x (..., in) input; any leading dimensions are treated as rows
     * @throws IllegalArgumentException if the last dimension of {@code x} is not {@code in}
     */
    public Tensor forward(Tensor x) {
        Tensor y = forwardNoGrad(x);
        input = x;
        return y;
    }

    /**
     * {@return {@link #forward} without keeping the input for a backward pass} Writes no field of the
     * layer, so several threads may call it at once.
     *
     * @param x (..., in) input
     * @throws IllegalArgumentException if the last dimension of {@code x} is not {@code in}
     */
    public Tensor forwardNoGrad(Tensor x) {
        if (x.dim(-1) != in) {
            throw new IllegalArgumentException(weight.name() + ": expected last dimension " + in + ", got " + x);
        }
        int rows = x.size() / in;
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor y = Tensor.zeros(x.dtype(), shape);
        if (weightT != null) {
            k.gemm(1, false, false, rows, out, in, 1.0, x, weightT, 0.0, y);
        } else {
            k.gemm(1, false, true, rows, out, in, 1.0, x, weight.value(), 0.0, y);
        }
        k.add(y, bias.value(), 1.0, y);
        return y;
    }

    /**
     * Keeps a transposed copy W^T (in, out) of the weight, which {@link #forwardNoGrad} then reads in place
     * instead of transposing W into panels in every product: sampling runs thousands of products of a few
     * rows each. The products give the same bits either way. The copy is dropped by {@link #release()};
     * the weight must not change before then.
     */
    public void cacheTransposedWeight() {
        Tensor w = weight.value();
        Tensor t = Tensor.zeros(w.dtype(), in, out);
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                t.set(i * out + o, w.get(o * in + i));
            }
        }
        weightT = t;
    }

    /** Drops the reference to the input saved by {@link #forward} and the copy from {@link #cacheTransposedWeight}. */
    public void release() {
        input = null;
        weightT = null;
    }

    /**
     * dy (..., out) → dx (..., in): {@code dx = dy W}; accumulates {@code dW += dy^T x} and
     * {@code db += sum over rows of dy}.
     *
     * @param dy (..., out) gradient of the loss with respect to the output of the last {@link #forward}
     * @return (..., in) the gradient with respect to that call's input
     */
    public Tensor backward(Tensor dy) {
        return backward(dy, input);
    }

    /**
     * {@return as {@link #backward(Tensor)}, with the input given instead of saved} For callers that ran
     * {@link #forwardNoGrad} and recompute the input rather than keep it (it is the largest activation of
     * the MLP).
     *
     * @param dy (..., out) gradient of the loss with respect to the output
     * @param x  (..., in) the input the output was computed from
     */
    public Tensor backward(Tensor dy, Tensor x) {
        int rows = x.size() / in;
        Tensor dx = Tensor.zerosLike(x);
        k.gemm(1, false, false, rows, in, out, 1.0, dy, weight.value(), 0.0, dx);
        k.gemm(1, true, false, out, in, rows, 1.0, dy, x, 1.0, weight.grad());
        k.sumLeading(dy, bias.grad());
        return dx;
    }
}
