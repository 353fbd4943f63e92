package org.tarflow.nn;

import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Keys and values of one attention layer for the positions decoded so far, so that sampling runs each
 * position through the Transformer once (the reference's {@code k_cache}/{@code v_cache} lists, here
 * preallocated). Shapes: keys and values (B, H, capacity, d).
 */
public final class KVCache {
    private final Tensor keys;
    private final Tensor values;
    private int length;

    /**
     * Allocates an empty cache of zeros; {@link Attention#newCache} gives one sized for a layer.
     *
     * @param dtype    dtype of the keys and values
     * @param batch    B, the sequences decoded together
     * @param heads    H, the layer's attention heads
     * @param capacity the most positions it can hold (the sequence length T)
     * @param headDim  d, the head dimension (64)
     */
    public KVCache(DType dtype, int batch, int heads, int capacity, int headDim) {
        this.keys = Tensor.zeros(dtype, batch, heads, capacity, headDim);
        this.values = Tensor.zeros(dtype, batch, heads, capacity, headDim);
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
     * Appends one position: k and v are (B, H, 1, d) and go to position {@link #length()}.
     *
     * @throws IllegalStateException when the cache is full
     */
    void append(Tensor k, Tensor v) {
        int b = keys.dim(0);
        int h = keys.dim(1);
        int cap = keys.dim(2);
        int d = keys.dim(3);
        if (length == cap) {
            throw new IllegalStateException("KV cache full (" + cap + " positions)");
        }
        for (int r = 0; r < b * h; r++) {
            System.arraycopy(k.array(), r * d, keys.array(), (r * cap + length) * d, d);
            System.arraycopy(v.array(), r * d, values.array(), (r * cap + length) * d, d);
        }
        length++;
    }
}
