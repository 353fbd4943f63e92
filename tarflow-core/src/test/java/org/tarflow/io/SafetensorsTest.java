package org.tarflow.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

class SafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsAllWrittenTypesAndMetadata() throws IOException {
        Map<String, StoredTensor> ts = new LinkedHashMap<>();
        ts.put("a", StoredTensor.of(Tensor.of(DType.F64, new double[] {1.5, -2, Math.PI}, 3)));
        ts.put("b", StoredTensor.of(Tensor.of(DType.F32, new double[] {1, 2, 3, 4, 5, 6}, 2, 3)));
        ts.put("c", StoredTensor.ofInts(new long[] {-1, 7}, 2));
        ts.put("s", StoredTensor.of(Tensor.scalar(DType.F64, 0.25)));
        Path f = dir.resolve("t.safetensors");
        Safetensors.write(f, ts, Map.of("format", "pt"));
        Safetensors.Contents back = Safetensors.read(f);
        assertEquals(Map.of("format", "pt"), back.metadata());
        assertArrayEquals(new double[] {1.5, -2, Math.PI}, back.tensors().get("a").floats().toDoubleArray());
        assertEquals(DType.F32, back.tensors().get("b").floats().dtype());
        assertArrayEquals(new int[] {2, 3}, back.tensors().get("b").shape());
        assertArrayEquals(new int[] {-1, 7}, back.tensors().get("c").toIntArray());
        assertArrayEquals(new int[0], back.tensors().get("s").shape());
        assertEquals(0, headerLength(f) % 8, "the header is padded so the data starts 8-byte aligned");
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void decodesHalfPrecisionTypes() throws IOException {
        // F16 1.0 = 0x3C00, -2.0 = 0xC000; BF16 1.0 = 0x3F80, 0.5 = 0x3F00
        Path f = raw("{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]}}",
                new byte[] {0x00, 0x3C, 0x00, (byte) 0xC0, (byte) 0x80, 0x3F, 0x00, 0x3F});
        Safetensors.Contents c = Safetensors.read(f);
        assertArrayEquals(new double[] {1, -2}, c.tensors().get("h").floats().toDoubleArray());
        assertArrayEquals(new double[] {1, 0.5}, c.tensors().get("b").floats().toDoubleArray());
    }

    @Test
    void rejectsMalformedFilesWithAClearMessage() throws IOException {
        assertProblem(Files.write(dir.resolve("short"), new byte[3]), "shorter than the 8-byte header length");
        byte[] huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array();
        assertProblem(Files.write(dir.resolve("huge"), huge), "header length");
        assertProblem(raw("{not json", new byte[0]), "not valid JSON");
        assertProblem(raw("{\"a\":{\"dtype\":\"Q8\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]), "unsupported dtype Q8");
        assertProblem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]), "needs 12 bytes");
        assertProblem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]), "outside the 8 data bytes");
        assertProblem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]), "overlap");
        assertProblem(raw("{\"a\":{\"dtype\":\"F32\"}}", new byte[0]), "malformed header entry");
        assertProblem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[7]),
                "3 bytes at the end of the file belong to no tensor");
        assertProblem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
                "4 bytes before tensor 'a' belong to no tensor");
        assertProblem(dir, "is a directory");
        assertProblem(dir.resolve("missing.safetensors"), "no such file");
    }

    /**
     * The header is parsed as the format's own (serde_json) parser does: each of these is accepted by Gson's
     * default lenient parser, and refused here with the reason.
     */
    @Test
    void refusesHeadersThatAreNotStrictJson() throws IOException {
        String entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        assertProblem(raw("{/* hi */\"a\":" + entry + "}", new byte[4]), "not strict JSON");
        assertProblem(raw("{\"a\":" + entry + "} // trailing comment", new byte[4]), "text after the JSON value");
        assertProblem(raw("{'a':" + entry + "}", new byte[4]), "not strict JSON");
        assertProblem(raw("{a:" + entry + "}", new byte[4]), "not strict JSON");
        assertProblem(raw("{\"a\":" + entry + "}xyz", new byte[4]), "text after the JSON value");
        assertProblem(raw("{\"a\":" + entry + "}{}", new byte[4]), "text after the JSON value");
        assertProblem(raw("{\"a\":" + entry + ",\"a\":" + entry + "}", new byte[4]), "duplicate key 'a'");
        assertProblem(raw("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"},\"a\":" + entry + "}", new byte[4]),
                "duplicate key 'k'");
        assertProblem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,4]}}", new byte[4]),
                "not strict JSON");
        assertProblem(raw("{\"__metadata__\":" + "[".repeat(100) + "]".repeat(100) + "}", new byte[0]),
                "nested deeper than 64 levels");
        // the padding that writers add is JSON whitespace, not trailing text
        Safetensors.Contents ok = Safetensors.read(raw("{\"a\":" + entry + "}   \n\t", new byte[4]));
        assertArrayEquals(new int[] {1}, ok.tensors().get("a").shape());
    }

    /** Files written by Python's {@code safetensors.torch.save_file} (the golden cases) still load. */
    @Test
    void readsFilesWrittenByPythonsSafetensors() throws IOException {
        for (String name : new String[] {"cond_nvp_c1_p4", "uncond_nvp_c1_p2"}) {
            Safetensors.Contents c = Safetensors.read(Path.of("reference-data/torch/" + name + ".safetensors"));
            assertEquals(Map.of("case", name), c.metadata());
            assertTrue(c.tensors().size() > 20, name + ": " + c.tensors().size() + " tensors");
        }
    }

    private void assertProblem(Path f, String expected) {
        TensorFileException e = assertThrows(TensorFileException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(f.toString()), "message names the file: " + e.getMessage());
    }

    private Path raw(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return Files.write(Files.createTempFile(dir, "raw", ".safetensors"), b.array());
    }

    private static long headerLength(Path f) throws IOException {
        byte[] b = Files.readAllBytes(f);
        return ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /**
     * The first bytes of a safetensors file are its header length, whose low byte can be a pickle's 0x80;
     * such files must still be read as safetensors (before the fix, 1 file in 32 was taken for a .pth).
     */
    @Test
    void weightsWhoseHeaderLengthLooksLikeAPickleAreStillSafetensors() throws IOException {
        Map<String, StoredTensor> tensors = Map.of("w", StoredTensor.of(Tensor.wrap(new double[] {1, 2}, 2)));
        int seen = 0;
        for (int pad = 0; pad < 64 && seen < 2; pad++) {
            Path f = dir.resolve("w" + pad + ".safetensors");
            Safetensors.write(f, tensors, Map.of("pad", "x".repeat(pad)));
            int low = Files.readAllBytes(f)[0] & 0xff;
            WeightsFile.Contents c = WeightsFile.read(f);
            assertArrayEquals(new double[] {1, 2}, c.tensors().get("w").floats().toDoubleArray(), 0.0, "pad " + pad);
            seen += low == 0x80 ? 1 : 0;
        }
        assertTrue(seen >= 1, "no header length with low byte 0x80 was produced");
    }
}
