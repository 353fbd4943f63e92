package org.tarflow.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * torchvision's {@code ImageFolder} layout: one sub-folder per class, named by the class, classes
 * numbered in the sorted order of their names, each holding that class's images (in any depth of
 * sub-folders, read in sorted order). PNG, JPEG and BMP files are decoded with {@code javax.imageio};
 * files with the other extensions torchvision reads ({@code .ppm .pgm .tif .tiff .webp}) are refused,
 * and files with any other extension are skipped, as torchvision skips them.
 *
 * <p>Channels: when every image is 8-bit grey the data have one channel; otherwise three (RGB), a grey
 * image giving three equal channels and an alpha channel being dropped, as PIL's {@code convert("RGB")}
 * does. (torchvision's loader always converts to RGB, so for grey folders the reference trains on three
 * equal channels where this trains on one.) JPEGs are decoded by the JDK's decoder, which can differ from
 * libjpeg's by a level or two.
 *
 * <p>Images must all have one size, or be brought to one with {@code imgSize}: {@link ResizeCrop}, the
 * reference's {@code Resize} + {@code CenterCrop}.
 */
public final class ImageFolder {
    /** Extensions decoded here (lower case). */
    static final List<String> READ = List.of(".png", ".jpg", ".jpeg", ".bmp");
    /** Extensions torchvision reads that are not decoded here. */
    static final List<String> REFUSED = List.of(".ppm", ".pgm", ".tif", ".tiff", ".webp");

    private ImageFolder() {
    }

    /**
     * {@return whether {@code dir} looks like an ImageFolder root: a folder with at least one sub-folder}
     *
     * @param dir the folder
     * @throws IOException if it cannot be listed
     */
    public static boolean looksLike(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(Files::isDirectory);
        }
    }

    /**
     * Reads every image of an ImageFolder root.
     *
     * @param root    the folder whose sub-folders are the classes
     * @param imgSize the side to resize and center-crop every image to, or null to keep the images' own
     *                (common) size
     * @return the images (C = 1 or 3) with labels by sorted class name and the class names
     * @throws ImageDataException for a root without class folders, a class folder without images, a file
     *                              that cannot be decoded or is not 8-bit, images of different sizes without
     *                              {@code imgSize}
     * @throws IOException          when a file cannot be read
     */
    public static ImageDataset read(Path root, Integer imgSize) throws IOException {
        if (imgSize != null && imgSize < 1) {
            throw new IllegalArgumentException("--img-size must be positive, got " + imgSize);
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
        if (classDirs.isEmpty()) {
            throw new ImageDataException(root, "no class folders: an image folder holds one sub-folder per class");
        }
        List<String> names = classDirs.stream().map(p -> p.getFileName().toString()).toList();
        List<Decoded> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int k = 0; k < classDirs.size(); k++) {
            List<Path> files = imageFiles(classDirs.get(k));
            if (files.isEmpty()) {
                throw new ImageDataException(classDirs.get(k), "class folder '" + names.get(k)
                        + "' holds no image (PNG, JPEG or BMP)");
            }
            for (Path f : files) {
                images.add(decode(f));
                labels.add(k);
            }
        }
        boolean grey = images.stream().allMatch(d -> d.channels == 1);
        int c = grey ? 1 : 3;
        Decoded firstImage = images.get(0);
        int h = imgSize != null ? imgSize : firstImage.height;
        int w = imgSize != null ? imgSize : firstImage.width;
        ByteArrayOutputStream pixels = new ByteArrayOutputStream();
        for (Decoded d : images) {
            if (imgSize == null && (d.height != h || d.width != w)) {
                throw new ImageDataException(d.file, "is " + d.width + "x" + d.height + " but " + firstImage.file
                        + " is " + w + "x" + h + ": images of one data set must have one size; give --img-size N to "
                        + "resize and center-crop them all to NxN, as the reference's transform does");
            }
            byte[] chw = c == d.channels ? d.chw : greyToRgb(d.chw);
            pixels.writeBytes(imgSize == null ? chw : ResizeCrop.apply(chw, c, d.height, d.width, imgSize));
        }
        return new ImageDataset(pixels.toByteArray(), labels.stream().mapToInt(Integer::intValue).toArray(), c, h, w,
                names.size(), names);
    }

    /** The image files below a class folder, sorted by folder then name (as {@code sorted(os.walk(...))}). */
    private static List<Path> imageFiles(Path classDir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(classDir, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : s.filter(Files::isRegularFile).sorted(Comparator.comparing((Path p) -> p.getParent().toString())
                    .thenComparing(p -> p.getFileName().toString())).toList()) {
                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                if (REFUSED.stream().anyMatch(name::endsWith)) {
                    throw new ImageDataException(p, "this format is not read here (PNG, JPEG and BMP are); convert it, "
                            + "e.g. to PNG");
                }
                if (READ.stream().anyMatch(name::endsWith)) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** One decoded image: C·H·W bytes with C = 1 (grey) or 3 (RGB). */
    private record Decoded(Path file, byte[] chw, int channels, int height, int width) {
    }

    /** Images of more pixels than this are refused before they are decoded (a forged size would exhaust memory). */
    static final long MAX_PIXELS = 1L << 26;

    private static Decoded decode(Path f) throws IOException {
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(f.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new ImageDataException(f, "cannot be decoded: not a PNG, JPEG or BMP image");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new ImageDataException(f, "is " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + ", more than the " + MAX_PIXELS + " pixels an image may have here");
                }
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (ImageDataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageDataException(f, "cannot be decoded (" + e.getMessage() + ")");
        }
        var cm = img.getColorModel();
        for (int bits : cm.getComponentSize()) {
            if (bits > 8) {
                throw new ImageDataException(f, "has " + bits + "-bit samples; only 8-bit images are read (PIL, "
                        + "and so torchvision, would clip them)");
            }
        }
        int h = img.getHeight();
        int w = img.getWidth();
        boolean grey = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1
                && cm.getComponentSize(0) == 8 && !(cm instanceof java.awt.image.IndexColorModel);
        if (grey) {
            byte[] out = new byte[h * w];
            var raster = img.getRaster();
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    // the raster's value: getRGB would map linear grey through a colour conversion
                    out[y * w + x] = (byte) raster.getSample(x, y, 0);
                }
            }
            return new Decoded(f, out, 1, h, w);
        }
        byte[] out = new byte[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                out[y * w + x] = (byte) (rgb >> 16);
                out[(h + y) * w + x] = (byte) (rgb >> 8);
                out[(2 * h + y) * w + x] = (byte) rgb;
            }
        }
        return new Decoded(f, out, 3, h, w);
    }

    private static byte[] greyToRgb(byte[] grey) {
        byte[] out = new byte[3 * grey.length];
        for (int ch = 0; ch < 3; ch++) {
            System.arraycopy(grey, 0, out, ch * grey.length, grey.length);
        }
        return out;
    }
}
