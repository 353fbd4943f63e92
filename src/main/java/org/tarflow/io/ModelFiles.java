package org.tarflow.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
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
    /** Prefix of the tensors that are not part of the state_dict (optimiser state of checkpoints). */
    public static final String OPTIMIZER_PREFIX = "optimizer.";

    private ModelFiles() {
    }

    /** Metadata key recording the noise the model was trained with (e.g. {@code gaussian(0.05)}), if known. */
    public static final String TRAINING_NOISE = "training_noise";

    /**
     * Writes the model's state_dict in its own dtype, with its configuration and (if not null) the
     * training noise, atomically.
     */
    public static void save(TarFlowModel model, Path file, String trainingNoise) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(); // insertion order keeps the file byte-reproducible
        meta.put("format", "tarflow-weights/1");
        meta.put(MODEL_CONFIG, ConfigJson.model(model.config()));
        if (trainingNoise != null) {
            meta.put(TRAINING_NOISE, trainingNoise);
        }
        Safetensors.write(file, tensors(model), meta);
    }

    /** The state_dict as stored tensors (the live tensors, not copies). */
    public static Map<String, StoredTensor> tensors(TarFlowModel model) {
        Map<String, StoredTensor> out = new LinkedHashMap<>();
        model.stateDict().forEach((k, v) -> out.put(k, StoredTensor.of(v)));
        return out;
    }

    /**
     * Loads a weights or checkpoint file into a new model of the given dtype.
     *
     * @throws TensorFileException when the file is malformed, has no model configuration, or its
     *                             tensors do not fit that configuration
     */
    public static TarFlowModel load(Path file, DType dtype, Kernels k) throws IOException {
        return loadWithMetadata(file, dtype, k).model();
    }

    /** A loaded model and its file's metadata. */
    public record Loaded(TarFlowModel model, Map<String, String> metadata) {
    }

    /** As {@link #load}, also returning the file's metadata (e.g. {@link #TRAINING_NOISE}). */
    public static Loaded loadWithMetadata(Path file, DType dtype, Kernels k) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        String json = c.metadata().get(MODEL_CONFIG);
        if (json == null) {
            throw new TensorFileException(file, "has no '" + MODEL_CONFIG + "' metadata; it was not written by tarflow");
        }
        ModelConfig cfg;
        try {
            cfg = ConfigJson.model(json);
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(file, e.getMessage());
        }
        TarFlowModel model = new TarFlowModel(cfg, dtype, k);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (Map.Entry<String, StoredTensor> e : c.tensors().entrySet()) {
            if (!e.getKey().startsWith(OPTIMIZER_PREFIX)) {
                if (!e.getValue().isFloat()) {
                    throw new TensorFileException(file, "tensor '" + e.getKey() + "' is " + e.getValue().fileDType()
                            + ", not a floating-point type");
                }
                Tensor t = e.getValue().floats();
                for (int i = 0; i < t.size(); i++) {
                    if (!Double.isFinite(t.get(i))) {
                        throw new TensorFileException(file, "tensor '" + e.getKey() + "' holds a non-finite value ("
                                + t.get(i) + ") at index " + i);
                    }
                }
                sd.put(e.getKey(), t);
            }
        }
        try {
            model.loadStateDict(sd);
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(file, e.getMessage());
        }
        return new Loaded(model, c.metadata());
    }
}
