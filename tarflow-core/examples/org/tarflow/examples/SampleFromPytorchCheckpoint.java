package org.tarflow.examples;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.tarflow.flow.ConfigInference;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.ImageGrid;
import org.tarflow.io.ModelFiles;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

/**
 * Loads a PyTorch checkpoint ({@code torch.save(model.state_dict())} of the reference's
 * {@code transformer_flow.Model}), infers its configuration from the tensor shapes, and samples a
 * class-conditional grid with classifier-free guidance.
 *
 * <pre>java ... org.tarflow.examples.SampleFromPytorchCheckpoint model.pth [grid.png] [guidance]</pre>
 */
public final class SampleFromPytorchCheckpoint {
    private SampleFromPytorchCheckpoint() {
    }

    public static void main(String[] args) throws Exception {
        Path pth = Path.of(args.length > 0 ? args[0] : "reference-data/torch/cond_nvp_c1_p4.pth");
        Path png = Path.of(args.length > 1 ? args[1] : "pth-samples.png");
        double guidance = args.length > 2 ? Double.parseDouble(args[2]) : 1.5;

        // the pickle is read under an allow-list; nothing in the file is executed
        ModelFiles.Loaded loaded = ModelFiles.loadWithMetadata(pth, DType.F32, Backends.get("auto"), ConfigInference.Hints.NONE);
        TarFlowModel model = loaded.model();
        System.out.println("loaded " + model.config() + (loaded.assumption() != null ? " (" + loaded.assumption() + ")" : ""));

        int perClass = 8;
        int classes = Math.max(1, model.config().numClasses());
        int[] labels = model.config().conditional() ? new int[classes * perClass] : null;
        int n = classes * perClass;
        for (int i = 0; labels != null && i < n; i++) {
            labels[i] = i / perClass; // one class per row
        }
        Tensor noise = Tensor.zeros(DType.F32, n, model.config().numPatches(), model.config().patchDim());
        SplittableRandom rng = new SplittableRandom(0);
        for (int i = 0; i < noise.size(); i++) {
            noise.set(i, rng.nextGaussian());
        }
        SamplingOptions cfg = model.config().conditional() ? SamplingOptions.cfg(guidance) : SamplingOptions.PLAIN;
        Tensor images = model.reverse(noise, labels, cfg).x(); // (n, C, H, W), unclipped
        ImageGrid.write(png, images, perClass);
        System.out.println("wrote " + n + " samples to " + png);
    }
}
