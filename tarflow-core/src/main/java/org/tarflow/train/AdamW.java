package org.tarflow.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow.nn.Gradients;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (single-tensor path), with weight decay on every parameter
 * as the reference's training applies it. Per parameter p with gradient g, at step t:
 * <pre>
 *   p ← p · (1 − lr·wd)
 *   m ← m + (1 − β1)(g − m)          v ← β2·v + (1 − β2)·g²
 *   p ← p − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)
 * </pre>
 * The reference trains with β = (0.9, 0.95), eps 1e-8, weight decay 1e-4. The moments are held in the
 * parameters' dtype, as PyTorch does.
 */
public final class AdamW {
    private final Kernels k;
    private final List<Parameter> params;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, Tensor> expAvg = new LinkedHashMap<>();
    private final Map<String, Tensor> expAvgSq = new LinkedHashMap<>();
    private long step;

    /**
     * Creates the optimiser with zero moments, in each parameter's dtype, and step count 0.
     *
     * @param k           the backend of the parameters: the moments are allocated there and the update runs there
     * @param params      the parameters to update, with unique names (the moments are keyed by name)
     * @param beta1       decay of the first moment (PyTorch's {@code betas[0]})
     * @param beta2       decay of the second moment ({@code betas[1]})
     * @param eps         added to the bias-corrected √v in the denominator
     * @param weightDecay decoupled decay: each step multiplies every parameter by {@code 1 − lr·weightDecay}
     */
    public AdamW(Kernels k, List<Parameter> params, double beta1, double beta2, double eps, double weightDecay) {
        this.k = k;
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Parameter p : params) {
            expAvg.put(p.name(), k.allocate(p.value().dtype(), p.value().shape()));
            expAvgSq.put(p.name(), k.allocate(p.value().dtype(), p.value().shape()));
        }
    }

    /**
     * {@return an optimiser with the reference's settings: β = (0.9, 0.95), eps 1e-8, weight decay 1e-4}
     *
     * @param k      the backend of the parameters
     * @param params the parameters to update
     */
    public static AdamW reference(Kernels k, List<Parameter> params) {
        return new AdamW(k, params, 0.9, 0.95, 1e-8, 1e-4);
    }

    /** {@return the number of steps taken, t in the bias corrections (restored from checkpoints)} */
    public long stepCount() {
        return step;
    }

    /** {@return the first moments m by parameter name (live tensors, for checkpoints)} */
    public Map<String, Tensor> expAvg() {
        return expAvg;
    }

    /** {@return the second moments v by parameter name (live tensors, for checkpoints)} */
    public Map<String, Tensor> expAvgSq() {
        return expAvgSq;
    }

    /**
     * Restores the step count (with the moments restored through {@link #expAvg()}/{@link #expAvgSq()}).
     *
     * @param steps the number of steps the saved optimiser had taken
     * @throws IllegalArgumentException if {@code steps < 0}
     */
    public void setStepCount(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("step count must be >= 0");
        }
        this.step = steps;
    }

    /**
     * One update of every parameter from its gradient in {@code grads} (not cleared), by the formula above
     * with t = the step count after incrementing it.
     *
     * @param lr    the learning rate of this step (from {@link CosineSchedule#lrAt})
     * @param grads the gradients of (at least) this optimiser's parameters
     * @throws IllegalArgumentException if {@code grads} lacks one of the parameters
     */
    public void step(double lr, Gradients grads) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        double stepSize = lr / bc1;
        double decay = 1 - lr * weightDecay;
        for (Parameter p : params) {
            k.adamW(p.value(), grads.of(p), expAvg.get(p.name()), expAvgSq.get(p.name()), beta1, beta2, stepSize,
                    bc2Sqrt, eps, decay);
        }
    }
}
