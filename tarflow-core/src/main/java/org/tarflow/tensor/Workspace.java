package org.tarflow.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * An arena of activation buffers that is reused from one step to the next, so that a training or
 * evaluation loop allocates nothing in its steady state (llm.c's preallocated activations; PyTorch's
 * caching allocator plays this part there).
 *
 * <p>Buffers are handed out in order: the i-th call of {@link #zeros} since the last {@link #reset} (or
 * {@link #rewind}) gets slot i. A slot keeps the arrays it has handed out, by dtype and size, so a step that
 * asks for the same shapes as the previous one gets the same memory back, cleared to zero; a step with
 * other shapes (the last, smaller group of a batch) allocates what it lacks once and keeps it too. The
 * memory of everything handed out stays valid until the workspace is reset or rewound past it: a training
 * step's forward activations stay alive through its backward pass. {@link #mark()} and {@link #rewind}
 * free the buffers of an inner loop (one decoding step) while keeping those from before it (the KV caches).
 *
 * <p>Arrays come from {@link Kernels#allocate}, so they live where the backend computes. A workspace
 * belongs to one thread at a time: each worker of a parallel loop has its own.
 */
public final class Workspace {
    private final Kernels kernels;
    private final List<List<Tensor>> slots = new ArrayList<>();
    private int next;
    private long allocatedBytes;

    /**
     * Creates an empty workspace.
     *
     * @param kernels the backend whose {@link Kernels#allocate} provides the memory
     */
    public Workspace(Kernels kernels) {
        this.kernels = kernels;
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
        if (next == slots.size()) {
            slots.add(new ArrayList<>(1));
        }
        List<Tensor> slot = slots.get(next++);
        for (Tensor t : slot) {
            if (t.dtype() == dtype && t.size() == size) {
                t.fill(0);
                return t.reshape(shape);
            }
        }
        Tensor t = kernels.allocate(dtype, shape);
        slot.add(t);
        allocatedBytes += (long) size * (dtype == DType.F32 ? Float.BYTES : Double.BYTES);
        return t;
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
        if (src.rank() == 0 || lo < 0 || lo > hi || hi > src.dim(0)) {
            throw new IllegalArgumentException("rows " + lo + ".." + hi + " of " + src.describe());
        }
        int[] s = src.shape();
        s[0] = hi - lo;
        Tensor t = zeros(src.dtype(), s);
        int row = src.size() / src.dim(0);
        System.arraycopy(src.array(), lo * row, t.array(), 0, (hi - lo) * row);
        return t;
    }

    /** {@return a mark for {@link #rewind}: the buffers handed out so far} */
    public int mark() {
        return next;
    }

    /**
     * Makes the buffers handed out after {@code mark} available again; those before it stay valid.
     *
     * @param mark a value {@link #mark()} returned since the last {@link #reset}
     * @throws IllegalArgumentException if the mark is ahead of the buffers handed out
     */
    public void rewind(int mark) {
        if (mark < 0 || mark > next) {
            throw new IllegalArgumentException("rewind to " + mark + " with " + next + " buffers handed out");
        }
        next = mark;
    }

    /** Makes every buffer available again, at the start of a step. */
    public void reset() {
        next = 0;
    }

    /** {@return the bytes of every array this workspace has allocated over its life (a steady loop stops adding)} */
    public long allocatedBytes() {
        return allocatedBytes;
    }
}
