package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.tarflow.data.FashionMnist;
import org.tarflow.data.ImageDataset;
import org.tarflow.eval.Likelihood;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.ModelFiles;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.SimdKernels;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tarflow evaluate}: test-set bits/dim of a trained model. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Test-set bits/dim (uniform dequantisation, as the reference's evaluate_bpd.py) of a trained model.")
final class EvaluateCommand implements Callable<Integer> {

    @Parameters(index = "0", description = "Checkpoint or weights file written by 'tarflow train', or a PyTorch .pth.")
    Path model;

    @Option(names = "--data", defaultValue = TrainCommand.DEFAULT_DATA, description = "IDX data directory. Default: ${DEFAULT-VALUE}")
    Path data;

    @Option(names = "--split", defaultValue = "t10k", description = "t10k (test) or train. Default: ${DEFAULT-VALUE}")
    String split;

    @Option(names = "--limit", description = "Score only the first N images.")
    Integer limit;

    @Option(names = "--batch-size", defaultValue = "250", description = "Images per forward pass. Default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--no-labels", description = "Score a conditional model without labels (mean class embedding), "
            + "as evaluate_bpd.py does; default: given the true label.")
    boolean noLabels;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 or float64. Default: ${DEFAULT-VALUE}")
    String dtype;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the dequantisation noise. Default: ${DEFAULT-VALUE}")
    long seed;

    @CommandLine.Mixin
    ModelFileOptions modelFile = new ModelFileOptions();

    @CommandLine.Mixin
    RuntimeOptions runtime = new RuntimeOptions();

    @Override
    public Integer call() throws IOException {
        runtime.apply();
        if (!split.equals("t10k") && !split.equals("train")) {
            throw new IllegalArgumentException("--split must be t10k or train, got " + split);
        }
        if (limit != null && limit <= 0) {
            throw new IllegalArgumentException("--limit must be positive");
        }
        DType dt = RuntimeOptions.dtype(dtype);
        TarFlowModel m = modelFile.load(model, dt, new SimdKernels()).model();
        Path dir = data.toString().equals(TrainCommand.DEFAULT_DATA) ? FashionMnist.ensure(data, System.out) : data;
        ImageDataset ds = ImageDataset.readMnistSplit(dir, split, FashionMnist.NUM_CLASSES);
        if (limit != null) {
            ds = ds.head(limit);
        }
        int total = ds.size();
        ProgressBar bar = new ProgressBar(System.err, "bits/dim");
        long t0 = System.nanoTime();
        Likelihood.Result r = Likelihood.bitsPerDim(m, ds, batchSize, !noLabels, seed, done -> bar.update(done, total, ""));
        bar.finish();
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(Locale.ROOT, "%s bits/dim: %.4f ± %.4f (%d images, %.1f img/s)%n", split, r.mean(), r.stdError(),
                r.count(), r.count() / s);
        return 0;
    }
}
