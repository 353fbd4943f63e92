package org.tarflow.conformance;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.AtomicFiles;
import org.tarflow.io.ConfigJson;
import org.tarflow.io.Safetensors;
import org.tarflow.io.StoredTensor;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Writes golden cases in the format of {@link ReferenceCase} (documented in docs/CONFORMANCE.md),
 * computed by this implementation in float64 with the plain-Java kernels ({@code Backends.get("scalar")}),
 * so that the files do not change when the fast kernels do. Everything follows from the spec and its seed: the same
 * spec gives byte-identical files.
 *
 * <p>Parameters are the reference initialisation moved by Gaussian noise (so that {@code proj_out},
 * which starts at zero, makes every block non-trivial); volume-preserving models get a prior variance
 * {@code var} drawn from [0.5, 1.5]. Inputs: images uniform in [-1, 1], labels {@code in.y} with every
 * third one dropped (-1) in conditional cases, sampling labels {@code in.y_sample} cycling through the
 * classes, standard normal {@code in.noise}.
 */
public final class CaseGenerator {
    /** Step of the parameter noise; larger steps can make float64 inverses ill-conditioned. */
    private static final double PARAM_STD = 0.02;
    private static final double DENOISE_STD = 0.05;
    private static final double[] BETAS = {0.9, 0.95};
    private static final double EPS = 1e-8;
    private static final double WEIGHT_DECAY = 1e-4;
    private static final double[] LR_PER_STEP = {1e-3, 2e-3, 5e-4};

    private CaseGenerator() {
    }

    /**
     * A case to generate.
     *
     * @param name      the base name of the two files
     * @param config    the model, an image model
     * @param batch     N, the number of inputs
     * @param samplings the sampling settings to record outputs for
     * @param seed      fixes the parameters and every input
     */
    public record Spec(String name, ModelConfig config, int batch, List<ReferenceCase.Sampling> samplings, long seed) {
    }

    /**
     * The cases shipped in reference-data/tarflow: RGB and grey images, patch sizes 1 to 4, odd and even
     * block counts, affine and volume-preserving, unconditional and 10 classes, every guidance mode.
     *
     * @param seed the seed of the first case; case i uses {@code seed + i}
     * @return the five specs, in file order
     */
    public static List<Spec> standardCases(long seed) {
        List<ReferenceCase.Sampling> guided = List.of(
                sampling("plain", SamplingOptions.PLAIN, true),
                sampling("cfg_ab", SamplingOptions.cfg(1.5), true),
                sampling("cfg_a_annealed", new SamplingOptions(2.0, "a", 1.0, true), true),
                sampling("cfg_b_attn_temp", new SamplingOptions(1.0, "b", 0.7, false), true),
                sampling("null_label", SamplingOptions.PLAIN, false));
        List<ReferenceCase.Sampling> unconditional = List.of(
                sampling("plain", SamplingOptions.PLAIN, true),
                sampling("cfg_attn_temp", new SamplingOptions(1.0, "ab", 0.5, false), true),
                sampling("cfg_attn_temp_annealed", new SamplingOptions(2.0, "ab", 0.8, true), true));
        return List.of(
                new Spec("cond10_nvp_c3_p2_b3", new ModelConfig(3, 4, 2, 64, 3, 1, true, 10), 4, guided, seed),
                new Spec("uncond_vp_c1_p1", new ModelConfig(1, 4, 1, 64, 2, 2, false, 0), 3, unconditional, seed + 1),
                new Spec("cond10_vp_c1_p3", new ModelConfig(1, 6, 3, 64, 1, 1, false, 10), 3, guided, seed + 2),
                new Spec("uncond_nvp_c3_p4_b3", new ModelConfig(3, 8, 4, 64, 3, 1, true, 0), 2, unconditional, seed + 3),
                new Spec("cond10_nvp_c1_p2", new ModelConfig(1, 8, 2, 64, 2, 1, true, 10), 3, guided, seed + 4));
    }

    private static ReferenceCase.Sampling sampling(String name, SamplingOptions o, boolean useLabels) {
        return new ReferenceCase.Sampling(name, o, useLabels);
    }

