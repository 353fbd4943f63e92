package org.tarflow.tensor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The kernels on an OpenCL device ({@link OpenCl}): every method of {@link Kernels} runs as OpenCL C kernels
 * from the resource {@code kernels.cl}, built for the device at the first call in each dtype (float64 needs the
 * device's {@code cl_khr_fp64}); a build failure throws with the compiler's log.
 *
 * <p>Where data lives. A tensor from {@link #allocate} (the model's parameters, its workspace activations and
 * KV caches) is <em>resident</em>: it has a device buffer, created at the first kernel that uses it, and the
 * heap array and the buffer follow {@link DeviceCopy}'s protocol, so a chain of kernels over it moves no data
 * between host and device; data crosses only when the host reads or writes the tensor (through {@link Tensor}'s
 * accessors, which do the copy), or a kernel reads it after such a write. Clearing a resident tensor
 * ({@link Tensor#fill}) fills the device buffer. A resident buffer is released by a {@link Cleaner} once no
 * view of its tensor is reachable; a workspace reuses its tensors, so a run's device memory stays at what its
 * workspaces and parameters hold. Any other tensor (one made with {@link Tensor#zeros}, read from a file, a
 * caller's) is copied into a fresh buffer for the call and back, as before residency. {@link #traffic()} counts
 * what crosses. docs/BACKENDS.md says which host loops of the model still make its data cross per step.
 *
 * <p>Arithmetic: float32 kernels accumulate in float (not in double as {@link ScalarKernels} does), in a fixed
 * order per work-item, so results agree with the scalar twin to float32 rounding and are the same between runs.
 * {@link #sum} and {@link #sumSquares} add per-work-item partial sums on the host in double.
 *
 * <p>Calls are serialised on the instance (a kernel's arguments are state of the kernel object, so two threads
 * must not set them at once), and so are the transfers of resident tensors; one instance per device serves the
 * whole process.
 */
public final class OpenClKernels implements Kernels {
    /** The GEMM work-group edge; must match {@code TILE} in kernels.cl. */
    static final int TILE = 16;
    /** The GEMM outputs per work-item along each axis; must match {@code WPT} in kernels.cl. */
    static final int WPT = 4;
    /** Work-items of the first stage of a sum; the host adds their partial sums. */
    private static final int PARTIALS = 1024;
    private static final String SOURCE = "kernels.cl";
    private static final String[] KERNELS = {"gemm", "add", "mul", "exp_scaled", "partial_sums", "sum_leading",
        "layer_norm", "layer_norm_dx", "layer_norm_dw", "gelu", "gelu_backward", "softmax_causal",
        "softmax_causal_backward", "attend_scores", "attend_softmax", "attend_values", "copy_strided",
        "adamw", "sum_rows", "shifted_affine_backward", "class_embedding_backward"};

    private final OpenCl.Device device;
    private final MemorySegment context;
    private final MemorySegment queue;
    /** Per dtype, the kernels by name, built at first use. */
    private final Map<DType, Map<String, MemorySegment>> programs = new HashMap<>();
    /** Releases the buffers of resident tensors that became unreachable. */
    private static final Cleaner CLEANER = Cleaner.create();
    /** Host-to-device and device-to-host copies, and their bytes (guarded by this). */
    private long uploads;
    private long uploadBytes;
    private long downloads;
    private long downloadBytes;
    /** Resident buffers alive, and their bytes (the cleaner's thread decrements them). */
    private final AtomicLong residentBuffers = new AtomicLong();
    private final AtomicLong residentBytes = new AtomicLong();

    /**
     * What has crossed between host and device since the instance was made, and what stays there now.
     *
     * @param uploads         copies from the heap to the device (of resident tensors, and of other tensors per call)
     * @param uploadBytes     their bytes
     * @param downloads       copies from the device to the heap
     * @param downloadBytes   their bytes
     * @param residentBuffers device buffers of resident tensors alive now
     * @param residentBytes   their bytes
     */
    public record Traffic(long uploads, long uploadBytes, long downloads, long downloadBytes, long residentBuffers,
                          long residentBytes) {
    }

    /**
     * Opens a context and an in-order command queue on a device; they live as long as the process.
     *
     * @param device one of {@link OpenCl#devices()}
     * @throws IllegalStateException if OpenCL refuses the context or queue
     */
    public OpenClKernels(OpenCl.Device device) {
        this.device = device;
        this.context = OpenCl.createContext(device.id());
        this.queue = OpenCl.createQueue(context, device.id());
    }

    /** {@return the device these kernels run on} */
    public OpenCl.Device device() {
        return device;
    }

    @Override
    public String name() {
        return "opencl(" + device.name() + ")";
    }

    /** {@return the transfers so far and the resident buffers now} */
    public synchronized Traffic traffic() {
        return new Traffic(uploads, uploadBytes, downloads, downloadBytes, residentBuffers.get(),
                residentBytes.get());
    }

    /**
     * {@inheritDoc} Here the tensor is resident (see the class comment): its device buffer is created at the first
     * kernel that uses it.
     */
    @Override
    public Tensor allocate(DType dtype, int... shape) {
        return Tensor.zerosMirrored(new Resident(), dtype, shape);
    }

    /** {@return {@code t}'s device copy if it is resident on this instance, else null} */
    private Resident resident(Tensor t) {
        return t.deviceCopy() instanceof Resident r && r.owner() == this ? r : null;
    }

    /** {@return a resident tensor's array as a heap segment, without the copy protocol (the caller moves the data)} */
    private static MemorySegment rawSegment(Tensor t) {
        Object a = t.rawArray();
        return a instanceof float[] f ? MemorySegment.ofArray(f) : MemorySegment.ofArray((double[]) a);
    }

    /** Copies {@code host} into {@code mem}; the caller holds the lock. */
    private void upload(MemorySegment host, MemorySegment mem) {
        if (host.byteSize() > 0) {
            OpenCl.writeBuffer(queue, mem, host);
            countUpload(host.byteSize());
        }
    }

    /** Counts a copy of {@code bytes} bytes to the device in {@link #traffic()} (none if empty); under the lock. */
    private void countUpload(long bytes) {
        if (bytes > 0) {
            uploads++;
            uploadBytes += bytes;
        }
    }

    /** Copies {@code mem} into {@code host} (waiting for the kernels before it); the caller holds the lock. */
    private void download(MemorySegment mem, MemorySegment host) {
        if (host.byteSize() > 0) {
            OpenCl.readBuffer(queue, mem, host);
            downloads++;
            downloadBytes += host.byteSize();
        }
    }

    /** Enqueues filling {@code bytes} bytes of {@code mem} with {@code v} in {@code dtype}; the caller holds the lock. */
    private void fillBuffer(MemorySegment mem, DType dtype, double v, long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pattern = dtype == DType.F32 ? arena.allocateFrom(JAVA_FLOAT, (float) v)
                    : arena.allocateFrom(JAVA_DOUBLE, v);
            OpenCl.fillBuffer(queue, mem, pattern, bytes);
        }
    }

    /**
     * The device side of a tensor from {@link #allocate}. Its buffer lives in a {@link Buffer} that the cleaner
     * releases: the cleaning action must not reach this object, or it would never become unreachable.
     */
    private final class Resident extends DeviceCopy {
        private final Buffer buffer = new Buffer();

        Resident() {
            CLEANER.register(this, buffer);
        }

        OpenClKernels owner() {
            return OpenClKernels.this;
        }

        /**
         * {@return the buffer, created at the first use and filled with zeros there, as a fresh tensor's array is
         * (so a fresh workspace buffer is not uploaded); the caller holds the lock}
         */
        MemorySegment mem(Tensor t) {
            if (buffer.mem == null) {
                long bytes = Math.max(1, t.size()) * (long) t.dtype().bytes(); // OpenCL has no empty buffers
                buffer.mem = OpenCl.createBuffer(context, bytes, null);
                buffer.bytes = bytes;
                residentBuffers.incrementAndGet();
                residentBytes.addAndGet(bytes);
                fillBuffer(buffer.mem, t.dtype(), 0, bytes);
            }
            return buffer.mem;
        }

        /** Readies the buffer for a kernel that reads it; the caller holds the lock. */
        MemorySegment forRead(Tensor t) {
            MemorySegment mem = mem(t);
            if (deviceStale) {
                upload(rawSegment(t), mem);
                deviceStale = false;
            }
            return mem;
        }

        @Override
        void download(Tensor t) {
            synchronized (OpenClKernels.this) {
                if (hostStale) {
                    OpenClKernels.this.download(buffer.mem, rawSegment(t));
                    hostStale = false;
                }
            }
        }

        @Override
        boolean fill(Tensor t, double v) {
            synchronized (OpenClKernels.this) {
                MemorySegment mem = mem(t);
                if (t.size() > 0) {
                    fillBuffer(mem, t.dtype(), v, (long) t.size() * t.dtype().bytes());
                }
                deviceStale = false;
                hostStale = true;
            }
            return true;
        }
    }

    /** A resident tensor's buffer; as the cleaning action, it releases the buffer. */
    private final class Buffer implements Runnable {
        /** Null until the first kernel that uses the tensor; written under the instance's lock. */
        private volatile MemorySegment mem;
        private long bytes;

        @Override
        public void run() {
            if (mem != null) {
                OpenCl.releaseBuffer(mem);
                residentBuffers.decrementAndGet();
                residentBytes.addAndGet(-bytes);
            }
        }
    }

    /** {@return the kernels of a dtype, building the program on first use} */
    private Map<String, MemorySegment> kernels(DType dtype) {
        Map<String, MemorySegment> k = programs.get(dtype);
        if (k != null) {
            return k;
        }
        if (dtype == DType.F64 && !device.fp64()) {
            throw new IllegalStateException("OpenCL device " + device.name() + " has no cl_khr_fp64, which float64 "
                    + "needs: use float32 on it");
        }
        String options = (dtype == DType.F32 ? "-DREAL=float" : "-DREAL=double") + (device.fp64() ? " -DUSE_FP64" : "");
        MemorySegment program = OpenCl.buildProgram(context, device.id(), source(), options);
        k = new HashMap<>();
        for (String name : KERNELS) {
            k.put(name, OpenCl.createKernel(program, name));
        }
        programs.put(dtype, k);
        return k;
    }

    private static String source() {
        try (InputStream in = OpenClKernels.class.getResourceAsStream(SOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the resource " + SOURCE + " is missing from the tarflow-core jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void gemm(int batch, boolean transA, boolean transB, int m, int n, int k,
                                  double alpha, Tensor a, Tensor b, double beta, Tensor c) {
        Shapes.gemm(batch, m, n, k, a, b, c);
        Shapes.sameDType(a, b, c);
        try (Op op = new Op(c.dtype())) {
            MemorySegment bc = beta == 0 ? op.out(c) : op.inOut(c);
            op.run("gemm", new long[] {roundUp(n), roundUp(m), batch}, new long[] {TILE, TILE, 1},
                    m, n, k, transA ? 1 : 0, transB ? 1 : 0, alpha, op.in(a), op.in(b), beta, bc);
        }
    }

    /** {@return the work-items along one axis of C: TILE per BLOCK = TILE * WPT elements, rounded up} */
    private static long roundUp(int x) {
        long block = (long) TILE * WPT;
        return (x + block - 1) / block * TILE;
    }

    @Override
    public synchronized void add(Tensor a, Tensor b, double beta, Tensor out) {
        Shapes.sameDType(a, b, out);
        Shapes.suffix(a, b);
        Shapes.sameSize(a, out);
        try (Op op = new Op(a.dtype())) {
            op.run("add", new long[] {a.size()}, null, Math.max(1, b.size()), beta, op.in(a), op.in(b), op.out(out));
        }
    }

    @Override
    public synchronized void mul(Tensor a, Tensor b, Tensor out) {
        Shapes.sameDType(a, b, out);
        Shapes.suffix(a, b);
        Shapes.sameSize(a, out);
        try (Op op = new Op(a.dtype())) {
            op.run("mul", new long[] {a.size()}, null, Math.max(1, b.size()), op.in(a), op.in(b), op.out(out));
        }
    }

    @Override
    public synchronized void exp(Tensor a, double alpha, Tensor out) {
        Shapes.sameDType(a, out);
        Shapes.sameSize(a, out);
        try (Op op = new Op(a.dtype())) {
            op.run("exp_scaled", new long[] {a.size()}, null, alpha, op.in(a), op.out(out));
        }
    }

    @Override
    public synchronized double sum(Tensor a) {
        return reduce(a, false);
    }

    @Override
    public synchronized double sumSquares(Tensor a) {
        return reduce(a, true);
    }

    private double reduce(Tensor a, boolean squares) {
        int g = Math.min(PARTIALS, a.size());
        if (g == 0) {
            return 0;
        }
        Tensor partial = Tensor.zeros(a.dtype(), g);
        try (Op op = new Op(a.dtype())) {
            op.run("partial_sums", new long[] {g}, null, a.size(), squares ? 1 : 0, op.in(a), op.out(partial));
        }
        double s = 0;
        for (int i = 0; i < g; i++) {
            s += partial.get(i);
        }
        return s;
    }

    @Override
    public synchronized void sumLeading(Tensor x, Tensor out) {
        Shapes.sameDType(x, out);
        Shapes.suffix(x, out);
        try (Op op = new Op(x.dtype())) {
            op.run("sum_leading", new long[] {out.size()}, null, x.size(), out.size(), op.in(x), op.inOut(out));
        }
    }

    @Override
    public synchronized void layerNorm(Tensor x, Tensor weight, Tensor bias, double eps, Tensor y, Tensor mean,
                                       Tensor rstd) {
        int cols = weight.size();
        int rows = Shapes.layerNorm(x, weight, bias, y, mean, rstd);
        try (Op op = new Op(x.dtype())) {
            op.run("layer_norm", new long[] {rows}, null, cols, eps, op.in(x), op.in(weight), op.in(bias), op.out(y),
                    op.out(mean), op.out(rstd));
        }
    }

    @Override
    public synchronized void layerNormBackward(Tensor dy, Tensor x, Tensor weight, Tensor mean, Tensor rstd,
                                               Tensor dx, Tensor dweight, Tensor dbias) {
        int cols = weight.size();
        int rows = Shapes.rows(x, cols);
        Shapes.sameDType(dy, x, weight, mean, rstd, dx, dweight, dbias);
        Shapes.sameSize(x, dy);
        Shapes.sameSize(x, dx);
        try (Op op = new Op(x.dtype())) {
            MemorySegment bdy = op.in(dy);
            MemorySegment bx = op.in(x);
            MemorySegment bmean = op.in(mean);
            MemorySegment brstd = op.in(rstd);
            op.run("layer_norm_dx", new long[] {rows}, null, cols, bdy, bx, op.in(weight), bmean, brstd, op.out(dx));
            op.run("layer_norm_dw", new long[] {cols}, null, rows, cols, bdy, bx, bmean, brstd, op.inOut(dweight),
                    op.inOut(dbias));
        }
    }

    @Override
    public synchronized void gelu(Tensor x, Tensor y) {
        Shapes.sameDType(x, y);
        Shapes.sameSize(x, y);
        try (Op op = new Op(x.dtype())) {
            op.run("gelu", new long[] {x.size()}, null, op.in(x), op.out(y));
        }
    }

    @Override
    public synchronized void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        Shapes.sameDType(x, dy, dx);
        Shapes.sameSize(x, dy);
        Shapes.sameSize(x, dx);
        try (Op op = new Op(x.dtype())) {
            op.run("gelu_backward", new long[] {x.size()}, null, op.in(x), op.in(dy), op.out(dx));
        }
    }

    @Override
    public synchronized void softmaxCausal(Tensor s, Tensor p) {
        Shapes.sameDType(s, p);
        Shapes.sameSize(s, p);
        int t = Shapes.square(s);
        try (Op op = new Op(s.dtype())) {
            op.run("softmax_causal", new long[] {t == 0 ? 0 : s.size() / t}, null, t, op.in(s), op.out(p));
        }
    }

    @Override
    public synchronized void softmaxCausalBackward(Tensor p, Tensor dp, Tensor ds) {
        Shapes.sameDType(p, dp, ds);
        Shapes.sameSize(p, dp);
        Shapes.sameSize(p, ds);
        int t = Shapes.square(p);
        try (Op op = new Op(p.dtype())) {
            op.run("softmax_causal_backward", new long[] {t == 0 ? 0 : p.size() / t}, null, t, op.in(p), op.in(dp),
                    op.out(ds));
        }
    }

    @Override
    public synchronized void attendCached(Tensor q, Tensor kCache, Tensor vCache, int length, double[] scales,
                                          Tensor out) {
        int cap = ScalarKernels.checkCache(q, kCache, vCache, length, scales, out);
        int rows = q.dim(0);
        int d = q.dim(-1);
        try (Op op = new Op(q.dtype())) {
            MemorySegment w = op.scratch((long) rows * length);
            op.run("attend_scores", new long[] {length, rows}, null, d, cap, length, rows / scales.length,
                    op.in(Tensor.of(q.dtype(), scales, scales.length)), op.in(q), op.in(kCache), w);
            op.run("attend_softmax", new long[] {rows}, null, length, w);
            op.run("attend_values", new long[] {d, rows}, null, d, cap, length, w, op.in(vCache), op.out(out));
        }
    }

    /**
     * {@inheritDoc} Where the device has {@code cl_khr_fp64} the arithmetic is in double, rounded at the stores as
     * the scalar twin rounds, so the update has the host's bits (double's operations, {@code sqrt} included, are
     * correctly rounded in OpenCL); without it, in float.
     */
    @Override
    public synchronized void adamW(Tensor w, Tensor g, Tensor m, Tensor v, double beta1, double beta2,
                                   double stepSize, double bc2Sqrt, double eps, double decay) {
        Shapes.adamW(w, g, m, v);
        try (Op op = new Op(w.dtype())) {
            op.run("adamw", new long[] {w.size()}, null, new Acc(beta1), new Acc(beta2), new Acc(stepSize),
                    new Acc(bc2Sqrt), new Acc(eps), new Acc(decay), op.inOut(w), op.in(g), op.inOut(m), op.inOut(v));
        }
    }

    /** {@inheritDoc} One row per work-item, summed in {@code ACC} (double where the device has fp64: the host's bits). */
    @Override
    public synchronized void sumRows(Tensor x, double divisor, Tensor out) {
        int n = Shapes.sumRows(x, out);
        try (Op op = new Op(x.dtype())) {
            op.run("sum_rows", new long[] {out.size()}, null, n, new Acc(divisor), op.in(x), op.out(out));
        }
    }

    /** {@inheritDoc} One output element per work-item, in {@code ACC}. */
    @Override
    public synchronized void shiftedAffineBackward(Tensor dz, Tensor z, Tensor dxp, Tensor dLogdet, double perDim,
                                                   boolean nvp, Tensor dO) {
        int t = Shapes.shiftedAffine(dz, z, dxp, dLogdet, nvp, dO);
        int d = dz.dim(2);
        try (Op op = new Op(dz.dtype())) {
            op.run("shifted_affine_backward", new long[] {d, Math.max(0, t - 1), dz.dim(0)}, null, t, d,
                    nvp ? 1 : 0, new Acc(perDim), op.in(dz), op.in(z), op.in(dxp), op.in(dLogdet), op.inOut(dO));
        }
    }

    /** {@inheritDoc} One channel per work-item, the samples in order, in {@code ACC}. */
    @Override
    public synchronized void classEmbeddingBackward(Tensor dh, int[] labels, Tensor g) {
        int[] y = Shapes.classEmbedding(dh, labels, g);
        try (Op op = new Op(dh.dtype())) {
            op.run("class_embedding_backward", new long[] {dh.dim(2)}, null, y.length, dh.dim(1), dh.dim(2), g.dim(0),
                    op.ints(y), op.in(dh), op.inOut(g));
        }
    }

    /** A kernel argument of type {@code ACC} in kernels.cl: double where the device has fp64, else float. */
    private record Acc(double value) {
    }

    @Override
    public synchronized void copyStrided(Tensor src, int srcOffset, int[] srcStrides, Tensor dst, int dstOffset,
                                         int[] dstStrides, int[] shape) {
        int[][] p = Shapes.strided(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape);
        if (p == null) {
            return;
        }
        int[] n = p[0], s = p[1], d = p[2];
        try (Op op = new Op(src.dtype())) {
            op.run("copy_strided", new long[] {(long) n[0] * n[1] * n[2] * n[3]}, null, n[1], n[2], n[3],
                    srcOffset, s[0], s[1], s[2], s[3], dstOffset, d[0], d[1], d[2], d[3], op.in(src), op.inOut(dst));
        }
    }

    /**
     * The device buffers of one call. A resident tensor brings its own buffer (uploaded first if the heap array
     * is newer; marked newer than the array if the call writes it). Any other tensor gets a fresh buffer, copied
     * in when it is created and, for an output, back on {@link #close}, which releases these buffers.
     */
    private final class Op implements AutoCloseable {
        private final DType dtype;
        private final Map<String, MemorySegment> kernels;
        private final Arena arena = Arena.ofConfined();
        private final List<MemorySegment> buffers = new ArrayList<>();
        private final List<Tensor> outputs = new ArrayList<>();
        private final List<MemorySegment> outputBuffers = new ArrayList<>();
        /**
         * Every tensor of the call, held until {@link #close}: once a method has its tensors' buffers it need not
         * touch the tensors again, and a tensor the JIT then deems unreachable could have its buffer released by
         * the cleaner before the kernel that uses it is enqueued (POCL aborts the process on that).
         */
        private final List<Tensor> held = new ArrayList<>();

        Op(DType dtype) {
            this.dtype = dtype;
            this.kernels = kernels(dtype);
        }

        /** {@return a buffer holding {@code t}'s elements} */
        MemorySegment in(Tensor t) {
            Resident r = hold(t);
            if (r != null) {
                return r.forRead(t);
            }
            countUpload((long) t.size() * dtype.bytes());
            return buffer(t.size(), t.size() == 0 ? null : host(t));
        }

        /**
         * {@return a buffer for {@code t}, every element of which the call's kernels write} (so nothing is
         * uploaded first), copied into {@code t} at the end of the call unless {@code t} is resident
         */
        MemorySegment out(Tensor t) {
            Resident r = hold(t);
            if (r == null) {
                return result(t, buffer(t.size(), null));
            }
            MemorySegment mem = r.mem(t);
            r.deviceStale = false;
            r.hostStale = true;
            return mem;
        }

        /** {@return a buffer holding {@code t}'s elements, which the call updates}, as {@link #out} for the result */
        MemorySegment inOut(Tensor t) {
            Resident r = hold(t);
            if (r == null) {
                return result(t, in(t));
            }
            MemorySegment mem = r.forRead(t);
            r.hostStale = true;
            return mem;
        }

        /**
         * Keeps {@code t} reachable until {@link #close}; {@return its device copy if it is resident here, else null}
         *
         * @throws IllegalArgumentException if {@code t} is resident on another {@code OpenClKernels} (another device):
         *         as in PyTorch, the tensors of one operation must be on one device (and fetching it from the other
         *         under this instance's lock could deadlock with a call on that one)
         */
        private Resident hold(Tensor t) {
            held.add(t);
            Resident r = resident(t);
            if (r == null && t.deviceCopy() != null) {
                throw new IllegalArgumentException("a tensor " + t.describe() + " of another OpenCL device (or "
                        + "OpenClKernels instance) in an operation on " + device.name() + ": copy it to the heap first "
                        + "(Tensor.copy)");
            }
            return r;
        }

        /** {@return a buffer holding {@code values}, as a kernel's {@code int*} argument} */
        MemorySegment ints(int[] values) {
            long bytes = (long) values.length * Integer.BYTES;
            MemorySegment mem = OpenCl.createBuffer(context, Math.max(Integer.BYTES, bytes),
                    values.length == 0 ? null : MemorySegment.ofArray(values));
            buffers.add(mem);
            countUpload(bytes);
            return mem;
        }

        /** {@return an uninitialised buffer of {@code elements} elements for intermediate results} */
        MemorySegment scratch(long elements) {
            return buffer(elements, null);
        }

        private MemorySegment result(Tensor t, MemorySegment mem) {
            outputs.add(t);
            outputBuffers.add(mem);
            return mem;
        }

        private MemorySegment buffer(long elements, MemorySegment host) {
            // OpenCL has no empty buffers: an empty tensor gets one element that no kernel reads
            MemorySegment mem = OpenCl.createBuffer(context, Math.max(1, elements) * dtype.bytes(), host);
            buffers.add(mem);
            return mem;
        }

        private static MemorySegment host(Tensor t) {
            return t.dtype() == DType.F32 ? MemorySegment.ofArray(t.f32()) : MemorySegment.ofArray(t.f64());
        }

        /**
         * Sets a kernel's arguments and enqueues it; does nothing for an empty range.
         *
         * @param args in order: an {@link Integer} becomes an {@code int}, a {@link Double} a {@code REAL},
         *             a {@link MemorySegment} a buffer
         */
        void run(String kernel, long[] global, long[] local, Object... args) {
            for (long g : global) {
                if (g == 0) {
                    return;
                }
            }
            MemorySegment k = kernels.get(kernel);
            for (int i = 0; i < args.length; i++) {
                MemorySegment value = switch (args[i]) {
                    case Integer v -> arena.allocateFrom(JAVA_INT, v);
                    case Double v -> dtype == DType.F32 ? arena.allocateFrom(JAVA_FLOAT, v.floatValue())
                            : arena.allocateFrom(JAVA_DOUBLE, v);
                    case Acc v -> device.fp64() ? arena.allocateFrom(JAVA_DOUBLE, v.value())
                            : arena.allocateFrom(JAVA_FLOAT, (float) v.value());
                    case MemorySegment v -> arena.allocateFrom(ADDRESS, v);
                    default -> throw new IllegalArgumentException("kernel argument " + args[i]);
                };
                OpenCl.setArg(k, i, value);
            }
            OpenCl.enqueue(queue, k, global, local);
        }

        @Override
        public void close() {
            try {
                for (int i = 0; i < outputs.size(); i++) {
                    // a blocking read on an in-order queue: it also waits for the kernels before it
                    download(outputBuffers.get(i), host(outputs.get(i)));
                }
            } finally {
                for (MemorySegment mem : buffers) {
                    OpenCl.releaseBuffer(mem);
                }
                arena.close();
                Reference.reachabilityFence(held); // the kernels are enqueued: releasing a buffer now is safe
            }
        }
    }
}
