package org.tarflow.flow;

import java.util.List;

/**
 * How {@link TarFlowModel#reverse(org.tarflow.tensor.Tensor, int[], SamplingOptions, Decoding)} inverts each block: patch by
 * patch, or by fixed-point iteration (docs/ALGORITHM.md, "Sampling as a fixed point").
 *
 * <p>A block's inverse solves {@code x_t = z_t·exp(a_t(x_<t)) + b_t(x_<t)} for t = 1..T-1 (block order).
 * {@link Method#SEQUENTIAL} computes one patch per network pass (the reference's {@code reverse}). The two
 * fixed-point methods split the T-1 unknown patches into consecutive chunks and solve the chunks in order
 * (Gauss-Seidel across chunks); inside a chunk every patch is updated at once from the previous iterate
 * (Jacobi), starting from {@code x = z}, until a row's relative change
 * {@code Σ(x_new - x_old)² / Σ x_new²} over the chunk is below {@code threshold} or the chunk has had
 * {@code maxIterations} iterations, and never more than the chunk's length, after which a causal map's
 * iterate is exact.
 * {@link Method#JACOBI} is apple/ml-starflow's {@code MetaBlock.jacobi}: one chunk size and iteration
 * limit for every block (the whole block by default). {@link Method#GS_JACOBI} is Liu &amp; Qin's GS-Jacobi
 * (arXiv 2505.12849): each block has its own number of segments and iteration limit.
 *
 * <p>The per-block lists are indexed like the model's blocks ({@code blocks.0} first; sampling inverts the
 * last block first) and hold one value for every block or one per block.
 *
 * @param method        the inversion method
 * @param threshold     the relative change below which a row's chunk counts as converged, &gt;= 0 (0: run
 *                      every chunk to its iteration limit); unused by {@link Method#SEQUENTIAL}
 * @param chunks        {@link Method#JACOBI}: patches per chunk, 0 for the whole block;
 *                      {@link Method#GS_JACOBI}: segments per block (the chunk is T-1 divided by this,
 *                      rounded up); empty for {@link Method#SEQUENTIAL}
 * @param maxIterations iterations per chunk at most, &gt;= 1 (0: the chunk's length); empty for
 *                      {@link Method#SEQUENTIAL}
 */
public record Decoding(Method method, double threshold, List<Integer> chunks, List<Integer> maxIterations) {

    /** The inversion methods. */
    public enum Method {
        /** One patch per network pass, T-1 passes per block. */
        SEQUENTIAL,
        /** STARFlow's Jacobi decoding: one setting for all blocks. */
        JACOBI,
        /** GS-Jacobi: segments and iteration limits per block. */
        GS_JACOBI
    }

    /** Patch-by-patch decoding, the reference's. */
    public static final Decoding SEQUENTIAL = new Decoding(Method.SEQUENTIAL, 0, List.of(), List.of());

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if the threshold is negative, NaN or infinite, a list is empty for
     *         a fixed-point method (or not empty for sequential), a value is negative (a segment count or an
     *         iteration limit of 0 where not allowed), or {@link Method#JACOBI} gets more than one value
     */
    public Decoding {
        chunks = List.copyOf(chunks);
        maxIterations = List.copyOf(maxIterations);
        if (!(threshold >= 0) || Double.isInfinite(threshold)) {
            throw new IllegalArgumentException("the Jacobi threshold must be a finite number >= 0, got " + threshold);
        }
        if (method == Method.SEQUENTIAL) {
            if (!chunks.isEmpty() || !maxIterations.isEmpty()) {
                throw new IllegalArgumentException("sequential decoding takes no chunk or iteration settings");
            }
        } else {
            if (chunks.isEmpty() || maxIterations.isEmpty()) {
                throw new IllegalArgumentException(method + " needs a chunk (segment) setting and an iteration limit");
            }
            if (method == Method.JACOBI && (chunks.size() > 1 || maxIterations.size() > 1)) {
                throw new IllegalArgumentException("Jacobi decoding takes one chunk size and one iteration limit "
                        + "for all blocks; per-block lists are for gs-jacobi");
            }
            for (int c : chunks) {
                if (c < (method == Method.GS_JACOBI ? 1 : 0)) {
                    throw new IllegalArgumentException(method == Method.GS_JACOBI
                            ? "segments per block must be >= 1, got " + c : "the chunk size must be >= 0, got " + c);
                }
            }
            for (int m : maxIterations) {
                if (m < 0) {
                    throw new IllegalArgumentException("the iteration limit must be >= 0, got " + m);
                }
            }
        }
    }

    /**
     * {@return STARFlow's Jacobi decoding}
     *
     * @param threshold     relative change at which a row's chunk has converged
     * @param chunk         patches per chunk, 0 for the whole block
     * @param maxIterations iterations per chunk at most, 0 for the chunk's length
     */
    public static Decoding jacobi(double threshold, int chunk, int maxIterations) {
        return new Decoding(Method.JACOBI, threshold, List.of(chunk), List.of(maxIterations));
    }

    /**
     * {@return GS-Jacobi decoding with per-block settings}
     *
     * @param threshold     relative change at which a row's segment has converged
     * @param segments      segments per block: one value for all, or one per block
     * @param maxIterations iterations per segment at most (0: the segment's length): one value, or one per block
     */
    public static Decoding gsJacobi(double threshold, List<Integer> segments, List<Integer> maxIterations) {
        return new Decoding(Method.GS_JACOBI, threshold, segments, maxIterations);
    }

    /**
     * One block's fixed-point setting.
     *
     * @param chunk         patches updated together, 1..T-1
     * @param maxIterations iterations per chunk at most, 1..chunk
     * @param threshold     relative change at which a row's chunk has converged
     */
    record Block(int chunk, int maxIterations, double threshold) {
    }

    /**
     * {@return block {@code i}'s setting for blocks of {@code t} patches, or null for sequential decoding}
     *
     * @throws IllegalArgumentException if the lists have neither one value nor {@code numBlocks}
     */
    Block forBlock(int i, int numBlocks, int t) {
        if (method == Method.SEQUENTIAL) {
            return null;
        }
        int c = pick(chunks, i, numBlocks);
        int unknowns = t - 1;
        int chunk = method == Method.GS_JACOBI ? (unknowns + c - 1) / c : c == 0 ? unknowns : c;
        chunk = Math.max(1, Math.min(chunk, unknowns));
        int m = pick(maxIterations, i, numBlocks);
        return new Block(chunk, m == 0 ? chunk : Math.min(m, chunk), threshold);
    }

    private static int pick(List<Integer> values, int i, int numBlocks) {
        if (values.size() != 1 && values.size() != numBlocks) {
            throw new IllegalArgumentException("per-block list " + values + " has " + values.size()
                    + " values for a model of " + numBlocks + " blocks: give one value or one per block");
        }
        return values.size() == 1 ? values.get(0) : values.get(i);
    }
}
