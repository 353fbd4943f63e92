/**
 * The Transformer layers of TarFlow, each a port of a module of the reference's
 * {@code transformer_flow.py} with a hand-written backward pass.
 *
 * <p>Every layer follows one protocol:
 * <ul>
 *   <li>It is built from a <em>key prefix</em>, the PyTorch {@code state_dict} path of the module
 *       (e.g. {@code blocks.0.attn_blocks.1.attention}), to which each {@link org.tarflow.nn.Parameter}
 *       appends its own name; a dtype (F32 for training and sampling, F64 to match the golden cases);
 *       and the {@link org.tarflow.tensor.Kernels} that do its arithmetic. Parameters start as
 *       zeros (LayerNorm weights as ones) until {@code init} or weight loading fills them.</li>
 *   <li>{@code init(rng)} draws PyTorch's default initialisation from the given generator, so a seed
 *       fixes the weights.</li>
 *   <li>{@code parameters()} lists the layer's parameters in {@code state_dict} order.</li>
 *   <li>{@code forward(x, ws)} computes the output and returns it inside the layer's {@code Activations}
 *       record, with what {@code backward} needs (inputs, normalisation statistics, attention
 *       probabilities): PyTorch's {@code ctx.save_for_backward}, llm.c's activation struct. Every buffer
 *       comes from the {@link org.tarflow.tensor.Workspace} passed in, which a loop resets and reuses from
 *       step to step. A layer writes none of its fields, so threads may run one layer at once, each with
 *       its own workspace. ({@link org.tarflow.nn.Linear} saves nothing: its backward takes its input.)</li>
 *   <li>{@code backward(dy, activations, grads, ws)} takes the gradient of the loss with respect to the
 *       output and returns the gradient with respect to the input, of the input's shape; parameter
 *       gradients are <em>accumulated</em> into {@link org.tarflow.nn.Gradients}, as PyTorch's
 *       {@code .grad}. A null {@code grads} computes the input gradient only.</li>
 *   <li>A layer holds its parameters and nothing else: a model loaded to sample or evaluate holds its
 *       weights only; gradients exist while training.</li>
 * </ul>
 *
 * <p>Shapes: activations are (B, T, C) — batch, sequence positions (patches), channels (the
 * Transformer width, a multiple of {@link org.tarflow.nn.Attention#HEAD_DIM}) — unless a method says
 * otherwise. Sampling runs one position at a time through {@code decode}, which reads and extends a
 * {@link org.tarflow.nn.KVCache}; it has no backward pass, so threads may decode disjoint rows of a batch at once, each with its
 * own caches and workspace.
 */
package org.tarflow.nn;
