package org.tarflow.io;

import java.util.Arrays;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * One tensor as stored in a file: its file dtype ("F64", "F32", "F16", "BF16", "I64", "U8"), shape and values.
 * Floating-point entries are held as a {@link Tensor} (F64 for F64, F32 for the narrower float types);
 * integer entries (I64, U8) as {@code long[]}.
 *
 * @param fileDType the dtype in the file (when read) or to write
 * @param shape     the dimensions
 * @param floats    the values of a float tensor; null for I64 and U8
 * @param ints      the values of an I64 or U8 tensor; null for a float tensor
 */
public record StoredTensor(String fileDType, int[] shape, Tensor floats, long[] ints) {

    /**
     * {@return {@code t} (not a copy) to be stored in its own precision: "F64" for F64, "F32" for F32}
     *
     * @param t the tensor
     */
    public static StoredTensor of(Tensor t) {
        return new StoredTensor(t.dtype() == DType.F64 ? "F64" : "F32", t.shape(), t, null);
    }

    /**
     * A float tensor to be written as {@code fileDType}: "F64", "F32", "F16" or "BF16" (narrower types are
     * rounded to nearest-even when written).
     *
     * @param t         the values (not copied)
     * @param fileDType the dtype to write
     * @return the stored tensor
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

    /**
     * {@return an I64 tensor (labels, in the golden cases)}
     *
     * @param values the values in row-major order (not copied)
     * @param shape  the dimensions
     */
    public static StoredTensor ofInts(long[] values, int... shape) {
        return new StoredTensor("I64", shape.clone(), null, values);
    }

    /**
     * {@return a U8 tensor (images as files)}
     *
     * @param values the values in row-major order, each in [0, 255] (not copied)
     * @param shape  the dimensions
     * @throws IllegalArgumentException for a value outside [0, 255]
     */
    public static StoredTensor ofBytes(long[] values, int... shape) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] < 0 || values[i] > 255) {
                throw new IllegalArgumentException("U8 value " + values[i] + " at index " + i + " is outside [0, 255]");
            }
        }
        return new StoredTensor("U8", shape.clone(), null, values);
    }

    /** {@return whether this is a float tensor (any dtype but I64 and U8)} */
    public boolean isFloat() {
        return floats != null;
    }

    /**
     * {@return the values as a tensor of the given dtype: the held tensor itself when the dtype matches,
     * else a converted copy}
     *
     * @param dtype the wanted dtype
     * @throws IllegalStateException for an I64 tensor
     */
    public Tensor toTensor(DType dtype) {
        if (floats == null) {
            throw new IllegalStateException("integer tensor (" + fileDType + ") has no float values");
        }
        return floats.dtype() == dtype ? floats : floats.to(dtype);
    }

    /**
     * {@return the integer values as a new {@code int[]}}
     *
     * @throws IllegalStateException for a float tensor
     * @throws ArithmeticException if a value does not fit in an int
     */
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
