package org.tarflow.tensor;

/**
 * The compute kernels TarFlow needs: the narrow seam between the model and the hardware.
 *
 * <p>Every layer of the model calls only these methods for its O(n·k) work, so another backend
 * (a GPU one, say) implements this interface and nothing else. Two implementations ship:
 * {@link ScalarKernels}, plain loops written for clarity that every fast kernel is tested against,
 * and {@link SimdKernels}, Vector API kernels that run the large products on all cores. {@link Backends}
 * chooses between them, by name or from what the JVM offers.
 *
 * <p>Conventions for all methods: tensors are contiguous row-major ({@link Tensor}); all tensors
 * passed to one call have the same dtype; outputs may alias inputs only where a method says so.
 * "Broadcast as a suffix" means the smaller operand's shape equals the trailing dimensions of the
 * larger one (NumPy broadcasting without size-1 dimensions), so it repeats every {@code b.size()}
 * elements. Shapes are checked and a mismatch throws {@link IllegalArgumentException}.
 */
public interface Kernels {

    /** {@return a short name for logs and benchmarks: {@code scalar}, or the SIMD species and thread count} */
    String name();

    /**
     * {@return a new tensor of zeros whose data lives where this backend computes} Every activation, KV cache
     * and parameter the model allocates comes from here (through {@link Workspace} for activations), so a
     * backend whose memory is not the Java heap (a GPU's) can hand out its own storage. The heap backends
     * return {@link Tensor#zeros}; {@link OpenClKernels} a tensor with a device copy ({@link DeviceCopy}).
     *
     * @param dtype element type
     * @param shape dimensions
     * @throws IllegalArgumentException as {@link Tensor#zeros}
     */
    default Tensor allocate(DType dtype, int... shape) {
        return Tensor.zeros(dtype, shape);
    }

    /**
     * Copies a host tensor (one on the Java heap: read from a file, built by a caller) into a tensor of this
     * backend, converting the dtype as it goes (F64 to F32 rounds to nearest). Weights enter a model this way.
     *
     * @param src a heap tensor of any float dtype
     * @param dst a tensor from {@link #allocate}, of the same size
     * @throws IllegalArgumentException if the sizes differ
     */
    default void copyIn(Tensor src, Tensor dst) {
        if (src.size() != dst.size()) {
            throw new IllegalArgumentException("copyIn: " + src.describe() + " into " + dst.describe());
        }
        if (src.dtype() == dst.dtype()) {
            dst.copyFrom(src);
        } else {
            for (int i = 0; i < src.size(); i++) {
                dst.set(i, src.get(i));
            }
        }
    }

    /**
     * {@return a host tensor (on the Java heap) with the values of a tensor of this backend} Weights leave a
     * model this way (to be saved). The heap backends return {@code src} itself, so the result must be
     * treated as read-only.
     *
     * @param src a tensor from {@link #allocate}
     */
    default Tensor copyOut(Tensor src) {
        return src;
    }

    /**
     * Batched matrix product {@code C[i] = alpha * op(A[i]) * op(B[i]) + beta * C[i]} for
     * {@code i < batch}, where {@code op(X)} is X or its transpose (BLAS {@code gemm}).
     *
     * <p>Each operand holds {@code batch} contiguous matrices: A is {@code (batch, m, k)}, or
     * {@code (batch, k, m)} when {@code transA}; B is {@code (batch, k, n)}, or {@code (batch, n, k)}
     * when {@code transB}; C is {@code (batch, m, n)}. Only the sizes are checked, so callers may pass
     * tensors of any shape with the right number of elements (e.g. a (B, T, C) activation as an
     * (B·T) × C matrix). With {@code beta == 0} C is overwritten and its old contents ignored.
     *
     * @param batch  number of independent products (1 for a plain matrix product)
     * @param transA whether each A matrix is stored transposed, as (k, m)
     * @param transB whether each B matrix is stored transposed, as (n, k) — e.g. a PyTorch
     *               {@code Linear} weight (out, in) in {@code x · Wᵀ}
     * @param m      rows of op(A) and of C
     * @param n      columns of op(B) and of C
     * @param k      the contracted dimension
     * @param alpha  scale of the product
     * @param a      the A operand, {@code batch·m·k} elements
     * @param b      the B operand, {@code batch·k·n} elements
     * @param beta   scale of the old C that is added ({@code 0}: overwrite, {@code 1}: accumulate)
     * @param c      the output, {@code batch·m·n} elements; must not alias {@code a} or {@code b}
     */
    void gemm(int batch, boolean transA, boolean transB, int m, int n, int k,
              double alpha, Tensor a, Tensor b, double beta, Tensor c);

