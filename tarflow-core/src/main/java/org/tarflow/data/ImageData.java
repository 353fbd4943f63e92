package org.tarflow.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The image data sets {@code --data DIR} can name, recognised by what the folder holds: MNIST-format IDX
 * files ({@code train-images-idx3-ubyte[.gz]} ..., as Fashion-MNIST), the CIFAR-10 binary batches
 * ({@link Cifar10}), or an {@link ImageFolder}. An image folder with sub-folders {@code train} and
 * {@code val} (or {@code test}), each an image folder with the same classes, gives both splits (the
 * ImageNet layout); any other image folder is a training set without a test split.
 */
public final class ImageData {
    private ImageData() {
    }

    /**
     * The splits of a data set.
     *
     * @param train  the training images
     * @param test   the test images; null when the data have no test split
     * @param format   what the folder was read as: {@code idx}, {@code cifar10} or {@code image-folder}
     * @param testName what the test split is called where it came from, for messages: {@code t10k} (IDX files),
     *                 {@code test} (CIFAR-10's {@code test_batch}), or the sub-folder's name, {@code val} or
     *                 {@code test}; null when there is no test split
     */
    public record Splits(ImageDataset train, ImageDataset test, String format, String testName) {
    }

    /**
     * Reads the training and test splits of {@code dir}.
     *
     * @param dir     the data folder
     * @param imgSize resize and center-crop every image to this side ({@link ResizeCrop}); null to keep the
     *                data's own size
     * @return both splits
     * @throws ImageDataException when the folder is none of the three kinds, or its files are malformed
     * @throws IOException        when a file cannot be read
     */
    public static Splits read(Path dir, Integer imgSize) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new ImageDataException(dir, Files.exists(dir) ? "is not a folder" : "no such folder");
        }
        if (FashionMnist.present(dir)) {
            int k = FashionMnist.NUM_CLASSES;
            java.util.List<String> names = dir.equals(FashionMnist.DEBIAN_DIR) ? FashionMnist.CLASSES
                    : ImageDataset.numbered(k);
            return new Splits(resized(withNames(ImageDataset.readMnistSplit(dir, "train", k), names), imgSize),
                    resized(withNames(ImageDataset.readMnistSplit(dir, "t10k", k), names), imgSize), "idx", "t10k");
        }
        Path cifar = Cifar10.locate(dir);
        if (cifar != null) {
            return new Splits(resized(Cifar10.read(cifar, true), imgSize), resized(Cifar10.read(cifar, false), imgSize),
                    "cifar10", "test");
        }
        if (!ImageFolder.looksLike(dir)) {
            throw new ImageDataException(dir, "holds no image data: expected MNIST-format IDX files "
                    + "(train-images-idx3-ubyte[.gz], ...), CIFAR-10 binary batches (data_batch_1.bin, ...), or one "
                    + "sub-folder of images per class");
        }
        Path train = dir.resolve("train");
        Path test = Files.isDirectory(dir.resolve("val")) ? dir.resolve("val") : dir.resolve("test");
        if (ImageFolder.looksLike(train) && ImageFolder.looksLike(test)) {
            ImageDataset tr = ImageFolder.read(train, imgSize);
            ImageDataset te = ImageFolder.read(test, imgSize);
            if (!tr.classNames().equals(te.classNames())) {
                throw new ImageDataException(test, "has the classes " + te.classNames() + " but " + train + " has "
                        + tr.classNames());
            }
            if (tr.channels() != te.channels() || tr.height() != te.height() || tr.width() != te.width()) {
                throw new ImageDataException(test, "holds " + describe(te) + " images but " + train + " holds "
                        + describe(tr) + " ones");
            }
            return new Splits(tr, te, "image-folder", test.getFileName().toString());
        }
        return new Splits(ImageFolder.read(dir, imgSize), null, "image-folder", null);
    }

    private static String describe(ImageDataset d) {
        return d.channels() + "x" + d.height() + "x" + d.width();
    }

    private static ImageDataset withNames(ImageDataset d, java.util.List<String> names) {
        return new ImageDataset(d.pixels(), d.labels(), d.channels(), d.height(), d.width(), d.numClasses(), names);
    }

    private static ImageDataset resized(ImageDataset d, Integer size) {
        if (size == null || (d.height() == size && d.width() == size)) {
            return d;
        }
        if (size < 1) {
            throw new IllegalArgumentException("--img-size must be positive, got " + size);
        }
        int in = d.imageSize();
        byte[] out = new byte[d.size() * d.channels() * size * size];
        for (int i = 0; i < d.size(); i++) {
            byte[] one = java.util.Arrays.copyOfRange(d.pixels(), i * in, (i + 1) * in);
            byte[] r = ResizeCrop.apply(one, d.channels(), d.height(), d.width(), size);
            System.arraycopy(r, 0, out, i * r.length, r.length);
        }
        return new ImageDataset(out, d.labels(), d.channels(), size, size, d.numClasses(), d.classNames());
    }
}
