package org.tarflow.conformance;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.io.ConfigJson;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.io.TensorFileException;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * A golden case: a JSON manifest (model config, batch, sampling settings, denoising step, AdamW settings)
 * and a safetensors file beside it with the same base name holding the inputs ({@code in.*}), the
 * parameters ({@code param.<state_dict key>}) and the reference outputs ({@code out.*}, {@code grad.*},
 * {@code adamw.param.*}). This is the format of the PyTorch cases in {@code reference-data/torch}.
 *
 * @param name        the case's name (the manifest's {@code name}, else the file's base name)
 * @param config      the model ({@code config}, the reference's {@code Model(...)} arguments)
 * @param batch       N, the number of inputs
 * @param samplings   the sampling settings, one per {@code out.sample.<name>}; empty if none
 * @param denoiseLr   step size of {@code out.denoised} ({@code denoise.lr}); NaN when the case has none
 * @param betas       AdamW's (β1, β2); (0.9, 0.95) when the case has no {@code adamw}
 * @param eps         AdamW's eps; 1e-8 by default
 * @param weightDecay AdamW's weight decay; 1e-4 by default
 * @param lrPerStep   the learning rate of each AdamW step; empty when the case has no AdamW outputs
 * @param tensors     every tensor of the safetensors file, by key
 * @param manifest    the manifest's path, for messages
 */
public record ReferenceCase(String name, ModelConfig config, int batch, List<Sampling> samplings,
                            double denoiseLr, double[] betas, double eps, double weightDecay, double[] lrPerStep,
                            Map<String, StoredTensor> tensors, Path manifest) {

    /**
     * One entry of the manifest's {@code samplings}.
     *
     * @param name      the output's name: the case holds {@code out.sample.<name>}
     * @param options   the {@code reverse()} settings (absent fields take the reference's defaults)
     * @param useLabels false ({@code "use_y": false}) to sample with no labels, i.e. the mean class embedding
     */
    public record Sampling(String name, SamplingOptions options, boolean useLabels) {
    }

    /**
     * Reads {@code NAME.json} and {@code NAME.safetensors}.
     *
     * @param manifest the {@code NAME.json} file
     * @return the case
     * @throws TensorFileException with a message naming the file and the field that is wrong, or what is
     *         wrong with the safetensors file
     * @throws IOException if a file cannot be read
     */
    public static ReferenceCase read(Path manifest) throws IOException {
        JsonObject m;
        String caseFiles = "a case manifest (NAME.json beside NAME.safetensors, see docs/CONFORMANCE.md)";
        String notACase = "is not " + caseFiles;
        if (Files.isDirectory(manifest)) {
            throw new TensorFileException(manifest, "is a directory, not " + caseFiles);
        }
        if (!manifest.getFileName().toString().endsWith(".json")) {
            throw new TensorFileException(manifest, notACase);
        }
        try {
            JsonElement e = JsonParser.parseString(Files.readString(manifest));
            if (!e.isJsonObject()) {
                throw new TensorFileException(manifest, "manifest is not a JSON object");
            }
            m = e.getAsJsonObject();
        } catch (NoSuchFileException e) {
            throw new TensorFileException(manifest, "no such file");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new TensorFileException(manifest, "is not UTF-8 text, so it " + notACase);
        } catch (JsonParseException e) {
            String problem = e.getMessage() == null ? "malformed" : e.getMessage();
            int cut = problem.indexOf("\nSee ");
            problem = cut >= 0 ? problem.substring(0, cut) : problem;
            int advice = problem.indexOf("Use JsonReader.setStrictness");
            problem = advice >= 0 ? problem.substring(0, advice).trim() : problem;
            throw new TensorFileException(manifest, "manifest is not valid JSON (" + problem + ")");
        }
        String base = manifest.getFileName().toString().replaceFirst("\\.json$", "");
        Path data = manifest.resolveSibling(base + ".safetensors");
        try {
            ModelConfig config = ConfigJson.model(m.getAsJsonObject("config").toString());
            List<Sampling> samplings = new ArrayList<>();
            if (m.has("samplings")) {
                for (JsonElement se : m.getAsJsonArray("samplings")) {
                    JsonObject s = se.getAsJsonObject();
                    SamplingOptions opts = new SamplingOptions(
                            s.has("guidance") ? s.get("guidance").getAsDouble() : 0.0,
                            s.has("guide_what") ? s.get("guide_what").getAsString() : "ab",
                            s.has("attn_temp") ? s.get("attn_temp").getAsDouble() : 1.0,
                            s.has("annealed_guidance") && s.get("annealed_guidance").getAsBoolean());
                    boolean useY = !s.has("use_y") || s.get("use_y").getAsBoolean();
                    samplings.add(new Sampling(s.get("name").getAsString(), opts, useY));
                }
            }
            double denoiseLr = m.has("denoise") ? m.getAsJsonObject("denoise").get("lr").getAsDouble() : Double.NaN;
            double[] betas = {0.9, 0.95};
            double eps = 1e-8;
            double wd = 1e-4;
            double[] lrs = new double[0];
            if (m.has("adamw")) {
                JsonObject a = m.getAsJsonObject("adamw");
                betas = new double[] {a.getAsJsonArray("betas").get(0).getAsDouble(),
                    a.getAsJsonArray("betas").get(1).getAsDouble()};
                eps = a.get("eps").getAsDouble();
                wd = a.get("weight_decay").getAsDouble();
                lrs = a.getAsJsonArray("lr_per_step").asList().stream().mapToDouble(JsonElement::getAsDouble).toArray();
            }
            Map<String, StoredTensor> tensors = Safetensors.read(data).tensors();
            return new ReferenceCase(m.has("name") ? m.get("name").getAsString() : base, config,
                    m.get("batch").getAsInt(), List.copyOf(samplings), denoiseLr, betas, eps, wd, lrs, tensors, manifest);
        } catch (NullPointerException | IllegalStateException | ClassCastException | UnsupportedOperationException
                 | NumberFormatException e) {
            throw new TensorFileException(manifest, "manifest is missing a field or has one of the wrong type ("
                    + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw new TensorFileException(manifest, "invalid manifest: " + e.getMessage());
        }
    }

    /**
     * {@return a float tensor of the case in the given dtype} The stored tensor itself when it is already
     * in that dtype, so callers must copy before modifying it.
     *
     * @param key   e.g. {@code in.x} or {@code grad.param.var}
     * @param dtype the wanted dtype
     * @throws TensorFileException if the case has no float tensor under {@code key}
     */
    public Tensor tensor(String key, DType dtype) throws TensorFileException {
        StoredTensor t = tensors.get(key);
        if (t == null || !t.isFloat()) {
            throw new TensorFileException(manifest, "case has no float tensor '" + key + "'");
        }
        return t.toTensor(dtype);
    }

    /**
     * {@return an integer tensor (labels) of the case as {@code int}s, or null when absent}
     *
     * @param key {@code in.y} or {@code in.y_sample}
     * @throws IllegalStateException if the tensor is a float tensor
     */
    public int[] labels(String key) {
        StoredTensor t = tensors.get(key);
        return t == null ? null : t.toIntArray();
    }

    /**
     * {@return the parameters and buffers as stored, under their state_dict keys (the {@code param.} prefix
     * removed)}
     *
     * @param dtype the dtype of the returned tensors
     */
    public Map<String, Tensor> storedStateDict(DType dtype) {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith("param.") && v.isFloat()) {
                sd.put(k.substring("param.".length()), v.toTensor(dtype));
            }
        });
        return sd;
    }

    /**
     * True when the case stores the parameters <em>after</em> its AdamW steps as {@code param.*}: every
     * {@code adamw.param.<key>} is bit-identical to {@code param.<key>} although the steps have a non-zero
     * learning rate and gradient. The PyTorch cases of 2026-11 have this defect (their generator stepped
     * the live tensors before saving them); their forward outputs were computed with the initial
     * parameters, which {@link #start} recovers.
     *
     * @return whether {@code param.*} hold the post-step parameters
     */
    public boolean storesPostStepParameters() {
        if (lrPerStep.length == 0) {
            return false;
        }
        int compared = 0;
        for (Map.Entry<String, StoredTensor> e : tensors.entrySet()) {
            if (!e.getKey().startsWith("adamw.param.")) {
                continue;
            }
            StoredTensor before = tensors.get("param." + e.getKey().substring("adamw.param.".length()));
            if (before == null || !java.util.Arrays.equals(before.floats().toDoubleArray(),
                    e.getValue().floats().toDoubleArray())) {
                return false;
            }
            compared++;
        }
        return compared > 0;
    }

    /**
     * The parameters a run starts from.
     *
     * @param stateDict   parameters and buffers by state_dict key, float64
     * @param steppedBack whether AdamW steps were undone to get them
     */
    public record Start(Map<String, Tensor> stateDict, boolean steppedBack) {
    }

    /**
     * The parameters the case's outputs were computed from, in float64.
     *
     * <p>From the case itself ({@code weights == null}): the stored {@code param.*}, or, for a case that
     * {@link #storesPostStepParameters()}, those with the AdamW steps undone ({@link AdamWInversion}).
     * From a separate weights file: its tensors as they are, unless the case has that defect and the file
     * holds the same post-step values (equal after rounding both to float32, so a float32 checkpoint of the
     * stored values is recognised); then its steps are undone in the same way.
     *
     * @param weights a state_dict from {@code --weights}, or null to use the case's own {@code param.*}
     * @return the starting state_dict (float64) and whether steps were undone
     * @throws TensorFileException if the case lacks a {@code grad.param.*} tensor needed to undo a step
     */
    public Start start(Map<String, Tensor> weights) throws TensorFileException {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        if (weights == null) {
            sd.putAll(storedStateDict(DType.F64));
        } else {
            weights.forEach((k, v) -> sd.put(k, v.to(DType.F64)));
        }
        if (!storesPostStepParameters() || (weights != null && !holdsStoredParameters(weights))) {
            return new Start(sd, false);
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            String gradKey = "grad.param." + e.getKey();
            if (!tensors.containsKey(gradKey)) {
                out.put(e.getKey(), e.getValue()); // buffers: not touched by the optimiser
            } else {
                out.put(e.getKey(), AdamWInversion.undo(e.getValue(), tensor(gradKey, DType.F64),
                        betas[0], betas[1], eps, weightDecay, lrPerStep));
            }
        }
        return new Start(out, true);
    }

    /** Whether every stored parameter is in {@code weights} with the same values to float32 precision. */
    private boolean holdsStoredParameters(Map<String, Tensor> weights) {
        for (Map.Entry<String, Tensor> e : storedStateDict(DType.F64).entrySet()) {
            Tensor w = weights.get(e.getKey());
            if (w == null || w.size() != e.getValue().size()) {
                return false;
            }
            for (int i = 0; i < w.size(); i++) {
                if ((float) w.get(i) != (float) e.getValue().get(i)) {
                    return false;
                }
            }
        }
        return true;
    }
}
