package org.tarflow.io;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A weights file opened for reading one tensor at a time: its header (every tensor's dtype and shape, and
 * the metadata) is read and validated when it is opened, the values only when a tensor is asked for. A
 * model loads through it so that the file's values and the model's parameters are not both held at once:
 * a 463 M-parameter model read whole needed 1.9 GB of file tensors beside its own 1.9 GB of parameters.
 *
 * <p>Not thread-safe. Close it to release the file.
 */
public interface TensorReader extends AutoCloseable {

    /**
     * A tensor's header entry.
     *
     * @param fileDType the dtype in the file: "F64", "F32", "F16", "BF16", "I64" or "U8"
     * @param shape     the dimensions
     */
    record Info(String fileDType, int[] shape) {
        /** {@return whether the tensor is floating-point (one of {@link StoredTensor#FLOAT_TYPES})} */
        public boolean isFloat() {
            return StoredTensor.FLOAT_TYPES.contains(fileDType);
        }

        @Override
        public String toString() {
            return fileDType + Arrays.toString(shape);
        }
    }

    /** {@return every tensor's header entry by key, in file order} */
    Map<String, Info> tensors();

    /** {@return the safetensors metadata; empty for a PyTorch file} */
    Map<String, String> metadata();

    /**
     * Reads one tensor's values, as {@link StoredTensor} holds them (F64 for F64, F32 for the narrower float
     * types, which widen exactly; {@code long[]} for I64 and U8). A file reader reads the values anew on every
     * call; the in-memory reader of {@link #of} returns the tensor it holds.
     *
     * @param key a key of {@link #tensors()}
     * @return the tensor
     * @throws IllegalArgumentException for a key the file does not have
     * @throws TensorFileException      if the tensor's data are malformed
     * @throws IOException              if the file cannot be read
     */
    StoredTensor read(String key) throws IOException;

    /**
     * Releases the file.
     *
     * @throws IOException if closing it fails
     */
    @Override
    void close() throws IOException;

    /**
     * {@return every tensor, read in file order}
     *
     * @throws IOException as {@link #read}
     */
    default Map<String, StoredTensor> readAll() throws IOException {
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        for (String key : tensors().keySet()) {
            out.put(key, read(key));
        }
        return out;
    }

    /**
     * Reads one tensor's values for {@link #of(Map, Map, Loader, java.io.Closeable)}.
     */
    @FunctionalInterface
    interface Loader {
        /**
         * {@return the values of a tensor the header lists}
         *
         * @param key a key of the header
         * @throws IOException if they cannot be read or are malformed
         */
        StoredTensor load(String key) throws IOException;
    }

    /**
     * {@return a reader over a header read already}: {@link #read} refuses a key the header does not list and
     * otherwise asks {@code loader}
     *
     * @param tensors  the header entries by key, in file order (not copied)
     * @param metadata the metadata (not copied)
     * @param loader   reads a listed tensor
     * @param onClose  releases the file
     */
    static TensorReader of(Map<String, Info> tensors, Map<String, String> metadata, Loader loader,
                           java.io.Closeable onClose) {
        return new TensorReader() {
            @Override
            public Map<String, Info> tensors() {
                return tensors;
            }

            @Override
            public Map<String, String> metadata() {
                return metadata;
            }

            @Override
            public StoredTensor read(String key) throws IOException {
                if (!tensors.containsKey(key)) {
                    throw new IllegalArgumentException("no tensor '" + key + "'");
                }
                return loader.load(key);
            }

            @Override
            public void close() throws IOException {
                onClose.close();
            }
        };
    }

    /**
     * {@return a reader over tensors already in memory (a file read whole), returning the held tensors}
     *
     * @param tensors  the tensors by key, in file order (not copied)
     * @param metadata the metadata (not copied)
     */
    static TensorReader of(Map<String, StoredTensor> tensors, Map<String, String> metadata) {
        Map<String, Info> infos = new LinkedHashMap<>();
        tensors.forEach((key, t) -> infos.put(key, new Info(t.fileDType(), t.shape())));
        return of(infos, metadata, tensors::get, () -> { });
    }
}
