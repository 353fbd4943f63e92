package org.tarflow.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The memory bandwidth a streaming read reaches from Java: the sum of a float array far larger than the
 * caches (256 MB per thread), with four independent vector accumulators so that the adds never limit it.
 * This is what a batch-1 decoding step does with the weights (each is read once per step and used for one
 * or two rows), so it is the ceiling for that step's speed (issue 14). One operation = one float read: GB/s
 * = ops/ns · 4. Run with {@code -t 1} and {@code -t 2}; each thread sums its own array.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xms2g", "-Xmx2g"})
@Threads(1)
public class StreamReadBench {
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final int FLOATS = 64 << 20; // 256 MB, 8x the L3 of the project's machines

    private float[] data;

    /** Fills the array so that its pages are committed before timing. */
    @Setup
    public void setup() {
        data = new float[FLOATS];
        for (int i = 0; i < FLOATS; i++) {
            data[i] = (i & 1023) * 1e-3f;
        }
    }

    /** {@return the sum of the array} (returned so that the reads cannot be removed) */
    @Benchmark
    @OperationsPerInvocation(FLOATS)
    public float sum() {
        int step = FS.length();
        FloatVector s0 = FloatVector.zero(FS), s1 = s0, s2 = s0, s3 = s0;
        float[] a = data;
        for (int i = 0; i < FLOATS; i += 4 * step) {
            s0 = s0.add(FloatVector.fromArray(FS, a, i));
            s1 = s1.add(FloatVector.fromArray(FS, a, i + step));
            s2 = s2.add(FloatVector.fromArray(FS, a, i + 2 * step));
            s3 = s3.add(FloatVector.fromArray(FS, a, i + 3 * step));
        }
        return s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
    }
}
