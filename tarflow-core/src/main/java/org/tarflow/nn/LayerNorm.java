package org.tarflow.nn;

import java.util.List;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;

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

    /**
     * What {@link #forward} computed and {@link #backward} needs (PyTorch's {@code ctx.save_for_backward}).
     *
     * @param x    (..., C) the input
     * @param y    (..., C) the output
     * @param mean (R) each row's mean
     * @param rstd (R) each row's reciprocal standard deviation
     */
    public record Activations(Tensor x, Tensor y, Tensor mean, Tensor rstd) {
    }

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
        this.weight = new Parameter(prefix + ".weight", k.allocate(dtype, channels));
        this.bias = new Parameter(prefix + ".bias", k.allocate(dtype, channels));
        weight.value().fill(1.0);
    }

    /** {@return weight then bias} */
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    /**
     * {@return the normalised input and the row statistics, in buffers of {@code ws}} Each row of C values
     * is normalised by its own mean and biased variance (eps {@link #EPS}), then scaled and shifted. Unlike
     * the reference, which upcasts to float32 here, it computes in the dtype of {@code x}.
     *
     * @param x  (..., C) input
     * @param ws where the output and statistics are allocated
     */
    public Activations forward(Tensor x, Workspace ws) {
        int rows = x.size() / weight.value().size();
        Tensor mean = ws.zeros(x.dtype(), rows);
        Tensor rstd = ws.zeros(x.dtype(), rows);
        Tensor y = ws.zerosLike(x);
        k.layerNorm(x, weight.value(), bias.value(), EPS, y, mean, rstd);
        return new Activations(x, y, mean, rstd);
    }

    /**
     * {@return the gradient (..., C) with respect to the input} Accumulates the weight and bias gradients
     * ({@link org.tarflow.tensor.Kernels#layerNormBackward}).
     *
     * @param dy    (..., C) gradient of the loss with respect to the output
     * @param a     the activations of the forward call
     * @param grads where the weight and bias gradients are accumulated; null for the input gradient only
     * @param ws    where dx is allocated
     */
    public Tensor backward(Tensor dy, Activations a, Gradients grads, Workspace ws) {
        Tensor dx = ws.zerosLike(a.x());
        // the kernel computes the parameter gradients with dx; without grads they go to scratch buffers
        Tensor dw = grads != null ? grads.of(weight) : ws.zerosLike(weight.value());
        Tensor db = grads != null ? grads.of(bias) : ws.zerosLike(bias.value());
        k.layerNormBackward(dy, a.x(), weight.value(), a.mean(), a.rstd(), dx, dw, db);
        return dx;
    }
}
