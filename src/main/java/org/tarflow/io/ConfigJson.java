package org.tarflow.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.flow.ModelConfig;
import org.tarflow.tensor.DType;
import org.tarflow.train.TrainConfig;

/** Model and training configurations as JSON, with the reference's argument names for the model. */
public final class ConfigJson {
    private ConfigJson() {
    }

    /**
     * Image models: the reference's {@code Model(...)} arguments ({@code in_channels}, {@code img_size},
     * {@code patch_size}, ...). Sequence models: {@code seq_len} and {@code token_dim} in place of the three
     * image fields.
     *
     * @param c the configuration
     * @return one line of JSON, the {@code model_config} metadata of weights files
     */
    public static String model(ModelConfig c) {
        JsonObject o = new JsonObject();
        if (c.isImage()) {
            o.addProperty("in_channels", c.inChannels());
            o.addProperty("img_size", c.imgSize());
            o.addProperty("patch_size", c.patchSize());
        } else {
            o.addProperty("seq_len", c.numPatches());
            o.addProperty("token_dim", c.patchDim());
        }
        o.addProperty("channels", c.channels());
        o.addProperty("num_blocks", c.numBlocks());
        o.addProperty("layers_per_block", c.layersPerBlock());
        o.addProperty("nvp", c.nvp());
        o.addProperty("num_classes", c.numClasses());
        return o.toString();
    }

    /** An integer field, rejecting fractions and values outside the int range (Gson would truncate them). */
    static int intField(JsonObject o, String name) {
        java.math.BigDecimal v = o.get(name).getAsBigDecimal();
        try {
            return v.intValueExact();
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name + " must be an integer, got " + v);
        }
    }

    /**
     * Parses what {@link #model(ModelConfig)} writes: a sequence model when {@code seq_len} is present,
     * else an image model.
     *
     * @param json the {@code model_config} text
     * @return the validated configuration
     * @throws IllegalArgumentException when the JSON is malformed or a field is missing or invalid
     */
    public static ModelConfig model(String json) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            if (o.has("seq_len")) {
                return ModelConfig.sequence(intField(o, "seq_len"), intField(o, "token_dim"), intField(o, "channels"),
                        intField(o, "num_blocks"), intField(o, "layers_per_block"), o.get("nvp").getAsBoolean(),
                        intField(o, "num_classes"));
            }
            return new ModelConfig(intField(o, "in_channels"), intField(o, "img_size"), intField(o, "patch_size"),
                    intField(o, "channels"), intField(o, "num_blocks"), intField(o, "layers_per_block"),
                    o.get("nvp").getAsBoolean(), intField(o, "num_classes"));
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException
                 | NumberFormatException e) {
            throw new IllegalArgumentException("malformed model config " + json);
        }
    }

    /**
     * {@return the training settings as one line of JSON} Stored in checkpoints (metadata
     * {@code train_config}) so that {@code train --resume} continues with the same settings.
     *
     * @param t the settings
     */
    public static String train(TrainConfig t) {
        JsonObject o = new JsonObject();
        o.addProperty("epochs", t.epochs());
        o.addProperty("batch_size", t.batchSize());
        o.addProperty("lr", t.lr());
        o.addProperty("warmup_epochs", t.warmupEpochs());
        o.addProperty("noise_type", t.noise().type().name().toLowerCase(java.util.Locale.ROOT));
        o.addProperty("noise_std", t.noise().std());
        o.addProperty("drop_label", t.dropLabel());
        o.addProperty("train_images", t.trainImages());
        o.addProperty("seed", t.seed());
        o.addProperty("dtype", t.dtype().name());
        return o.toString();
    }

    /**
     * Parses what {@link #train(TrainConfig)} writes.
     *
     * @param json the training settings as JSON
     * @return the validated settings
     * @throws IllegalArgumentException when the JSON is malformed or a field is missing or invalid
     */
    public static TrainConfig train(String json) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            NoiseAugmentation.Type type = NoiseAugmentation.Type.valueOf(
                    o.get("noise_type").getAsString().toUpperCase(java.util.Locale.ROOT));
            return new TrainConfig(intField(o, "epochs"), intField(o, "batch_size"), o.get("lr").getAsDouble(),
                    o.get("warmup_epochs").getAsDouble(), new NoiseAugmentation(type, o.get("noise_std").getAsDouble()),
                    o.get("drop_label").getAsDouble(), intField(o, "train_images"), o.get("seed").getAsLong(),
                    DType.valueOf(o.get("dtype").getAsString()));
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException
                 | NumberFormatException e) {
            throw new IllegalArgumentException("malformed training config " + json);
        }
    }
}
