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

    public LayerNorm(String prefix, int channels, DType dtype, Kernels k) {
        this.k = k;
        this.weight = new Parameter(prefix + ".weight", Tensor.zeros(dtype, channels));
        this.bias = new Parameter(prefix + ".bias", Tensor.zeros(dtype, channels));
        weight.value().fill(1.0);
    }

    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    public Tensor forward(Tensor x) {
        int rows = x.size() / weight.value().size();
        Tensor y = Tensor.zerosLike(x);
        mean = Tensor.zeros(x.dtype(), rows);
        rstd = Tensor.zeros(x.dtype(), rows);
        k.layerNorm(x, weight.value(), bias.value(), EPS, y, mean, rstd);
        input = x;
        return y;
    }

    /** Drops the tensors saved by {@link #forward}. */
    public void release() {
        input = null;
        mean = null;
        rstd = null;
    }

    /** dy (..., C) → dx (..., C); accumulates the weight and bias gradients. */
    public Tensor backward(Tensor dy) {
        Tensor dx = Tensor.zerosLike(input);
        k.layerNormBackward(dy, input, weight.value(), mean, rstd, dx, weight.grad(), bias.grad());
        return dx;
    }
}
