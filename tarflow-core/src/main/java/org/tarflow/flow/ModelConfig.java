package org.tarflow.flow;

import org.tarflow.nn.Attention;

/**
 * The shape of a TarFlow model. For images these are the arguments of the reference's {@code Model(...)};
 * a sequence model ({@link #sequence}) works on any (N, T, D) data with no image front end.
 *
 * @param inChannels     image channels C; for a sequence model, the values per token D
 * @param imgSize        image height = width, in pixels; 0 for a sequence model
 * @param patchSize      patch side p; the image becomes T = (imgSize/p)^2 patches of D = C·p² values; 1 for
 *                       a sequence model
 * @param channels       Transformer width, a positive multiple of the head dimension 64
 * @param numBlocks      number of flow blocks
 * @param layersPerBlock Transformer layers in each flow block
 * @param nvp            true: affine flow with learned log-scale; false: volume-preserving (shift only)
 * @param numClasses     number of classes for the class embedding, 0 for an unconditional model
 * @param seqLength      0 for an image model; T for a sequence model
 */
public record ModelConfig(int inChannels, int imgSize, int patchSize, int channels, int numBlocks,
                          int layersPerBlock, boolean nvp, int numClasses, int seqLength) {

    /**
     * An image model: the reference's {@code Model(...)} arguments, with {@code seqLength} 0.
     *
     * @param inChannels     image channels C (1 grey, 3 RGB)
     * @param imgSize        image side in pixels, a multiple of {@code patchSize}
     * @param patchSize      patch side p; (imgSize/p)² must be at least 2
     * @param channels       Transformer width, a positive multiple of 64
     * @param numBlocks      number of flow blocks
     * @param layersPerBlock Transformer layers per block
     * @param nvp            affine (true) or volume-preserving (false)
     * @param numClasses     classes of the class embedding; 0 for unconditional
     * @throws IllegalArgumentException as the canonical constructor
     */
    public ModelConfig(int inChannels, int imgSize, int patchSize, int channels, int numBlocks, int layersPerBlock,
                       boolean nvp, int numClasses) {
        this(inChannels, imgSize, patchSize, channels, numBlocks, layersPerBlock, nvp, numClasses, 0);
    }

    /**
     * A model of sequences of {@code t} tokens of {@code d} values each (B, T, D), e.g. atoms of a molecule
     * (D = 3) or a 2-D point as T = 2 tokens of D = 1.
     *
     * @param t              T, tokens per sequence, at least 2 (each block passes its first token unchanged)
     * @param d              D, values per token
     * @param channels       Transformer width, a positive multiple of 64
     * @param numBlocks      number of flow blocks
     * @param layersPerBlock Transformer layers per block
     * @param nvp            affine (true) or volume-preserving (false)
     * @param numClasses     classes of the class embedding; 0 for unconditional
     * @return the configuration, with {@code imgSize} 0 and {@code patchSize} 1
     * @throws IllegalArgumentException if {@code t < 2} or a field is invalid as for the canonical constructor
     */
    public static ModelConfig sequence(int t, int d, int channels, int numBlocks, int layersPerBlock, boolean nvp,
                                       int numClasses) {
        if (t < 2) {
            throw new IllegalArgumentException("a sequence model needs at least 2 tokens (the first passes each block"
                    + " unchanged), got " + t);
        }
        return new ModelConfig(d, 0, 1, channels, numBlocks, layersPerBlock, nvp, numClasses, t);
    }

    /**
     * Validates the configuration: positive sizes; an image side divisible by the patch size and at
     * least 2 patches (or, for a sequence model, {@code imgSize} 0, {@code patchSize} 1 and at least 2
     * tokens); a width that is a multiple of 64; and a model small enough to build (at most 2^20 patches,
     * 2^20 values per patch and about 2·10⁹ parameters).
     *
     * @throws IllegalArgumentException naming the offending field and what to change
     */
    public ModelConfig {
        positive(inChannels, seqLength > 0 ? "token_dim" : "in_channels");
        positive(numBlocks, "num_blocks");
        positive(layersPerBlock, "layers_per_block");
        if (seqLength < 0) {
            throw new IllegalArgumentException("seq_len must be >= 0, got " + seqLength);
        }
        if (seqLength > 0) {
            checkSequence(inChannels, imgSize, patchSize, seqLength);
        } else {
            checkImage(inChannels, imgSize, patchSize);
        }
        if (channels <= 0 || channels % Attention.HEAD_DIM != 0) {
            throw new IllegalArgumentException("channels " + channels + " must be a positive multiple of "
                    + Attention.HEAD_DIM + " (the attention head dimension)");
        }
        if (numClasses < 0) {
            throw new IllegalArgumentException("num_classes must be >= 0, got " + numClasses);
        }
        long t = seqLength > 0 ? seqLength : numPatches(imgSize, patchSize);
        long d = seqLength > 0 ? inChannels : (long) inChannels * patchSize * patchSize;
        long params = approximateParameters(d, t, channels, numBlocks, layersPerBlock, numClasses);
        if (params > MAX_PARAMETERS) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "model too large: about %.3g parameters (limit %.0e)", (double) params, (double) MAX_PARAMETERS));
        }
    }

    private static void checkSequence(int d, int imgSize, int patchSize, int t) {
        if (imgSize != 0 || patchSize != 1) {
            throw new IllegalArgumentException("a sequence model has img_size 0 and patch_size 1");
        }
        if (t < 2 || t > MAX_PATCHES || d > MAX_PATCHES) {
            throw new IllegalArgumentException("a sequence model needs 2 to " + MAX_PATCHES + " tokens of at most "
                    + MAX_PATCHES + " values, got " + t + " of " + d);
        }
    }

    private static void checkImage(int inChannels, int imgSize, int patchSize) {
        positive(imgSize, "img_size");
        positive(patchSize, "patch_size");
        if (imgSize % patchSize != 0) {
            throw new IllegalArgumentException("img_size " + imgSize + " is not divisible by patch_size " + patchSize
                    + ": choose a patch size that divides the image size");
        }
        if ((long) (imgSize / patchSize) * (imgSize / patchSize) > MAX_PATCHES || (long) inChannels * patchSize * patchSize > MAX_PATCHES) {
            throw new IllegalArgumentException("img_size " + imgSize + ", patch_size " + patchSize + " and in_channels "
                    + inChannels + " give an impossibly large sequence");
        }
        if (numPatches(imgSize, patchSize) < 2) {
            throw new IllegalArgumentException("the image must have at least 2 patches (img_size " + imgSize
                    + ", patch_size " + patchSize + ")");
        }
    }

    /** Limits that reject configurations no machine could hold (or whose sizes overflow an int). */
    private static final long MAX_PATCHES = 1L << 20;
    private static final long MAX_PARAMETERS = 2_000_000_000L;

    /** Parameter count: per block, the layers' 12C² + 13C, embeddings, proj_in and proj_out. */
    private static long approximateParameters(long d, long t, long c, long blocks, long layers, long classes) {
        return blocks * (layers * (12 * c * c + 13 * c) + t * c + classes * c + (d + 1) * c + (c + 1) * 2 * d);
    }

    private static int numPatches(int imgSize, int patchSize) {
        int side = imgSize / patchSize;
        return side * side;
    }

    private static void positive(int v, String name) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + v);
        }
    }

    /** {@return T, the sequence length (patches of an image, or tokens)} */
    public int numPatches() {
        return seqLength > 0 ? seqLength : numPatches(imgSize, patchSize);
    }

    /** {@return D, the values per patch or token: C·p² for images} */
    public int patchDim() {
        return seqLength > 0 ? inChannels : inChannels * patchSize * patchSize;
    }

    /** {@return true for an image model, false for a sequence model} */
    public boolean isImage() {
        return seqLength == 0;
    }

    /** {@return true when the model has a class embedding ({@code numClasses > 0})} */
    public boolean conditional() {
        return numClasses > 0;
    }

    /** {@return the reference's MNIST-notebook model: 1×28×28, patch 4, width 128, 4 blocks × 4 layers, affine, 10 classes} */
    public static ModelConfig mnistNotebook() {
        return new ModelConfig(1, 28, 4, 128, 4, 4, true, 10);
    }
}