    /**
     * Generates the case and writes {@code dir/NAME.json} and {@code dir/NAME.safetensors} atomically;
     * the outputs are computed by {@link CaseRunner#run} from the inputs as read back from the written file.
     *
     * @param spec   what to generate
     * @param dir    the output folder (created if missing)
     * @param source the manifest's {@code source} text (e.g. the command that generated it)
     * @return the manifest's path
     * @throws IOException if a file cannot be written or read back
     */
    public static Path write(Spec spec, Path dir, String source) throws IOException {
        ModelConfig c = spec.config();
        SplittableRandom rng = new SplittableRandom(spec.seed());
        TarFlowModel model = new TarFlowModel(c, DType.F64, Backends.get("scalar")).init(rng.nextLong());
        for (Parameter p : model.parameters()) {
            for (int i = 0; i < p.value().size(); i++) {
                p.value().set(i, p.value().get(i) + PARAM_STD * rng.nextGaussian());
            }
        }
        if (!c.nvp()) {
            for (int i = 0; i < model.priorVar().size(); i++) {
                model.priorVar().set(i, 0.5 + rng.nextDouble());
            }
        }
        int n = spec.batch();
        Map<String, StoredTensor> tensors = new LinkedHashMap<>();
        Tensor x = Tensor.zeros(DType.F64, n, c.inChannels(), c.imgSize(), c.imgSize());
        for (int i = 0; i < x.size(); i++) {
            x.set(i, 2 * rng.nextDouble() - 1);
        }
        tensors.put("in.x", StoredTensor.of(x));
        if (c.conditional()) {
            long[] y = new long[n];
            long[] ySample = new long[n];
            for (int i = 0; i < n; i++) {
                y[i] = i % 3 == 2 ? -1 : rng.nextInt(c.numClasses());
                ySample[i] = i % c.numClasses();
            }
            tensors.put("in.y", StoredTensor.ofInts(y, n));
            tensors.put("in.y_sample", StoredTensor.ofInts(ySample, n));
        }
        Tensor noise = Tensor.zeros(DType.F64, n, c.numPatches(), c.patchDim());
        for (int i = 0; i < noise.size(); i++) {
            noise.set(i, rng.nextGaussian());
        }
        tensors.put("in.noise", StoredTensor.of(noise));
        model.stateDict().forEach((k, v) -> tensors.put("param." + k, StoredTensor.of(v.copy())));

        double denoiseLr = (double) n * c.inChannels() * c.imgSize() * c.imgSize() * DENOISE_STD * DENOISE_STD;
        JsonObject manifest = manifest(spec, source, denoiseLr);
        Path manifestFile = dir.resolve(spec.name() + ".json");
        Path dataFile = dir.resolve(spec.name() + ".safetensors");
        // The runner reads its inputs from a case, so the outputs are computed from the case as written.
        Safetensors.write(dataFile, tensors, Map.of());
        writeJson(manifestFile, manifest);
        ReferenceCase written = ReferenceCase.read(manifestFile);
        CaseRunner.run(written, model).forEach((k, v) -> tensors.put(k, StoredTensor.of(v)));
        Safetensors.write(dataFile, tensors, Map.of("format", "tarflow-case/1"));
        return manifestFile;
    }

    private static JsonObject manifest(Spec spec, String source, double denoiseLr) {
        ModelConfig c = spec.config();
        JsonObject m = new JsonObject();
        m.addProperty("name", spec.name());
        m.addProperty("source", source);
        m.addProperty("seed", spec.seed());
        m.addProperty("dtype", "float64");
        m.add("config", JsonParser.parseString(ConfigJson.model(c))); // the reference's Model(...) arguments
        m.addProperty("batch", spec.batch());
        m.addProperty("num_patches", c.numPatches());
        m.addProperty("patch_dim", c.patchDim());
        JsonArray samplings = new JsonArray();
        for (ReferenceCase.Sampling s : spec.samplings()) {
            JsonObject o = new JsonObject();
            o.addProperty("name", s.name());
            SamplingOptions opts = s.options();
            if (opts.guidance() > 0) {
                o.addProperty("guidance", opts.guidance());
                o.addProperty("guide_what", opts.guideWhat());
                if (opts.attnTemp() != 1.0) {
                    o.addProperty("attn_temp", opts.attnTemp());
                }
                if (opts.annealed()) {
                    o.addProperty("annealed_guidance", true);
                }
            }
            if (!s.useLabels()) {
                o.addProperty("use_y", false);
            }
            samplings.add(o);
        }
        m.add("samplings", samplings);
        JsonObject denoise = new JsonObject();
        denoise.addProperty("noise_std", DENOISE_STD);
        denoise.addProperty("lr", denoiseLr);
        m.add("denoise", denoise);
        JsonObject adamw = new JsonObject();
        JsonArray betas = new JsonArray();
        betas.add(BETAS[0]);
        betas.add(BETAS[1]);
        adamw.add("betas", betas);
        adamw.addProperty("eps", EPS);
        adamw.addProperty("weight_decay", WEIGHT_DECAY);
        JsonArray lrs = new JsonArray();
        for (double lr : LR_PER_STEP) {
            lrs.add(lr);
        }
        adamw.add("lr_per_step", lrs);
        m.add("adamw", adamw);
        return m;
    }

    private static void writeJson(Path file, JsonObject o) throws IOException {
        byte[] bytes = (new GsonBuilder().setPrettyPrinting().create().toJson(o) + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }
}
