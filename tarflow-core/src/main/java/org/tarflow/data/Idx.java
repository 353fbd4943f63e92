package org.tarflow.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader for the IDX format of MNIST and Fashion-MNIST (LeCun et al.): a big-endian magic number
 * {@code 0x0000TTDD} (type TT = 0x08 for unsigned bytes, DD dimensions), DD big-endian int32 sizes, then
 * the data. Files may be gzipped (detected by their first two bytes).
 */
public final class Idx {
    private static final int UBYTE = 0x08;
    /** Generous caps that stop a corrupt length field from allocating gigabytes. */
    private static final long MAX_ITEMS = 100_000_000L;
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8; // the largest Java array

    private Idx() {
    }

    /**
     * An unsigned-byte IDX array.
     *
     * @param dims the sizes, outermost first (e.g. N, 28, 28 for images)
     * @param data the values 0..255 stored as (signed) bytes, row-major; read them with {@code & 0xff}
     */
    public record Array(int[] dims, byte[] data) {
        /** {@return the number of items, the first dimension} */
        public int count() {
            return dims[0];
        }
    }

    /**
     * Reads a ubyte IDX file with {@code expectedDims} dimensions.
     *
     * @param file         a plain or gzipped IDX file
     * @param expectedDims   the rank it must have (3 for images, 1 for labels)
     * @return its sizes and values
     * @throws IdxFormatException for a missing file, a bad magic, a wrong type or rank, impossible sizes, a
     *                            corrupt gzip stream, or a file that is shorter or longer than its sizes say
     * @throws IOException        if the file cannot be read
     */
    public static Array read(Path file, int expectedDims) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            DataInputStream data = new DataInputStream(in);
            int magic;
            try {
                magic = data.readInt();
            } catch (EOFException e) {
                throw new IdxFormatException(file, "too short for an IDX header");
            }
            if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xff) != UBYTE) {
                throw new IdxFormatException(file, String.format("bad magic number 0x%08x (expected 0x%08x for a %d-dimensional ubyte IDX file)",
                        magic, (UBYTE << 8) | expectedDims, expectedDims));
            }
            int rank = magic & 0xff;
            if (rank != expectedDims) {
                throw new IdxFormatException(file, "has " + rank + " dimensions, expected " + expectedDims);
            }
            int[] dims = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++) {
                try {
                    dims[i] = data.readInt();
                } catch (EOFException e) {
                    throw new IdxFormatException(file, "header ends before dimension " + i);
                }
                if (dims[i] <= 0 || (i == 0 && dims[i] > MAX_ITEMS)) {
                    throw new IdxFormatException(file, "impossible size " + dims[i] + " in dimension " + i);
                }
                total *= dims[i];
                if (total > MAX_BYTES) {
                    throw new IdxFormatException(file, "sizes " + java.util.Arrays.toString(dims) + " exceed " + MAX_BYTES + " bytes");
                }
            }
            if (!(in instanceof GZIPInputStream) && Files.size(file) != 4 + 4L * rank + total) {
                throw new IdxFormatException(file, "sizes " + java.util.Arrays.toString(dims) + " need " + (4 + 4L * rank + total)
                        + " bytes, the file has " + Files.size(file));
            }
            byte[] values = new byte[(int) total];
            int got = data.readNBytes(values, 0, values.length);
            if (got != values.length) {
                throw new IdxFormatException(file, "ends after " + got + " of " + total + " data bytes");
            }
            if (data.read() != -1) {
                throw new IdxFormatException(file, "has data after the " + total + " bytes its header announces");
            }
            return new Array(dims, values);
        } catch (NoSuchFileException e) {
            throw new IdxFormatException(file, "no such file");
        } catch (ZipException | EOFException e) {
            throw new IdxFormatException(file, "corrupt gzip stream: " + e.getMessage());
        }
    }
}
