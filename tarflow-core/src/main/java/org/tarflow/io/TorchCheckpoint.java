package org.tarflow.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntToLongFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.tarflow.io.TorchUnpickler.StorageRef;
import org.tarflow.io.TorchUnpickler.TensorRef;
import org.tarflow.tensor.Tensor;

/**
 * Reads PyTorch checkpoints as {@code torch.save(model.state_dict(), f)} writes them (torch ≥ 1.6): a zip
 * archive with one top-level folder holding {@code data.pkl} (the pickled dict of tensors), one entry
 * {@code data/<key>} per storage (raw little-endian values) and optionally {@code byteorder}.
 *
 * <p>The pickle is read by {@link TorchUnpickler} under an allow-list; nothing in the file is executed.
 * Storages of float32, float64, float16, bfloat16 and int64 are supported; tensors may be any strided
 * view of a storage and are returned contiguous. Every size is checked before it is trusted: the pickle
 * against a 64 MB cap, each storage entry's byte count against the element count the pickle declares,
 * and each view against its storage's bounds.
 *
 * <p>Errors are {@link TensorFileException}s naming the file and the problem: the legacy (pre-1.6)
 * non-zip format, a file that is not a zip, a missing {@code data.pkl} or storage entry, a disallowed
 * pickle global (named in the message), inconsistent sizes, and values that are not tensors.
 */
public final class TorchCheckpoint {
    private static final long MAX_PICKLE = 64L << 20;

    private TorchCheckpoint() {
    }

    /**
     * {@return true when the file name ends in {@code .pth}, {@code .pt} or {@code .bin} (PyTorch's
     * usual suffixes), in any case}
     *
     * @param file the path whose last element is tested
     */
    public static boolean isTorchFileName(Path file) {
        String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return n.endsWith(".pth") || n.endsWith(".pt") || n.endsWith(".bin");
    }

