package org.tarflow.cli;

import java.util.List;
import org.tarflow.flow.Decoding;
import picocli.CommandLine.Option;

/**
 * {@code --method sequential|jacobi|gs-jacobi} and its settings (a picocli mixin of {@code sample}): how each
 * flow block is inverted ({@link Decoding}; docs/ALGORITHM.md, "Sampling as a fixed point").
 */
final class DecodingOptions {
    /**
     * GS-Jacobi's segments per block when none are given, {@code blocks.0} first: in Jacobi decoding of the
     * trained Fashion-MNIST model of the main job (docs/PERFORMANCE.md) the block sampled first ({@code blocks.3})
     * needed 15 iterations over its 48 patches and the others about 3, so the convergence metric puts the
     * segments there; one value per block of a 4-block model, else 8 for every block.
     */
    private static final List<Integer> GS_SEGMENTS_4 = List.of(1, 1, 1, 8);

    @Option(names = "--method", completionCandidates = Choices.Method.class, defaultValue = "sequential", paramLabel = "sequential|jacobi|gs-jacobi",
            description = "How each block is inverted: sequential (one patch per network pass), jacobi (STARFlow's "
                    + "parallel fixed-point iteration over chunks of patches) or gs-jacobi (Gauss-Seidel over "
                    + "segments, Jacobi inside, settings per block). Default: ${DEFAULT-VALUE}")
    String method;

    @Option(names = "--jacobi-threshold", defaultValue = "1e-3",
            description = "jacobi/gs-jacobi: a sample's chunk has converged when the relative change "
                    + "sum((x_new - x_old)^2) / sum(x_new^2) falls below this (0: always run to the limit). Default: ${DEFAULT-VALUE}")
    double threshold;

    @Option(names = "--jacobi-chunk", defaultValue = "0",
            description = "jacobi: patches updated together, 0 for the whole block. Default: ${DEFAULT-VALUE}")
    int chunk;

    @Option(names = "--jacobi-max-iter", defaultValue = "0",
            description = "jacobi: iterations per chunk at most, 0 for the chunk's length (after which the "
                    + "iterate is exact). Default: ${DEFAULT-VALUE}")
    int maxIter;

    @Option(names = "--gs-segments", split = ",", paramLabel = "N[,N...]",
            description = "gs-jacobi: segments per block, blocks.0 first (sampled last); one value for all blocks. "
                    + "Default: 1,1,1,8 for 4 blocks, else 8.")
    List<Integer> segments;

    @Option(names = "--gs-max-iter", split = ",", defaultValue = "0", paramLabel = "N[,N...]",
            description = "gs-jacobi: iterations per segment at most, blocks.0 first, 0 for the segment's length; "
                    + "one value for all blocks. Default: ${DEFAULT-VALUE}")
    List<Integer> gsMaxIter;

    /**
     * {@return the decoding the options name, for a model of {@code numBlocks} blocks}
     *
     * @throws IllegalArgumentException for an unknown method or settings {@link Decoding} rejects
     */
    Decoding decoding(int numBlocks) {
        return switch (method) {
            case "sequential" -> Decoding.SEQUENTIAL;
            case "jacobi" -> Decoding.jacobi(threshold, chunk, maxIter);
            case "gs-jacobi" -> Decoding.gsJacobi(threshold,
                    segments != null ? segments : numBlocks == GS_SEGMENTS_4.size() ? GS_SEGMENTS_4 : List.of(8),
                    gsMaxIter);
            default -> throw new IllegalArgumentException("--method must be sequential, jacobi or gs-jacobi, got '"
                    + method + "'");
        };
    }
}
