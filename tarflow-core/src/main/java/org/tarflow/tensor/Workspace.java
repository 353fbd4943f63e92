package org.tarflow.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * An arena of activation buffers that is reused from one step to the next, so that a training or
 * evaluation loop allocates nothing in its steady state (llm.c's preallocated activations; PyTorch's
 * caching allocator plays this part there).
 *
 * <p>{@link #zeros} hands out a buffer of exactly the requested dtype and size, cleared to zero: one given
 * back earlier if there is one, else a new one. Everything handed out stays valid until the workspace is
 * reset or rewound past it, so a training step's forward activations stay alive through its backward pass;
 * {@link #mark()} and {@link #rewind} give back the buffers of an inner loop (one decoding step, one layer)
 * while keeping those from before it (the KV caches, the layer's input). Buffers are matched by size, not
 * by position, so the order of requests may vary (a flipped block permutes into a buffer of its own, an
 * identity block does not).
 *
 * <p>Memory stays bounded: the buffers a workspace holds, in use and idle, never exceed twice the most it
 * has had in use at once (room for a loop of full groups and one smaller last group); to allocate beyond
 * that it first drops the idle buffers given back longest ago.
 *
 * <p>Arrays come from {@link Kernels#allocate}, so they live where the backend computes. A workspace
 * belongs to one thread at a time: each worker of a parallel loop has its own.
 */
public final class Workspace {
    private final Kernels kernels;
    /** Buffers handed out since the last reset, in order (the arrays themselves, not the reshaped views). */
    private final List<Tensor> inUse = new ArrayList<>();
    /** Idle buffers by dtype and size, most recently given back first. */
    private final Map<Long, ArrayDeque<Tensor>> idle = new HashMap<>();
    /** Idle buffers, given back longest ago first (identity: Tensor does not override equals). */
    private final LinkedHashSet<Tensor> idleByAge = new LinkedHashSet<>();
    private long inUseBytes;
    private long idleBytes;
    private long peakInUseBytes;
    private long allocatedBytes;

    /**
     * Creates an empty workspace.
     *
     * @param kernels the backend whose {@link Kernels#allocate} provides the memory
     */
    public Workspace(Kernels kernels) {
        this.kernels = kernels;
    }

    /** {@return the backend whose memory this workspace hands out, and whose kernels work on it} */
    public Kernels kernels() {
        return kernels;
    }

    /**
     * {@return a tensor of zeros of this shape, valid until the workspace is reset or rewound past it}
     *
     * @param dtype element type
     * @param shape dimensions
     * @throws IllegalArgumentException as {@link Tensor#zeros}
     */
    public Tensor zeros(DType dtype, int... shape) {
        int size = Tensor.checkedSize(shape);
        long bytes = bytes(dtype, size);
        long key = key(dtype, size);
        ArrayDeque<Tensor> same = idle.get(key);
        Tensor t = same == null ? null : same.pollFirst();
        if (t != null) {
            if (same.isEmpty()) {
                idle.remove(key); // the map holds only sizes that have an idle buffer
            }
            idleByAge.remove(t);
            idleBytes -= bytes;
            t.fill(0);
        } else {
            long budget = 2 * Math.max(peakInUseBytes, inUseBytes + bytes);
            while (inUseBytes + idleBytes + bytes > budget && !idleByAge.isEmpty()) {
                Tensor oldest = idleByAge.removeFirst();
                long oldKey = key(oldest.dtype(), oldest.size());
                ArrayDeque<Tensor> ofSize = idle.get(oldKey);
                ofSize.remove(oldest);
                if (ofSize.isEmpty()) {
                    idle.remove(oldKey);
                }
                idleBytes -= bytes(oldest.dtype(), oldest.size());
            }
            t = kernels.allocate(dtype, shape);
            allocatedBytes += bytes;
        }
        inUse.add(t);
        inUseBytes += bytes;
        peakInUseBytes = Math.max(peakInUseBytes, inUseBytes);
        return t.reshape(shape);
    }

    /**
     * {@return a tensor of zeros with the dtype and shape of {@code like}}, as {@link #zeros}
     *
     * @param like the tensor whose dtype and shape are copied (not its values)
     */
    public Tensor zerosLike(Tensor like) {
        return zeros(like.dtype(), like.shape());
    }

    /**
     * {@return a copy of {@code src} in a buffer of this workspace}
     *
     * @param src any tensor
     */
    public Tensor copyOf(Tensor src) {
        Tensor t = zeros(src.dtype(), src.shape());
        t.copyFrom(src);
        return t;
    }

    /**
     * {@return rows [lo, hi) of {@code src} along its first dimension, copied into this workspace} As
     * {@link Tensor#rows}, without allocating in steady state.
     *
     * @param src the tensor, rank at least 1
     * @param lo  first row
     * @param hi  one past the last row
     * @throws IllegalArgumentException unless 0 &lt;= lo &lt;= hi &lt;= src.dim(0)
     */
    public Tensor rows(Tensor src, int lo, int hi) {
        Tensor t = zeros(src.dtype(), src.rowsShape(lo, hi));
        src.copyRows(lo, t);
        return t;
    }

    /** {@return a mark for {@link #rewind}: the buffers handed out so far} */
    public int mark() {
        return inUse.size();
    }

    /**
     * Gives back the buffers handed out after {@code mark}; those before it stay valid.
     *
     * @param mark a value {@link #mark()} returned since the last {@link #reset}
     * @throws IllegalArgumentException if the mark is ahead of the buffers handed out
     */
    public void rewind(int mark) {
        if (mark < 0 || mark > inUse.size()) {
            throw new IllegalArgumentException("rewind to " + mark + " with " + inUse.size() + " buffers handed out");
        }
        for (int i = inUse.size() - 1; i >= mark; i--) {
            Tensor t = inUse.remove(i);
            long bytes = bytes(t.dtype(), t.size());
            idle.computeIfAbsent(key(t.dtype(), t.size()), x -> new ArrayDeque<>()).addFirst(t);
            idleByAge.add(t);
            inUseBytes -= bytes;
            idleBytes += bytes;
        }
    }

    /** Gives back every buffer, at the start of a step. */
    public void reset() {
        rewind(0);
    }

    /** {@return the bytes of every array this workspace has allocated over its life (a steady loop stops adding)} */
    public long allocatedBytes() {
        return allocatedBytes;
    }

    /** {@return how many distinct dtype-and-size keys the idle buffers have} */
    int idleSizes() {
        return idle.size();
    }

    /** {@return the bytes of the buffers held now, in use and idle} */
    long heldBytes() {
        return inUseBytes + idleBytes;
    }

    private static long key(DType dtype, int size) {
        return ((long) size << 1) | (dtype == DType.F32 ? 0 : 1);
    }

    private static long bytes(DType dtype, int size) {
        return (long) size * (dtype == DType.F32 ? Float.BYTES : Double.BYTES);
    }
}
