package org.tarflow.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Labelled 8-bit images held as bytes; batches come out as tensors scaled to [-1, 1] as the reference's
 * {@code ToTensor()} + {@code Normalize((0.5,), (0.5,))} does: {@code (v/255 - 0.5) / 0.5}.
 *
 * @param pixels     N·C·H·W values 0..255, image-major, row-major within an image
 * @param labels     N class labels
 * @param channels   C
 * @param height     H in pixels
 * @param width      W in pixels
 * @param numClasses number of classes (labels are in [0, numClasses))
 * @param classNames the classes' names in label order ({@code numClasses} of them), for grids and reports
 */
public record ImageDataset(byte[] pixels, int[] labels, int channels, int height, int width, int numClasses,
                           List<String> classNames) implements Dataset {

    /**
     * Checks that the parts fit together.
     *
     * @throws IllegalArgumentException when the pixel count is not N·C·H·W, a label is outside
     *                                  [0, numClasses), or there are not numClasses names
     */
    public ImageDataset {
        if (channels <= 0 || height <= 0 || width <= 0 || numClasses < 0
                || pixels.length != (long) labels.length * channels * height * width) {
            throw new IllegalArgumentException(pixels.length + " pixel values for " + labels.length + " images of "
                    + channels + "x" + height + "x" + width + " with " + numClasses + " classes");
        }
        if (classNames.size() != numClasses) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + numClasses + " classes");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || (numClasses > 0 && labels[i] >= numClasses)) {
                throw new IllegalArgumentException("label " + labels[i] + " of image " + i + " is outside [0, "
                        + numClasses + ")");
            }
        }
        classNames = List.copyOf(classNames);
    }

    /**
     * Images whose classes are named by their numbers ("0", "1", ...).
     *
     * @param pixels     N·C·H·W values 0..255
     * @param labels     N class labels
     * @param channels   C
     * @param height     H
     * @param width      W
     * @param numClasses number of classes
     */
    public ImageDataset(byte[] pixels, int[] labels, int channels, int height, int width, int numClasses) {
        this(pixels, labels, channels, height, width, numClasses, numbered(numClasses));
    }

    /** {@return the names "0", "1", ..., "k-1"} */
    static List<String> numbered(int k) {
        return java.util.stream.IntStream.range(0, k).mapToObj(Integer::toString).toList();
    }

    @Override
    public int size() {
        return labels.length;
    }

    /** {@return C·H·W, the values of one image} */
    public int imageSize() {
        return channels * height * width;
    }

    @Override
    public int[] itemShape() {
        return new int[] {channels, height, width};
    }

    @Override
    public Tensor batch(int[] indices, DType dtype) {
        return images(indices, dtype);
    }

    /**
     * {@return images {@code indices} as a new (B, C, H, W) tensor in [-1, 1]} Each 8-bit value v becomes
     * {@code (v/255 − 0.5)/0.5}, computed in float for F32 as torchvision does.
     *
     * @param indices the images, in batch order
     * @param dtype   the dtype of the tensor
     */
    public Tensor images(int[] indices, DType dtype) {
        int n = imageSize();
        Tensor x = Tensor.zeros(dtype, indices.length, channels, height, width);
        for (int b = 0; b < indices.length; b++) {
            int src = indices[b] * n;
            for (int j = 0; j < n; j++) {
                int v = pixels[src + j] & 0xff;
                x.set(b * n + j, dtype == DType.F32 ? (v / 255f - 0.5f) / 0.5f : (v / 255.0 - 0.5) / 0.5);
            }
        }
        return x;
    }

    @Override
    public int[] labels(int[] indices) {
        int[] y = new int[indices.length];
        for (int b = 0; b < indices.length; b++) {
            y[b] = labels[indices[b]];
        }
        return y;
    }

    /** The first {@code n} examples (or all if fewer). */
    @Override
    public ImageDataset head(int n) {
        int k = Math.min(n, size());
        return new ImageDataset(java.util.Arrays.copyOf(pixels, k * imageSize()), java.util.Arrays.copyOf(labels, k),
                channels, height, width, numClasses, classNames);
    }

    /**
     * Reads an MNIST-format split from {@code dir}: {@code <split>-images-idx3-ubyte[.gz]} and
     * {@code <split>-labels-idx1-ubyte[.gz]}, with split {@code train} or {@code t10k}.
     *
     * @param dir        the folder holding the four IDX files
     * @param split      {@code train} or {@code t10k}
     * @param numClasses the classes the labels must be below (10 for Fashion-MNIST)
     * @return the split's grey images (C = 1) and labels
     * @throws IdxFormatException when a file is missing or malformed, or images and labels disagree
     * @throws IOException        when a file cannot be read
     */
    public static ImageDataset readMnistSplit(Path dir, String split, int numClasses) throws IOException {
        Path images = find(dir, split + "-images-idx3-ubyte");
        Path labelsFile = find(dir, split + "-labels-idx1-ubyte");
        Idx.Array img = Idx.read(images, 3);
        Idx.Array lab = Idx.read(labelsFile, 1);
        if (img.count() != lab.count()) {
            throw new IdxFormatException(labelsFile, lab.count() + " labels for " + img.count() + " images in " + images);
        }
        int[] y = new int[lab.count()];
        for (int i = 0; i < y.length; i++) {
            y[i] = lab.data()[i] & 0xff;
            if (y[i] >= numClasses) {
                throw new IdxFormatException(labelsFile, "label " + y[i] + " at index " + i + " is not below " + numClasses);
            }
        }
        return new ImageDataset(img.data(), y, 1, img.dims()[1], img.dims()[2], numClasses);
    }

    private static Path find(Path dir, String base) throws IdxFormatException {
        for (String name : new String[] {base, base + ".gz"}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IdxFormatException(dir.resolve(base + "[.gz]"), "no such file");
    }
}
