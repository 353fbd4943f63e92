package org.tarflow.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow.tensor.Tensor;

/**
 * The safetensors format (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of
 * JSON mapping each name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to
 * the data that follows the header) plus an optional {@code "__metadata__"} string map, then the raw
 * little-endian data.
 *
 * <p>Reading validates everything before trusting it: the header length against the file size and a
 * 100 MB cap, the JSON (strictly, as the format's own parser does: {@link StrictJson}), each dtype, shape and offset range, that byte counts match shapes, and that no
 * two tensors overlap. Any violation is a {@link TensorFileException} naming the file and the entry.
 * Supported dtypes: F64, F32, F16, BF16, I64, U8 (images as files, {@link SampleFiles}). Writing is atomic ({@link AtomicFiles}).
 */
public final class Safetensors {
    private static final long MAX_HEADER = 100L << 20;

    private Safetensors() {
    }

    /**
     * A file's tensors and metadata.
     *
     * @param tensors  the tensors by name, in header order
     * @param metadata the {@code __metadata__} strings; empty if the file has none
     */
    public record Contents(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        /**
         * {@return the named tensor}
         *
         * @param file the file the contents came from, for the message
         * @param name the tensor's key
         * @throws TensorFileException if the file has no tensor of that name
         */
        public StoredTensor require(Path file, String name) throws TensorFileException {
            StoredTensor t = tensors.get(name);
            if (t == null) {
                throw new TensorFileException(file, "no tensor '" + name + "'");
            }
            return t;
        }
    }

