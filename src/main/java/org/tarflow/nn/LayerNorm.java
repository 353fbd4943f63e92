package org.tarflow.nn;

import java.util.List;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * {@code torch.nn.LayerNorm(channels)} with eps 1e-5 and an affine weight (init 1) and bias (init 0),
 * keyed {@code <prefix>.weight}, {@code <prefix>.bias}. Shapes: x (..., C) → y (..., C).
 */
public final class LayerNorm {
    /** PyTorch's default, as the reference uses. */
    public static final double EPS = 1e-5;

    private final Kernels k;
    private final Parameter weight;
    private final Parameter bias;
    private Tensor input;
    private Tensor mean;
    private Tensor rstd;

    /**
     * Creates the normalisation at its PyTorch initial state (weight 1, bias 0), which no
     * {@code init} changes.
     *
     * @param prefix   {@code state_dict} prefix, e.g. {@code blocks.0.attn_blocks.1.mlp.norm}
     * @param channels C, the normalised (last) dimension
     * @param dtype    dtype of weight, bias and activations
     * @param k        the kernels
     */
    public LayerNorm(String prefix, int channels, DType dtype, Kernels k) {
        this.k = k;
        this.weight = new Parameter(prefix + ".weight", Tensor.zeros(dtype, channels));
        this.bias = new Parameter(prefix + ".bias", Tensor.zeros(dtype, channels));
        weight.value().fill(1.0);
    }

    private LayerNorm(LayerNorm source) {
        this.k = source.k;
        this.weight = source.weight.sharingValue();
        this.bias = source.bias.sharingValue();
    }

    /**
     * {@return a copy of this layer that shares its parameter values (the same tensors) but has gradients of
     * its own (at zero) and saves its own activations} Threads can then run forward and backward on
     * different parts of a batch at once, each with its own replica; the optimiser's in-place updates of
     * the values reach every replica.
     */
    public LayerNorm replica() {
        return new LayerNorm(this);
    }

    /** {@return weight then bias} */
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    /**
     * {@return the normalised input, the shape of {@code x}} Each row of C values is normalised by its
     * own mean and biased variance (eps {@link #EPS}), then scaled and shifted. Saves x and the row
     * statistics for {@link #backward}. Unlike the reference, which upcasts to float32 here, it computes
     * in the dtype of {@code x}.
     *
     * @param x (..., C) input
     */
    public Tensor forward(Tensor x) {
        int rows = x.size() / weight.value().size();
        mean = Tensor.zeros(x.dtype(), rows);
        rstd = Tensor.zeros(x.dtype(), rows);
        input = x;
        return normalise(x, mean, rstd);
    }

    /**
     * {@return {@link #forward} without saving anything for a backward pass} Writes no field of the layer,
     * so several threads may call it at once (sampling runs parts of its batch in parallel).
     *
     * @param x (..., C) input
     */
    public Tensor forwardNoGrad(Tensor x) {
        int rows = x.size() / weight.value().size();
        return normalise(x, Tensor.zeros(x.dtype(), rows), Tensor.zeros(x.dtype(), rows));
    }

    /**
     * {@return the output of the last {@link #forward}, computed again} (the same bits). The layers after a
     * LayerNorm call this in their backward pass instead of keeping its output alive in between.
     */
    public Tensor recompute() {
        return forwardNoGrad(input);
    }

    private Tensor normalise(Tensor x, Tensor rowMean, Tensor rowRstd) {
        Tensor y = Tensor.zerosLike(x);
        k.layerNorm(x, weight.value(), bias.value(), EPS, y, rowMean, rowRstd);
        return y;
    }

    /** Drops the tensors saved by {@link #forward}. */
    public void release() {
        input = null;
        mean = null;
        rstd = null;
    }

    /**
     * {@return the gradient (..., C) with respect to the input of the last {@link #forward}}
     * Accumulates the weight and bias gradients ({@link org.tarflow.tensor.Kernels#layerNormBackward}).
     *
     * @param dy (..., C) gradient of the loss with respect to the output
     */
    public Tensor backward(Tensor dy) {
        Tensor dx = Tensor.zerosLike(input);
        k.layerNormBackward(dy, input, weight.value(), mean, rstd, dx, weight.grad(), bias.grad());
        return dx;
    }
}
