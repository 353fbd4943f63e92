package org.tarflow.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow.tensor.Tensor;

/**
 * A file of model weights in either format this project reads: safetensors (ours, or any with the
 * PyTorch {@code state_dict} keys) or a PyTorch zip checkpoint ({@link TorchCheckpoint}). The format is
 * recognised from the file's first bytes; a file that is neither is reported as the format its name
 * suggests ({@code .pth}, {@code .pt}, {@code .bin}: PyTorch; otherwise safetensors).
 */
public final class WeightsFile {
    private WeightsFile() {
    }

    /**
     * The file's tensors and metadata.
     *
     * @param tensors  every tensor by key, in file order
     * @param metadata safetensors metadata; always empty for a PyTorch file
     */
    public record Contents(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
    }

    /**
     * Reads a weights file of either format whole: {@link #open} and {@link TensorReader#readAll}.
     *
     * @param file the file
     * @return its tensors and metadata
     * @throws TensorFileException if the file is missing, a directory, or malformed for its format
     * @throws IOException if it cannot be read
     */
    public static Contents read(Path file) throws IOException {
        try (TensorReader r = open(file)) {
            return new Contents(r.readAll(), r.metadata());
        }
    }

    /**
     * Opens a weights file of either format for reading tensor by tensor. A file starting with {@code PK}
     * (zip) or byte 0x80 (a legacy pickle), or named like a PyTorch file, is opened by
     * {@link TorchCheckpoint}; any other by {@link Safetensors}.
     *
     * @param file the file
     * @return the open reader, its header read and checked; close it
     * @throws TensorFileException if the file is missing, a directory, or its header is malformed for its format
     * @throws IOException if it cannot be read
     */
    public static TensorReader open(Path file) throws IOException {
        byte[] head;
        long size;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(9);
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            throw new TensorFileException(file, "no such file");
        } catch (IOException e) {
            if (Files.isDirectory(file)) {
                throw new TensorFileException(file, "is a directory, not a weights file");
            }
            throw e;
        }
        if (!looksLikeSafetensors(head, size)) {
            boolean zip = head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
            boolean legacyPickle = head.length > 0 && (head[0] & 0xff) == 0x80;
            if (zip || legacyPickle || TorchCheckpoint.isTorchFileName(file)) {
                return TorchCheckpoint.open(file);
            }
        }
        return Safetensors.open(file);
    }

    /**
     * A safetensors file starts with its header length n (8 bytes, little-endian) and then the header's
     * opening brace; checked first because the low byte of n can be anything, including a zip's 'P' or a
     * pickle's 0x80.
     */
    private static boolean looksLikeSafetensors(byte[] head, long size) {
        if (head.length < 9 || head[8] != '{') {
            return false;
        }
        long n = 0;
        for (int i = 7; i >= 0; i--) {
            n = (n << 8) | (head[i] & 0xff);
        }
        return n >= 2 && n <= size - 8;
    }

    /**
     * The state_dict in the contents: every tensor except the optimiser state of our checkpoints
     * ({@link ModelFiles#OPTIMIZER_PREFIX}), with the wrappers' prefixes removed while every key has
     * one: {@code module.} ({@code DistributedDataParallel}) and {@code _orig_mod.} ({@code torch.compile}),
     * in either order.
     *
     * @param file the file the contents came from, for messages
     * @param c    the contents from {@link #read}
     * @return the state_dict tensors by key (the contents' tensors, not copies), in file order
     * @throws TensorFileException when a tensor is not floating-point or holds NaN or infinity
     */
    public static Map<String, Tensor> stateDict(Path file, Contents c) throws TensorFileException {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : stateDictKeys(c.tensors().keySet()).entrySet()) {
            sd.put(e.getKey(), stateDictValues(file, e.getValue(), c.tensors().get(e.getValue())));
        }
        return sd;
    }

    /**
     * {@return the state_dict keys among a file's tensor keys, each mapped to its key in the file}: every key
     * except the optimiser state of our checkpoints ({@link ModelFiles#OPTIMIZER_PREFIX}), with the wrappers'
     * prefixes removed while every key has one: {@code module.} ({@code DistributedDataParallel}) and
     * {@code _orig_mod.} ({@code torch.compile}), in either order; in file order
     *
     * @param fileKeys the file's tensor keys, in file order
     */
    public static Map<String, String> stateDictKeys(Collection<String> fileKeys) {
        List<String> keys = fileKeys.stream().filter(k -> !k.startsWith(ModelFiles.OPTIMIZER_PREFIX)).toList();
        int strip = wrapperPrefixLength(keys);
        Map<String, String> out = new LinkedHashMap<>();
        for (String key : keys) {
            out.put(key.substring(strip), key);
        }
        return out;
    }

    /**
     * {@return a state_dict entry's values (the stored tensor's, not a copy)}
     *
     * @param file    the file, for messages
     * @param fileKey the entry's key in the file, for messages
     * @param t       the entry
     * @throws TensorFileException when the tensor is not floating-point or holds NaN or infinity
     */
    public static Tensor stateDictValues(Path file, String fileKey, StoredTensor t) throws TensorFileException {
        if (!t.isFloat()) {
            throw new TensorFileException(file, "tensor '" + fileKey + "' is " + t.fileDType()
                    + ", not a floating-point type");
        }
        Tensor v = t.floats();
        for (int i = 0; i < v.size(); i++) {
            if (!Double.isFinite(v.get(i))) {
                throw new TensorFileException(file, "tensor '" + fileKey + "' holds a non-finite value ("
                        + v.get(i) + ") at index " + i);
            }
        }
        return v;
    }

    /** Prefixes that PyTorch's model wrappers put before every state_dict key. */
    private static final List<String> WRAPPER_PREFIXES = List.of("module.", "_orig_mod.");

    /**
     * The length of the wrapper prefixes shared by every key, peeled one at a time (a compiled model
     * wrapped in DDP has {@code module._orig_mod.}); 0 when the keys are empty or some key lacks one.
     */
    static int wrapperPrefixLength(List<String> keys) {
        int len = 0;
        boolean peeled = !keys.isEmpty();
        while (peeled) {
            peeled = false;
            for (String p : WRAPPER_PREFIXES) {
                int at = len;
                if (keys.stream().allMatch(k -> k.startsWith(p, at))) {
                    len += p.length();
                    peeled = true;
                    break;
                }
            }
        }
        return len;
    }
}
