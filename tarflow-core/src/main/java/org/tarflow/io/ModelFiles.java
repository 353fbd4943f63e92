package org.tarflow.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow.flow.ConfigInference;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * Model weights as safetensors files: the PyTorch {@code state_dict} under its own keys (parameters and
 * the {@code attn_mask} and {@code var} buffers) plus the model configuration as JSON in the metadata
 * entry {@code model_config}. Training checkpoints are the same with optimiser state added under
 * {@code optimizer.*} keys, so either kind of file loads as weights.
 */
public final class ModelFiles {
    /** Metadata key holding the model configuration (see {@link ConfigJson#model(ModelConfig)}). */
    public static final String MODEL_CONFIG = "model_config";
    /**
     * Metadata key naming which of this project's files it is ({@code tarflow-weights/1} or
     * {@code tarflow-checkpoint/1}); the key {@code format} holds {@code pt}, as PyTorch's writer has it.
     */
    public static final String TARFLOW_FORMAT = "tarflow_format";
    /** Prefix of the tensors that are not part of the state_dict (optimiser state of checkpoints). */
    public static final String OPTIMIZER_PREFIX = "optimizer.";

    private ModelFiles() {
    }

    /** Metadata key recording the noise the model was trained with (e.g. {@code gaussian(0.05)}), if known. */
    public static final String TRAINING_NOISE = "training_noise";

    /** Metadata key holding the class names of a conditional model, a JSON array of strings in label order. */
    public static final String CLASS_NAMES = "class_names";

    /**
     * Metadata key holding the side N to which training resized and center-cropped its images
     * ({@code train --img-size N}, {@code data.ResizeCrop}), a decimal integer; absent when it used the data's own
     * size (and in files written before the key existed), so that the same data can be read the same way again.
     */
    public static final String DATA_IMG_SIZE = "data_img_size";

    /**
     * Writes the model's state_dict in its own dtype, with its configuration and (if not null) the
     * training noise, atomically.
     *
     * @param model         the model to save (its state_dict, including {@code attn_mask} and {@code var})
     * @param file          the safetensors file to create or replace
     * @param trainingNoise the {@link #TRAINING_NOISE} metadata, e.g. {@code gaussian(0.05)}; null if unknown
     * @throws IOException if the file cannot be written
     */
    public static void save(TarFlowModel model, Path file, String trainingNoise) throws IOException {
        save(model, file, trainingNoise, List.of(), null);
    }

    /**
     * As {@link #save(TarFlowModel, Path, String)}, with the names of the classes and the resizing of the data.
     *
     * @param model         the model to save
     * @param file          the safetensors file to create or replace
     * @param trainingNoise the {@link #TRAINING_NOISE} metadata; null if unknown
     * @param classNames    the {@link #CLASS_NAMES}, one per class of the model in label order; empty for none
     * @param dataImgSize   the {@link #DATA_IMG_SIZE}; null when the data were used at their own size
     * @throws IllegalArgumentException when there are names but not one per class
     * @throws IOException if the file cannot be written
     */
    public static void save(TarFlowModel model, Path file, String trainingNoise, List<String> classNames,
                            Integer dataImgSize) throws IOException {
        save(model, file, trainingNoise, model.dtype() == DType.F64 ? "F64" : "F32", classNames, dataImgSize);
    }

