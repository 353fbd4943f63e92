package org.tarflow.tensor;

/**
 * The copy of a tensor's elements in a backend's own memory (an OpenCL buffer, {@link OpenClKernels}), and which
 * of the two copies, the heap array or the device's, holds the current values. It belongs to the array, not to
 * one {@link Tensor} object: every {@link Tensor#reshape reshaped} view shares it, as they share the array.
 *
 * <p>The protocol is a write-back cache in both directions, so that data crosses to the device or back only
 * when the other side touches it, not at every operation. {@link Tensor}'s accessors call {@link #beforeHostRead}
 * and {@link #beforeHostWrite}: a read first brings the device's newer values into the array; a write then marks
 * the device copy stale. The backend's kernels do the mirror image under the backend's lock (upload before a
 * kernel reads a stale device copy; mark the array stale after a kernel writes). Raw array access
 * ({@link Tensor#f32()} and friends) counts as a write, because the caller may write through the array; so a
 * caller must take the array again after any kernel call that writes the tensor.
 *
 * <p>Both flags are volatile so that a host thread sees the state a kernel call on another thread left; the
 * transfers themselves happen under the backend's lock.
 */
abstract class DeviceCopy {
    /** The device holds values the heap array does not have yet. */
    volatile boolean hostStale;
    /**
     * The heap array holds values the device does not have yet. A fresh tensor is zeros on both sides: its device
     * copy is made as zeros when it is first needed.
     */
    volatile boolean deviceStale;

    /** Brings the device's values into {@code t}'s array if they are newer. */
    final void beforeHostRead(Tensor t) {
        if (hostStale) {
            download(t);
        }
    }

    /** As {@link #beforeHostRead}, then marks the device copy stale: the host is about to write the array. */
    final void beforeHostWrite(Tensor t) {
        if (hostStale) {
            download(t);
        }
        if (!deviceStale) {
            deviceStale = true;
        }
    }

    /**
     * Marks the device copy stale without bringing the array up to date first: the host is about to write every
     * element (so a buffer cleared on the device and then overwritten by the host is not downloaded in between).
     */
    final void beforeHostOverwrite() {
        hostStale = false;
        deviceStale = true;
    }

    /**
     * Copies the device's values into {@code t}'s array and clears {@link #hostStale}, under the backend's lock
     * (checking the flag again there: another thread may have done it meanwhile).
     *
     * @param t a tensor whose array this copy mirrors
     */
    abstract void download(Tensor t);

    /**
     * Sets every element of the device copy to {@code v} without touching the array, which becomes stale (so
     * clearing a reused buffer moves no data), where the device can; {@link Tensor#fill} falls back to the array
     * otherwise.
     *
     * @param t a tensor whose array this copy mirrors
     * @param v the value, in {@code t}'s dtype
     * @return whether the device did it
     */
    abstract boolean fill(Tensor t, double v);
}
