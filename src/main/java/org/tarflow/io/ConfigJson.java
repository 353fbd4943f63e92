package org.tarflow.io;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import org.tarflow.flow.ModelConfig;
import org.tarflow.tensor.DType;
import org.tarflow.train.NoiseAugmentation;
import org.tarflow.train.TrainConfig;

/** Model and training configurations as JSON, with the reference's argument names for the model. */
public final class ConfigJson {
    private ConfigJson() {
    }

    public static String model(ModelConfig c) {
        JsonObject o = new JsonObject();
        o.addProperty("in_channels", c.inChannels());
        o.addProperty("img_size", c.imgSize());
        o.addProperty("patch_size", c.patchSize());
        o.addProperty("channels", c.channels());
        o.addProperty("num_blocks", c.numBlocks());
        o.addProperty("layers_per_block", c.layersPerBlock());
        o.addProperty("nvp", c.nvp());
        o.addProperty("num_classes", c.numClasses());
        return o.toString();
    }

    /** @throws IllegalArgumentException when the JSON is malformed or a field is missing or invalid */
    public static ModelConfig model(String json) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            return new ModelConfig(o.get("in_channels").getAsInt(), o.get("img_size").getAsInt(),
                    o.get("patch_size").getAsInt(), o.get("channels").getAsInt(), o.get("num_blocks").getAsInt(),
                    o.get("layers_per_block").getAsInt(), o.get("nvp").getAsBoolean(), o.get("num_classes").getAsInt());
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException
                 | NumberFormatException e) {
            throw new IllegalArgumentException("malformed model config " + json);
        }
    }

    public static String train(TrainConfig t) {
        JsonObject o = new JsonObject();
        o.addProperty("epochs", t.epochs());
        o.addProperty("batch_size", t.batchSize());
        o.addProperty("lr", t.lr());
        o.addProperty("warmup_epochs", t.warmupEpochs());
        o.addProperty("noise_type", t.noise().type().name().toLowerCase(java.util.Locale.ROOT));
        o.addProperty("noise_std", t.noise().std());
        o.addProperty("drop_label", t.dropLabel());
        o.addProperty("seed", t.seed());
        o.addProperty("dtype", t.dtype().name());
        return o.toString();
    }

    /** @throws IllegalArgumentException when the JSON is malformed or a field is missing or invalid */
    public static TrainConfig train(String json) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            NoiseAugmentation.Type type = NoiseAugmentation.Type.valueOf(
                    o.get("noise_type").getAsString().toUpperCase(java.util.Locale.ROOT));
            return new TrainConfig(o.get("epochs").getAsInt(), o.get("batch_size").getAsInt(), o.get("lr").getAsDouble(),
                    o.get("warmup_epochs").getAsDouble(), new NoiseAugmentation(type, o.get("noise_std").getAsDouble()),
                    o.get("drop_label").getAsDouble(), o.get("seed").getAsLong(), DType.valueOf(o.get("dtype").getAsString()));
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException
                 | NumberFormatException e) {
            throw new IllegalArgumentException("malformed training config " + json);
        }
    }
}
