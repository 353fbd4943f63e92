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
 *
 * <p>A tensor that a device backend allocated ({@link Kernels#allocate} of {@link OpenClKernels}) also has a copy
 * on the device ({@link DeviceCopy}); every accessor here brings the array up to date first and, if it writes,
 * marks the device copy stale, so host code sees and makes the same values on either backend. The raw arrays
 * count as writes: take them again after a kernel call that writes the tensor.
 */
public final class Tensor {
    private final DType dtype;
    private final int[] shape;
    private final float[] f;
    private final double[] d;
    /** The array's copy on a device, or null for a tensor that lives on the heap only (DeviceCopy). */
    private final DeviceCopy device;

    private Tensor(DType dtype, int[] shape, float[] f, double[] d) {
        this(dtype, shape, f, d, null);
    }

    private Tensor(DType dtype, int[] shape, float[] f, double[] d, DeviceCopy device) {
        this.dtype = dtype;
        this.shape = shape;
        this.f = f;
        this.d = d;
        this.device = device;
    }

    /**
     * {@return a new tensor of zeros}
     *
     * @param dtype element type of the new tensor
     * @param shape its dimensions; none for a scalar
     * @throws IllegalArgumentException if a dimension is negative or the size exceeds an array's limit
     */
    public static Tensor zeros(DType dtype, int... shape) {
        int n = checkedSize(shape);
        return dtype == DType.F32
                ? new Tensor(dtype, shape.clone(), new float[n], null)
                : new Tensor(dtype, shape.clone(), null, new double[n]);
    }

    /**
     * {@return a new tensor of zeros mirrored on a device} For a backend's {@link Kernels#allocate}: the heap
     * array and {@code device} then follow {@link DeviceCopy}'s protocol.
     */
    static Tensor zerosMirrored(DeviceCopy device, DType dtype, int... shape) {
        int n = checkedSize(shape);
        return dtype == DType.F32
                ? new Tensor(dtype, shape.clone(), new float[n], null, device)
                : new Tensor(dtype, shape.clone(), null, new double[n], device);
    }

    /** {@return the device copy this tensor's array is mirrored by, or null for a heap-only tensor} */
    DeviceCopy deviceCopy() {
        return device;
    }

    /**
     * {@return a new zero tensor with the same dtype and shape as {@code like}}
     *
     * @param like the tensor whose dtype and shape are copied (its values are not)
     */
    public static Tensor zerosLike(Tensor like) {
        return zeros(like.dtype, like.shape);
    }

    /**
     * {@return an F64 tensor backed by {@code data} itself (not a copy)}
     *
     * @param data  the elements in row-major order; later writes to the array show in the tensor
     * @param shape the dimensions, whose product must equal {@code data.length}
     * @throws IllegalArgumentException if the shape does not hold exactly {@code data.length} elements
     */
    public static Tensor wrap(double[] data, int... shape) {
        requireSize(data.length, shape);
        return new Tensor(DType.F64, shape.clone(), null, data);
    }

    /**
     * {@return an F32 tensor backed by {@code data} itself (not a copy)}
     *
     * @param data  the elements in row-major order; later writes to the array show in the tensor
     * @param shape the dimensions, whose product must equal {@code data.length}
     * @throws IllegalArgumentException if the shape does not hold exactly {@code data.length} elements
     */
    public static Tensor wrap(float[] data, int... shape) {
        requireSize(data.length, shape);
        return new Tensor(DType.F32, shape.clone(), data, null);
    }

    /**
     * {@return a new tensor of the given dtype holding a copy of {@code values}} For F32 each value is
     * rounded to the nearest float.
     *
     * @param dtype  element type of the new tensor
     * @param values the elements in row-major order
     * @param shape  the dimensions, whose product must equal {@code values.length}
     * @throws IllegalArgumentException if the shape does not hold exactly {@code values.length} elements
     */
    public static Tensor of(DType dtype, double[] values, int... shape) {
        requireSize(values.length, shape);
        Tensor t = zeros(dtype, shape);
        for (int i = 0; i < values.length; i++) {
            t.set(i, values[i]);
        }
        return t;
    }

    /**
     * {@return a new rank-0 tensor (shape {@code []}, one element)}, like PyTorch's 0-d loss tensors
     *
     * @param dtype element type
     * @param value the element (rounded to float for F32)
     */
    public static Tensor scalar(DType dtype, double value) {
        Tensor t = zeros(dtype);
        t.set(0, value);
        return t;
    }

    /** {@return the element type} */
    public DType dtype() {
        return dtype;
    }

    /** {@return a copy of the shape (empty for a scalar)} */
    public int[] shape() {
        return shape.clone();
    }

    /** {@return the number of dimensions (0 for a scalar)} */
    public int rank() {
        return shape.length;
    }

    /**
     * {@return the size of dimension {@code i}}
     *
     * @param i the dimension; negative values count from the end as in PyTorch ({@code -1} is the last)
     * @throws ArrayIndexOutOfBoundsException if {@code i} is outside {@code -rank()..rank()-1}
     */
    public int dim(int i) {
        return shape[i < 0 ? shape.length + i : i];
    }

    /** {@return the number of elements (1 for a scalar)} */
    public int size() {
        return f != null ? f.length : d.length;
    }

    /**
     * {@return the backing array of an F32 tensor itself (writes go to the tensor)}
     *
     * @throws IllegalStateException if the tensor is F64
     */
    public float[] f32() {
        if (f == null) {
            throw new IllegalStateException("tensor is " + dtype + ", not F32");
        }
        hostWrite();
        return f;
    }

    /**
     * {@return the backing array of an F64 tensor itself (writes go to the tensor)}
     *
     * @throws IllegalStateException if the tensor is F32
     */
    public double[] f64() {
        if (d == null) {
            throw new IllegalStateException("tensor is " + dtype + ", not F64");
        }
        hostWrite();
        return d;
    }

    /** {@return the backing array ({@code float[]} or {@code double[]}), for {@link System#arraycopy}} */
    public Object array() {
        hostWrite();
        return f != null ? f : d;
    }

    /**
     * {@return the backing array as it is, without {@link DeviceCopy}'s protocol} For the backend that moves data
     * between the array and its device copy, and for nothing else.
     */
    Object rawArray() {
        return f != null ? f : d;
    }

    /** {@return the backing array, current, for a read that writes nothing} */
    private Object readArray() {
        if (device != null) {
            device.beforeHostRead(this);
        }
        return f != null ? f : d;
    }

    /** {@return the backing array, for a write of every element by the host: not brought up to date first} */
    private Object overwriteArray() {
        if (device != null) {
            device.beforeHostOverwrite();
        }
        return f != null ? f : d;
    }

    /** Readies the array for a write by the host: current, and the device copy marked stale. */
    private void hostWrite() {
        if (device != null) {
            device.beforeHostWrite(this);
        }
    }

    /**
     * {@return element {@code i} of the flat row-major data, widened to double}
     *
     * @param i flat index, {@code 0..size()-1}
     */
    public double get(int i) {
        if (device != null) {
            device.beforeHostRead(this);
        }
        return f != null ? f[i] : d[i];
    }

    /**
     * Sets element {@code i} of the flat row-major data.
     *
     * @param i flat index, {@code 0..size()-1}
     * @param v the value, rounded to the nearest float for an F32 tensor
     */
    public void set(int i, double v) {
        hostWrite();
        if (f != null) {
            f[i] = (float) v;
        } else {
            d[i] = v;
        }
    }

    /**
     * {@return the element at a multi-index} Slow; for tests and diagnostics.
     *
     * @param index one index per dimension, each within its dimension
     * @throws IllegalArgumentException if the number of indices is not the rank
     * @throws IndexOutOfBoundsException if an index is outside its dimension
     */
    public double at(int... index) {
        return get(flatIndex(index));
    }

    /**
     * {@return a tensor of another shape that shares this tensor's data} Like PyTorch's {@code view} on
     * a contiguous tensor: writes through either are seen by both.
     *
     * @param newShape the new dimensions, with the same number of elements
     * @throws IllegalArgumentException if the number of elements differs
     */
    public Tensor reshape(int... newShape) {
        requireSize(size(), newShape);
        return new Tensor(dtype, newShape.clone(), f, d, device);
    }

    /** {@return a deep copy: same dtype and shape, its own data} */
    public Tensor copy() {
        readArray();
        return f != null
                ? new Tensor(dtype, shape.clone(), f.clone(), null)
                : new Tensor(dtype, shape.clone(), null, d.clone());
    }

    /**
     * {@return this tensor converted to {@code target}, always a copy (even when the dtype is the same)}
     * F64 to F32 rounds each element to the nearest float.
     *
     * @param target the element type of the result
     */
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

    /**
     * Sets every element to {@code v}.
     *
     * @param v the value, rounded to float for an F32 tensor
     */
    public void fill(double v) {
        if (device != null && device.fill(this, v)) {
            return;
        }
        hostWrite();
        if (f != null) {
            Arrays.fill(f, (float) v);
        } else {
            Arrays.fill(d, v);
        }
    }

    /**
     * Copies all elements of {@code src} into this tensor, in flat order (the shapes may differ).
     *
     * @param src a tensor of the same dtype and size
     * @throws IllegalArgumentException if the dtype or the size differs
     */
    public void copyFrom(Tensor src) {
        if (src.dtype != dtype || src.size() != size()) {
            throw new IllegalArgumentException("copyFrom: " + src.describe() + " into " + describe());
        }
        Object from = src.readArray();
        System.arraycopy(from, 0, overwriteArray(), 0, size());
    }

    /**
     * {@return a copy of rows [lo, hi) along the first dimension} (shape (hi - lo, ...))
     *
     * @param lo first row
     * @param hi one past the last row
     * @throws IllegalArgumentException unless 0 &lt;= lo &lt;= hi &lt;= dim(0)
     */
    public Tensor rows(int lo, int hi) {
        Tensor t = zeros(dtype, rowsShape(lo, hi));
        copyRows(lo, t);
        return t;
    }

    /** The shape of rows [lo, hi), checked as {@link #rows} documents; for {@link Workspace#rows} too. */
    int[] rowsShape(int lo, int hi) {
        if (rank() == 0 || lo < 0 || lo > hi || hi > shape[0]) {
            throw new IllegalArgumentException("rows " + lo + ".." + hi + " of " + describe());
        }
        int[] s = shape.clone();
        s[0] = hi - lo;
        return s;
    }

    /** Copies rows from {@code lo} on into {@code dst}, which has {@link #rowsShape} of them. */
    void copyRows(int lo, Tensor dst) {
        int row = shape[0] == 0 ? 0 : size() / shape[0];
        Object from = readArray();
        System.arraycopy(from, lo * row, dst.overwriteArray(), 0, dst.size());
    }

    /**
     * Copies {@code src} into this tensor's rows from {@code lo} on (along the first dimension).
     *
     * @param lo  first row written
     * @param src rows of the same dtype and per-row size
     * @throws IllegalArgumentException if the dtype or the row size differs, or the rows do not fit
     */
    public void setRows(int lo, Tensor src) {
        int row = rank() == 0 ? 0 : size() / Math.max(shape[0], 1);
        if (src.dtype != dtype || src.rank() == 0 || src.size() != src.shape[0] * row || lo < 0
                || lo + src.shape[0] > shape[0]) {
            throw new IllegalArgumentException("setRows " + lo + ": " + src.describe() + " into " + describe());
        }
        System.arraycopy(src.readArray(), 0, array(), lo * row, src.size());
    }

    /** {@return all elements in flat order as a new {@code double[]}} */
    public double[] toDoubleArray() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    /**
     * {@return whether {@code o} has exactly this tensor's dimensions (the dtype is not compared)}
     *
     * @param o the tensor to compare with
     */
    public boolean sameShape(Tensor o) {
        return Arrays.equals(shape, o.shape);
    }

    /** {@return the dtype and shape, e.g. {@code F32[3, 4, 16]}, for error messages} */
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

    /**
     * {@return the product of the dimensions} Files from outside pass their shapes through this before
     * anything is allocated.
     *
     * @param shape the dimensions (none: a scalar, size 1)
     * @throws IllegalArgumentException if a dimension is negative or the product exceeds
     *         {@code Integer.MAX_VALUE - 8} (the largest Java array)
     */
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
