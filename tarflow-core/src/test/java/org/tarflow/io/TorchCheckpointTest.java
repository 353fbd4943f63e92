package org.tarflow.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tarflow.tensor.DType;

/**
 * {@link TorchCheckpoint} against checkpoints written by real PyTorch ({@code reference-data/torch-fixtures},
 * made by {@code make_fixtures.py}; expected values in {@code expected.json}) and against hand-built
 * hostile pickles and archives.
 */
class TorchCheckpointTest {
    private static final Path FIXTURES = Path.of("reference-data/torch-fixtures");
    /** The file the hostile fixtures' payloads would create if anything in them ran. */
    private static final Path PWNED = Path.of("/tmp/tarflow-pwned");

    private static JsonObject expected;

    @TempDir
    Path dir;

    @BeforeAll
    static void readExpected() throws IOException {
        try (Reader r = Files.newBufferedReader(FIXTURES.resolve("expected.json"))) {
            expected = JsonParser.parseReader(r).getAsJsonObject();
        }
    }

    @BeforeEach
    void noLeftoverPayloadEffect() throws IOException {
        Files.deleteIfExists(PWNED);
    }

    // ------------------------------------------------------------------ checkpoints written by PyTorch

    static Stream<String> goodFixtures() throws IOException {
        readExpected();
        return expected.getAsJsonObject("good").keySet().stream();
    }

    static Stream<String> refusedFixtures() throws IOException {
        readExpected();
        return expected.getAsJsonObject("hostile").keySet().stream();
    }

