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
 * One batch-1 decoding step's attention over the KV cache at the AFHQ-256 shape (issue 14): 12 heads of 64
 * against a cache of 1024 positions, through {@code Backends.get("simd")}. Successive calls attend over 1, 2,
 * ..., 1024 positions and around again, as the steps of decoding an image do (a fixed length that is a
 * multiple of 16 would leave out the masked last vector, and with it a slow compilation of the kernel that
 * only the mix showed). A decoding step reads one layer's keys and values between that layer's weights, so
 * they come from memory: the call rotates through enough caches (256 MB) that none is in the 32 MB L3 when
 * it is read. Reports milliseconds per call, the mean over the lengths; GB/s = 2·12·512.5·64·4 bytes / time
 * (compare StreamReadBench).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx2g", "-Xms2g"})
public class DecodeAttentionBench {
    private static final int HEADS = 12;
    private static final int D = 64;
    private static final int CAPACITY = 1024;

    @Param({"2"})
    public int threads;

    private final Kernels k = Backends.get("simd");
    private final double[] scales = {1.0 / Math.sqrt(D)};
    private Tensor q;
    private Tensor[] keys;
    private Tensor[] values;
    private Tensor out;
    private int next;

    @Setup(Level.Trial)
    public void setup() {
        Parallel.setThreads(threads);
        SplittableRandom rng = new SplittableRandom(1);
        q = BenchTensors.random(rng, HEADS, D);
        out = Tensor.zeros(DType.F32, HEADS, D);
        int caches = (int) ((256L << 20) / (2L * 4 * HEADS * D * CAPACITY));
        keys = new Tensor[caches];
        values = new Tensor[caches];
        keys[0] = BenchTensors.random(rng, HEADS, D, CAPACITY);
        values[0] = BenchTensors.random(rng, HEADS, CAPACITY, D);
        for (int i = 1; i < caches; i++) {
            keys[i] = keys[0].copy();
            values[i] = values[0].copy();
        }
    }


    @Benchmark
    public Tensor attendCached() {
        int i = next++;
        k.attendCached(q, keys[i % keys.length], values[i % keys.length], 1 + i % CAPACITY, scales, out);
        return out;
    }
}
