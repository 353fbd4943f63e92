package org.tarflow.flow;

import org.tarflow.nn.Attention;

/**
 * The shape of a TarFlow image model: the arguments of the reference's {@code Model(...)}.
 *
 * @param inChannels     image channels C
 * @param imgSize        image height = width, in pixels
 * @param patchSize      patch side p; the image becomes T = (imgSize/p)^2 patches of D = C·p² values
 * @param channels       Transformer width, a positive multiple of the head dimension 64
 * @param numBlocks      number of flow blocks
 * @param layersPerBlock Transformer layers in each flow block
 * @param nvp            true: affine flow with learned log-scale; false: volume-preserving (shift only)
 * @param numClasses     number of classes for the class embedding, 0 for an unconditional model
 */
public record ModelConfig(int inChannels, int imgSize, int patchSize, int channels, int numBlocks,
                          int layersPerBlock, boolean nvp, int numClasses) {

    /**
     * @throws IllegalArgumentException naming the offending field and what to change
     */
    public ModelConfig {
        positive(inChannels, "in_channels");
        positive(imgSize, "img_size");
        positive(patchSize, "patch_size");
        positive(numBlocks, "num_blocks");
        positive(layersPerBlock, "layers_per_block");
        if (imgSize % patchSize != 0) {
            throw new IllegalArgumentException("img_size " + imgSize + " is not divisible by patch_size " + patchSize
                    + ": choose a patch size that divides the image size");
        }
        if (channels <= 0 || channels % Attention.HEAD_DIM != 0) {
            throw new IllegalArgumentException("channels " + channels + " must be a positive multiple of "
                    + Attention.HEAD_DIM + " (the attention head dimension)");
        }
        if (numClasses < 0) {
            throw new IllegalArgumentException("num_classes must be >= 0, got " + numClasses);
        }
        if ((long) (imgSize / patchSize) * (imgSize / patchSize) > MAX_PATCHES || (long) inChannels * patchSize * patchSize > MAX_PATCHES) {
            throw new IllegalArgumentException("img_size " + imgSize + ", patch_size " + patchSize + " and in_channels "
                    + inChannels + " give an impossibly large sequence");
        }
        long params = approximateParameters(inChannels * patchSize * patchSize, numPatches(imgSize, patchSize), channels,
                numBlocks, layersPerBlock, numClasses);
        if (params > MAX_PARAMETERS) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "model too large: about %.3g parameters (limit %.0e)", (double) params, (double) MAX_PARAMETERS));
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

    /** T, the sequence length. */
    public int numPatches() {
        return numPatches(imgSize, patchSize);
    }

    /** D = C·p², the values per patch. */
    public int patchDim() {
        return inChannels * patchSize * patchSize;
    }

    /** True when the model has a class embedding. */
    public boolean conditional() {
        return numClasses > 0;
    }

    /** The reference's MNIST-notebook model: 1×28×28, patch 4, width 128, 4 blocks × 4 layers, 10 classes. */
    public static ModelConfig mnistNotebook() {
        return new ModelConfig(1, 28, 4, 128, 4, 4, true, 10);
    }
}
