package org.tarflow.tensor;

/**
 * The compute kernels TarFlow needs: the narrow seam between the model and the hardware.
 *
 * <p>Every layer of the model calls only these methods for its O(n·k) work, so another backend
 * (a GPU one, say) implements this interface and nothing else. Two implementations ship:
 * {@link ScalarKernels}, plain loops written for clarity that every fast kernel is tested against,
 * and {@link SimdKernels}, Vector API kernels that run the large products on all cores.
 *
 * <p>Conventions for all methods: tensors are contiguous row-major ({@link Tensor}); all tensors
 * passed to one call have the same dtype; outputs may alias inputs only where a method says so.
 * "Broadcast as a suffix" means the smaller operand's shape equals the trailing dimensions of the
 * larger one (NumPy broadcasting without size-1 dimensions), so it repeats every {@code b.size()}
 * elements. Shapes are checked and a mismatch throws {@link IllegalArgumentException}.
 */
public interface Kernels {

    /** A short name for logs and benchmarks. */
    String name();

    /**
     * Batched matrix product {@code C[i] = alpha * op(A[i]) * op(B[i]) + beta * C[i]} for
     * {@code i < batch}, where {@code op(X)} is X or its transpose (BLAS {@code gemm}).
     *
     * <p>Each operand holds {@code batch} contiguous matrices: A is {@code (batch, m, k)}, or
     * {@code (batch, k, m)} when {@code transA}; B is {@code (batch, k, n)}, or {@code (batch, n, k)}
     * when {@code transB}; C is {@code (batch, m, n)}. Only the sizes are checked, so callers may pass
     * tensors of any shape with the right number of elements (e.g. a (B, T, C) activation as an
     * (B·T) × C matrix). With {@code beta == 0} C is overwritten and its old contents ignored.
     */
    void gemm(int batch, boolean transA, boolean transB, int m, int n, int k,
              double alpha, Tensor a, Tensor b, double beta, Tensor c);

    /** {@code out = a + beta * b}, b broadcast as a suffix of a. {@code out} may alias {@code a}. */
    void add(Tensor a, Tensor b, double beta, Tensor out);

    /** {@code out = a * b} elementwise, b broadcast as a suffix of a. {@code out} may alias {@code a}. */
    void mul(Tensor a, Tensor b, Tensor out);

    /** {@code out = exp(alpha * a)} elementwise. {@code out} may alias {@code a}. */
    void exp(Tensor a, double alpha, Tensor out);

    /** Sum of all elements, accumulated in double. */
    double sum(Tensor a);

    /** Sum of squares of all elements, accumulated in double. */
    double sumSquares(Tensor a);

    /**
     * Reduces over leading dimensions: {@code out[j] += sum_r x[r * out.size() + j]}, the gradient of
     * a broadcast add (bias, positional embedding). {@code out} is accumulated into, not overwritten.
     */
    void sumLeading(Tensor x, Tensor out);

    /**
     * LayerNorm over the last dimension C (PyTorch {@code torch.nn.LayerNorm}, biased variance):
     * {@code y = (x - mean) * rstd * weight + bias} with {@code rstd = 1 / sqrt(var + eps)}.
     *
     * @param x    (R, C) input (any shape whose last dimension is C)
     * @param mean (R) output: per-row mean, saved for the backward pass
     * @param rstd (R) output: per-row reciprocal standard deviation
     */
    void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd);

    /**
     * Backward of {@link #layerNorm}: writes {@code dx} and accumulates {@code dweight}, {@code dbias}.
     * With {@code xhat = (x - mean) * rstd} and {@code g = dy * weight}:
     * {@code dx = rstd * (g - mean_C(g) - xhat * mean_C(g * xhat))}.
     */
    void layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                           Tensor dx, Tensor dweight, Tensor dbias);

    /** Exact GELU {@code y = x/2 * (1 + erf(x / sqrt 2))} (PyTorch's default, not the tanh form). */
    void gelu(Tensor x, Tensor y);

    /** {@code dx = dy * gelu'(x)} with {@code gelu'(x) = Phi(x) + x * phi(x)}. {@code dx} may alias {@code dy}. */
    void geluBackward(Tensor x, Tensor dy, Tensor dx);

    /**
     * Row softmax under a causal mask over a batch of square (T, T) score matrices: row i is the
     * softmax of {@code s[i, 0..i]} and {@code p[i, j] = 0} for {@code j > i}, which is what
     * {@code masked_fill(mask == 0, -inf).softmax(-1)} with a lower-triangular mask gives.
     */
    void softmaxCausal(Tensor s, Tensor p);

    /** Backward of {@link #softmaxCausal}: {@code ds = p * (dp - sum_j(dp * p))} on the causal part, 0 above. */
    void softmaxCausalBackward(Tensor p, Tensor dp, Tensor ds);

    /**
     * One attention read against a KV cache, for sampling one position at a time:
     * {@code out[r] = sum_{j < length} softmax_j(scale * q[r] . k[r, j]) v[r, j]}.
     *
     * @param q      (R, d) queries, one per (batch, head) row r
     * @param kCache (R, capacity, d) keys; only the first {@code length} positions are read
     * @param vCache (R, capacity, d) values
     * @param out    (R, d)
     */
    void attendCached(Tensor q, Tensor kCache, Tensor vCache, int length, double scale, Tensor out);
}
