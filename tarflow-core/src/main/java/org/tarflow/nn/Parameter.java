package org.tarflow.nn;

import org.tarflow.tensor.Tensor;

/**
 * A trainable tensor, named by its PyTorch {@code state_dict} key
 * (e.g. {@code blocks.0.attn_blocks.1.attention.qkv.weight}).
 *
 * <p>A parameter holds its value only. Its gradient lives in a {@link Gradients} object, which exists only
 * while a model is trained: a model loaded to sample or evaluate holds its weights and nothing else.
 */
public final class Parameter {
    private final String name;
    private final Tensor value;

    /**
     * Wraps {@code value} (not a copy).
     *
     * @param name  the {@code state_dict} key
     * @param value the parameter tensor, owned by the new parameter from now on
     */
    public Parameter(String name, Tensor value) {
        this.name = name;
        this.value = value;
    }

    /** {@return the {@code state_dict} key} */
    public String name() {
        return name;
    }

    /** {@return the parameter values (updated in place by the optimiser and by weight loading)} */
    public Tensor value() {
        return value;
    }

    @Override
    public String toString() {
        return name + " " + value.describe();
    }
}
