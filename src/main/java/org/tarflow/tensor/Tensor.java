package org.tarflow.tensor;

import java.util.Arrays;

/**
 * A dense, contiguous, row-major tensor of {@code float} or {@code double}.
 *
 * <p>There are no strides: every tensor owns (or shares, for {@link #reshape}) one flat primitive array
 * and its shape says how to read it, last index fastest, as in a contiguous PyTorch tensor. Operations
 * that PyTorch does with views (transpose, flip, chunk) are explicit copies in this project, which keeps
 * every kernel a loop over a flat array.
 *
 * <p>Element access through {@link #get(int)} and {@link #set(int, double)} works for both dtypes and is
 * meant for tests, I/O and O(n) glue; the hot loops live in {@link Kernels} implementations, which
 * read {@link #f32()} or {@link #f64()} directly.
 */
public final class Tensor {
    private final DType dtype;
    private final int[] shape;
    private final float[] f;
    private final double[] d;

    private Tensor(DType dtype, int[] shape, float[] f, double[] d) {
        this.dtype = dtype;
        this.shape = shape;
        this.f = f;
        this.d = d;
    }

    /** A tensor of zeros. */
    public static Tensor zeros(DType dtype, int... shape) {
        int n = checkedSize(shape);
        return dtype == DType.F32
                ? new Tensor(dtype, shape.clone(), new float[n], null)
                : new Tensor(dtype, shape.clone(), null, new double[n]);
    }

    /** A zero tensor with the same dtype and shape as {@code like}. */
    public static Tensor zerosLike(Tensor like) {
        return zeros(like.dtype, like.shape);
    }

    /** Wraps (does not copy) a {@code double[]} as an F64 tensor. */
    public static Tensor wrap(double[] data, int... shape) {
        requireSize(data.length, shape);
        return new Tensor(DType.F64, shape.clone(), null, data);
    }

    /** Wraps (does not copy) a {@code float[]} as an F32 tensor. */
    public static Tensor wrap(float[] data, int... shape) {
        requireSize(data.length, shape);
        return new Tensor(DType.F32, shape.clone(), data, null);
    }

    /** Copies {@code values} into a new tensor of the given dtype (rounding to float for F32). */
    public static Tensor of(DType dtype, double[] values, int... shape) {
        requireSize(values.length, shape);
        Tensor t = zeros(dtype, shape);
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return t;
    }

    /** A scalar (rank-0) tensor. */
    public static Tensor scalar(DType dtype, double value) {
        Tensor t = zeros(dtype);
        t.set(0, value);
        return t;
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code i}; negative {@code i} counts from the end as in PyTorch. */
    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** Number of elements. */
    public int size() {
        return f != null ? f.length : d.length;
    }

    /** The backing array of an F32 tensor. */
    public float[] f32() {
        if (f == null) {
            throw new IllegalStateException("tensor is " + dtype + ", not F32");
        }
        return f;
    }

    /** The backing array of an F64 tensor. */
    public double[] f64() {
        if (d == null) {
            throw new IllegalStateException("tensor is " + dtype + ", not F64");
        }
        return d;
    }

    /** The backing array ({@code float[]} or {@code double[]}), for {@link System#arraycopy}. */
    public Object array() {
        return f != null ? f : d;
    }

    public double get(int i) {
        return f != null ? f[i] : d[i];
    }

    public void set(int i, double v) {
        if (f != null) {
            f[i] = (float) v;
        } else {
            d[i] = v;
        }
    }

    /** Element at a multi-index (slow; for tests and diagnostics). */
    public double at(int... index) {
        return get(flatIndex(index));
    }

    /** A tensor of another shape sharing this tensor's data (the sizes must agree). */
    public Tensor reshape(int... newShape) {
        requireSize(size(), newShape);
        return new Tensor(dtype, newShape.clone(), f, d);
    }

    public Tensor copy() {
        return f != null
                ? new Tensor(dtype, shape.clone(), f.clone(), null)
                : new Tensor(dtype, shape.clone(), null, d.clone());
    }

    /** This tensor converted to {@code target} (a copy even when the dtype is the same). */
    public Tensor to(DType target) {
        if (target == dtype) {
            return copy();
        }
        Tensor t = zeros(target, shape);
        for (int i = 0; i < size(); i++) {
            t.set(i, get(i));
        }
        return t;
    }

    public void fill(double v) {
        if (f != null) {
            Arrays.fill(f, (float) v);
        } else {
            Arrays.fill(d, v);
        }
    }

    /** Copies all elements of {@code src} (same dtype and size) into this tensor. */
    public void copyFrom(Tensor src) {
        if (src.dtype != dtype || src.size() != size()) {
            throw new IllegalArgumentException("copyFrom: " + src.describe() + " into " + describe());
        }
        System.arraycopy(src.array(), 0, array(), 0, size());
    }

    /** All elements as doubles (a copy). */
    public double[] toDoubleArray() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    public boolean sameShape(Tensor o) {
        return Arrays.equals(shape, o.shape);
    }

    /** e.g. {@code F32[3, 4, 16]}. */
    public String describe() {
        return dtype + Arrays.toString(shape);
    }

    @Override
    public String toString() {
        return describe();
    }

    private int flatIndex(int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("index rank " + index.length + " for " + describe());
        }
        int flat = 0;
        for (int i = 0; i < shape.length; i++) {
            if (index[i] < 0 || index[i] >= shape[i]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " for " + describe());
            }
            flat = flat * shape[i] + index[i];
        }
        return flat;
    }

    /** Product of the dimensions, rejecting negative sizes and int overflow. */
    public static int checkedSize(int... shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= s;
            if (n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("tensor too large: shape " + Arrays.toString(shape));
            }
        }
        return (int) n;
    }

    private static void requireSize(int size, int[] shape) {
        if (checkedSize(shape) != size) {
            throw new IllegalArgumentException(
                    "shape " + Arrays.toString(shape) + " needs " + checkedSize(shape) + " elements, got " + size);
        }
    }
}