    private static int elementSize(String dtype) {
        return switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "U8" -> 1;
            default -> -1;
        };
    }

    /**
     * Reads and validates a whole safetensors file (see the class comment for what is checked). Float
     * tensors come back as F64 tensors for F64 and as F32 tensors for F32, F16 and BF16 (which widen
     * exactly); I64 and U8 as {@code long[]}.
     *
     * @param file the file
     * @return its tensors and metadata
     * @throws TensorFileException if the file is missing, a directory, or not a valid safetensors file
     * @throws IOException if it cannot be read
     */
    public static Contents read(Path file) throws IOException {
        try (TensorReader r = open(file)) {
            return new Contents(r.readAll(), r.metadata());
        }
    }

    /**
     * Opens a safetensors file, reading and validating its header (everything the class comment lists);
     * the values are read tensor by tensor ({@link TensorReader#read}), as {@link #read} returns them.
     *
     * @param file the file
     * @return the open reader; close it
     * @throws TensorFileException if the file is missing, a directory, or not a valid safetensors file
     * @throws IOException if it cannot be read
     */
    public static TensorReader open(Path file) throws IOException {
        if (java.nio.file.Files.isDirectory(file)) {
            throw new TensorFileException(file, "is a directory, not a safetensors file");
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new TensorFileException(file, "no such file");
        }
        try {
            return open(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static TensorReader open(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new TensorFileException(file, "not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
        }
        ByteBuffer lenBuf = readFully(ch, 0, 8, file).order(ByteOrder.LITTLE_ENDIAN);
        long n = lenBuf.getLong();
        if (n < 2 || n > MAX_HEADER || 8 + n > size) {
            throw new TensorFileException(file, "not a safetensors file: its header length " + n
                    + " is impossible for a file of " + size + " bytes (limit " + MAX_HEADER + ")");
        }
        String json = StandardCharsets.UTF_8.decode(readFully(ch, 8, (int) n, file)).toString();
        JsonObject header;
        try {
            JsonElement e = StrictJson.parse(json);
            if (!e.isJsonObject()) {
                throw new TensorFileException(file, "header is not a JSON object");
            }
            header = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new TensorFileException(file, "not a safetensors file: its header is not valid JSON ("
                    + jsonProblem(e) + ")");
        }
        long dataStart = 8 + n;
        long dataSize = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                readMetadata(file, e.getValue(), metadata);
            } else {
                entries.put(e.getKey(), parseEntry(file, e.getKey(), e.getValue(), dataSize));
            }
        }
        List<Entry> byOffset = new ArrayList<>(entries.values());
        byOffset.sort(Comparator.comparingLong(Entry::begin));
        // as the format requires, the tensors must tile the data exactly: no overlap, no gap, no junk at the end
        long expected = 0;
        for (int i = 0; i < byOffset.size(); i++) {
            Entry e = byOffset.get(i);
            if (e.begin() < expected) {
                throw new TensorFileException(file, "tensors '" + byOffset.get(i - 1).name() + "' and '"
                        + e.name() + "' overlap");
            }
            if (e.begin() > expected) {
                throw new TensorFileException(file, (e.begin() - expected) + " bytes before tensor '" + e.name()
                        + "' belong to no tensor");
            }
            expected = e.end();
        }
        if (expected != dataSize) {
            throw new TensorFileException(file, (dataSize - expected) + " bytes at the end of the file belong to no tensor");
        }
        Map<String, TensorReader.Info> infos = new LinkedHashMap<>();
        entries.forEach((key, e) -> infos.put(key, new TensorReader.Info(e.dtype(), e.shape().clone())));
        return TensorReader.of(infos, metadata, key -> {
            Entry e = entries.get(key);
            ByteBuffer data = readFully(ch, dataStart + e.begin(), (int) (e.end() - e.begin()), file)
                    .order(ByteOrder.LITTLE_ENDIAN);
            return decode(e, data);
        }, ch);
    }

    private record Entry(String name, String dtype, int[] shape, long begin, long end) {
    }

    /** The first line of a JSON parser's message, without its troubleshooting link or control characters. */
    private static String jsonProblem(JsonParseException e) {
        String m = e.getMessage() == null ? "malformed" : e.getMessage();
        int cut = m.indexOf("\nSee ");
        m = cut >= 0 ? m.substring(0, cut) : m;
        StringBuilder b = new StringBuilder();
        m.codePoints().limit(200).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }

    private static Entry parseEntry(Path file, String name, JsonElement v, long dataSize) throws TensorFileException {
        String where = "tensor '" + name + "': ";
        try {
            JsonObject o = v.getAsJsonObject();
            String dtype = o.get("dtype").getAsString();
            int esize = elementSize(dtype);
            if (esize < 0) {
                throw new TensorFileException(file, where + "unsupported dtype " + dtype + " (supported: F64, F32, F16, BF16, I64, U8)");
            }
            JsonArray shapeJson = o.getAsJsonArray("shape");
            int[] shape = new int[shapeJson.size()];
            long count = 1;
            for (int i = 0; i < shape.length; i++) {
                long s = shapeJson.get(i).getAsLong();
                if (s < 0 || s > Integer.MAX_VALUE) {
                    throw new TensorFileException(file, where + "bad dimension " + s);
                }
                shape[i] = (int) s;
                count *= s;
                if (count > Integer.MAX_VALUE - 8) {
                    throw new TensorFileException(file, where + "too many elements");
                }
            }
            JsonArray off = o.getAsJsonArray("data_offsets");
            if (off.size() != 2) {
                throw new TensorFileException(file, where + "data_offsets must have 2 entries");
            }
            long begin = off.get(0).getAsLong();
            long end = off.get(1).getAsLong();
            if (begin < 0 || end < begin || end > dataSize) {
                throw new TensorFileException(file, where + "data_offsets [" + begin + ", " + end
                        + "] outside the " + dataSize + " data bytes");
            }
            if (end - begin > Integer.MAX_VALUE - 8) {
                throw new TensorFileException(file, where + (end - begin) + " bytes, more than one tensor may hold here (2 GB)");
            }
            if (end - begin != count * esize) {
                throw new TensorFileException(file, where + "shape " + java.util.Arrays.toString(shape) + " of " + dtype
                        + " needs " + count * esize + " bytes, data_offsets give " + (end - begin));
            }
            return new Entry(name, dtype, shape, begin, end);
        } catch (IllegalStateException | NullPointerException | ClassCastException | NumberFormatException
                 | UnsupportedOperationException e) {
            throw new TensorFileException(file, where + "malformed header entry " + v);
        }
    }

    private static void readMetadata(Path file, JsonElement v, Map<String, String> out) throws TensorFileException {
        if (!v.isJsonObject()) {
            throw new TensorFileException(file, "__metadata__ is not a JSON object");
        }
        for (Map.Entry<String, JsonElement> m : v.getAsJsonObject().entrySet()) {
            if (!m.getValue().isJsonPrimitive() || !m.getValue().getAsJsonPrimitive().isString()) {
                throw new TensorFileException(file, "__metadata__ value of '" + m.getKey() + "' is not a string");
            }
            out.put(m.getKey(), m.getValue().getAsString());
        }
    }

    private static StoredTensor decode(Entry e, ByteBuffer b) {
        int n = Tensor.checkedSize(e.shape());
        switch (e.dtype()) {
            case "I64" -> {
                long[] v = new long[n];
                b.asLongBuffer().get(v);
                return new StoredTensor("I64", e.shape(), null, v);
            }
            case "U8" -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = b.get() & 0xff;
                }
                return new StoredTensor("U8", e.shape(), null, v);
            }
            case "F64" -> {
                double[] v = new double[n];
                b.asDoubleBuffer().get(v);
                return new StoredTensor("F64", e.shape(), Tensor.wrap(v, e.shape()), null);
            }
            case "F32" -> {
                float[] v = new float[n];
                b.asFloatBuffer().get(v);
                return new StoredTensor("F32", e.shape(), Tensor.wrap(v, e.shape()), null);
            }
            default -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    short bits = b.getShort();
                    v[i] = e.dtype().equals("F16") ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
                }
                return new StoredTensor(e.dtype(), e.shape(), Tensor.wrap(v, e.shape()), null);
            }
        }
    }

    private static ByteBuffer readFully(FileChannel ch, long pos, int len, Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(len);
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new TensorFileException(file, "file ends early (wanted " + len + " bytes at " + pos + ")");
            }
        }
        return buf.flip();
    }

    /**
     * Writes tensors, each in its {@link StoredTensor#fileDType()} (F64, F32, F16 and BF16 rounded to
     * nearest-even from the values held, I64, U8 as the low byte of each held value), and string metadata atomically, in the iteration order of
     * {@code tensors}, with the header padded with spaces to a multiple of 8 bytes.
     *
     * @param file     the file to create or replace
     * @param tensors  the tensors by name; the data follow in this order
     * @param metadata the {@code __metadata__} strings; null or empty for none
     * @throws IOException if the file cannot be written
     */
    public static void write(Path file, Map<String, StoredTensor> tensors, Map<String, String> metadata)
            throws IOException {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        long offset = 0;
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            StoredTensor t = e.getValue();
            String dtype = t.fileDType();
            long bytes = (long) Tensor.checkedSize(t.shape()) * elementSize(dtype);
            JsonObject o = new JsonObject();
            o.addProperty("dtype", dtype);
            JsonArray shape = new JsonArray();
            for (int s : t.shape()) {
                shape.add(s);
            }
            o.add("shape", shape);
            JsonArray off = new JsonArray();
            off.add(offset);
            off.add(offset + bytes);
            o.add("data_offsets", off);
            header.add(e.getKey(), o);
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            for (StoredTensor t : tensors.values()) {
                writeData(out, t);
            }
        });
    }

    private static void writeData(OutputStream out, StoredTensor t) throws IOException {
        int esize = elementSize(t.fileDType());
        int n = Tensor.checkedSize(t.shape());
        ByteBuffer buf = ByteBuffer.allocate(Math.min(n, 1 << 16) * esize).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (t.fileDType()) {
                case "I64" -> buf.putLong(t.ints()[i]);
                case "U8" -> buf.put((byte) t.ints()[i]);
                case "F64" -> buf.putDouble(t.floats().get(i));
                case "F32" -> buf.putFloat((float) t.floats().get(i));
                case "F16" -> buf.putShort(Float.floatToFloat16((float) t.floats().get(i)));
                default -> buf.putShort(toBFloat16((float) t.floats().get(i)));
            }
            if (!buf.hasRemaining()) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
        }
        out.write(buf.array(), 0, buf.position());
    }

    /** float32 → bfloat16 bits, rounding to nearest-even (as PyTorch's {@code .to(torch.bfloat16)}); NaN stays NaN. */
    static short toBFloat16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40); // keep sign and exponent, force a quiet-NaN mantissa bit
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }
}
