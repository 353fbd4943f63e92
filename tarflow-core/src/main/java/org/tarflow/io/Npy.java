package org.tarflow.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's {@code .npy} format (version 1.0 and 2.0; numpy's {@code numpy/lib/format.py} and its NEP 1): the magic
 * {@code \x93NUMPY}, a version, a header length, a header that is a Python dict literal
 * {@code {'descr': '<f8', 'fortran_order': False, 'shape': (N,), }} padded with spaces and ended by a newline, then the
 * data in C order. This reads float arrays ({@code <f8}, {@code <f4}, as {@code np.save} writes float64 and float32 on
 * every common machine) and writes any array whose bytes the caller has laid out.
 */
public final class Npy {
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /**
     * A float array read from a file.
     *
     * @param shape  the array's shape (empty for a scalar)
     * @param values its values in C order
     */
    public record Floats(int[] shape, double[] values) {
    }

    /**
     * Reads a little-endian float64 or float32 array in C order.
     *
     * @param file the {@code .npy} file
     * @return its shape and values
     * @throws TensorFileException naming the file if it is missing, is not a {@code .npy} file of version 1 or 2, holds
     *                             another dtype (its descr is named) or Fortran order, or its data are not its shape's
     *                             size
     * @throws IOException         if the file cannot be read
     */
    public static Floats readFloats(Path file) throws IOException {
        byte[] all;
        try {
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new TensorFileException(file, "no such file");
        }
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 10 || (all[0] & 0xff) != 0x93 || !new String(all, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new TensorFileException(file, "not a .npy file (no \\x93NUMPY magic)");
        }
        int major = all[6];
        long headerLength;
        int dataStart;
        if (major == 1) {
            headerLength = b.getShort(8) & 0xffff;
            dataStart = 10;
        } else if (major == 2 && all.length >= 12) {
            headerLength = b.getInt(8) & 0xffffffffL;
            dataStart = 12;
        } else {
            throw new TensorFileException(file, ".npy format version " + major + " is not read here (1 and 2 are)");
        }
        if (dataStart + headerLength > all.length) {
            throw new TensorFileException(file, "the header of " + headerLength + " bytes runs past the end of the file");
        }
        String header = new String(all, dataStart, (int) headerLength, StandardCharsets.ISO_8859_1);
        dataStart += (int) headerLength;
        Matcher descr = DESCR.matcher(header);
        Matcher fortran = FORTRAN.matcher(header);
        Matcher shapeText = SHAPE.matcher(header);
        if (!descr.find() || !fortran.find() || !shapeText.find()) {
            throw new TensorFileException(file, "the header " + header.strip() + " lacks descr, fortran_order or shape");
        }
        int width = switch (descr.group(1)) {
            case "<f8" -> 8;
            case "<f4" -> 4;
            default -> throw new TensorFileException(file, "dtype '" + descr.group(1) + "' is not read here: save float64"
                    + " or float32 (e.g. np.save(path, a.astype(np.float64)))");
        };
        if (fortran.group(1).equals("True")) {
            throw new TensorFileException(file, "holds a Fortran-order array: save np.ascontiguousarray(a)");
        }
        String[] dims = shapeText.group(1).split(",");
        int count = 0;
        for (String dim : dims) {
            if (!dim.isBlank()) {
                count++;
            }
        }
        int[] shape = new int[count];
        long size = 1;
        int k = 0;
        for (String dim : dims) {
            if (dim.isBlank()) {
                continue;
            }
            try {
                shape[k] = Integer.parseInt(dim.strip());
            } catch (NumberFormatException e) {
                throw new TensorFileException(file, "shape (" + shapeText.group(1) + ") is not a tuple of integers");
            }
            size *= shape[k++];
        }
        if (size * width != all.length - dataStart) {
            throw new TensorFileException(file, "shape (" + shapeText.group(1) + ") of " + descr.group(1) + " needs "
                    + size * width + " bytes of data, the file has " + (all.length - dataStart));
        }
        double[] values = new double[(int) size];
        for (int i = 0; i < values.length; i++) {
            values[i] = width == 8 ? b.getDouble(dataStart + 8 * i) : b.getFloat(dataStart + 4 * i);
        }
        return new Floats(shape, values);
    }

    /**
     * A {@code .npy} file, format version 1.0: magic, header length, the header dictionary padded with spaces to a
     * multiple of 64 bytes and ended by a newline, then the C-order data.
     *
     * @param descr the dtype as numpy writes it, e.g. {@code <f8}, {@code |u1}
     * @param shape the array's shape
     * @param data  its bytes in C order, laid out as {@code descr} says
     * @return the file's bytes
     */
    static byte[] bytes(String descr, int[] shape, byte[] data) {
        StringBuilder dims = new StringBuilder();
        for (int s : shape) {
            dims.append(s).append(", ");
        }
        String tuple = shape.length == 1 ? "(" + shape[0] + ",)" : "(" + dims.substring(0, dims.length() - 2) + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple + ", }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        byte[] hb = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
        b.putShort((short) hb.length).put(hb).put(data);
        return b.array();
    }
}
