package org.tarflow.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.tarflow.data.ToyDensity;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.nn.Gradients;
import org.tarflow.tensor.Backends;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;
import org.tarflow.train.AdamW;

/**
 * The whole TarFlow training loop by hand, on the two-moons density: 2-D points as sequences of T = 2
 * tokens of D = 1, forward, loss, backward, AdamW, then sampling by inverting the flow.
 *
 * <pre>java ... org.tarflow.examples.TrainToyDensity [steps] [samples.csv]</pre>
 *
 * <p>It writes the samples as CSV (x,y per line) for any plotting tool; {@code tarflow toy --target moons}
 * runs the same experiment with plots.
 */
public final class TrainToyDensity {
    private TrainToyDensity() {
    }

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 600;
        Path csv = Path.of(args.length > 1 ? args[1] : "moons-samples.csv");

        // a small model of (B, 2, 1) sequences: width 64, 6 flow blocks of one Transformer layer, affine, no classes
        ModelConfig config = ModelConfig.sequence(2, 1, 64, 6, 1, true, 0);
        TarFlowModel model = new TarFlowModel(config, DType.F32, Backends.get("auto")).init(42);
        AdamW optimizer = AdamW.reference(model.kernels(), model.parameters());
        Gradients grads = model.newGradients();           // only training has gradients
        Workspace ws = new Workspace(model.kernels());    // activation buffers, reused every step
        SplittableRandom rng = new SplittableRandom(7);

        for (int step = 1; step <= steps; step++) {
            Tensor x = Tensor.wrap(toFloat(ToyDensity.MOONS.sample(256, rng)), 256, 2, 1);
            ws.reset();
            grads.zero();
            TarFlowModel.Activations acts = model.forwardForTraining(x, null, ws); // z = f(x), what backward needs
            double loss = model.loss(acts.result());         // 0.5·mean(z²) − mean(logdets)
            model.backward(acts, grads, ws);                 // gradients of the loss into every parameter
            optimizer.step(2e-3 * Math.min(1.0, step / 100.0), grads); // short linear warm-up
            if (step % 100 == 0) {
                System.out.printf("step %d: loss %.4f (≈ NLL − 0.919 nats per value)%n", step, loss);
            }
        }

        // sample: invert the flow from standard normal noise; the inverse also gives each sample's log p
        Tensor noise = Tensor.zeros(DType.F32, 2000, 2, 1);
        for (int i = 0; i < noise.size(); i++) {
            noise.set(i, rng.nextGaussian());
        }
        TarFlowModel.ReverseResult samples = model.reverseSequence(noise, null, SamplingOptions.PLAIN);
        double meanLogLik = 0;
        for (int i = 0; i < 2000; i++) {
            meanLogLik += samples.logLikelihood().get(i) / 2000;
        }
        System.out.printf("samples' mean log-likelihood: %.3f nats per point%n", meanLogLik);
        StringBuilder lines = new StringBuilder("x,y\n");
        for (int i = 0; i < 2000; i++) {
            lines.append(samples.x().get(2 * i)).append(',').append(samples.x().get(2 * i + 1)).append('\n');
        }
        Files.writeString(csv, lines);
        System.out.println("wrote " + csv);
    }

    private static float[] toFloat(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
