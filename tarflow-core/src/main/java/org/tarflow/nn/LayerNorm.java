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
     * What {@link #forward} keeps for {@link #backward} (PyTorch's {@code ctx.save_for_backward}): the
     * output is not kept, the layers after a LayerNorm {@link #recompute} it in their backward pass.
     *
     * @param x    (..., C) the input
     * @param mean (R) each row's mean
     * @param rstd (R) each row's reciprocal standard deviation
     */
    public record Activations(Tensor x, Tensor mean, Tensor rstd) {
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
     * Normalises {@code x} into {@code y} and its row statistics into {@code mean} and {@code rstd}, buffers
     * the caller chose (llm.c's {@code layernorm_forward(out, mean, rstd, inp, weight, bias)}). Each row of C
     * values is normalised by its own mean and biased variance (eps {@link #EPS}), then scaled and shifted.
     * Unlike the reference, which upcasts to float32 here, it computes in the dtype of {@code x}.
     *
     * @param x    (..., C) input
     * @param y    (..., C) output, overwritten
     * @param mean (R) output: each row's mean
     * @param rstd (R) output: each row's reciprocal standard deviation
     * @return what {@link #backward} needs
     */
    public Activations forward(Tensor x, Tensor y, Tensor mean, Tensor rstd) {
        k.layerNorm(x, weight.value(), bias.value(), EPS, y, mean, rstd);
        return new Activations(x, mean, rstd);
    }

    /**
     * {@return the normalised input, in a buffer of {@code ws}} For passes without a backward pass
     * (decoding); the row statistics are temporaries of {@code ws} too.
     *
     * @param x  (..., C) input
     * @param ws where the output and the statistics are allocated
     */
    public Tensor apply(Tensor x, Workspace ws) {
        int rows = x.size() / weight.value().size();
        Tensor y = ws.zerosLike(x);
        forward(x, y, ws.zeros(x.dtype(), rows), ws.zeros(x.dtype(), rows));
        return y;
    }

    /**
     * {@return the output of the forward call, computed again (the same bits), in a buffer of {@code ws}}
     * The layers after a LayerNorm call this in their backward pass instead of keeping the output alive
     * between the passes.
     *
     * @param a  the activations of the forward call
     * @param ws where the output and scratch statistics are allocated
     */
    public Tensor recompute(Activations a, Workspace ws) {
        return apply(a.x(), ws);
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
