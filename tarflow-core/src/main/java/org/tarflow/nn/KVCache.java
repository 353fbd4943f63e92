package org.tarflow.nn;

import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;

/**
 * Keys and values of one attention layer for the positions decoded so far, so that sampling runs each
 * position through the Transformer once (the reference's {@code k_cache}/{@code v_cache} lists, here
 * preallocated). Shapes: keys (B, H, d, S), transposed for {@link Kernels#attendCached}, and values
 * (B, H, S, d), where S is the capacity rounded up to a multiple of 16.
 */
public final class KVCache {
    private final Tensor keys;
    private final Tensor values;
    private final int capacity;
    private int length;

    /**
     * Allocates an empty cache of zeros in {@code ws}; {@link Attention#newCache} gives one sized for a layer.
     *
     * @param ws       where the keys and values are allocated (they live as long as its buffers)
     * @param dtype    dtype of the keys and values
     * @param batch    B, the sequences decoded together
     * @param heads    H, the layer's attention heads
     * @param capacity the most positions it can hold (the sequence length T)
     * @param headDim  d, the head dimension (64)
     */
    public KVCache(Workspace ws, DType dtype, int batch, int heads, int capacity, int headDim) {
        // Stored capacity is rounded up to a multiple of 16 positions, so that the attention kernel reads
        // whole vectors of keys (the unused positions are zeros and masked out of the softmax).
        int stored = (capacity + 15) / 16 * 16;
        this.capacity = capacity;
        this.keys = ws.zeros(dtype, batch, heads, headDim, stored);
        this.values = ws.zeros(dtype, batch, heads, stored, headDim);
    }

    /** {@return the number of positions appended so far, 0..capacity} */
    public int length() {
        return length;
    }

    Tensor keys() {
        return keys;
    }

    Tensor values() {
        return values;
    }

    /**
     * Forgets the positions from {@code length} on, so that they can be appended again: the fixed-point
     * (Jacobi) decoding of {@code flow.TarFlowBlock} runs a chunk of positions, reads the prediction, and
     * rewinds the cache to run the chunk again with updated inputs (STARFlow's {@code backward_in_time}).
     * The stale entries stay in the buffers but are never read, since attention reads only the first
     * {@link #length()} positions.
     *
     * @param length the new length, {@code 0..length()}
     * @throws IllegalArgumentException if {@code length} is outside {@code 0..length()}
     */
    public void rewind(int length) {
        if (length < 0 || length > this.length) {
            throw new IllegalArgumentException("cannot rewind a KV cache of " + this.length + " positions to " + length);
        }
        this.length = length;
    }

    /**
     * Appends L positions straight from the qkv projection: {@code qkv} is (B, L, 3·H·d) with the keys in
     * columns [H·d, 2·H·d) and the values in [2·H·d, 3·H·d), head h at offset h·d (as {@link Attention}
     * splits it); position l goes to {@link #length()} + l. The copies run on {@code k}, the backend the cache
     * was allocated by.
     *
     * @throws IllegalStateException when the L positions do not fit
     */
    void appendFromQkv(Kernels k, Tensor qkv) {
        int b = values.dim(0);
        int h = values.dim(1);
        int cap = values.dim(2);
        int d = values.dim(3);
        int positions = qkv.dim(1);
        if (length + positions > capacity) {
            throw new IllegalStateException("KV cache full (" + capacity + " positions, " + length + " used, "
                    + positions + " appended)");
        }
        int width = h * d;
        // index (sequence, position, head, element): keys transposed (element stride cap), values not
        int[] from = {positions * 3 * width, 3 * width, d, 1};
        int[] shape = {b, positions, h, d};
        k.copyStrided(qkv, width, from, keys, length, new int[] {h * d * cap, 1, d * cap, cap}, shape);
        k.copyStrided(qkv, 2 * width, from, values, length * d, new int[] {h * cap * d, d, cap * d, 1}, shape);
        length += positions;
    }
}