    @ParameterizedTest
    @MethodSource("goodFixtures")
    void readsEveryTensorOfAPyTorchCheckpointExactly(String name) throws IOException {
        JsonObject spec = expected.getAsJsonObject("good").getAsJsonObject(name);
        String source = spec.has("same_as") ? spec.get("same_as").getAsString() : name;
        JsonObject tensors = expected.getAsJsonObject("good").getAsJsonObject(source).getAsJsonObject("tensors");

        Map<String, StoredTensor> read = TorchCheckpoint.read(FIXTURES.resolve(name));

        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(read.keySet()), "keys, in the pickle's order");
        for (String key : tensors.keySet()) {
            JsonObject want = tensors.getAsJsonObject(key);
            StoredTensor got = read.get(key);
            String where = name + " '" + key + "'";
            assertEquals(want.get("dtype").getAsString(), got.fileDType(), where + " file dtype");
            assertArrayEquals(ints(want.getAsJsonArray("shape")), got.shape(), where + " shape");
            List<JsonElement> values = flatten(want.get("values"), new ArrayList<>());
            assertEquals(product(got.shape()), values.size(), where + ": expected.json disagrees with its shape");
            if (got.fileDType().equals("I64")) {
                assertNull(got.floats(), where);
                assertEquals(values.size(), got.ints().length, where + " element count");
                for (int i = 0; i < values.size(); i++) {
                    assertEquals(values.get(i).getAsLong(), got.ints()[i], where + " element " + i);
                }
            } else {
                assertNull(got.ints(), where);
                assertEquals(got.fileDType().equals("F64") ? DType.F64 : DType.F32, got.floats().dtype(), where);
                assertArrayEquals(got.shape(), got.floats().shape(), where + " tensor shape");
                double[] actual = got.floats().toDoubleArray();
                assertEquals(values.size(), actual.length, where + " element count");
                for (int i = 0; i < values.size(); i++) {
                    double w = values.get(i).getAsDouble(); // "NaN", "Infinity", "-Infinity" parse too
                    if (Double.isNaN(w)) {
                        assertTrue(Double.isNaN(actual[i]), where + " element " + i + " should be NaN");
                    } else if (Double.doubleToLongBits(w) != Double.doubleToLongBits(actual[i])) {
                        fail(where + " element " + i + ": expected " + w + " but read " + actual[i]);
                    }
                }
            }
        }
    }

    @Test
    void theFixturesCoverViewsSharedStoragesAndEveryFileType() {
        JsonObject f32 = expected.getAsJsonObject("good").getAsJsonObject("f32.pth").getAsJsonObject("tensors");
        assertFalse(f32.getAsJsonObject("mat_t").get("contiguous").getAsBoolean());
        assertEquals(2, f32.getAsJsonObject("base_slice").get("storage_offset").getAsInt());
        assertEquals(0, f32.getAsJsonObject("expanded").getAsJsonArray("stride").get(1).getAsInt());
        assertEquals(0, f32.getAsJsonObject("scalar").getAsJsonArray("shape").size());
        for (String f : List.of("f32.pth", "f64.pth", "f16.pth", "bf16.pth", "i64.pth", "param.pth", "module.pth")) {
            assertTrue(expected.getAsJsonObject("good").has(f), f);
        }
    }

    @ParameterizedTest
    @MethodSource("refusedFixtures")
    void refusesAHostileOrBrokenFileWithAClearMessage(String name) {
        JsonObject spec = expected.getAsJsonObject("hostile").getAsJsonObject(name);
        Path file = FIXTURES.resolve(name);
        String message = refused(file);
        for (JsonElement part : spec.getAsJsonArray("message")) {
            assertContains(message, part.getAsString());
        }
        assertFalse(Files.exists(PWNED), "the payload of " + name + " ran");
    }

    @Test
    void refusesTheOsSystemPayloadNamingTheGlobalThePickleActuallyHolds() {
        // torch.save writes os.system as 'posix system' on Linux (what pickletools shows)
        assertEquals("posix.system",
                expected.getAsJsonObject("hostile").getAsJsonObject("evil_os_system.pth").get("global").getAsString());
        String message = refused(FIXTURES.resolve("evil_os_system.pth"));
        assertContains(message, "the pickle calls the global 'posix.system', which is not on the allow-list");
        assertContains(message, "evil_os_system.pth: ");
        assertContains(refused(FIXTURES.resolve("evil_eval.pth")), "'__builtin__.eval'");
        assertContains(refused(FIXTURES.resolve("evil_popen.pth")), "'subprocess.Popen'");
        assertFalse(Files.exists(PWNED));
    }

    @Test
    void refusesTheLegacyFormatWithAHowToFix() {
        String message = refused(FIXTURES.resolve("legacy.pth"));
        assertContains(message, "legacy non-zip format");
        assertContains(message, "_use_new_zipfile_serialization=False");
    }

    // ------------------------------------------------------------------------ hand-built pickles

    @Test
    void handBuiltCheckpointsReadLikeTorchOnes() throws IOException {
        // the baseline every hostile variant below departs from: 2x3 float32 view, transposed, at offset 1
        Path f = archive(stateDict(new T("w", "FloatStorage", "0", 7, 1, longs(3, 2), longs(1, 3))),
                "0", floats(0, 1, 2, 3, 4, 5, 6));
        StoredTensor w = TorchCheckpoint.read(f).get("w");
        assertArrayEquals(new int[] {3, 2}, w.shape());
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, w.floats().toDoubleArray());
    }

    @Test
    void refusesHugeLengthFieldsQuicklyWithoutAllocating() {
        byte[] rest = "abc".getBytes(StandardCharsets.US_ASCII);
        // BINUNICODE with length 0x7fffffff: the library would allocate 2 GB before finding the pickle short
        Pkl binunicode = new Pkl().proto(2).op('X').le32(0x7fffffff).raw(rest);
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertContains(refused(archive(binunicode)),
                "pickle length field 2147483647 exceeds the 3 bytes that remain"));
        assertContains(refused(archive(new Pkl().proto(4).op(0x8d).le64(-1).raw(rest))), // BINUNICODE8
                "length field 18446744073709551615 exceeds");
        assertContains(refused(archive(new Pkl().proto(4).op(0x8e).le64(1L << 40).raw(rest))), // BINBYTES8
                "length field 1099511627776 exceeds");
        assertContains(refused(archive(new Pkl().proto(2).op(0x8b).le32(0x7fffffff).raw(rest))), // LONG4
                "length field 2147483647 exceeds");
        assertContains(refused(archive(new Pkl().proto(3).op('B').le32(0x7ffffff0).raw(rest))), // BINBYTES
                "length field 2147483632 exceeds");
        assertContains(refused(archive(new Pkl().proto(4).op(0x95).le64(1L << 32).raw(rest))), // FRAME
                "length field 4294967296 exceeds");
        assertContains(refused(archive(new Pkl().proto(2).op('X').raw(new byte[] {1, 0}))), "ends inside a length field");
    }

    @Test
    void refusesPicklesThatWouldTakeTooMuchMemoryOrTime() {
        // NONE, POP pairs allocate nothing, so reaching the opcode budget is quick
        Pkl many = new Pkl().proto(2);
        for (long i = 0; i <= TorchUnpickler.MAX_OPCODES / 2; i++) {
            many.op('N', '0');
        }
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertContains(refused(archive(many.op('N', '.'))),
                "data.pkl runs more than " + TorchUnpickler.MAX_OPCODES + " pickle opcodes"));
        // a text LONG of a million digits: BigInteger would parse it in quadratic time
        Pkl digits = new Pkl().proto(2).op('L').ascii("9".repeat(1_000_000) + "L\n").op('.');
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertContains(refused(archive(digits)),
                "LONG opcode with a number of more than 1000 digits"));
        Pkl small = new Pkl().proto(2).op('}').shortUnicode("n").op('L').ascii("9".repeat(1000) + "L\n").op('s', '.');
        assertContains(refused(archive(small)), "state_dict entry 'n' is a BigInteger, not a tensor");
    }

    @Test
    void refusesStackGlobalNamingEval() {
        Pkl p = new Pkl().proto(4).shortUnicode("builtins").shortUnicode("eval").op(0x93) // STACK_GLOBAL
                .shortUnicode("__import__('os').system('touch /tmp/tarflow-pwned')").op(0x85).op('R').op('.');
        assertContains(refused(archive(p)), "the pickle calls the global 'builtins.eval', which is not on the allow-list");
        assertFalse(Files.exists(PWNED));
    }

    @Test
    void refusesGlobalsThatOnlyResembleAllowedOnes() {
        for (String[] g : new String[][] {{"torch.storage", "_load_from_bytes"}, {"torch", "load"},
                {"torch._utils", "_rebuild_tensor_v2.__globals__"}, {"torch", "IntStorage"},
                {"collections", "OrderedDict "}, {"__builtin__", "getattr"}}) {
            Pkl p = new Pkl().proto(2).global(g[0], g[1]).op(')').op('R').op('.');
            assertContains(refused(archive(p)), "'" + g[0] + "." + g[1] + "', which is not on the allow-list");
        }
        // what the file names is quoted safely: control characters escaped, a huge name cut short
        Pkl escape = new Pkl().proto(2).global("os", "system\u001b[2J\u0000").op('.');
        assertContains(refused(archive(escape)), "'os.system\\u001b[2J\\u0000'");
        String huge = refused(archive(new Pkl().proto(2).global("os", "x".repeat(1 << 20)).op('.')));
        assertTrue(huge.length() < 1000, "message of " + huge.length() + " characters");
        assertContains(huge, "more characters)");
        Pkl nonString = new Pkl().proto(4).shortUnicode("os").op('K', 1).op(0x93).op('.');
        assertContains(refused(archive(nonString)), "STACK_GLOBAL with a non-string module or name");
    }

    @Test
    void refusesOldProtocolInstanceCreation() {
        Pkl inst = new Pkl().op('(').shortUnicode("touch /tmp/tarflow-pwned").op('i').ascii("os\nsystem\n").op('.');
        assertContains(refused(archive(inst)), "pickle opcode INST (instance creation");
        Pkl obj = new Pkl().proto(2).op('(').global("collections", "OrderedDict").op('o').op('.');
        assertContains(refused(archive(obj)), "pickle opcode OBJ (instance creation");
        Pkl ext = new Pkl().proto(2).op(0x82, 1).op('.');
        assertContains(refused(archive(ext)), "extension registry");
        assertFalse(Files.exists(PWNED));
    }

    @Test
    void refusesAStorageEntryWhoseSizeDisagreesWithTheDeclaredElementCount() {
        Pkl tooFew = stateDict(new T("w", "FloatStorage", "0", 10, 0, longs(10), longs(1)));
        assertContains(refused(archive(tooFew, "0", new byte[12])),
                "storage data/0 of tensor 'w' has 12 bytes; the pickle declares 10 FloatStorage elements (40 bytes)");
        Pkl tooMany = stateDict(new T("w", "DoubleStorage", "0", 2, 0, longs(2), longs(1)));
        assertContains(refused(archive(tooMany, "0", new byte[40])), "storage data/0 of tensor 'w' has 40 bytes; the pickle declares 2 DoubleStorage elements (16 bytes)");
        Pkl negative = stateDict(new T("w", "FloatStorage", "0", -1, 0, longs(0), longs(1)));
        assertContains(refused(archive(negative, "0", new byte[0])), "declares -1 elements, a negative count");
    }

    @Test
    void refusesAnElementCountWhoseByteCountOverflows() {
        // 2^62 floats are 2^64 bytes, which wraps to 0 in a long: an empty entry must not pass for it
        Pkl p = stateDict(new T("w", "FloatStorage", "0", 1L << 62, 0, longs(4), longs(1)));
        assertContains(refused(archive(p, "0", new byte[0])), "declares 4611686018427387904 elements");
        Pkl longs = stateDict(new T("w", "LongStorage", "0", 1L << 61, 0, longs(4), longs(1)));
        assertContains(refused(archive(longs, "0", new byte[0])), "declares 2305843009213693952 elements");
    }

    @Test
    void refusesAViewReachingBeyondItsStorage() {
        byte[] six = floats(0, 1, 2, 3, 4, 5);
        assertContains(refused(archive(stateDict(new T("w", "FloatStorage", "0", 6, 4, longs(3), longs(1))), "0", six)),
                "tensor 'w' (offset 4, size [3], stride [1]) reaches outside its storage of 6 elements");
        assertContains(refused(archive(stateDict(new T("w", "FloatStorage", "0", 6, 0, longs(2, 3), longs(3, 2))),
                "0", six)), "reaches outside its storage of 6 elements");
        assertContains(refused(archive(stateDict(new T("w", "FloatStorage", "0", 6, -1, longs(2), longs(1))),
                "0", six)), "reaches outside its storage");
        assertContains(refused(archive(stateDict(new T("w", "FloatStorage", "0", 6, 0, longs(2), longs(-1))),
                "0", six)), "has size [2] and stride [-1]");
        assertContains(refused(archive(stateDict(new T("w", "FloatStorage", "0", 6, 0, longs(2, 3), longs(1))),
                "0", six)), "has 2 sizes but 1 strides");
    }

    @Test
    void refusesAViewWhoseExtentOverflows() {
        byte[] six = floats(0, 1, 2, 3, 4, 5);
        // (3 - 1) * 2^62 = 2^63 wraps to a negative "last element" in a long
        assertContains(refused(archive(stateDict(new T("w", "FloatStorage", "0", 6, 0, longs(3), longs(1L << 62))),
                "0", six)), "reaches outside its storage of 6 elements");
        assertContains(refused(archive(stateDict(new T("w", "FloatStorage", "0", 6, Long.MAX_VALUE, longs(2), longs(1))),
                "0", six)), "reaches outside its storage of 6 elements");
        assertContains(refused(archive(stateDict(new T("w", "FloatStorage", "0", 6, 0, longs(2, 2),
                longs(Long.MAX_VALUE, Long.MAX_VALUE))), "0", six)), "reaches outside its storage of 6 elements");
    }

    @Test
    void refusesOneStorageDeclaredTwiceDifferently() {
        byte[] four = floats(0, 1, 2, 3);
        // same byte count for both declarations once the element count wraps: 2^62 + 4 floats "are" 16 bytes
        Pkl p = stateDict(new T("a", "FloatStorage", "0", 4, 0, longs(4), longs(1)),
                new T("b", "FloatStorage", "0", (1L << 62) + 4, 0, longs(100), longs(1)));
        assertContains(refused(archive(p, "0", four)), "storage 0 is declared with different");
        Pkl types = stateDict(new T("a", "FloatStorage", "0", 4, 0, longs(4), longs(1)),
                new T("b", "LongStorage", "0", 2, 0, longs(2), longs(1)));
        assertContains(refused(archive(types, "0", four)), "storage 0 is declared with different");
    }

    @Test
    void refusesSelfReferencingStructuresWithoutAStackOverflow() {
        // l = []; l.append(l); {l: None} -- hashing l recurses forever in java.util
        Pkl p = new Pkl().proto(2).op('}').op(']').op('q', 0).op('h', 0).op('a').op('N').op('s').op('.');
        assertTimeoutPreemptively(Duration.ofSeconds(2), () -> assertContains(refused(archive(p)), "data.pkl"));
    }

    @Test
    void refusesValuesThatAreNotAStateDictOfTensors() {
        assertContains(refused(archive(new Pkl().proto(2).op('K', 5).op('.'))), "holds a Integer, not a state_dict");
        assertContains(refused(archive(new Pkl().proto(2).op('}').shortUnicode("w").op('K', 5).op('s').op('.'))),
                "state_dict entry 'w' is a Integer, not a tensor");
        assertContains(refused(archive(new Pkl().proto(2).op('}').op('K', 1).op('N').op('s').op('.'))),
                "state_dict has a non-string key Integer");
        assertContains(refused(archive(new Pkl().proto(2).op('K', 5))), "data.pkl is not a valid pickle");
        assertContains(refused(archive(new Pkl().proto(2).op('R').op('.'))), "data.pkl is not a valid pickle");
        assertContains(refused(archive(new Pkl().proto(2).op(0xff))), "data.pkl is not a valid pickle");
        Pkl badPid = new Pkl().proto(2).shortUnicode("storage").op(0x85).op('Q').op('.');
        assertContains(refused(archive(badPid)), "unsupported persistent id");
        Pkl badKey = new Pkl().proto(2).op('(').shortUnicode("storage").global("torch", "FloatStorage")
                .shortUnicode("../../etc/passwd").shortUnicode("cpu").op('K', 1).op('t').op('Q').op('.');
        assertContains(refused(archive(badKey)), "malformed storage key");
    }

    @Test
    void refusesABigEndianCheckpoint() throws IOException {
        Path f = dir.resolve("big.pth");
        Pkl p = stateDict(new T("w", "FloatStorage", "0", 1, 0, longs(), longs()));
        writeZip(f, false, "archive/byteorder", "big".getBytes(StandardCharsets.US_ASCII), "archive/data.pkl",
                p.bytes(), "archive/data/0", new byte[4]);
        assertContains(refused(f), "byteorder is 'big'; only little-endian");
    }

    @Test
    void refusesACorruptCompressedEntryAsATensorFileException() throws IOException {
        // data.pkl deflated, then its compressed size in the central directory halved: the inflater runs dry
        Path f = dir.resolve("deflated.pth");
        Pkl p = stateDict(new T("w", "FloatStorage", "0", 1, 0, longs(), longs()));
        writeZip(f, true, "archive/data.pkl", p.bytes(), "archive/data/0", new byte[4]);
        byte[] zip = Files.readAllBytes(f);
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i + 46 < zip.length; i++) {
            if (b.getInt(i) == 0x02014b50 && new String(zip, i + 46, 16, StandardCharsets.US_ASCII).equals("archive/data.pkl")) {
                b.putInt(i + 20, b.getInt(i + 20) / 2);
            }
        }
        Files.write(f, zip);
        assertContains(refused(f), "entry archive/data.pkl is corrupt");
    }

    @Test
    void refusesMissingAndOddFiles() throws IOException {
        assertContains(refused(dir.resolve("absent.pth")), "no such file");
        assertContains(refused(dir), "is not a regular file");
        assertContains(refused(Files.write(dir.resolve("empty.pth"), new byte[0])), "not a PyTorch checkpoint");
        Path twoPickles = dir.resolve("two.pth");
        writeZip(twoPickles, false, "a/data.pkl", new byte[] {'N', '.'}, "b/data.pkl", new byte[] {'N', '.'});
        assertContains(refused(twoPickles), "has several data.pkl entries");
    }

    // ----------------------------------------------------------------------------------- helpers

    private static String refused(Path file) {
        TensorFileException e = assertThrows(TensorFileException.class, () -> TorchCheckpoint.read(file),
                () -> file + " should be refused");
        assertTrue(e.getMessage().startsWith(file + ": "), "the message names the file: " + e.getMessage());
        return e.getMessage();
    }

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), () -> "expected the message to contain \"" + part + "\" but it was: " + message);
    }

    private static int[] ints(JsonArray a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    private static int product(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    /** The leaves of nested JSON lists in row-major order (a 0-d tensor's value is a bare number). */
    private static List<JsonElement> flatten(JsonElement e, List<JsonElement> out) {
        if (e.isJsonArray()) {
            e.getAsJsonArray().forEach(x -> flatten(x, out));
        } else {
            out.add(e);
        }
        return out;
    }

    private static long[] longs(long... v) {
        return v;
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    /** One state_dict entry: {@code key -> _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}. */
    private record T(String key, String storageType, String storageKey, long numel, long offset, long[] size,
            long[] stride) {
    }

    /** {@code OrderedDict} of the given tensors, pickled with protocol 2 as torch.save does. */
    private static Pkl stateDict(T... tensors) {
        Pkl p = new Pkl().proto(2).global("collections", "OrderedDict").op(')').op('R').op('(');
        for (T t : tensors) {
            p.unicode(t.key).global("torch._utils", "_rebuild_tensor_v2").op('(');
            p.op('(').unicode("storage").global("torch", t.storageType).unicode(t.storageKey).unicode("cpu")
                    .integer(t.numel).op('t').op('Q');
            p.integer(t.offset).tuple(t.size).tuple(t.stride).op(0x89); // NEWFALSE: requires_grad
            p.global("collections", "OrderedDict").op(')').op('R').op('t').op('R');
        }
        return p.op('u').op('.');
    }

    /** Raw pickle opcodes, assembled by hand. */
    private static final class Pkl {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pkl op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Pkl raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Pkl ascii(String s) {
            return raw(s.getBytes(StandardCharsets.ISO_8859_1));
        }

        Pkl proto(int v) {
            return op(0x80, v);
        }

        Pkl le32(int v) {
            return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        }

        Pkl le64(long v) {
            return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }

        Pkl global(String module, String name) {
            return op('c').ascii(module + "\n" + name + "\n");
        }

        Pkl unicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return op('X').le32(b.length).raw(b);
        }

        Pkl shortUnicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return op(0x8c, b.length).raw(b);
        }

        /** LONG1 with 8 bytes: any long, as a two's complement little-endian integer. */
        Pkl integer(long v) {
            return op(0x8a, 8).le64(v);
        }

        Pkl tuple(long... v) {
            op('(');
            for (long x : v) {
                integer(x);
            }
            return op('t');
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    private int archives;

    /** A torch-like zip: {@code archive/data.pkl} and {@code archive/data/<key>} entries, stored uncompressed. */
    private Path archive(Pkl pickle, Object... storages) {
        Object[] entries = new Object[storages.length + 2];
        entries[0] = "archive/data.pkl";
        entries[1] = pickle.bytes();
        for (int i = 0; i < storages.length; i += 2) {
            entries[i + 2] = "archive/data/" + storages[i];
            entries[i + 3] = storages[i + 1];
        }
        Path f = dir.resolve("hand" + archives++ + ".pth");
        try {
            writeZip(f, false, entries);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }

    private static void writeZip(Path f, boolean deflate, Object... namesAndBytes) throws IOException {
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(f))) {
            for (int i = 0; i < namesAndBytes.length; i += 2) {
                byte[] data = (byte[]) namesAndBytes[i + 1];
                ZipEntry e = new ZipEntry((String) namesAndBytes[i]);
                if (!deflate) {
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(data.length);
                    e.setCompressedSize(data.length);
                    e.setCrc(crc.getValue());
                }
                z.putNextEntry(e);
                z.write(data);
                z.closeEntry();
            }
        }
    }
}
