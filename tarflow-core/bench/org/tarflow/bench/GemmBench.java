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
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g", "-Xms4g"})
public class GemmBench {
    /**
     * m x n x k [t]: square 1024 and 2048; the MNIST model's batch-128 projections (6272 = 128·49 rows):
     * qkv (n = 3·128), MLP up (n = 512) and down (k = 512); the backward's weight gradient (A transposed, "t");
     * and batch-1 decoding of the AFHQ-256 shape (width 768): one row (two with guidance) times the MLP's up
     * and down weights, bound by reading the 9.4 MB weight (GB/s = 4·n·k / time; compare StreamReadBench).
     * Those rotate through enough copies of B (256 MB) that each product reads its weight from memory, not
     * from the L3 cache, as a decoding step does (a block's weights are 226 MB).
     */
    @Param({"1024x1024x1024", "2048x2048x2048", "6272x384x128", "6272x512x128", "6272x128x512", "128x512x6272t",
        "1x3072x768", "1x768x3072", "2x3072x768"})
    public String shape;

    @Param({"2"})
    public int threads;

    @Param({"simd"})
    public String backend;

    private Kernels k;
    private Tensor a;
    private Tensor[] bs;
    private int next;
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
        a = BenchTensors.random(rng, m * kk);
        long bytes = 4L * kk * n;
        bs = new Tensor[m <= 2 ? (int) Math.max(1, (256L << 20) / bytes) : 1];
        bs[0] = BenchTensors.random(rng, kk * n);
        for (int i = 1; i < bs.length; i++) {
            bs[i] = bs[0].copy();
        }
        c = Tensor.zeros(DType.F32, m * n);
    }


    @Benchmark
    public Tensor gemm() {
        Tensor b = bs[next];
        next = (next + 1) % bs.length;
        k.gemm(1, transA, false, m, n, kk, 1.0, a, b, 0.0, c);
        return c;
    }
}