    /**
     * As {@link #save(TarFlowModel, Path, String, List, Integer)}, with every tensor stored as {@code fileDType}
     * ("F64", "F32", "F16" or "BF16"; narrower types are rounded to nearest-even).
     *
     * @param model         the model to save
     * @param file          the safetensors file to create or replace
     * @param trainingNoise the {@link #TRAINING_NOISE} metadata; null if unknown
     * @param fileDType     the dtype every tensor is stored as
     * @param classNames    the {@link #CLASS_NAMES}; empty for none
     * @param dataImgSize   the {@link #DATA_IMG_SIZE}; null for none
     * @throws IllegalArgumentException for a {@code fileDType} other than the four float types, or names that
     *                                  are not one per class
     * @throws IOException if the file cannot be written
     */
    public static void save(TarFlowModel model, Path file, String trainingNoise, String fileDType,
                            List<String> classNames, Integer dataImgSize) throws IOException {
        if (!classNames.isEmpty() && classNames.size() != model.config().numClasses()) {
            throw new IllegalArgumentException(classNames.size() + " class names for a model of "
                    + model.config().numClasses() + " classes");
        }
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> tensors.put(k, StoredTensor.of(model.kernels().copyOut(v), fileDType)));
        Map<String, String> meta = metadata("tarflow-weights/1", model.config());
        if (trainingNoise != null) {
            meta.put(TRAINING_NOISE, trainingNoise);
        }
        if (!classNames.isEmpty()) {
            JsonArray a = new JsonArray();
            classNames.forEach(a::add);
            meta.put(CLASS_NAMES, a.toString());
        }
        if (dataImgSize != null) {
            meta.put(DATA_IMG_SIZE, Integer.toString(dataImgSize));
        }
        Safetensors.write(file, tensors, meta);
    }

    /**
     * {@return the {@link #DATA_IMG_SIZE} of a file's metadata; null when it has none}
     *
     * @param file     the file, for the message
     * @param metadata its metadata
     * @throws TensorFileException when the entry is not a positive decimal integer
     */
    public static Integer dataImgSize(Path file, Map<String, String> metadata) throws TensorFileException {
        String v = metadata.get(DATA_IMG_SIZE);
        if (v == null) {
            return null;
        }
        try {
            int n = Integer.parseInt(v);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new TensorFileException(file, DATA_IMG_SIZE + " must be a positive integer, got '" + v + "'");
    }

    /**
     * {@return the {@link #CLASS_NAMES} of a file's metadata; empty when it has none}
     *
     * @param file     the file, for the message
     * @param metadata its metadata
     * @param classes  the number of classes of its model
     * @throws TensorFileException when the entry is not a JSON array of {@code classes} strings
     */
    public static List<String> classNames(Path file, Map<String, String> metadata, int classes)
            throws TensorFileException {
        String json = metadata.get(CLASS_NAMES);
        if (json == null) {
            return List.of();
        }
        List<String> names = new ArrayList<>();
        try {
            for (JsonElement e : StrictJson.parse(json).getAsJsonArray()) {
                names.add(e.getAsJsonPrimitive().isString() ? e.getAsString() : null);
            }
        } catch (JsonParseException | IllegalStateException e) {
            names.add(null);
        }
        if (names.contains(null) || names.size() != classes) {
            throw new TensorFileException(file, CLASS_NAMES + " must be a JSON array of " + classes
                    + " strings, got " + json);
        }
        return List.copyOf(names);
    }

    /**
     * The metadata every file of a model starts with: {@code format: pt}, which
     * {@code safetensors.torch.save_file} writes and other tools look for, then {@link #TARFLOW_FORMAT}
     * and {@link #MODEL_CONFIG}.
     *
     * @param kind   the {@link #TARFLOW_FORMAT} value, e.g. {@code tarflow-weights/1}
     * @param config the model's configuration
     * @return a mutable map, in insertion order (which keeps the files byte-reproducible), for the caller's
     *         own keys to follow
     */
    public static Map<String, String> metadata(String kind, ModelConfig config) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put(TARFLOW_FORMAT, kind);
        meta.put(MODEL_CONFIG, ConfigJson.model(config));
        return meta;
    }

    /**
     * {@return the state_dict as stored tensors (the live tensors, not copies), in the model's dtype}
     *
     * @param model the model whose {@link TarFlowModel#stateDict()} is wrapped
     */
    public static Map<String, StoredTensor> tensors(TarFlowModel model) {
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> out.put(k, StoredTensor.of(model.kernels().copyOut(v))));
        return out;
    }

    /**
     * Loads a weights or checkpoint file into a new model of the given dtype: {@link #loadWithMetadata}
     * without hints, keeping only the model.
     *
     * @param file  safetensors (ours or any TarFlow state_dict) or a PyTorch {@code .pth}
     * @param dtype the dtype of the new model (the file's values are converted)
     * @param k     the kernels of the new model
     * @return the model, holding the file's weights and buffers
     * @throws TensorFileException when the file is malformed, its configuration is invalid or cannot be
     *                             inferred, or its tensors do not fit that configuration
     * @throws IOException         when the file cannot be read
     */
    public static TarFlowModel load(Path file, DType dtype, Kernels k) throws IOException {
        return loadWithMetadata(file, dtype, k, ConfigInference.Hints.NONE).model();
    }

    /**
     * As {@link #load(Path, DType, Kernels)}, from the contents of a file already read, so that a caller
     * that also needs the file's other tensors or metadata (a training checkpoint) reads it only once.
     *
     * @param file     the file the contents came from, for messages
     * @param contents its tensors and metadata ({@link WeightsFile#read}, or a safetensors file's)
     * @param dtype    the dtype of the new model
     * @param k        the kernels of the new model
     * @return the model, holding the contents' weights and buffers
     * @throws TensorFileException when the configuration is invalid or cannot be inferred, a tensor is not a
     *                             finite float tensor, or the tensors do not fit the configuration
     * @throws IOException         declared by the loading path this shares with files; not thrown for
     *                             contents in memory other than as a {@link TensorFileException}
     */
    public static TarFlowModel load(Path file, WeightsFile.Contents contents, DType dtype, Kernels k)
            throws IOException {
        return fromReader(file, TensorReader.of(contents.tensors(), contents.metadata()), dtype, k,
                ConfigInference.Hints.NONE).model();
    }

    /**
     * The result of {@link #loadWithMetadata}.
     *
     * @param model      the loaded model
     * @param metadata   the file's safetensors metadata (empty for a PyTorch file), e.g.
     *                   {@link #TRAINING_NOISE}
     * @param assumption for a file without configuration, what {@link ConfigInference} assumed to infer
     *                   one; null otherwise
     */
    public record Loaded(TarFlowModel model, Map<String, String> metadata, String assumption) {
    }

    /**
     * Loads a model from a file of either format ({@link WeightsFile}): our weights and checkpoints carry
     * their configuration; for other files (a PyTorch {@code state_dict}, or safetensors without
     * {@link #MODEL_CONFIG}) it is inferred from the tensor shapes ({@link ConfigInference}) with the
     * hints. Hints that disagree with a stored configuration are an error.
     *
     * @param file  safetensors (ours or any TarFlow state_dict) or a PyTorch {@code .pth}
     * @param dtype the dtype of the new model
     * @param k     the kernels of the new model
     * @param hints what the caller knows of the image shape; {@link ConfigInference.Hints#NONE} if nothing
     * @return the model with the file's metadata and any assumption made
     * @throws TensorFileException when the file is malformed, a tensor is not a finite float tensor, the
     *         tensors do not fit the configuration, or (for a file without configuration) the shapes or the
     *         hints do not let one be inferred
     * @throws IllegalArgumentException when the hints disagree with a configuration stored in the file
     * @throws IOException when the file cannot be read
     */
    public static Loaded loadWithMetadata(Path file, DType dtype, Kernels k, ConfigInference.Hints hints)
            throws IOException {
        try (TensorReader r = WeightsFile.open(file)) {
            return fromReader(file, r, dtype, k, hints);
        }
    }

    /**
     * The model is built from the header (its configuration stored or inferred from the shapes) before any
     * value is read, and then filled tensor by tensor, so that loading holds the model and one of the file's
     * tensors, not the whole file as well.
     */
    private static Loaded fromReader(Path file, TensorReader r, DType dtype, Kernels k, ConfigInference.Hints hints)
            throws IOException {
        Map<String, String> keys = WeightsFile.stateDictKeys(r.tensors().keySet());
        Map<String, int[]> shapes = new LinkedHashMap<>();
        keys.forEach((key, fileKey) -> shapes.put(key, r.tensors().get(fileKey).shape()));
        String json = r.metadata().get(MODEL_CONFIG);
        ModelConfig cfg;
        String assumption = null;
        if (json != null) {
            try {
                cfg = ConfigJson.model(json);
            } catch (IllegalArgumentException e) {
                throw new TensorFileException(file, e.getMessage());
            }
            checkHints(file, cfg, hints);
        } else {
            ConfigInference.Inferred inferred;
            try {
                inferred = ConfigInference.infer(shapes, hints);
            } catch (IllegalArgumentException e) {
                throw new TensorFileException(file, e.getMessage());
            }
            cfg = inferred.config();
            assumption = inferred.assumption();
        }
        TarFlowModel model = new TarFlowModel(cfg, dtype, k);
        try {
            model.loadStateDict(shapes, key -> WeightsFile.stateDictValues(file, keys.get(key), r.read(keys.get(key))));
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(file, e.getMessage());
        }
        return new Loaded(model, r.metadata(), assumption);
    }

    private static void checkHints(Path file, ModelConfig cfg, ConfigInference.Hints h) {
        if ((h.inChannels() != null && h.inChannels() != cfg.inChannels())
                || (h.patchSize() != null && h.patchSize() != cfg.patchSize())
                || (h.imgSize() != null && h.imgSize() != cfg.imgSize())) {
            throw new IllegalArgumentException(file + " holds a model with in_channels " + cfg.inChannels()
                    + ", patch size " + cfg.patchSize() + " and image size " + cfg.imgSize()
                    + "; remove the options that disagree");
        }
    }
}