    /**
     * {@code out = a + beta * b}, b broadcast as a suffix of a. {@code out} may alias {@code a}.
     *
     * @param a    the larger operand
     * @param b    the addend, a's shape or a suffix of it (a bias (C) against an (R, C) activation)
     * @param beta scale of {@code b} ({@code -1} subtracts)
     * @param out  receives the result, the size of {@code a}
     */
    void add(Tensor a, Tensor b, double beta, Tensor out);

    /**
     * {@code out = a * b} elementwise, b broadcast as a suffix of a. {@code out} may alias {@code a}.
     *
     * @param a   the larger operand
     * @param b   the factor, a's shape or a suffix of it
     * @param out receives the product, the size of {@code a}
     */
    void mul(Tensor a, Tensor b, Tensor out);

    /**
     * {@code out = exp(alpha * a)} elementwise. {@code out} may alias {@code a}. The flow blocks use it
     * with {@code alpha = -1} for the scale {@code exp(-a)} of the forward map and {@code +1} for the
     * inverse.
     *
     * @param a     the exponents before scaling
     * @param alpha factor applied to every element of {@code a} before the exponential
     * @param out   receives the result, the size of {@code a}
     */
    void exp(Tensor a, double alpha, Tensor out);

    /**
     * {@return the sum of all elements of {@code a}, accumulated in double} The SIMD float32 path adds
     * blocks in float lanes first, so its result may differ from {@link ScalarKernels}' in the last
     * float bits, but not between runs.
     *
     * @param a the tensor to sum, any shape
     */
    double sum(Tensor a);

    /**
     * {@return the sum of the squares of all elements of {@code a}, accumulated in double as in
     * {@link #sum}} Used for {@code mean(z²)} in the loss and the prior-variance update.
     *
     * @param a the tensor, any shape
     */
    double sumSquares(Tensor a);

    /**
     * Reduces over leading dimensions: {@code out[j] += sum_r x[r * out.size() + j]}, the gradient of
     * a broadcast add (bias, positional embedding). {@code out} is accumulated into, not overwritten.
     * Each column is summed in row order by one thread, so the result does not depend on the thread count.
     *
     * @param x   (R, ..., C) the upstream gradient; {@code out}'s shape must be a suffix of its shape
     * @param out (..., C) the gradient being accumulated
     */
    void sumLeading(Tensor x, Tensor out);

