package org.tarflow.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.tensor.DType;

/** The checkpoint's {@code train_config} metadata: its exact text (old checkpoints must stay readable) and round trip. */
class TrainConfigTest {
    private static final TrainConfig CONFIG = new TrainConfig(2, 128, 1e-3, 1, NoiseAugmentation.gaussian(0.05), 0.1,
            500, 7, DType.F32);
    private static final String JSON = "{\"epochs\":2,\"batch_size\":128,\"lr\":0.001,\"warmup_epochs\":1.0,"
            + "\"noise_type\":\"gaussian\",\"noise_std\":0.05,\"drop_label\":0.1,\"train_images\":500,\"seed\":7,"
            + "\"dtype\":\"F32\"}";

    @Test
    void writesTheTrainConfigMetadataAsBefore() {
        assertEquals(JSON, CONFIG.toJson());
    }

    @Test
    void readsBackWhatItWrites() {
        assertEquals(CONFIG, TrainConfig.fromJson(JSON));
        TrainConfig uniform = new TrainConfig(1, 16, 3e-3, 0.5, NoiseAugmentation.uniform(), 0, 0, -3, DType.F64);
        assertEquals(uniform, TrainConfig.fromJson(uniform.toJson()));
    }

    @Test
    void rejectsMalformedOrInvalidSettings() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.fromJson("{\"epochs\":2}"));
        assertEquals("malformed training config {\"epochs\":2}", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.fromJson(JSON.replace("\"epochs\":2", "\"epochs\":2.5")));
        assertEquals("epochs must be an integer, got 2.5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> TrainConfig.fromJson(JSON.replace("\"epochs\":2", "\"epochs\":0")));
        assertEquals("epochs must be positive, got 0", e.getMessage());
    }
}
