package org.tarflow.conformance;

import org.tarflow.tensor.Tensor;

/**
 * Undoes AdamW steps taken with the same gradient g at every step, which is how the reference cases
 * define their {@code adamw.param.*} outputs. With a constant gradient the moments m_t and v_t, and so
 * each step's update u_t = lr_t/(1-β1^t) · m_t/(sqrt(v_t)/sqrt(1-β2^t) + eps), do not depend on the
 * parameters, and each step {@code p_t = p_{t-1}(1 - lr_t·wd) - u_t} inverts exactly:
 * {@code p_{t-1} = (p_t + u_t) / (1 - lr_t·wd)}.
 *
 * <p>Used to repair cases whose {@code param.*} hold the parameters after the steps
 * ({@link ReferenceCase#storesPostStepParameters()}). That the repaired parameters reproduce the
 * case's forward outputs to rounding error also confirms the AdamW update rule of {@code train.AdamW}.
 */
public final class AdamWInversion {
    private AdamWInversion() {
    }

    /**
     * {@return the parameters before the steps, from those after (a new tensor)} Computed elementwise in
     * double; the moments are replayed forward, then the steps are undone last to first.
     *
     * @param after     the parameter after all steps (float64)
     * @param grad      the gradient used at every step (the case's {@code grad.param.<key>})
     * @param beta1     AdamW's β1
     * @param beta2     AdamW's β2
     * @param eps       AdamW's eps
     * @param wd        the weight decay
     * @param lrPerStep the learning rate of each step, in order
     */
    public static Tensor undo(Tensor after, Tensor grad, double beta1, double beta2, double eps, double wd,
                              double[] lrPerStep) {
        int n = lrPerStep.length;
        Tensor p = after.copy();
        for (int i = 0; i < p.size(); i++) {
            double g = grad.get(i);
            double m = 0;
            double v = 0;
            double[] update = new double[n];
            for (int t = 1; t <= n; t++) {
                double lr = lrPerStep[t - 1];
                m = m + (1 - beta1) * (g - m);
                v = v * beta2 + (1 - beta2) * g * g;
                double denom = Math.sqrt(v) / Math.sqrt(1 - Math.pow(beta2, t)) + eps;
                update[t - 1] = lr / (1 - Math.pow(beta1, t)) * (m / denom);
            }
            double w = p.get(i);
            for (int t = n; t >= 1; t--) {
                w = (w + update[t - 1]) / (1 - lrPerStep[t - 1] * wd);
            }
            p.set(i, w);
        }
        return p;
    }
}
