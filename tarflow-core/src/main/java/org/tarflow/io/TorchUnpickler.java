package org.tarflow.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Unpickles the {@code data.pkl} of a PyTorch zip checkpoint under a strict allow-list, in the spirit of
 * {@code torch.load(weights_only=True)}. The only globals a pickle may name are
 * <ul>
 *   <li>{@code collections.OrderedDict} (the state_dict and the empty backward-hook dicts),</li>
 *   <li>{@code torch._utils._rebuild_tensor_v2} and {@code torch._utils._rebuild_parameter},</li>
 *   <li>the storage types {@code torch.FloatStorage}, {@code DoubleStorage}, {@code HalfStorage},
 *       {@code BFloat16Storage} and {@code LongStorage}, inside persistent ids
 *       {@code ('storage', type, key, location, numel)}.</li>
 * </ul>
 * Any other global, the {@code INST}/{@code OBJ}/extension-registry opcodes, {@code BUILD} on anything
 * but an {@code OrderedDict}, length fields larger than the bytes that remain, text {@code LONG}s of
 * more than {@value #MAX_LONG_DIGITS} digits and more than {@link #MAX_OPCODES} opcodes are refused
 * ({@link Refused}). Dicts keep the pickle's order. Nothing is ever executed: the "constructors"
 * above are Java code that builds descriptions ({@link TensorRef}, {@link StorageRef}); the storages'
 * bytes are read afterwards by {@link TorchCheckpoint}.
 *
 * <p>Not thread-safe; one instance per file.
 */
final class TorchUnpickler extends Unpickler {

    /** A storage as the pickle describes it: the zip entry {@code data/<key>}, element type and count. */
    record StorageRef(String key, StorageType type, long numel) {
    }

    /** A tensor view of a storage, as {@code _rebuild_tensor_v2} receives it. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    /** The element types of the allowed storage classes. */
    enum StorageType {
        FLOAT("FloatStorage", 4, "F32"), DOUBLE("DoubleStorage", 8, "F64"), HALF("HalfStorage", 2, "F16"),
        BFLOAT16("BFloat16Storage", 2, "BF16"), LONG("LongStorage", 8, "I64");

        final String torchName;
        final int bytes;
        /** The safetensors name of the dtype, as {@link StoredTensor#fileDType()} reports it. */
        final String fileDType;

        StorageType(String torchName, int bytes, String fileDType) {
            this.torchName = torchName;
            this.bytes = bytes;
            this.fileDType = fileDType;
        }
    }

    /** The pickle asked for something outside the allow-list, or is malformed; the message says what. */
    static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    /**
     * The pickle's {@code OrderedDict}. The {@code _metadata} attribute torch attaches to a state_dict
     * (set by the BUILD opcode) is ignored: the per-module version metadata does not affect the tensors.
     */
    public static final class OrderedDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;
    }

    static final Set<String> ALLOWED = Set.of("collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter", "torch.FloatStorage", "torch.DoubleStorage", "torch.HalfStorage",
            "torch.BFloat16Storage", "torch.LongStorage");

    /**
     * The most opcodes a pickle may run. Each can leave ~100 bytes on the heap (an empty dict, a memo
     * entry), so without a budget a 60 MB pickle of '}' -- 60 KB once deflated in the zip -- exhausts a
     * 2 GB heap. torch writes ~22 opcodes per tensor, so even a 256 MB heap allows ~20,000 tensors.
     */
    static final long MAX_OPCODES = Math.min(16L << 20, Runtime.getRuntime().maxMemory() / 512);

    /** The longest number a text LONG opcode may spell; BigInteger parses it in quadratic time. */
    static final int MAX_LONG_DIGITS = 1000;

    private final ByteArrayInputStream bytes;
    private long opcodes;

    private TorchUnpickler(ByteArrayInputStream bytes) {
        this.bytes = bytes;
    }

    /**
     * Unpickles {@code pickle} (the whole {@code data.pkl}).
     *
     * @throws Refused for a disallowed global or opcode, or an impossible length field
     * @throws PickleException, IOException or a runtime exception of the pickle library for other malformed input
     */
    static Object load(byte[] pickle) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(pickle);
        TorchUnpickler u = new TorchUnpickler(in);
        try {
            return u.load(in);
        } catch (StackOverflowError e) { // hashing a list that contains itself, as a dict key or set element
            throw new Refused("data.pkl holds a structure that contains itself or nests too deeply");
        } finally {
            u.close();
        }
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        if (++opcodes > MAX_OPCODES) {
            throw new Refused("data.pkl runs more than " + MAX_OPCODES + " pickle opcodes, far more than a"
                    + " state_dict needs (and too many to unpickle in this heap)");
        }
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolve(module, name));
                return NO_RETURN_VALUE;
            }
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw new Refused("STACK_GLOBAL with a non-string module or name");
                }
                stack.add(resolve(m, n));
                return NO_RETURN_VALUE;
            }
            // dicts keep the pickle's order (the library's would lose it in a HashMap)
            case Opcodes.EMPTY_DICT -> {
                stack.add(new LinkedHashMap<>());
                return NO_RETURN_VALUE;
            }
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                if (items.size() % 2 != 0 || !(stack.peek() instanceof Map<?, ?> map)) {
                    throw new Refused("SETITEMS without a dict and key-value pairs");
                }
                @SuppressWarnings("unchecked")
                Map<Object, Object> dict = (Map<Object, Object>) map;
                for (int i = 0; i < items.size(); i += 2) {
                    dict.put(items.get(i), items.get(i + 1));
                }
                return NO_RETURN_VALUE;
            }
            case Opcodes.BUILD -> { // torch sets only an OrderedDict's _metadata; nothing else has state to set
                Object state = stack.pop();
                if (!(stack.peek() instanceof OrderedDict) || !(state instanceof Map<?, ?>)) {
                    throw new Refused("BUILD (setting an object's state) is only allowed on an OrderedDict");
                }
                return NO_RETURN_VALUE;
            }
            case Opcodes.INST, Opcodes.OBJ -> throw new Refused("pickle opcode " + (key == Opcodes.INST ? "INST" : "OBJ")
                    + " (instance creation of the old protocol) is not allowed");
            case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
                    throw new Refused("pickle opcode EXT" + (key == Opcodes.EXT1 ? 1 : key == Opcodes.EXT2 ? 2 : 4)
                            + " (a global from the extension registry) is not allowed");
            case Opcodes.BINSTRING, Opcodes.BINBYTES, Opcodes.BINUNICODE, Opcodes.LONG4 -> checkLength(4);
            case Opcodes.BINUNICODE8, Opcodes.BINBYTES8, Opcodes.BYTEARRAY8, Opcodes.FRAME -> checkLength(8);
            case Opcodes.LONG -> checkLineLength(MAX_LONG_DIGITS + 1); // digits and the trailing 'L'
            default -> {
                // every other opcode reads a bounded number of bytes or a line
            }
        }
        return super.dispatch(key);
    }

    /**
     * Refuses a length field (little-endian, unsigned) larger than what remains of the pickle, so that a
     * forged length cannot make the pickle library allocate gigabytes. FRAME is a hint of the size of the
     * frame that follows, which must also fit.
     */
    private void checkLength(int width) {
        bytes.mark(width);
        byte[] b = new byte[width];
        int got = bytes.read(b, 0, width);
        bytes.reset();
        if (got < width) {
            throw new Refused("pickle ends inside a length field");
        }
        long n = 0;
        for (int i = width - 1; i >= 0; i--) {
            n = (n << 8) | (b[i] & 0xff);
        }
        long remaining = bytes.available() - width;
        if (n < 0 || n > remaining) {
            throw new Refused("pickle length field " + Long.toUnsignedString(n) + " exceeds the " + remaining
                    + " bytes that remain");
        }
    }

    /** Refuses a text argument (up to the newline) longer than {@code max} bytes, before the library reads it. */
    private void checkLineLength(int max) {
        bytes.mark(max + 1);
        try {
            for (int i = 0; i <= max; i++) {
                int c = bytes.read();
                if (c == '\n' || c < 0) {
                    return;
                }
            }
        } finally {
            bytes.reset();
        }
        throw new Refused("pickle LONG opcode with a number of more than " + MAX_LONG_DIGITS + " digits");
    }

    private static Object resolve(String module, String name) {
        String global = module + "." + name;
        if (!ALLOWED.contains(global)) {
            throw new Refused("the pickle calls the global '" + global + "', which is not on the allow-list "
                    + "(torch tensors, storages and OrderedDict only); nothing was executed");
        }
        return switch (global) {
            case "collections.OrderedDict" -> (IObjectConstructor) args -> {
                if (args.length != 0) {
                    throw new Refused("OrderedDict with constructor arguments");
                }
                return new OrderedDict();
            };
            case "torch._utils._rebuild_tensor_v2" -> (IObjectConstructor) TorchUnpickler::rebuildTensor;
            case "torch._utils._rebuild_parameter" -> (IObjectConstructor) args -> {
                if (args.length < 1 || !(args[0] instanceof TensorRef t)) {
                    throw new Refused("_rebuild_parameter without a tensor");
                }
                return t;
            };
            default -> storageType(name);
        };
    }

    private static StorageType storageType(String name) {
        for (StorageType t : StorageType.values()) {
            if (t.torchName.equals(name)) {
                return t;
            }
        }
        throw new IllegalStateException("allow-list and storage types disagree on " + name);
    }

    /** {@code _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])}. */
    private static Object rebuildTensor(Object[] args) {
        if (args.length < 4 || !(args[0] instanceof StorageRef storage)) {
            throw new Refused("_rebuild_tensor_v2 called without (storage, offset, size, stride)");
        }
        return new TensorRef(storage, integer(args[1], "storage_offset"), integers(args[2], "size"),
                integers(args[3], "stride"));
    }

    /** Persistent ids: {@code ('storage', storage_type, key, location, numel)}. */
    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[] t) || t.length != 5 || !"storage".equals(t[0])) {
            throw new Refused("unsupported persistent id (expected ('storage', type, key, location, numel))");
        }
        if (!(t[1] instanceof StorageType type)) {
            throw new Refused("persistent id names no allowed storage type");
        }
        if (!(t[2] instanceof String key) || !key.matches("[0-9A-Za-z_]{1,64}")) {
            throw new Refused("persistent id has a malformed storage key");
        }
        return new StorageRef(key, type, integer(t[4], "numel"));
    }

    private static long integer(Object o, String what) {
        if (o instanceof Integer || o instanceof Long) {
            return ((Number) o).longValue();
        }
        throw new Refused(what + " is not an integer");
    }

    private static long[] integers(Object o, String what) {
        if (!(o instanceof Object[] t)) {
            throw new Refused(what + " is not a tuple");
        }
        long[] out = new long[t.length];
        for (int i = 0; i < t.length; i++) {
            out[i] = integer(t[i], what);
        }
        return out;
    }
}
