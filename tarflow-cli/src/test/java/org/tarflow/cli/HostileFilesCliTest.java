package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.tarflow.cli.Cli.assertOneLineError;
import static org.tarflow.cli.Cli.run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tarflow.data.IdxFiles;

/**
 * Every kind of hostile or broken file, given to the commands that read it, ends with exit code 1 and one
 * line on stderr that says what is wrong (no stack trace, nothing executed).
 */
class HostileFilesCliTest {
    private static final Path FIXTURES = Path.of("reference-data/torch-fixtures");
    private static final String CASE = "reference-data/torch/uncond_nvp_c1_p2.json";

    @TempDir
    Path dir;

    @Test
    void hostileAndBrokenTorchCheckpoints() {
        String[][] files = {
            {"legacy.pth", "legacy non-zip format"}, {"evil_os_system.pth", "'posix.system'"},
            {"evil_eval.pth", "'__builtin__.eval'"}, {"evil_popen.pth", "'subprocess.Popen'"},
            {"missing_storage.pth", "which the archive does not have"}, {"short_storage.pth", "has 92 bytes"},
            {"truncated.pth", "zip"}, {"not_zip.pth", "not a PyTorch checkpoint"}, {"no_pickle.pth", "no <folder>/data.pkl"},
        };
        for (String[] f : files) {
            String path = FIXTURES.resolve(f[0]).toString();
            assertOneLineError(run("sample", path, "--out", dir.resolve("x.png").toString()), f[1]);
            assertOneLineError(run("conformance", CASE, "--weights", path), f[1]);
            assertOneLineError(run("convert", path, dir.resolve("x.safetensors").toString()), f[1]);
        }
        assertFalse(Files.exists(Path.of("/tmp/tarflow-pwned")), "nothing in a checkpoint is executed");
        assertFalse(Files.exists(dir.resolve("x.png")) || Files.exists(dir.resolve("x.safetensors")), "no output written");
    }

    private Path safetensors(String name, String header, int dataBytes) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(json.length).put(json);
        return Files.write(dir.resolve(name), b.array());
    }

    @Test
    void hostileAndBrokenSafetensors() throws IOException {
        Path truncated = Files.write(dir.resolve("t.safetensors"), new byte[] {1, 2, 3});
        Path beyond = Files.write(dir.resolve("b.safetensors"),
                ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        Path overlap = safetensors("o.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12);
        Path outside = safetensors("r.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,800]}}", 8);
        Path dtype = safetensors("d.safetensors", "{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
        Path shape = safetensors("s.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
        Path notModel = safetensors("n.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        Object[][] cases = {
            {truncated, "shorter than the 8-byte header length"}, {beyond, "header length"}, {overlap, "overlap"},
            {outside, "outside the 8 data bytes"}, {dtype, "unsupported dtype C64"}, {shape, "needs 12 bytes"},
        };
        for (Object[] c : cases) {
            String path = c[0].toString();
            assertOneLineError(run("sample", path, "--out", dir.resolve("x.png").toString()), (String) c[1]);
            assertOneLineError(run("evaluate", path, "--data", dir.toString()), (String) c[1]);
            assertOneLineError(run("conformance", CASE, "--weights", path), (String) c[1]);
        }
        assertOneLineError(run("sample", notModel.toString()), "not a TarFlow state_dict");
        assertOneLineError(run("conformance", CASE, "--weights", notModel.toString()),
                "missing keys: [blocks.0.pos_embed, ");
    }

    @Test
    void brokenIdxData() throws IOException {
        String[][] breakages = {{"magic", "bad magic number"}, {"short", "ends after"}, {"labels", "labels for"}};
        for (String[] b : breakages) {
            Path d = Files.createDirectories(dir.resolve(b[0]));
            IdxFiles.writeToyDataset(d, 8, 16, 3, 5);
            Path images = d.resolve("train-images-idx3-ubyte.gz");
            switch (b[0]) {
                case "magic" -> {
                    byte[] bytes = IdxFiles.idx(new int[] {16, 8, 8}, new byte[16 * 64]);
                    bytes[2] = 0x09; // type 0x09 (signed bytes) instead of 0x08
                    IdxFiles.write(images, bytes, true);
                }
                case "short" -> IdxFiles.write(images, java.util.Arrays.copyOf(
                        IdxFiles.idx(new int[] {16, 8, 8}, new byte[16 * 64]), 100), true);
                default -> IdxFiles.write(images, IdxFiles.idx(new int[] {15, 8, 8}, new byte[15 * 64]), true);
            }
            assertOneLineError(run("train", "--data", d.toString(), "--out", dir.resolve("o" + b[0]).toString(),
                    "--patch-size", "4", "--channels", "64"), b[1]);
        }
    }
}