    /**
     * LayerNorm over the last dimension C (PyTorch {@code torch.nn.LayerNorm}, biased variance):
     * {@code y = (x - mean) * rstd * weight + bias} with {@code rstd = 1 / sqrt(var + eps)}.
     *
     * @param x      (R, C) input (any shape whose last dimension is C)
     * @param weight (C) the elementwise scale (PyTorch's {@code weight}, gamma)
     * @param bias   (C) the elementwise shift (beta)
     * @param eps    added to the variance; the reference's LayerNorm uses 1e-5
     * @param y      output, the shape of {@code x}
     * @param mean   (R) output: per-row mean, saved for the backward pass
     * @param rstd   (R) output: per-row reciprocal standard deviation
     */
    void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean, Tensor rstd);

    /**
     * Backward of {@link #layerNorm}: writes {@code dx} and accumulates {@code dweight}, {@code dbias}.
     * With {@code xhat = (x - mean) * rstd} and {@code g = dy * weight}:
     * {@code dx = rstd * (g - mean_C(g) - xhat * mean_C(g * xhat))},
     * {@code dweight += sum_R(dy * xhat)}, {@code dbias += sum_R(dy)}.
     *
     * @param dy      (R, C) gradient of the loss with respect to the output {@code y}
     * @param x       (R, C) the input of the forward call
     * @param weight  (C) the scale of the forward call
     * @param mean    (R) the per-row means the forward call saved
     * @param rstd    (R) the per-row reciprocal standard deviations the forward call saved
     * @param dx      (R, C) output: gradient with respect to {@code x} (overwritten)
     * @param dweight (C) gradient with respect to {@code weight}, accumulated into
     * @param dbias   (C) gradient with respect to {@code bias}, accumulated into
     */
    void layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                           Tensor dx, Tensor dweight, Tensor dbias);

    /**
     * Exact GELU {@code y = x/2 * (1 + erf(x / sqrt 2))} (PyTorch's default, not the tanh form), the
     * activation of the reference's MLP. float64 uses {@link Erf#erf}; the SIMD float32 path uses
     * {@link Erf#erfFast} (absolute error below 1.5e-7).
     *
     * @param x the pre-activations, any shape
     * @param y receives GELU(x), the size of {@code x}
     */
    void gelu(Tensor x, Tensor y);

    /**
     * {@code dx = dy * gelu'(x)} with {@code gelu'(x) = Phi(x) + x * phi(x)} (standard normal CDF and
     * density). {@code dx} may alias {@code dy}.
     *
     * @param x  the pre-activations of the forward call
     * @param dy gradient of the loss with respect to GELU(x)
     * @param dx receives the gradient with respect to {@code x}
     */
    void geluBackward(Tensor x, Tensor dy, Tensor dx);

    /**
     * Row softmax under a causal mask over a batch of square (T, T) score matrices: row i is the
     * softmax of {@code s[i, 0..i]} and {@code p[i, j] = 0} for {@code j > i}, which is what
     * {@code masked_fill(mask == 0, -inf).softmax(-1)} with a lower-triangular mask gives.
     *
     * @param s (..., T, T) attention logits (already scaled); entries above the diagonal are not read
     * @param p receives the probabilities, the shape of {@code s}, with exact zeros above the diagonal
     */
    void softmaxCausal(Tensor s, Tensor p);

    /**
     * Backward of {@link #softmaxCausal}: {@code ds = p * (dp - sum_j(dp * p))} on the causal part, 0 above.
     *
     * @param p  (..., T, T) the probabilities the forward call produced
     * @param dp gradient of the loss with respect to {@code p}, the shape of {@code p}
     * @param ds receives the gradient with respect to the logits {@code s}
     */
    void softmaxCausalBackward(Tensor p, Tensor dp, Tensor ds);

    /**
     * One attention read against a KV cache, for sampling one position at a time:
     * {@code out[r] = sum_{j < length} softmax_j(scale_r * q[r] . k[r, j]) v[r, j]}. The rows form
     * {@code scales.length} equal consecutive groups and {@code scale_r} is the scale of r's group
     * (guided sampling decodes both branches, at different temperatures, in one call).
     *
     * @param q      (R, d) queries, one per (batch, head) row r
     * @param kCache (R, d, capacity) keys, transposed (position is the fastest index, so that one query
     *               meets many keys in a vector); only the first {@code length} positions are read
     * @param vCache (R, capacity, d) values
     * @param length number of cached positions to attend over, {@code 1..capacity}
     * @param scales factor on the logits per group of rows: {@code 1/√d} for the model, divided by the
     *               attention temperature for the guidance branch ({@code Attention.decode})
     * @param out    (R, d) receives the attention output
     * @throws IllegalArgumentException if the shapes disagree, {@code length} is outside
     *         {@code 1..capacity}, or R is not a multiple of {@code scales.length}
     */
    void attendCached(Tensor q, Tensor kCache, Tensor vCache, int length, double[] scales, Tensor out);

    /**
     * Strided copy, {@code dst[dstOffset + Σ_j i_j·dstStrides[j]] = src[srcOffset + Σ_j i_j·srcStrides[j]]} for
     * every multi-index {@code i} of {@code shape}: what PyTorch's {@code copy_} does between two strided views,
     * here on flat arrays. The model moves data between layouts with it (attention heads split and merged, the
     * KV cache appended to, the sequence flipped and shifted, rows gathered and repeated), so that on a device
     * those moves stay on the device. Elements of {@code dst} outside the indexed ones are left as they are.
     * Strides may be zero (a repeat, in {@code src}) or negative (a flip).
     *
     * @param src        the source
     * @param srcOffset  flat index of {@code src} at index zero
     * @param srcStrides per dimension, the flat step in {@code src}
     * @param dst        the destination, the dtype of {@code src}, another array
     * @param dstOffset  flat index of {@code dst} at index zero
     * @param dstStrides per dimension, the flat step in {@code dst}; no two indices may reach the same element
     *                   (not checked: the element written last would win)
     * @param shape      the extents, rank 1 to 4
     * @throws IllegalArgumentException if the ranks differ or are outside 1..4, an extent is negative, an indexed
     *         element lies outside its tensor, the dtypes differ, or {@code src} and {@code dst} share an array
     */
    void copyStrided(Tensor src, int srcOffset, int[] srcStrides, Tensor dst, int dstOffset, int[] dstStrides,
                     int[] shape);

    /**
     * Per row, {@code out[r] = (Σ_j x[r, j]) / divisor}: the sum over the row's elements in order, in double,
     * divided and then rounded to the dtype. The flow's log-det per dimension is {@code sumRows(a, -(T·D))}
     * (the reference's {@code -a.mean(dim=[1, 2])}).
     *
     * @param x       (R, ...) the rows, {@code x.size() / R} elements each
     * @param divisor what each sum is divided by
     * @param out     (R) receives the results
     * @throws IllegalArgumentException if {@code x.size()} is not a multiple of R or the dtypes differ
     */
    void sumRows(Tensor x, double divisor, Tensor out);

    /**
     * The gradient with respect to a flow block's network output, {@code dO}, from the gradients of its affine map
     * {@code z = (x − b)·exp(−a)} whose (a, b) for patch t are row t − 1 of the output (TarFlow's shift): for
     * t ≥ 1, with {@code i = (n, t, j)} and {@code o = (n, t − 1, j)},
     * <pre>
     * dO[o] = −dz[i]·z[i] − dLogdet[n]·perDim   (∂z/∂a = −z; the log-det per dimension adds −1/(T·D) per a)
     * dO[o + D] = −dxp[i]                        (∂z/∂b = −exp(−a), already in dxp)
     * </pre>
     * where an affine block's output row is (a, b), a volume-preserving one's b alone (only the second line, at
     * {@code o}). Computed in double, rounded at the store. The last output row of each sample is not written.
     *
     * @param dz      (B, T, D) d loss / d z
     * @param z       (B, T, D) the block's z
     * @param dxp     (B, T, D) {@code dz·exp(−a)}
     * @param dLogdet (B) d loss / d log-det per dimension
     * @param perDim  {@code 1 / (T·D)}
     * @param nvp     whether the block is affine (predicts a and b) rather than volume-preserving (b only)
     * @param dO      (B, T, 2D) or (B, T, D) receives the gradient; rows T − 1 are left as they are
     * @throws IllegalArgumentException if the shapes or dtypes disagree
     */
    void shiftedAffineBackward(Tensor dz, Tensor z, Tensor dxp, Tensor dLogdet, double perDim, boolean nvp, Tensor dO);

    /**
     * The class embedding's gradient: for each sample n in order, {@code s = Σ_t dh[n, t, :]} (in double) is added
     * to row {@code labels[n]} of {@code g}, or {@code s / K} to each of its K rows for label -1 (or null labels:
     * the mean embedding), each addition rounded to the dtype at its store, as {@code g[y] += s} is in PyTorch.
     *
     * @param dh     (B, T, C) d loss / d (the block's input after the class embedding was added)
     * @param labels (B) class labels in {@code [0, K)} or -1; null for -1 everywhere
     * @param g      (K, C) the gradient, accumulated into
     * @throws IllegalArgumentException if the shapes or dtypes disagree or a label is outside {@code [-1, K)}
     */
    void classEmbeddingBackward(Tensor dh, int[] labels, Tensor g);

    /**
     * One AdamW update of one parameter tensor, in place: with every quantity rounded to the tensor's dtype where
     * it is stored (as PyTorch's in-place float ops round), and the arithmetic between in double,
     * <pre>
     * m ← m + (1 − β₁)(g − m);  v ← β₂ v + (1 − β₂) g²;  w ← w·decay;  w ← w − stepSize · m / (√v / bc2Sqrt + eps)
     * </pre>
     * (Loshchilov and Hutter 2019; PyTorch's {@code torch.optim.AdamW}, not foreach). {@code train.AdamW} computes
     * the step's scalars: {@code stepSize = lr / (1 − β₁ᵗ)}, {@code bc2Sqrt = √(1 − β₂ᵗ)},
     * {@code decay = 1 − lr·weight_decay}.
     *
     * @param w        the parameter, updated
     * @param g        its gradient, the size of {@code w}
     * @param m        the first moment, updated
     * @param v        the second moment, updated
     * @param beta1    β₁
     * @param beta2    β₂
     * @param stepSize the learning rate over the first moment's bias correction
     * @param bc2Sqrt  the square root of the second moment's bias correction
     * @param eps      added to the denominator
     * @param decay    the decoupled weight decay's factor
     * @throws IllegalArgumentException if the sizes or dtypes differ
     */
    void adamW(Tensor w, Tensor g, Tensor m, Tensor v, double beta1, double beta2, double stepSize, double bc2Sqrt,
               double eps, double decay);

    /**
     * {@code dst = src} in flat order (the shapes may differ), as {@link #copyStrided}: {@link Tensor#copyFrom} on
     * this backend's side.
     *
     * @param src the source
     * @param dst the destination, of the same dtype and size, another array
     * @throws IllegalArgumentException if the sizes or dtypes differ, or the two share an array
     */
    default void copy(Tensor src, Tensor dst) {
        Shapes.sameSize(src, dst);
        copy(src, dst, 0);
    }

    /**
     * {@code dst[dstOffset + i] = src[i]} for every element of {@code src}, in flat order: {@link Tensor#setRows}
     * on this backend's side (with {@code dstOffset} the first row times the row size).
     *
     * @param src       the source
     * @param dst       the destination, of the same dtype, another array
     * @param dstOffset where in {@code dst} the copy starts
     * @throws IllegalArgumentException if {@code src} does not fit there, the dtypes differ, or the two share an
     *         array
     */
    default void copy(Tensor src, Tensor dst, int dstOffset) {
        copyStrided(src, 0, new int[] {1}, dst, dstOffset, new int[] {1}, new int[] {src.size()});
    }
}
