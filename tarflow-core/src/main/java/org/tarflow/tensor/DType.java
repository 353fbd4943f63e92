package org.tarflow.tensor;

/**
 * Element type of a {@link Tensor}.
 *
 * <p>{@link #F32} is the fast path used for training and sampling; {@link #F64} is the verification
 * path used to match the PyTorch golden cases to 1e-10 and to check gradients by finite differences.
 * The model code is written once and runs in either.
 */
public enum DType {
    /** IEEE-754 binary32, stored in a {@code float[]}. */
    F32(4),
    /** IEEE-754 binary64, stored in a {@code double[]}. */
    F64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** {@return the size of one element in bytes: 4 for F32, 8 for F64} */
    public int bytes() {
        return bytes;
    }
}
