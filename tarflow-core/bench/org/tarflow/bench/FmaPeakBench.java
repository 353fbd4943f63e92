package org.tarflow.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's float32 FMA ceiling as the Vector API reaches it: the GEMM micro-kernel's 12 independent
 * accumulators (6 rows x 2 vectors) updated by FMAs on operands held in registers, no memory traffic. One
 * operation = one FMA instruction on a preferred-species vector, i.e. 2·lanes flops (32 on AVX-512). Run with
 * {@code -t 1} and {@code -t 2} for one and both cores: GFLOP/s = ops/ns · 2 · lanes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@Threads(1)
public class FmaPeakBench {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int STEPS = 1 << 14;

    public float seed = 1e-3f;

    @Benchmark
    @OperationsPerInvocation(12 * STEPS)
    public float fmaInRegisters() {
        FloatVector b0 = FloatVector.broadcast(FS, seed);
        FloatVector b1 = FloatVector.broadcast(FS, -seed);
        FloatVector x0 = FloatVector.broadcast(FS, 0.999f), x1 = FloatVector.broadcast(FS, 0.998f);
        FloatVector x2 = FloatVector.broadcast(FS, 0.997f), x3 = FloatVector.broadcast(FS, 0.996f);
        FloatVector x4 = FloatVector.broadcast(FS, 0.995f), x5 = FloatVector.broadcast(FS, 0.994f);
        FloatVector c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1;
        FloatVector c30 = b0, c31 = b1, c40 = b0, c41 = b1, c50 = b0, c51 = b1;
        for (int q = 0; q < STEPS; q++) {
            c00 = x0.fma(c00, b0);
            c01 = x0.fma(c01, b1);
            c10 = x1.fma(c10, b0);
            c11 = x1.fma(c11, b1);
            c20 = x2.fma(c20, b0);
            c21 = x2.fma(c21, b1);
            c30 = x3.fma(c30, b0);
            c31 = x3.fma(c31, b1);
            c40 = x4.fma(c40, b0);
            c41 = x4.fma(c41, b1);
            c50 = x5.fma(c50, b0);
            c51 = x5.fma(c51, b1);
        }
        return c00.add(c01).add(c10).add(c11).add(c20).add(c21).add(c30).add(c31).add(c40).add(c41).add(c50).add(c51)
                .reduceLanes(jdk.incubator.vector.VectorOperators.ADD);
    }
}
