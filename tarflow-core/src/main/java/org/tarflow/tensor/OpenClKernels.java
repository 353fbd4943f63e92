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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernels on an OpenCL device ({@link OpenCl}): every method of {@link Kernels} runs as OpenCL C kernels
 * from the resource {@code kernels.cl}, built for the device at the first call in each dtype (float64 needs the
 * device's {@code cl_khr_fp64}); a build failure throws with the compiler's log.
 *
 * <p>Where data lives: on the Java heap, as for the other backends. Each call copies its input tensors into
 * fresh device buffers, runs its kernels, copies the outputs back and releases the buffers before it returns,
 * so nothing is left on the device between calls and nothing leaks. This is correct and portable but moves
 * every operand over the bus once per operation; docs/BACKENDS.md says what keeping tensors resident on the
 * device would need.
 *
 * <p>Arithmetic: float32 kernels accumulate in float (not in double as {@link ScalarKernels} does), in a fixed
 * order per work-item, so results agree with the scalar twin to float32 rounding and are the same between runs.
 * {@link #sum} and {@link #sumSquares} add per-work-item partial sums on the host in double.
 *
 * <p>Calls are serialised on the instance (a kernel's arguments are state of the kernel object, so two threads
 * must not set them at once); one instance per device serves the whole process.
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
        "softmax_causal_backward", "attend_scores", "attend_softmax", "attend_values"};

    private final OpenCl.Device device;
    private final MemorySegment context;
    private final MemorySegment queue;
    /** Per dtype, the kernels by name, built at first use. */
    private final Map<DType, Map<String, MemorySegment>> programs = new HashMap<>();

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
        String options = dtype == DType.F32 ? "-DREAL=float" : "-DREAL=double -DUSE_FP64";
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
     * The device buffers of one call: inputs copied in when they are created, outputs copied back and every
     * buffer released on {@link #close}, so a call leaves nothing on the device.
     */
    private final class Op implements AutoCloseable {
        private final DType dtype;
        private final Map<String, MemorySegment> kernels;
        private final Arena arena = Arena.ofConfined();
        private final List<MemorySegment> buffers = new ArrayList<>();
        private final List<Tensor> outputs = new ArrayList<>();
        private final List<MemorySegment> outputBuffers = new ArrayList<>();

        Op(DType dtype) {
            this.dtype = dtype;
            this.kernels = kernels(dtype);
        }

        /** {@return a buffer holding {@code t}'s elements} */
        MemorySegment in(Tensor t) {
            return buffer(t.size(), t.size() == 0 ? null : host(t));
        }

        /** {@return a buffer whose contents are copied into {@code t} at the end of the call} */
        MemorySegment out(Tensor t) {
            return result(t, buffer(t.size(), null));
        }

        /** {@return a buffer holding {@code t}'s elements, copied back into {@code t} at the end of the call} */
        MemorySegment inOut(Tensor t) {
            return result(t, in(t));
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
                    if (outputs.get(i).size() > 0) {
                        // a blocking read on an in-order queue: it also waits for the kernels before it
                        OpenCl.readBuffer(queue, outputBuffers.get(i), host(outputs.get(i)));
                    }
                }
            } finally {
                for (MemorySegment mem : buffers) {
                    OpenCl.releaseBuffer(mem);
                }
                arena.close();
            }
        }
    }
}
