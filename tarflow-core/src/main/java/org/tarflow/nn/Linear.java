package org.tarflow.nn;

import java.util.List;
import java.util.random.RandomGenerator;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Parallel;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;

/**
 * Affine map on the last dimension, {@code y = x W^T + b}, as {@code torch.nn.Linear}.
 *
 * <p>Shapes: x (..., in) → y (..., out); {@code weight} (out, in), {@code bias} (out), keyed
 * {@code <prefix>.weight} and {@code <prefix>.bias}. The layer holds its parameters only; activations
 * live in the {@link Workspace} the caller passes, gradients in the caller's {@link Gradients}.
 */
public final class Linear {
    /** Rows of W^T that {@link #cacheTransposedWeight} fills at once: 16 floats are one cache line. */
    private static final int TILE = 16;
    /** Below this many elements the transpose stays on the calling thread. */
    private static final long PARALLEL_TRANSPOSE = 1L << 16;

    private final Kernels k;
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;
    // W^T (in, out) from cacheTransposedWeight() until dropTransposedWeight()
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
        this.weight = new Parameter(prefix + ".weight", k.allocate(dtype, out, in));
        this.bias = new Parameter(prefix + ".bias", k.allocate(dtype, out));
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
     * {@return {@code x W^T + b}, shape (..., out), in a buffer of {@code ws}} Saves nothing: the
     * {@link #backward} of this map needs only its input, which the caller has.
     *
     * @param x  (..., in) input; any leading dimensions are treated as rows
     * @param ws where the output is allocated
     * @throws IllegalArgumentException if the last dimension of {@code x} is not {@code in}
     */
    public Tensor forward(Tensor x, Workspace ws) {
        int[] shape = x.shape();
        shape[shape.length - 1] = out;
        Tensor y = ws.zeros(x.dtype(), shape);
        forwardInto(x, y);
        return y;
    }

    /**
     * Writes {@code x W^T + b} into {@code y}: {@link #forward} into a buffer the caller chose (a layer
     * allocates what it keeps for backward before its temporaries, so that these can be handed back).
     *
     * @param x (..., in) input
     * @param y (..., out) output, overwritten
     * @throws IllegalArgumentException if the last dimension of {@code x} is not {@code in}, or y has the
     *         wrong size
     */
    public void forwardInto(Tensor x, Tensor y) {
        if (x.dim(-1) != in) {
            throw new IllegalArgumentException(weight.name() + ": expected last dimension " + in + ", got " + x);
        }
        int rows = x.size() / in;
        if (y.size() != rows * out) {
            throw new IllegalArgumentException(weight.name() + ": output " + y + " for input " + x);
        }
        Tensor wT = weightT; // read once: a sampling run on another thread may drop it meanwhile
        if (wT != null) {
            k.gemm(1, false, false, rows, out, in, 1.0, x, wT, 0.0, y);
        } else {
            k.gemm(1, false, true, rows, out, in, 1.0, x, weight.value(), 0.0, y);
        }
        k.add(y, bias.value(), 1.0, y);
    }

    /**
     * Keeps a transposed copy W^T (in, out) of the weight, which {@link #forward} then reads in place
     * instead of transposing W into panels in every product: sampling runs thousands of products of a few
     * rows each. The products give the same bits either way. The copy is dropped by
     * {@link #dropTransposedWeight()}; the weight must not change before then.
     */
    public void cacheTransposedWeight() {
        Tensor w = weight.value();
        Tensor t = k.allocate(w.dtype(), in, out);
        // Rows [i0, i1) of W^T at a time, filled along o: each row of W gives one contiguous run of TILE
        // elements (a cache line or two) and the TILE rows of W^T are written front to back. Element by
        // element down W^T's columns, it was one cache miss per element (2% of a batch-1 sampling run's samples
        // in a JFR profile, on one thread). As a strided copy, index (tile, o, i) of W^T[tile·TILE + i, o] reads
        // W[o, tile·TILE + i], so on a device backend the transpose stays on the device.
        Parallel.forRange((in + TILE - 1) / TILE, (long) in * out >= PARALLEL_TRANSPOSE, (lo, hi) -> {
            int i0 = lo * TILE;
            int i1 = Math.min(in, hi * TILE);
            int full = (i1 - i0) / TILE;
            if (full > 0) {
                k.copyStrided(w, i0, new int[] {TILE, in, 1}, t, i0 * out, new int[] {TILE * out, 1, out},
                        new int[] {full, out, TILE});
            }
            int rest = i0 + full * TILE;
            if (rest < i1) {
                k.copyStrided(w, rest, new int[] {in, 1}, t, rest * out, new int[] {1, out}, new int[] {out, i1 - rest});
            }
        });
        weightT = t;
    }

    /** Drops the copy from {@link #cacheTransposedWeight}. */
    public void dropTransposedWeight() {
        weightT = null;
    }

    /**
     * dy (..., out) → dx (..., in): {@code dx = dy W}; accumulates {@code dW += dy^T x} and
     * {@code db += sum over rows of dy} into {@code grads}.
     *
     * @param dy    (..., out) gradient of the loss with respect to the output
     * @param x     (..., in) the input the output was computed from
     * @param grads where the weight and bias gradients are accumulated; null for the input gradient only
     * @param ws    where dx is allocated
     * @return (..., in) the gradient with respect to {@code x}
     */
    public Tensor backward(Tensor dy, Tensor x, Gradients grads, Workspace ws) {
        int rows = x.size() / in;
        Tensor dx = ws.zerosLike(x);
        k.gemm(1, false, false, rows, in, out, 1.0, dy, weight.value(), 0.0, dx);
        if (grads != null) {
            k.gemm(1, true, false, out, in, rows, 1.0, dy, x, 1.0, grads.of(weight));
            k.sumLeading(dy, grads.of(bias));
        }
        return dx;
    }
}