    /**
     * The checkpoint's tensors under their state_dict keys, in the pickle's order, with file dtypes
     * "F32", "F64", "F16", "BF16" or "I64". F16 and BF16 values are widened to F32 exactly.
     *
     * @param file a zip-format PyTorch checkpoint
     * @return the tensors by key, contiguous
     * @throws TensorFileException for every problem the class comment lists
     * @throws IOException if the file cannot be read
     */
    public static Map<String, StoredTensor> read(Path file) throws IOException {
        checkZipMagic(file);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = archivePrefix(zip, file);
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null) {
                String o = new String(readEntry(zip, order, 16, file), StandardCharsets.US_ASCII).trim();
                if (!o.equals("little")) {
                    throw new TensorFileException(file, "byteorder is '" + o + "'; only little-endian checkpoints are supported");
                }
            }
            byte[] pickle = readEntry(zip, zip.getEntry(prefix + "data.pkl"), MAX_PICKLE, file);
            Object root;
            try {
                root = TorchUnpickler.load(pickle);
            } catch (TorchUnpickler.Refused e) {
                throw new TensorFileException(file, printable(e.getMessage()));
            } catch (IOException | RuntimeException e) { // PickleException, or the stack/memo errors of malformed input
                throw new TensorFileException(file, "data.pkl is not a valid pickle (" + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + printable(e.getMessage())) + ")");
            }
            return tensors(root, zip, prefix, file);
        } catch (ZipException e) {
            throw new TensorFileException(file, "is not a readable zip archive (" + e.getMessage() + ")");
        }
    }

    private static void checkZipMagic(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new TensorFileException(file, "no such file");
        }
        if (!Files.isRegularFile(file)) {
            throw new TensorFileException(file, "is not a regular file");
        }
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        }
        if (head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return;
        }
        if (head.length > 0 && (head[0] & 0xff) == 0x80) {
            throw new TensorFileException(file, "is in PyTorch's legacy non-zip format (torch < 1.6 or"
                    + " _use_new_zipfile_serialization=False), which is not supported; re-save it with"
                    + " torch.save(torch.load(f), 'new.pth') in torch >= 1.6");
        }
        throw new TensorFileException(file, "is not a PyTorch checkpoint (a zip archive starting with 'PK')");
    }

    /** The folder that holds data.pkl ("archive/" in recent torch, the file's stem in older ones). */
    private static String archivePrefix(ZipFile zip, Path file) throws TensorFileException {
        List<String> found = new ArrayList<>();
        zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - 9)
                .forEach(found::add);
        if (found.size() != 1) {
            throw new TensorFileException(file, found.isEmpty() ? "has no <folder>/data.pkl entry; not a torch.save archive"
                    : "has several data.pkl entries " + found);
        }
        return found.getFirst().substring(0, found.getFirst().length() - "data.pkl".length());
    }

    /** An entry's bytes, refusing more than {@code limit}; growth follows the data so a lying size costs nothing. */
    private static byte[] readEntry(ZipFile zip, ZipEntry e, long limit, Path file) throws IOException {
        if (e.getSize() > limit) {
            throw new TensorFileException(file, "entry " + e.getName() + " declares " + e.getSize()
                    + " bytes, more than the " + limit + " allowed");
        }
        try (InputStream in = zip.getInputStream(e)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limit) {
                    throw new TensorFileException(file, "entry " + e.getName() + " holds more than the " + limit
                            + " bytes allowed");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        } catch (TensorFileException ex) {
            throw ex;
        } catch (IOException ex) { // ZipException, or EOFException from a deflated entry cut short
            throw new TensorFileException(file, "entry " + e.getName() + " is corrupt (" + ex.getMessage() + ")", ex);
        }
    }

    private static Map<String, StoredTensor> tensors(Object root, ZipFile zip, String prefix, Path file)
            throws IOException {
        if (!(root instanceof Map<?, ?> map)) {
            throw new TensorFileException(file, "holds a " + describe(root) + ", not a state_dict (a dict of tensors)");
        }
        Map<String, byte[]> storages = new HashMap<>();
        Map<String, StorageRef> declared = new HashMap<>();
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        // A storage's bytes are dropped after the last tensor that views it, so that reading holds the
        // values once plus one storage's bytes, not every storage's bytes too (a 1.9 GB file needed 3.8 GB).
        Map<String, Integer> viewsLeft = new HashMap<>();
        for (Object v : map.values()) {
            if (v instanceof TensorRef ref) {
                viewsLeft.merge(ref.storage().key(), 1, Integer::sum);
            }
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new TensorFileException(file, "state_dict has a non-string key " + describe(e.getKey()));
            }
            if (!(e.getValue() instanceof TensorRef ref)) {
                throw new TensorFileException(file, "state_dict entry '" + key + "' is a " + describe(e.getValue())
                        + ", not a tensor");
            }
            StorageRef s = ref.storage();
            StorageRef first = declared.putIfAbsent(s.key(), s);
            if (first != null && !first.equals(s)) {
                throw new TensorFileException(file, "storage " + s.key() + " is declared with different types or sizes ("
                        + first.numel() + " " + first.type().torchName + " elements, then " + s.numel() + " "
                        + s.type().torchName + " elements for tensor '" + key + "')");
            }
            byte[] data = storages.get(s.key());
            if (data == null) {
                data = storage(zip, prefix, s, key, file);
                storages.put(s.key(), data);
            }
            out.put(key, view(ref, data, key, file));
            if (viewsLeft.merge(s.key(), -1, Integer::sum) == 0) {
                storages.remove(s.key());
            }
        }
        return out;
    }

    private static byte[] storage(ZipFile zip, String prefix, StorageRef s, String key, Path file) throws IOException {
        ZipEntry e = zip.getEntry(prefix + "data/" + s.key());
        if (e == null) {
            throw new TensorFileException(file, "tensor '" + key + "' refers to storage data/" + s.key()
                    + ", which the archive does not have");
        }
        // numel is checked before it is multiplied, so that a huge count cannot wrap around to a small byte count
        if (s.numel() < 0 || s.numel() > (Integer.MAX_VALUE - 8) / s.type().bytes
                || s.numel() * s.type().bytes > Runtime.getRuntime().maxMemory() / 2) {
            throw new TensorFileException(file, "storage data/" + s.key() + " declares " + s.numel()
                    + " elements, " + (s.numel() < 0 ? "a negative count" : "too many to load"));
        }
        long expected = s.numel() * s.type().bytes;
        byte[] data = readEntry(zip, e, expected, file);
        if (data.length != expected) {
            throw new TensorFileException(file, "storage data/" + s.key() + " of tensor '" + key + "' has "
                    + data.length + " bytes; the pickle declares " + s.numel() + " " + s.type().torchName
                    + " elements (" + expected + " bytes)");
        }
        return data;
    }

    /** Gathers the strided view into a contiguous tensor, after checking it lies inside the storage. */
    private static StoredTensor view(TensorRef ref, byte[] data, String key, Path file) throws TensorFileException {
        long[] size = ref.size();
        long[] stride = ref.stride();
        if (size.length != stride.length) {
            throw new TensorFileException(file, "tensor '" + key + "' has " + size.length + " sizes but "
                    + stride.length + " strides");
        }
        int[] shape = new int[size.length];
        long count = 1;
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0 || size[i] > Integer.MAX_VALUE || stride[i] < 0) {
                throw new TensorFileException(file, "tensor '" + key + "' has size " + Arrays.toString(size)
                        + " and stride " + Arrays.toString(stride));
            }
            shape[i] = (int) size[i];
            count *= size[i];
            if (count > Integer.MAX_VALUE - 8) {
                throw new TensorFileException(file, "tensor '" + key + "' has too many elements");
            }
        }
        long numel = ref.storage().numel();
        long last = ref.offset(); // the storage index of the view's last element, if it does not overflow
        try {
            for (int i = 0; i < size.length && count > 0; i++) {
                last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
            }
        } catch (ArithmeticException overflow) {
            last = Long.MAX_VALUE;
        }
        if (count > 0 && (ref.offset() < 0 || last >= numel)) {
            throw new TensorFileException(file, "tensor '" + key + "' (offset " + ref.offset() + ", size "
                    + Arrays.toString(size) + ", stride " + Arrays.toString(stride) + ") reaches outside its storage of "
                    + numel + " elements");
        }
        int n = (int) count;
        // The storage index of each element, in row-major order. A contiguous view (nearly every state_dict
        // entry) is a run from its offset; only strided views get an index array, which for the largest weights
        // of a 463 M-parameter model was 19 MB per tensor.
        IntToLongFunction source;
        if (isContiguous(shape, stride)) {
            long offset = ref.offset();
            source = i -> offset + i;
        } else {
            long[] index = new long[n];
            int[] idx = new int[shape.length];
            for (int i = 0; i < n; i++) {
                long at = ref.offset();
                for (int dim = 0; dim < shape.length; dim++) {
                    at += idx[dim] * stride[dim];
                }
                index[i] = at;
                for (int dim = shape.length - 1; dim >= 0; dim--) {
                    if (++idx[dim] < shape[dim]) {
                        break;
                    }
                    idx[dim] = 0;
                }
            }
            source = i -> index[i];
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        return switch (ref.storage().type()) {
            case LONG -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = b.getLong((int) (source.applyAsLong(i) * 8));
                }
                yield StoredTensor.ofInts(v, shape);
            }
            case DOUBLE -> {
                double[] v = new double[n];
                for (int i = 0; i < n; i++) {
                    v[i] = b.getDouble((int) (source.applyAsLong(i) * 8));
                }
                yield new StoredTensor("F64", shape, Tensor.wrap(v, shape), null);
            }
            case FLOAT -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = b.getFloat((int) (source.applyAsLong(i) * 4));
                }
                yield new StoredTensor("F32", shape, Tensor.wrap(v, shape), null);
            }
            case HALF, BFLOAT16 -> {
                boolean half = ref.storage().type() == TorchUnpickler.StorageType.HALF;
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    short bits = b.getShort((int) (source.applyAsLong(i) * 2));
                    v[i] = half ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
                }
                yield new StoredTensor(half ? "F16" : "BF16", shape, Tensor.wrap(v, shape), null);
            }
        };
    }

    /** Whether a view with these strides is row-major contiguous (size-1 dimensions may have any stride). */
    private static boolean isContiguous(int[] shape, long[] stride) {
        long expected = 1;
        for (int dim = shape.length - 1; dim >= 0; dim--) {
            if (shape[dim] != 1 && stride[dim] != expected) {
                return false;
            }
            expected *= shape[dim];
        }
        return true;
    }

    /**
     * A message that quotes the pickle, made safe to print: control characters escaped (no terminal escape
     * sequences from the file) and at most ~300 characters (a global's name may be megabytes long).
     */
    private static String printable(String message) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (b.length() >= 300) {
                return b.append("... (").append(message.length() - i).append(" more characters)").toString();
            }
            if (Character.isISOControl(c)) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }
}
