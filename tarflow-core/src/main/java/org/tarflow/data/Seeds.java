package org.tarflow.data;

import java.util.SplittableRandom;

/**
 * Independent random streams derived from one seed, so that every random draw of a run (initialisation,
 * data order of an epoch, noise of a step, ...) can be recreated from (seed, stream, index) alone. This is
 * what makes a resumed run draw exactly what an uninterrupted one would.
 */
public final class Seeds {
    /**
     * Stream of the training data order: index = epoch (parameter initialisation uses
     * {@code new SplittableRandom(seed)} itself).
     */
    public static final int DATA_ORDER = 1;
    /** Stream of one training step's noise and label dropout: index = step. */
    public static final int STEP = 2;
    /** Stream of evaluation draws (dequantisation noise of batch i, Monte Carlo estimates). */
    public static final int EVAL = 3;
    /** Stream of the prior noise that samples start from. */
    public static final int SAMPLES = 4;
    /** Synthetic data drawn for a run (the toy densities' training and test points). */
    public static final int SYNTHETIC_DATA = 5;
    /** Prior noise of the evaluation's samples, indexed by (sample, attempt) ({@code eval.GuardedSampler}). */
    public static final int EVAL_SAMPLES = 6;
    /** Fresh prior noise for the samples that {@code tarflow sample} draws again, indexed by (sample, attempt). */
    public static final int SAMPLE_REDRAWS = 7;

    private Seeds() {
    }

    /**
     * {@return a generator for item {@code index} of {@code stream} under {@code seed}} The three numbers
     * are mixed with SplitMix64's finaliser into the generator's seed, so nearby seeds, streams and indices
     * give unrelated sequences.
     *
     * @param seed   the run's seed
     * @param stream one of the stream ids of this class
     * @param index  the item within the stream (epoch, step, batch, ...)
     */
    public static SplittableRandom stream(long seed, int stream, long index) {
        long h = mix(seed ^ 0x9E3779B97F4A7C15L * (stream + 1));
        h = mix(h ^ (index * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL));
        return new SplittableRandom(h);
    }

    /** SplitMix64's finaliser. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * {@return a uniformly random permutation of 0..n-1 (Fisher–Yates)}
     *
     * @param n   the number of items
     * @param rng the generator, drawn from n − 1 times
     */
    public static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
