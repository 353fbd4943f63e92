package org.tarflow.bench;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Two builds of the kernels timed against each other in one JVM, in alternating bursts, for a machine
 * that other work shares: load that comes and goes falls on both builds alike, where runs one after the
 * other (JMH's forks) can differ by 50% on a busy host. Each build's classes ({@code target/classes} of
 * tarflow-core, copied aside before a change) get their own class loader, so each has its own
 * {@code SimdGemm}, {@code SimdKernels} and thread pool; the operands are built through each loader.
 *
 * <p>The operations are those of a batch-1 decoding step at the AFHQ-256 shape (issue 14), with their
 * inputs rotating through 256 MB so that they come from memory as in a decoding step: {@code gemm-MxNxK}
 * (C = A·B, B of K x N float32; GB/s = 4·N·K bytes / time) and {@code attend} (12 heads of 64 against a
 * 1024-position KV cache, successive calls over 1, 2, ..., 1024 positions as the steps of an image are, as
 * in DecodeAttentionBench; GB/s = 2·12·512.5·64·4 bytes / time).
 *
 * <p>Usage: {@code java --add-modules=jdk.incubator.vector -cp tarflow-core/target/test-classes
 * org.tarflow.bench.PairedBench OP DIR_A DIR_B} (the class path needs none of tarflow-core's own classes), with
 * {@code -Dthreads=2} (the default), {@code -Dburst=100} calls per burst and {@code -Drounds=40} pairs of
 * bursts, in the order A B, B A, A B, ... Prints each build's median and quartiles of the per-burst mean
 * time and in how many pairs B was faster.
 */
public final class PairedBench {
    /** One timed call, {@code i} counting the calls so far (which input to rotate to). */
    @FunctionalInterface
    private interface Call {
        void run(int i) throws ReflectiveOperationException;
    }

    private PairedBench() {
    }

    /** One build's classes, reached by reflection. */
    private static final class Build {
        private final ClassLoader loader;
        private final Object kernels;
        private final Class<?> tensor;
        private final Class<?> dtype;
        private final Object f32;

        Build(Path classes, int threads) throws ReflectiveOperationException, java.io.IOException {
            // the platform loader as parent: the JDK's modules, and none of this class path's classes
            loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            loader.loadClass("org.tarflow.tensor.Parallel").getMethod("setThreads", int.class).invoke(null, threads);
            kernels = loader.loadClass("org.tarflow.tensor.Backends").getMethod("get", String.class).invoke(null, "simd");
            tensor = loader.loadClass("org.tarflow.tensor.Tensor");
            dtype = loader.loadClass("org.tarflow.tensor.DType");
            f32 = dtype.getField("F32").get(null);
        }

        Object random(SplittableRandom rng, int... shape) throws ReflectiveOperationException {
            Object t = tensor.getMethod("zeros", dtype, int[].class).invoke(null, f32, shape);
            float[] a = (float[]) tensor.getMethod("f32").invoke(t);
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) rng.nextGaussian();
            }
            return t;
        }

        /** {@code count} tensors: {@code first} and copies of it. */
        Object[] copies(Object first, int count) throws ReflectiveOperationException {
            Object[] all = new Object[count];
            all[0] = first;
            for (int i = 1; i < count; i++) {
                all[i] = tensor.getMethod("copy").invoke(first);
            }
            return all;
        }

        Method kernel(String name, Class<?>... params) throws ReflectiveOperationException {
            return loader.loadClass("org.tarflow.tensor.Kernels").getMethod(name, params);
        }
    }

    /**
     * Runs the comparison.
     *
     * @param args the operation ({@code gemm-MxNxK} or {@code attend}) and the two classes folders
     * @throws Exception when a build cannot be loaded or a call fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: PairedBench gemm-MxNxK|attend DIR_A DIR_B");
        }
        String op = args[0];
        int threads = Integer.getInteger("threads", 2);
        Build[] builds = {new Build(Path.of(args[1]), threads), new Build(Path.of(args[2]), threads)};
        Call[] calls = new Call[2];
        long bytes = 0;
        for (int v = 0; v < 2; v++) {
            Build b = builds[v];
            SplittableRandom rng = new SplittableRandom(1);
            if (op.startsWith("gemm-")) {
                int[] d = Arrays.stream(op.substring(5).split("x")).mapToInt(Integer::parseInt).toArray();
                int m = d[0], n = d[1], k = d[2];
                Object a = b.random(rng, m * k), c = b.random(rng, m * n);
                Object[] ws = b.copies(b.random(rng, k * n), (int) Math.max(1, (256L << 20) / (4L * n * k)));
                Method g = b.kernel("gemm", int.class, boolean.class, boolean.class, int.class, int.class, int.class,
                        double.class, b.tensor, b.tensor, double.class, b.tensor);
                calls[v] = i -> g.invoke(b.kernels, 1, false, false, m, n, k, 1.0, a, ws[i % ws.length], 0.0, c);
                bytes = 4L * n * k;
            } else if (op.equals("attend")) {
                int heads = 12, d = 64, cap = 1024;
                Object q = b.random(rng, heads, d), out = b.random(rng, heads, d);
                int count = (int) ((256L << 20) / (8L * heads * d * cap));
                Object[] ks = b.copies(b.random(rng, heads, d, cap), count);
                Object[] vs = b.copies(b.random(rng, heads, cap, d), count);
                Method g = b.kernel("attendCached", b.tensor, b.tensor, b.tensor, int.class, double[].class, b.tensor);
                double[] scales = {1.0 / Math.sqrt(d)};
                calls[v] = i -> g.invoke(b.kernels, q, ks[i % count], vs[i % count], 1 + i % cap, scales, out);
                bytes = (long) (2 * heads * 512.5 * d * 4);
            } else {
                throw new IllegalArgumentException("unknown operation " + op + ": gemm-MxNxK or attend");
            }
        }
        int burst = Integer.getInteger("burst", 100);
        int rounds = Integer.getInteger("rounds", 40);
        int calls0 = 0;
        for (int warm = 0; warm < 9 * burst; warm++) { // past C2's compilation of both builds' kernels
            calls[0].run(calls0);
            calls[1].run(calls0++);
        }
        double[][] ms = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int x = 0; x < 2; x++) {
                int v = r % 2 == 0 ? x : 1 - x;
                long start = System.nanoTime();
                for (int i = 0; i < burst; i++) {
                    calls[v].run(calls0++);
                }
                ms[v][r] = (System.nanoTime() - start) / 1e6 / burst;
            }
        }
        int bFaster = 0;
        for (int r = 0; r < rounds; r++) {
            bFaster += ms[1][r] < ms[0][r] ? 1 : 0;
        }
        for (int v = 0; v < 2; v++) {
            double[] s = ms[v].clone();
            Arrays.sort(s);
            double median = s[rounds / 2];
            System.out.printf("%s %s: median %.3f ms (quartiles %.3f-%.3f), %.1f GB/s at the median%n", op,
                    v == 0 ? "A" : "B", median, s[rounds / 4], s[3 * rounds / 4], bytes / median / 1e6);
        }
        System.out.printf("%s: B faster than A in %d of %d pairs of bursts%n", op, bFaster, rounds);
    }
}
