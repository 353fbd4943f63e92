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
 * The non-GEMM SIMD kernels ({@code Backends.get("simd")}) on one thread, at the shapes one group of the mnist bench model
 * runs: 1000 patch rows (20 images of 49 patches) of width 128, MLP width 512, 2 heads of 64, and for the
 * KV-cache read 20 sampling rows attending over 48 cached positions. One thread, because training, the NLL
 * and sampling run each group's kernels serially on its thread. Reports microseconds per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx1g"})
public class KernelBench {
    private static final int ROWS = 1000;
    private static final int C = 128;
    private static final int HIDDEN = 4 * C;
    private static final int T = 49;
    private static final int HEADS = 2;
    private static final int IMAGES = 20;
    private static final int D = 64;
    /** The KV cache's capacity for T = 49: positions padded to a multiple of 16, as {@code nn.KVCache} does. */
    private static final int CAPACITY = 64;

    private final Kernels k = Backends.get("simd");
    private Tensor hidden;
    private Tensor hiddenOut;
    private Tensor hiddenGrad;
    private Tensor x;
    private Tensor xOut;
    private Tensor weight;
    private Tensor bias;
    private Tensor mean;
    private Tensor rstd;
    private Tensor scores;
    private Tensor probs;
    private Tensor q;
    private Tensor keys;
    private Tensor values;
    private Tensor attended;
    private final double[] scales = {1.0 / Math.sqrt(D)};

    @Setup(Level.Trial)
    public void setup() {
        Parallel.setThreads(1);
        SplittableRandom rng = new SplittableRandom(1);
        hidden = BenchTensors.random(rng, ROWS, HIDDEN);
        hiddenOut = Tensor.zeros(DType.F32, ROWS, HIDDEN);
        hiddenGrad = BenchTensors.random(rng, ROWS, HIDDEN);
        x = BenchTensors.random(rng, ROWS, C);
        xOut = Tensor.zeros(DType.F32, ROWS, C);
        weight = BenchTensors.random(rng, C);
        bias = BenchTensors.random(rng, C);
        mean = Tensor.zeros(DType.F32, ROWS);
        rstd = Tensor.zeros(DType.F32, ROWS);
        scores = BenchTensors.random(rng, IMAGES * HEADS, T, T);
        probs = Tensor.zeros(DType.F32, IMAGES * HEADS, T, T);
        int r = IMAGES * HEADS;
        q = BenchTensors.random(rng, r, D);
        keys = BenchTensors.random(rng, r, D, CAPACITY);
        values = BenchTensors.random(rng, r, CAPACITY, D);
        attended = Tensor.zeros(DType.F32, r, D);
    }


    /** GELU of the MLP pre-activation (1000 x 512). */
    @Benchmark
    public Tensor gelu() {
        k.gelu(hidden, hiddenOut);
        return hiddenOut;
    }

    /** Its backward (1000 x 512). */
    @Benchmark
    public Tensor geluBackward() {
        k.geluBackward(hidden, hiddenGrad, hiddenOut);
        return hiddenOut;
    }

    /** LayerNorm over 1000 rows of 128. */
    @Benchmark
    public Tensor layerNorm() {
        k.layerNorm(x, weight, bias, 1e-5, xOut, mean, rstd);
        return xOut;
    }

    /** The bias add of a Linear (1000 x 128 plus a row of 128). */
    @Benchmark
    public Tensor addBias() {
        k.add(x, bias, 1.0, xOut);
        return xOut;
    }

    /** Causal softmax of 40 (image, head) score matrices of 49 x 49. */
    @Benchmark
    public Tensor softmaxCausal() {
        k.softmaxCausal(scores, probs);
        return probs;
    }

    /** One sampling step's attention read: 40 (row, head) queries against 48 cached positions. */
    @Benchmark
    public Tensor attendCached() {
        k.attendCached(q, keys, values, T - 1, scales, attended);
        return attended;
    }
}
