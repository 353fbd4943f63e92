package org.tarflow.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Parallel;
import org.tarflow.tensor.Tensor;

/**
 * float32 C = A·op(B) through the project's GEMM (the gemm of {@code Backends.get(backend)}: {@code simd}, or
 * {@code -p backend=opencl} for the OpenCL kernel with its copies to the device and back), on square
 * sizes and on the shapes TarFlow runs (B·T rows by width 128-1024). Reports milliseconds per product;
 * GFLOP/s = 2·m·n·k / time. Compare with tools/numpy_gemm.py (OpenBLAS) in the same session: bench/gemm-vs-openblas.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class GemmBench {
    /**
     * m x n x k [t]: square 1024 and 2048; the MNIST model's batch-128 projections (6272 = 128·49 rows):
     * qkv (n = 3·128), MLP up (n = 512) and down (k = 512); the backward's weight gradient (A transposed, "t").
     */
    @Param({"1024x1024x1024", "2048x2048x2048", "6272x384x128", "6272x512x128", "6272x128x512", "128x512x6272t"})
    public String shape;

    @Param({"2"})
    public int threads;

    @Param({"simd"})
    public String backend;

    private Kernels k;
    private Tensor a;
    private Tensor b;
    private Tensor c;
    private int m;
    private int n;
    private int kk;
    private boolean transA;

    @Setup(Level.Trial)
    public void setup() {
        Parallel.setThreads(threads);
        k = Backends.get(backend);
        transA = shape.endsWith("t");
        String[] dims = shape.replace("t", "").split("x");
        m = Integer.parseInt(dims[0]);
        n = Integer.parseInt(dims[1]);
        kk = Integer.parseInt(dims[2]);
        SplittableRandom rng = new SplittableRandom(1);
        a = random(rng, m * kk);
        b = random(rng, kk * n);
        c = Tensor.zeros(DType.F32, m * n);
    }

    private static Tensor random(SplittableRandom rng, int size) {
        Tensor t = Tensor.zeros(DType.F32, size);
        for (int i = 0; i < size; i++) {
            t.set(i, rng.nextGaussian());
        }
        return t;
    }

    @Benchmark
    public Tensor gemm() {
        k.gemm(1, transA, false, m, n, kk, 1.0, a, b, 0.0, c);
        return c;
    }
}
