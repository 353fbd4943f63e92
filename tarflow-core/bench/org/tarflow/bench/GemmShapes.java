package org.tarflow.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Parallel;
import org.tarflow.tensor.Tensor;

/**
 * float32 GEMM throughput per shape, as the median of five rounds (after one untimed round), each round timing
 * every shape in turn for about 30 GFLOP: a plain program beside {@link GemmBench} for A/B comparisons of
 * small products, where JMH's separate trials per shape gave errors of ±100-200% on this project's shared VMs
 * (the shapes' JIT states differ between trials) while interleaved rounds in one JVM agree to a few percent.
 *
 * <p>Usage (classpath as for FmaPeakBench, docs/PERFORMANCE.md): {@code java --add-modules=jdk.incubator.vector
 * -cp ... org.tarflow.bench.GemmShapes THREADS SHAPE...}, each SHAPE {@code batch x m x n x k x tAtB}, e.g.
 * {@code 1x512x128x490xtn} (one product, A transposed, B not) or {@code 40x49x49x64xnt} (40 attention score
 * matrices). Prints one line per shape: median and best GFLOP/s = 2·batch·m·n·k / time.
 */
public final class GemmShapes {
    private GemmShapes() {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: GemmShapes THREADS SHAPE... (SHAPE: batch x m x n x k x tAtB, e.g. 1x512x128x490xtn)");
            System.exit(2);
        }
        Parallel.setThreads(Integer.parseInt(args[0]));
        Kernels k = Backends.get("simd");
        String[] shapes = Arrays.copyOfRange(args, 1, args.length);
        int rounds = 6;
        double[][] gflops = new double[shapes.length][rounds];
        SplittableRandom rng = new SplittableRandom(1);
        Tensor[][] operands = new Tensor[shapes.length][];
        int[][] dims = new int[shapes.length][];
        boolean[][] trans = new boolean[shapes.length][];
        for (int s = 0; s < shapes.length; s++) {
            String[] d = shapes[s].split("x");
            if (d.length != 5 || d[4].length() != 2) {
                throw new IllegalArgumentException("shape must be batch x m x n x k x tAtB (t or n each), got " + shapes[s]);
            }
            int batch = Integer.parseInt(d[0]), m = Integer.parseInt(d[1]), n = Integer.parseInt(d[2]), kk = Integer.parseInt(d[3]);
            dims[s] = new int[] {batch, m, n, kk};
            trans[s] = new boolean[] {d[4].charAt(0) == 't', d[4].charAt(1) == 't'};
            operands[s] = new Tensor[] {BenchTensors.random(rng, batch * m * kk), BenchTensors.random(rng, batch * kk * n),
                Tensor.zeros(DType.F32, batch * m * n)};
        }
        for (int round = 0; round < rounds; round++) {
            for (int s = 0; s < shapes.length; s++) {
                int[] d = dims[s];
                Tensor[] o = operands[s];
                double flop = 2.0 * d[0] * d[1] * d[2] * d[3];
                int reps = (int) Math.max(3, 3e10 / flop);
                long t0 = System.nanoTime();
                for (int i = 0; i < reps; i++) {
                    k.gemm(d[0], trans[s][0], trans[s][1], d[1], d[2], d[3], 1.0, o[0], o[1], 0.0, o[2]);
                }
                gflops[s][round] = flop * reps / ((System.nanoTime() - t0) / 1e9) / 1e9;
            }
        }
        for (int s = 0; s < shapes.length; s++) {
            double[] r = Arrays.copyOfRange(gflops[s], 1, rounds); // round 0 is the warm-up
            Arrays.sort(r);
            System.out.printf("%-22s median %6.1f  best %6.1f GFLOP/s%n", shapes[s], r[r.length / 2], r[r.length - 1]);
        }
    }
}
