package org.tarflow.examples;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.eval.BitsPerDim;
import org.tarflow.flow.ConfigInference;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.io.ImageGrid;
import org.tarflow.io.ModelFiles;
import org.tarflow.nn.Gradients;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;
import org.tarflow.train.AdamW;

/**
 * A program of your own with {@code tarflow-core} as its one dependency: load a PyTorch checkpoint, score
 * images in bits/dim, fine-tune the model on them, score them again, and sample.
 *
 * <pre>java ... org.tarflow.examples.UseTheLibrary model.pth [steps] [samples.png]</pre>
 *
 * The images here are drawn at random so that the program needs no data set; put yours, scaled to [-1, 1],
 * in their place.
 */
public final class UseTheLibrary {
    private UseTheLibrary() {
    }

    public static void main(String[] args) throws Exception {
        Path pth = Path.of(args.length > 0 ? args[0] : "reference-data/torch/cond_nvp_c1_p4.pth");
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 50;
        Path png = Path.of(args.length > 2 ? args[2] : "fine-tuned-samples.png");

        // 1. Load: the backend is simd when the Vector API is available, else the scalar twin
        Kernels kernels = Backends.auto().kernels();
        TarFlowModel model = ModelFiles.loadWithMetadata(pth, DType.F32, kernels, ConfigInference.Hints.NONE).model();
        var c = model.config();
        System.out.println("loaded " + c);

        // 2. Some images (B, C, H, W) in [-1, 1] on the 8-bit grid, and their labels
        int n = 16;
        SplittableRandom rng = new SplittableRandom(1);
        Tensor images = Tensor.zeros(DType.F32, n, c.inChannels(), c.imgSize(), c.imgSize());
        for (int i = 0; i < images.size(); i++) {
            images.set(i, rng.nextInt(256) / 127.5 - 1);
        }
        int[] labels = c.conditional() ? new int[n] : null;
        for (int i = 0; labels != null && i < n; i++) {
            labels[i] = i % c.numClasses();
        }
        System.out.printf("bits/dim before: %.4f%n", bitsPerDim(model, images, labels));

        // 3. Fine-tune: forward (keeping activations), loss, backward into gradients, AdamW
        Gradients grads = model.newGradients();
        Workspace ws = new Workspace(kernels);
        AdamW optimizer = AdamW.reference(model.kernels(), model.parameters());
        for (int step = 1; step <= steps; step++) {
            Tensor x = images.copy();
            NoiseAugmentation.uniform().apply(x, new SplittableRandom(step)); // dequantisation, as for bits/dim
            ws.reset();
            grads.zero();
            TarFlowModel.Activations acts = model.forwardForTraining(x, labels, ws);
            double loss = model.loss(acts.result());
            model.backward(acts, grads, ws);
            optimizer.step(1e-3, grads);
            if (step % 10 == 0) {
                System.out.printf("step %d: loss %.4f%n", step, loss);
            }
        }
        System.out.printf("bits/dim after: %.4f%n", bitsPerDim(model, images, labels));

        // 4. Sample, with classifier-free guidance when the model is conditional
        Tensor noise = Tensor.zeros(DType.F32, n, c.numPatches(), c.patchDim());
        for (int i = 0; i < noise.size(); i++) {
            noise.set(i, rng.nextGaussian());
        }
        SamplingOptions guidance = c.conditional() ? SamplingOptions.cfg(1.0) : SamplingOptions.PLAIN;
        ImageGrid.write(png, model.reverse(noise, labels, guidance).x(), 4);
        System.out.println("wrote " + n + " samples to " + png);
    }

    /** Mean bits/dim of the images under uniform dequantisation (the reference's evaluate_bpd.py), fixed seed. */
    private static double bitsPerDim(TarFlowModel model, Tensor images, int[] labels) {
        Tensor x = images.copy();
        NoiseAugmentation.uniform().apply(x, new SplittableRandom(0));
        Tensor bpd = BitsPerDim.perSample(model.forward(x, labels));
        double mean = 0;
        for (int i = 0; i < bpd.size(); i++) {
            mean += bpd.get(i) / bpd.size();
        }
        return mean;
    }
}
