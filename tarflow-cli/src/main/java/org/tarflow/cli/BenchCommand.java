package org.tarflow.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.tarflow.flow.Decoding;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.OpenClKernels;
import org.tarflow.tensor.Parallel;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.AdamW;
import org.tarflow.nn.Gradients;
import org.tarflow.train.BatchGradient;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of training, sampling and the forward NLL on a fixed model shape, printed as one JSON line.
 * Each phase is repeated untimed for {@code --warmup} seconds (at least once) while the JIT compiles it, then
 * timed over {@code --reps} repetitions.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training, sampling and likelihood throughput (images/s) on a standard model shape.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--config", completionCandidates = Choices.BenchConfig.class, defaultValue = "mnist",
            description = "mnist (1x28x28, patch 4, width 128, 4x4 layers, 10 classes; batches 256/100/500) "
                    + "or cifar (3x32x32, patch 2, width 256, 4x4 layers, 10 classes; batches 64/16/128). Default: ${DEFAULT-VALUE}")
    String config;

    @CommandLine.Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Option(names = "--reps", defaultValue = "3", description = "Timed repetitions per phase. Default: ${DEFAULT-VALUE}")
    int reps;

    @Option(names = "--warmup", defaultValue = "5",
            description = "Seconds of untimed repetitions before each phase is timed (at least one repetition; "
                    + "sampling needs ~3 batches to be compiled). Default: ${DEFAULT-VALUE}")
    double warmup;

    @Option(names = "--sample-model", paramLabel = "FILE",
            description = "Time the sampling phases on this trained model (a file 'sample' reads) instead of the untrained one of --config: "
                    + "fixed-point decoding converges at once on an untrained model, whose blocks are affine maps.")
    java.nio.file.Path sampleModel;

    @Override
    public Integer call() throws java.io.IOException {
        runtime.apply();
        Ranges.atLeast("--reps", reps, 1);
        if (!(warmup >= 0)) {
            throw new IllegalArgumentException("--warmup must be a number of seconds >= 0, got " + warmup);
        }
        ModelConfig cfg;
        int trainBatch, sampleBatch, nllBatch;
        switch (config) {
            case "mnist" -> {
                cfg = ModelConfig.mnistNotebook();
                trainBatch = 256;
                sampleBatch = 100;
                nllBatch = 500;
            }
            case "cifar" -> {
                cfg = new ModelConfig(3, 32, 2, 256, 4, 4, true, 10);
                trainBatch = 64;
                sampleBatch = 16;
                nllBatch = 128;
            }
            default -> throw new IllegalArgumentException("--config must be mnist or cifar, got " + config);
        }
        TarFlowModel model = new TarFlowModel(cfg, DType.F32, runtime.kernels()).init(0);
        AdamW opt = AdamW.reference(model.kernels(), model.parameters());
        BatchGradient gradient = new BatchGradient(model);
        Gradients grads = model.newGradients();
        SplittableRandom rng = new SplittableRandom(0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("config", config);
        out.put("threads", Parallel.threads());
        time(out, "train", trainBatch, () -> {
            Tensor x = images(cfg, trainBatch, rng);
            grads.zero();
            model.loss(gradient.compute(x, labels(cfg, trainBatch), grads));
            opt.step(1e-4, grads);
        });
        TarFlowModel sampler = sampleModel == null ? model
                : new ModelFileOptions().load(sampleModel, DType.F32, runtime.kernels()).model();
        if (sampleModel != null) {
            out.put("sample_model", sampleModel.toString());
        }
        sampling(out, "sample", sampler, sampleBatch, rng, SamplingOptions.PLAIN);
        sampling(out, "sample_cfg", sampler, sampleBatch, rng, SamplingOptions.cfg(1.5));
        time(out, "nll", nllBatch, () -> model.forward(images(cfg, nllBatch, rng), labels(cfg, nllBatch)));
        out.put("peak_rss_mb", peakRssMb());
        System.out.println(new com.google.gson.Gson().toJson(out));
        return 0;
    }

    /**
     * Times sampling with {@code opts} sequentially, by Jacobi and by GS-Jacobi decoding (the defaults of
     * {@code sample --method}), putting {@code <key>_img_s}, {@code <key>_jacobi_img_s} and
     * {@code <key>_gs_jacobi_img_s}, and each fixed-point method's mean iterations per block (blocks.0 first)
     * of its last timed batch.
     */
    private void sampling(Map<String, Object> out, String key, TarFlowModel m, int batch, SplittableRandom rng,
                          SamplingOptions opts) {
        ModelConfig c = m.config();
        int[] y = c.conditional() ? labels(c, batch) : null;
        time(out, key, batch, () -> m.reverse(noise(c, batch, rng), y, opts));
        for (String method : new String[] {"jacobi", "gs-jacobi"}) {
            DecodingOptions d = new DecodingOptions();
            new CommandLine(d).parseArgs("--method", method);
            Decoding decoding = d.decoding(c.numBlocks());
            double[][] iterations = new double[1][];
            String name = key + "_" + method.replace('-', '_');
            time(out, name, batch, () ->
                    iterations[0] = m.reverse(noise(c, batch, rng), y, opts, decoding).meanIterations());
            out.put(name + "_iterations", Samples.iterationList(iterations[0]));
        }
    }

    /**
     * Puts {@code <key>_img_s}, the images (or sequences) per second of {@code reps} timed runs of {@code r} after the
     * warm-up, and on the OpenCL backend {@code <key>_transfer_kb_per_img}, the kilobytes those runs moved between
     * host and device per image ({@link OpenClKernels#traffic()}).
     */
    private void time(Map<String, Object> out, String key, int batch, Runnable r) {
        long start = System.nanoTime();
        do {
            r.run();
        } while (System.nanoTime() - start < warmup * 1e9);
        OpenClKernels.Traffic before = runtime.kernels() instanceof OpenClKernels k ? k.traffic() : null;
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            r.run();
        }
        double s = (System.nanoTime() - t0) / 1e9;
        out.put(key + "_img_s", Math.round(batch * reps / s * 10) / 10.0);
        if (before != null && reps > 0) {
            OpenClKernels.Traffic after = ((OpenClKernels) runtime.kernels()).traffic();
            long bytes = after.uploadBytes() - before.uploadBytes() + after.downloadBytes() - before.downloadBytes();
            out.put(key + "_transfer_kb_per_img", Math.round(bytes / 1024.0 / (batch * reps) * 10) / 10.0);
        }
    }

    private static Tensor images(ModelConfig c, int b, SplittableRandom rng) {
        Tensor x = Tensor.zeros(DType.F32, b, c.inChannels(), c.imgSize(), c.imgSize());
        for (int i = 0; i < x.size(); i++) {
            x.set(i, rng.nextDouble(-1, 1));
        }
        return x;
    }

    private static Tensor noise(ModelConfig c, int b, SplittableRandom rng) {
        Tensor x = Tensor.zeros(DType.F32, b, c.numPatches(), c.patchDim());
        for (int i = 0; i < x.size(); i++) {
            x.set(i, rng.nextGaussian());
        }
        return x;
    }

    private static int[] labels(ModelConfig c, int b) {
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            y[i] = i % Math.max(1, c.numClasses());
        }
        return y;
    }

    /** VmHWM from /proc/self/status (Linux), or -1 where unavailable. */
    static long peakRssMb() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
