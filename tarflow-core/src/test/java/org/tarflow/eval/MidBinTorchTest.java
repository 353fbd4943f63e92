package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.tarflow.conformance.ReferenceCase;
import org.tarflow.data.ImageDataset;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.WeightsFile;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Mid-bin bits/dim of the PyTorch {@code .pth} models of {@code reference-data/torch}, against the values the
 * original code computes (reference-data/torch-bpd-mid: its model class and evaluate_bpd.py's formula with
 * u = 1/2, in float64): to 1e-6 relative in float64 and 1e-4 in float32.
 */
class MidBinTorchTest {
    private static final Path DIR = Path.of("reference-data/torch-bpd-mid");

    @Test
    void midBinBitsPerDimOfPthModelsMatchesTheOriginal() throws IOException {
        JsonObject expected = JsonParser.parseString(Files.readString(DIR.resolve("expected.json"))).getAsJsonObject();
        int checked = 0;
        for (JsonElement e : expected.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String name = c.get("name").getAsString();
            Path torch = Path.of("reference-data/torch");
            ModelConfig config = ReferenceCase.read(torch.resolve(name + ".json")).config();
            Path pth = torch.resolve(name + ".pth");
            ImageDataset data = dataset(c, config);
            for (DType dtype : new DType[] {DType.F64, DType.F32}) {
                TarFlowModel model = new TarFlowModel(config, dtype, Backends.get("simd"));
                model.loadStateDict(WeightsFile.stateDict(pth, WeightsFile.read(pth)));
                double tol = dtype == DType.F64 ? 1e-6 : 1e-4;
                for (String key : new String[] {"bpd_no_label", "bpd_given_label"}) {
                    if (!c.has(key)) {
                        continue;
                    }
                    boolean labels = key.equals("bpd_given_label");
                    JsonArray want = c.getAsJsonArray(key);
                    int[] idx = Indices.range(0, data.size());
                    Tensor x = Likelihood.dequantized(data, idx, model, Dequantization.MID, 0, 0, 0);
                    Tensor got = BitsPerDim.perSample(model.forward(x, labels ? data.labels() : null));
                    double mean = 0;
                    for (int i = 0; i < want.size(); i++) {
                        double w = want.get(i).getAsDouble();
                        mean += w / want.size();
                        assertEquals(w, got.get(i), tol * Math.abs(w), name + " " + key + " " + dtype + " image " + i);
                    }
                    Likelihood.Result r = Likelihood.bitsPerDim(model, data, 2, labels, Dequantization.MID, 0, 1, null);
                    assertEquals(mean, r.mean(), tol * Math.abs(mean), name + " " + key + " " + dtype + " mean");
                    checked++;
                }
            }
        }
        assertTrue(checked >= 6, "expected both models, both dtypes, with and without labels; checked " + checked);
    }

    private static ImageDataset dataset(JsonObject c, ModelConfig config) {
        JsonArray images = c.getAsJsonArray("pixels");
        JsonArray labels = c.getAsJsonArray("labels");
        int values = config.inChannels() * config.imgSize() * config.imgSize();
        byte[] pixels = new byte[images.size() * values];
        int[] y = new int[images.size()];
        for (int i = 0; i < images.size(); i++) {
            JsonArray img = images.get(i).getAsJsonArray();
            for (int j = 0; j < values; j++) {
                pixels[i * values + j] = (byte) img.get(j).getAsInt();
            }
            y[i] = labels.get(i).getAsInt();
        }
        return new ImageDataset(pixels, y, config.inChannels(), config.imgSize(), config.imgSize(),
                Math.max(1, config.numClasses()));
    }
}
