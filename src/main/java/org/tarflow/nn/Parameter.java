package org.tarflow.nn;

import org.tarflow.tensor.Tensor;

/**
 * A trainable tensor and its gradient, named by its PyTorch {@code state_dict} key
 * (e.g. {@code blocks.0.attn_blocks.1.attention.qkv.weight}).
 *
 * <p>Backward passes accumulate into {@link #grad()}, as PyTorch's {@code .grad} does; call
 * {@link #zeroGrad()} before each step.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;
    private final Tensor grad;

    /**
     * Wraps {@code value} (not a copy) with a zero gradient of the same dtype and shape.
     *
     * @param name  the {@code state_dict} key
     * @param value the parameter tensor, owned by the new parameter from now on
     */
    public Parameter(String name, Tensor value) {
        this.name = name;
        this.value = value;
        this.grad = Tensor.zerosLike(value);
    }

    /**
     * {@return a parameter with this name and this value tensor (shared, not copied) and a zero gradient
     * of its own}: for the replicas of a layer that run parts of a batch on other threads and whose
     * gradients are summed afterwards (the layers' {@code replica()} methods)
     */
    public Parameter sharingValue() {
        return new Parameter(name, value);
    }

    /** {@return the {@code state_dict} key} */
    public String name() {
        return name;
    }

    /** {@return the parameter values (updated in place by the optimiser and by weight loading)} */
    public Tensor value() {
        return value;
    }

    /** {@return the accumulated gradient, same shape and dtype as {@link #value()}} */
    public Tensor grad() {
        return grad;
    }

    /** Sets the gradient to zero, as {@code optimizer.zero_grad()} before a backward pass. */
    public void zeroGrad() {
        grad.fill(0);
    }

    @Override
    public String toString() {
        return name + " " + value.describe();
    }
}
