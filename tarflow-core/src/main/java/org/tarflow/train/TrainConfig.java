package org.tarflow.train;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.io.ConfigJson;
import org.tarflow.io.StrictJson;
import org.tarflow.tensor.DType;

/**
 * Training hyperparameters (the reference's {@code train.py} arguments that are not the model's shape).
 *
 * @param epochs        passes over the training set
 * @param batchSize     images per step (incomplete last batches are dropped, as the reference does)
 * @param lr            peak learning rate of the cosine schedule
 * @param warmupEpochs  epochs of linear warm-up from 1e-6 (the reference uses 1)
 * @param noise         input noise augmentation
 * @param dropLabel     probability of replacing a label by -1 (no label) for classifier-free guidance
 * @param trainImages   use only the first N training images (0: all)
 * @param seed          seed of every random draw of the run
 * @param dtype         precision of training (F32 normally; F64 for verification)
 */
public record TrainConfig(int epochs, int batchSize, double lr, double warmupEpochs, NoiseAugmentation noise,
                          double dropLabel, int trainImages, long seed, DType dtype) {

    /** Smallest learning rate of the schedule (start of warm-up and end of the cosine), as the reference. */
    public static final double MIN_LR = 1e-6;

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException if epochs or batch size is not positive, lr is below
     *         {@link #MIN_LR} or infinite, warm-up is outside [0, epochs], {@code trainImages} is negative,
     *         or {@code dropLabel} is outside [0, 1]
     */
    public TrainConfig {
        if (epochs <= 0) {
            throw new IllegalArgumentException("epochs must be positive, got " + epochs);
        }
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        if (!(lr >= MIN_LR) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be at least " + MIN_LR + ", got " + lr);
        }
        if (!(warmupEpochs >= 0) || warmupEpochs > epochs) {
            throw new IllegalArgumentException("warm-up epochs must be in [0, epochs], got " + warmupEpochs);
        }
        if (trainImages < 0) {
            throw new IllegalArgumentException("the number of training images must be >= 0 (0: all), got " + trainImages);
        }
        if (!(dropLabel >= 0 && dropLabel <= 1)) {
            throw new IllegalArgumentException("label drop probability must be in [0, 1], got " + dropLabel);
        }
    }

    /**
     * {@return the learning-rate schedule: warm-up over {@code round(warmupEpochs·stepsPerEpoch)} steps
     * from {@link #MIN_LR} to {@code lr}, cosine down to {@link #MIN_LR} at {@code epochs·stepsPerEpoch}}
     *
     * @param stepsPerEpoch optimiser steps per epoch (training set size / batch size, rounded down)
     * @throws IllegalArgumentException if {@code stepsPerEpoch} is not positive
     */
    public CosineSchedule schedule(int stepsPerEpoch) {
        return new CosineSchedule(Math.round(warmupEpochs * stepsPerEpoch), (long) epochs * stepsPerEpoch, MIN_LR, lr);
    }

    /**
     * {@return the settings as one line of JSON} Stored in checkpoints (metadata {@code train_config},
     * {@link Checkpoint}) so that {@code train --resume} continues with the same settings.
     */
    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("epochs", epochs());
        o.addProperty("batch_size", batchSize());
        o.addProperty("lr", lr());
        o.addProperty("warmup_epochs", warmupEpochs());
        o.addProperty("noise_type", noise().type().name().toLowerCase(java.util.Locale.ROOT));
        o.addProperty("noise_std", noise().std());
        o.addProperty("drop_label", dropLabel());
        o.addProperty("train_images", trainImages());
        o.addProperty("seed", seed());
        o.addProperty("dtype", dtype().name());
        return o.toString();
    }

    /**
     * Parses what {@link #toJson()} writes.
     *
     * @param json the training settings as JSON
     * @return the validated settings
     * @throws IllegalArgumentException when the JSON is malformed or a field is missing or invalid
     */
    public static TrainConfig fromJson(String json) {
        try {
            JsonObject o = StrictJson.parse(json).getAsJsonObject();
            NoiseAugmentation.Type type = NoiseAugmentation.Type.valueOf(
                    o.get("noise_type").getAsString().toUpperCase(java.util.Locale.ROOT));
            return new TrainConfig(ConfigJson.intField(o, "epochs"), ConfigJson.intField(o, "batch_size"),
                    o.get("lr").getAsDouble(), o.get("warmup_epochs").getAsDouble(),
                    new NoiseAugmentation(type, o.get("noise_std").getAsDouble()), o.get("drop_label").getAsDouble(),
                    ConfigJson.intField(o, "train_images"), o.get("seed").getAsLong(),
                    DType.valueOf(o.get("dtype").getAsString()));
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException
                 | NumberFormatException e) {
            throw new IllegalArgumentException("malformed training config " + json);
        }
    }
}
