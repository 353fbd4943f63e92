package org.tarflow.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow.nn.Parameter;
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
    private final List<Parameter> params;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, Tensor> expAvg = new LinkedHashMap<>();
    private final Map<String, Tensor> expAvgSq = new LinkedHashMap<>();
    private long step;

    public AdamW(List<Parameter> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = List.copyOf(params);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Parameter p : params) {
            expAvg.put(p.name(), Tensor.zerosLike(p.value()));
            expAvgSq.put(p.name(), Tensor.zerosLike(p.value()));
        }
    }

    /** The reference's settings: β = (0.9, 0.95), eps 1e-8, weight decay 1e-4. */
    public static AdamW reference(List<Parameter> params) {
        return new AdamW(params, 0.9, 0.95, 1e-8, 1e-4);
    }

    /** Number of steps taken. */
    public long stepCount() {
        return step;
    }

    /** First moments by parameter name (live tensors, for checkpoints). */
    public Map<String, Tensor> expAvg() {
        return expAvg;
    }

    /** Second moments by parameter name (live tensors, for checkpoints). */
    public Map<String, Tensor> expAvgSq() {
        return expAvgSq;
    }

    /** Restores the step count (with the moments restored through {@link #expAvg()}/{@link #expAvgSq()}). */
    public void setStepCount(long steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("step count must be >= 0");
        }
        this.step = steps;
    }

    /** One update of every parameter from its current gradient, with learning rate {@code lr}. */
    public void step(double lr) {
        step++;
        double bc1 = 1 - Math.pow(beta1, step);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, step));
        double stepSize = lr / bc1;
        double decay = 1 - lr * weightDecay;
        for (Parameter p : params) {
            Tensor w = p.value();
            Tensor g = p.grad();
            Tensor m = expAvg.get(p.name());
            Tensor v = expAvgSq.get(p.name());
            for (int i = 0; i < w.size(); i++) {
                double gi = g.get(i);
                double mi = m.get(i);
                mi = mi + (1 - beta1) * (gi - mi);
                double vi = v.get(i) * beta2 + (1 - beta2) * gi * gi;
                m.set(i, mi);
                v.set(i, vi);
                // read back the stored moments so float32 rounds as PyTorch's in-place float ops do
                double denom = Math.sqrt(v.get(i)) / bc2Sqrt + eps;
                w.set(i, w.get(i) * decay);
                w.set(i, w.get(i) - stepSize * (m.get(i) / denom));
            }
        }
    }
}
