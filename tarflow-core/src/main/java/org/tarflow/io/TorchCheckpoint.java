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
        try (TensorReader r = open(file)) {
            return r.readAll();
        }
    }

    /**
     * Opens a checkpoint, reading and checking its pickle (every tensor's dtype, shape and bounds); each
     * tensor's values are read from its storage entry when asked for ({@link TensorReader#read}), as
     * {@link #read} returns them. A storage's bytes are kept while tensors that view it are still unread
     * and dropped after the last, so that reading holds at most the storages of the tensors in progress
     * (one, for a state_dict: every parameter has its own storage).
     *
     * @param file a zip-format PyTorch checkpoint
     * @return the open reader (no metadata); close it
     * @throws TensorFileException for every problem the class comment lists
     * @throws IOException if the file cannot be read
     */
    public static TensorReader open(Path file) throws IOException {
        checkZipMagic(file);
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new TensorFileException(file, "is not a readable zip archive (" + e.getMessage() + ")");
        }
        try {
            return open(zip, file);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    private static TensorReader open(ZipFile zip, Path file) throws IOException {
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
        Reader r = new Reader(zip, file, views(root, zip, prefix, file));
        return TensorReader.of(r.infos, Map.of(), r::read, r::close);
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

    /**
     * A tensor of the pickle, checked against its storage's bounds, with its contiguous shape and its storage's
     * zip entry.
     */
    private record View(TensorRef ref, int[] shape, ZipEntry storage) {
    }

    /**
     * Every state_dict entry as a checked view, in the pickle's order. Every storage entry is looked up now, so
     * that a broken archive is reported as such before a caller acts on the header (infers a configuration from
     * the shapes); its bytes are counted when read.
     */
    private static Map<String, View> views(Object root, ZipFile zip, String prefix, Path file) throws TensorFileException {
        if (!(root instanceof Map<?, ?> map)) {
            throw new TensorFileException(file, "holds a " + describe(root) + ", not a state_dict (a dict of tensors)");
        }
        Map<String, StorageRef> declared = new HashMap<>();
        Map<String, View> out = new LinkedHashMap<>();
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
            out.put(key, new View(ref, checkedShape(ref, key, file), storageEntry(zip, prefix, s, key, file)));
        }
        return out;
    }

    /** The open archive: reads a tensor's storage when the tensor is asked for. */
    private static final class Reader {
        private final ZipFile zip;
        private final Path file;
        private final Map<String, View> views;
        private final Map<String, TensorReader.Info> infos = new LinkedHashMap<>();
        /** Storages read and still viewed by an unread tensor, and how many such tensors are left. */
        private final Map<String, byte[]> storages = new HashMap<>();
        private final Map<String, Integer> viewsLeft = new HashMap<>();

        Reader(ZipFile zip, Path file, Map<String, View> views) {
            this.zip = zip;
            this.file = file;
            this.views = views;
            views.forEach((key, v) -> {
                infos.put(key, new TensorReader.Info(v.ref().storage().type().fileDType, v.shape()));
                viewsLeft.merge(v.ref().storage().key(), 1, Integer::sum);
            });
        }

        StoredTensor read(String key) throws IOException {
            View v = views.get(key);
            StorageRef s = v.ref().storage();
            byte[] data = storages.get(s.key());
            if (data == null) {
                data = storage(zip, v.storage(), s, key, file);
            }
            // a storage is kept only while tensors that view it remain unread; a tensor read twice re-reads it
            if (viewsLeft.merge(s.key(), -1, Integer::sum) > 0) {
                storages.put(s.key(), data);
            } else {
                storages.remove(s.key());
            }
            return gather(v, data);
        }

        void close() throws IOException {
            storages.clear();
            zip.close();
        }
    }

    /**
     * The storage's zip entry, after checking that it exists, that the element count is loadable, and that the
     * entry's declared size (the central directory's) is that count's bytes; the bytes themselves are counted
     * again when read, since a declared size may lie.
     */
    private static ZipEntry storageEntry(ZipFile zip, String prefix, StorageRef s, String key, Path file)
            throws TensorFileException {
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
        if (e.getSize() >= 0 && e.getSize() != s.numel() * s.type().bytes) {
            throw sizeMismatch(file, s, key, e.getSize());
        }
        return e;
    }

    private static TensorFileException sizeMismatch(Path file, StorageRef s, String key, long bytes) {
        return new TensorFileException(file, "storage data/" + s.key() + " of tensor '" + key + "' has "
                + bytes + " bytes; the pickle declares " + s.numel() + " " + s.type().torchName
                + " elements (" + s.numel() * s.type().bytes + " bytes)");
    }

    /** A storage's bytes, from the entry {@link #storageEntry} checked. */
    private static byte[] storage(ZipFile zip, ZipEntry e, StorageRef s, String key, Path file) throws IOException {
        long expected = s.numel() * s.type().bytes;
        byte[] data = readEntry(zip, e, expected, file);
        if (data.length != expected) {
            throw sizeMismatch(file, s, key, data.length);
        }
        return data;
    }

    /** The view's shape, after checking that the view lies inside its storage. */
    private static int[] checkedShape(TensorRef ref, String key, Path file) throws TensorFileException {
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
        return shape;
    }

    /** Gathers the strided view into a contiguous tensor of the storage's type. */
    private static StoredTensor gather(View view, byte[] data) {
        TensorRef ref = view.ref();
        int[] shape = view.shape();
        long[] stride = ref.stride();
        int n = Tensor.checkedSize(shape);
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
                yield new StoredTensor(ref.storage().type().fileDType, shape, Tensor.wrap(v, shape), null);
            }
            case FLOAT -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = b.getFloat((int) (source.applyAsLong(i) * 4));
                }
                yield new StoredTensor(ref.storage().type().fileDType, shape, Tensor.wrap(v, shape), null);
            }
            case HALF, BFLOAT16 -> {
                boolean half = ref.storage().type() == TorchUnpickler.StorageType.HALF;
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    short bits = b.getShort((int) (source.applyAsLong(i) * 2));
                    v[i] = half ? Float.float16ToFloat(bits) : Float.intBitsToFloat(bits << 16);
                }
                yield new StoredTensor(ref.storage().type().fileDType, shape, Tensor.wrap(v, shape), null);
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
