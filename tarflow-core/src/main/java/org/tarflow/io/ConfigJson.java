package org.tarflow.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import org.tarflow.flow.ModelConfig;

/**
 * Model configurations as JSON, with the reference's argument names, and {@link #intField}, the integer
 * reading that every configuration stored as JSON shares.
 */
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

    /**
     * {@return an integer field, rejecting fractions and values outside the int range (Gson would truncate them)}
     *
     * @param o    the JSON object
     * @param name the field's name
     * @throws IllegalArgumentException if the field's number is not an int; a missing field or one that is not a
     *         number throws what Gson throws ({@code NullPointerException}, {@code NumberFormatException},
     *         {@code UnsupportedOperationException} or {@code IllegalStateException}), which callers report as
     *         malformed JSON
     */
    public static int intField(JsonObject o, String name) {
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
            JsonObject o = StrictJson.parse(json).getAsJsonObject();
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
}
