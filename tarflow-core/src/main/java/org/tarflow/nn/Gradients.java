package org.tarflow.nn;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * One gradient tensor per parameter, the same dtype and shape as its value (PyTorch's {@code .grad}
 * fields, gathered in one object). Backward passes accumulate into it; {@link #zero} clears it as
 * {@code optimizer.zero_grad()} does. Only training needs one: a model that only samples or evaluates has none.
 *
 * <p>Several objects can exist for one model, e.g. one per thread that runs a part of a batch, whose sums
 * are then added together ({@link #add}). Not thread-safe.
 */
public final class Gradients {
    private final List<Parameter> parameters;
    private final Map<Parameter, Tensor> grads = new IdentityHashMap<>();

    /**
     * Allocates zero gradients for {@code parameters} through the backend's {@link Kernels#allocate}.
     *
     * @param parameters the parameters, in the order {@link #parameters()} reports them
     * @param kernels    the backend the gradients live in
     */
    public Gradients(List<Parameter> parameters, Kernels kernels) {
        this.parameters = List.copyOf(parameters);
        for (Parameter p : this.parameters) {
            grads.put(p, kernels.allocate(p.value().dtype(), p.value().shape()));
        }
    }

    /** {@return the parameters, in the order given at construction} */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * {@return the gradient of {@code p} (the live tensor)}
     *
     * @param p one of {@link #parameters()}
     * @throws IllegalArgumentException if {@code p} is not one of them
     */
    public Tensor of(Parameter p) {
        Tensor g = grads.get(p);
        if (g == null) {
            throw new IllegalArgumentException("no gradient for " + p.name() + ": not a parameter of this model");
        }
        return g;
    }

    /** Sets every gradient to zero. */
    public void zero() {
        for (Tensor g : grads.values()) {
            g.fill(0);
        }
    }

    /**
     * Adds {@code other}'s gradients into these, parameter by parameter.
     *
     * @param other   gradients of the same parameters
     * @param kernels the kernels that add
     * @throws IllegalArgumentException if {@code other} has other parameters
     */
    public void add(Gradients other, Kernels kernels) {
        if (!other.parameters.equals(parameters)) {
            throw new IllegalArgumentException("gradients of other parameters");
        }
        for (Parameter p : parameters) {
            Tensor t = of(p);
            kernels.add(t, other.of(p), 1.0, t);
        }
    }
}
