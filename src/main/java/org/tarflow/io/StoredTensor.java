package org.tarflow.io;

import java.util.Arrays;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * One tensor as stored in a file: its file dtype ("F64", "F32", "F16", "BF16", "I64"), shape and values.
 * Floating-point entries are held as a {@link Tensor} (F64 for F64, F32 for the narrower float types);
 * integer entries as {@code long[]}.
 */
public record StoredTensor(String fileDType, int[] shape, Tensor floats, long[] ints) {

    public static StoredTensor of(Tensor t) {
        return new StoredTensor(t.dtype() == DType.F64 ? "F64" : "F32", t.shape(), t, null);
    }

    /**
     * A float tensor to be written as {@code fileDType}: "F64", "F32", "F16" or "BF16" (narrower types are
     * rounded to nearest-even when written).
     *
     * @throws IllegalArgumentException for another dtype name
     */
    public static StoredTensor of(Tensor t, String fileDType) {
        if (!FLOAT_TYPES.contains(fileDType)) {
            throw new IllegalArgumentException("unknown float file dtype '" + fileDType + "' (use F64, F32, F16 or BF16)");
        }
        return new StoredTensor(fileDType, t.shape(), t, null);
    }

    /** The float dtype names of the file formats. */
    public static final java.util.List<String> FLOAT_TYPES = java.util.List.of("F64", "F32", "F16", "BF16");

    public static StoredTensor ofInts(long[] values, int... shape) {
        return new StoredTensor("I64", shape.clone(), null, values);
    }

    public boolean isFloat() {
        return floats != null;
    }

    /** The values as a tensor of the given dtype (converted if needed). */
    public Tensor toTensor(DType dtype) {
        if (floats == null) {
            throw new IllegalStateException("integer tensor (" + fileDType + ") has no float values");
        }
        return floats.dtype() == dtype ? floats : floats.to(dtype);
    }

    /** Integer values as int[]; each must fit in an int. */
    public int[] toIntArray() {
        if (ints == null) {
            throw new IllegalStateException("float tensor (" + fileDType + ") is not an integer tensor");
        }
        return Arrays.stream(ints).mapToInt(Math::toIntExact).toArray();
    }

    @Override
    public String toString() {
        return fileDType + Arrays.toString(shape);
    }
}
