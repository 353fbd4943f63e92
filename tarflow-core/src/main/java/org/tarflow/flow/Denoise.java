package org.tarflow.flow;

import org.tarflow.tensor.Tensor;

/**
 * The paper's score-based denoising of samples from a model trained on noisy data (§2.3): one gradient
 * step {@code x + σ² ∇_x log p(x)}, i.e. Tweedie's formula for the clean image given the noisy one.
 *
 * <p>As in the reference the step is taken on the training loss, which is a mean over the batch's
 * B·C·H·W values: {@code x − lr · ∇_x loss} with {@code lr = B·C·H·W·σ²}, times an optional multiplier.
 */
public final class Denoise {
    private Denoise() {
    }

    /**
     * The reference's step size {@code lr = B·C·H·W·σ²} (times {@code multiplier}), for {@code values} =
     * B·C·H·W: it turns one gradient step on the mean loss into {@code x + σ² ∇ log p(x)}.
     *
     * @param values     B·C·H·W, the number of values the loss is averaged over (B·T·D for sequences)
     * @param sigma      the standard deviation of the training noise, on the [-1, 1] scale
     * @param multiplier scales the step (1 = the reference's step; {@code sample --denoise-scale})
     * @return the learning rate of the single gradient step
     */
    public static double stepSize(long values, double sigma, double multiplier) {
        return multiplier * values * sigma * sigma;
    }

    /**
     * Denoises samples with one gradient step on the model's loss, {@code x − lr · ∇_x loss} with
     * {@code lr} from {@link #stepSize} (docs/ALGORITHM.md §10). Runs one forward and one backward pass.
     *
     * @param model      the model the samples were drawn from
     * @param x          samples (B, C, H, W), unclipped
     * @param labels     the labels they were drawn for, or null
     * @param sigma      the standard deviation of the training noise
     * @param multiplier scales the step (1 = the reference's step)
     * @return denoised samples (no parameter gradient is computed)
     */
    public static Tensor step(TarFlowModel model, Tensor x, int[] labels, double sigma, double multiplier) {
        Tensor grad = model.inputGradient(x, labels);
        double lr = stepSize(x.size(), sigma, multiplier);
        Tensor out = Tensor.zerosLike(x);
        model.kernels().add(x, grad, -lr, out);
        return out;
    }
}
