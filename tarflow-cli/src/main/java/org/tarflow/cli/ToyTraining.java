package org.tarflow.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.data.Seeds;
import org.tarflow.data.SequenceDataset;
import org.tarflow.data.ToyDensity;
import org.tarflow.eval.Likelihood;
import org.tarflow.eval.NegativeLogLikelihood;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;
import org.tarflow.train.AdamW;
import org.tarflow.train.Checkpoint;
import org.tarflow.train.TrainConfig;
import org.tarflow.train.Trainer;

/**
 * Fits TarFlow to a 2-D {@link ToyDensity} in seconds: points are sequences of T = 2 tokens of D = 1, the
 * model is small (width 64, a few blocks of 1 layer, affine; see {@link Settings}), training uses the project's
 * {@link Trainer} without input noise. Reports the exact test NLL next to the target's entropy, and
 * evaluates the learned density on a grid for plotting.
 */
public final class ToyTraining {
    private static final int TRAIN_POINTS = 32768;
    private static final int TEST_POINTS = 8192;

    /**
     * The toy model and its training.
     *
     * @param blocks flow blocks; with T = 2 each block transforms one coordinate given the other, alternating
     * @param epochs passes over the {@value #TRAIN_POINTS} training points
     * @param batch  points per step
     * @param lr     peak learning rate (one epoch of warm-up at most, then cosine decay)
     */
    public record Settings(int blocks, int epochs, int batch, double lr) {
    }

    private ToyTraining() {
    }

    /**
     * What {@link #run} gives.
     *
     * @param model          the trained model (float32)
     * @param testNll        mean −log p of held-out target points, nats per point (both coordinates)
     * @param testNllStdErr  its standard error
     * @param entropy        the target's entropy in nats per point (closed form or Monte Carlo; NaN for moons)
     * @param samples        model samples, x0, y0, x1, y1, ...
     * @param sampleLogLik   mean log-likelihood of those samples under the model (from the inverse), nats per point
     * @param seconds        training time
     */
    public record Result(TarFlowModel model, double testNll, double testNllStdErr, double entropy, double[] samples,
                         double sampleLogLik, double seconds) {
    }

    /**
     * Trains with {@code settings} on {@value #TRAIN_POINTS} target points, writing the checkpoint and log into
     * {@code outDir}, then draws {@code numSamples} samples.
     * Training and test points come from {@code Seeds.stream(seed, SYNTHETIC_DATA, 0)}, the samples' noise
     * from the {@code SAMPLES} stream.
     *
     * @param target     the density to fit
     * @param settings   model size and training schedule
     * @param seed       fixes the data, the initial weights and every draw of training and sampling
     * @param outDir     folder for the checkpoint and the log
     * @param k          the kernels
     * @param listener   receives the training progress
     * @param numSamples samples to draw from the trained model
     * @return the model, its test NLL next to the target's entropy, and the samples
     * @throws IOException if the checkpoint or log cannot be written
     */
    public static Result run(ToyDensity target, Settings settings, long seed, Path outDir, Kernels k, Trainer.Listener listener,
                             int numSamples) throws IOException {
        SplittableRandom rng = Seeds.stream(seed, Seeds.SYNTHETIC_DATA, 0);
        SequenceDataset train = new SequenceDataset(target.sample(TRAIN_POINTS, rng), null, 2, 1, 0);
        SequenceDataset test = new SequenceDataset(target.sample(TEST_POINTS, rng), null, 2, 1, 0);
        ModelConfig mc = ModelConfig.sequence(2, 1, 64, settings.blocks(), 1, true, 0);
        TrainConfig tc = new TrainConfig(settings.epochs(), settings.batch(), settings.lr(), Math.min(1, settings.epochs()),
                NoiseAugmentation.none(), 0, 0, seed,
                DType.F32);
        TarFlowModel model = new TarFlowModel(mc, DType.F32, k).init(seed);
        Checkpoint.State state = new Checkpoint.State(model,
                AdamW.reference(model.kernels(), model.parameters()), tc, 0, null,
                train.size());
        long t0 = System.nanoTime();
        new Trainer(state, train, outDir, 0, Trainer.NonFinitePolicy.STOP).run(listener, null);
        double seconds = (System.nanoTime() - t0) / 1e9;

        Likelihood.Result nll = NegativeLogLikelihood.perDimension(model, test, 1024, false, null);
        double entropy = target.hasDensity() ? target.entropy(200_000, Seeds.stream(seed, Seeds.EVAL, 0)) : Double.NaN;
        Tensor noise = Tensor.zeros(DType.F32, numSamples, 2, 1);
        SplittableRandom srng = Seeds.stream(seed, Seeds.SAMPLES, 0);
        for (int i = 0; i < noise.size(); i++) {
            noise.set(i, srng.nextGaussian());
        }
        TarFlowModel.ReverseResult s = model.reverseSequence(noise, null, SamplingOptions.PLAIN);
        double ll = 0;
        for (int i = 0; i < numSamples; i++) {
            ll += s.logLikelihood().get(i);
        }
        return new Result(model, 2 * nll.mean(), 2 * nll.stdError(), entropy, s.x().toDoubleArray(), ll / numSamples,
                seconds);
    }

    /**
     * The model's density p(x, y) on a {@code cells}×{@code cells} grid of cell centres over [lo, hi]²:
     * {@code [i][j]} at x = cell j, y = cell i.
     *
     * @param model a model of 2-D points (T = 2 tokens of D = 1)
     * @param lo    lower end of both axes
     * @param hi    upper end of both axes
     * @param cells grid cells per axis
     * @return the density values {@code exp(log p)}, per unit area
     */
    public static double[][] densityGrid(TarFlowModel model, double lo, double hi, int cells) {
        // evaluated in float64: far from the data a float32 latent can overflow and turn a density of ~0 into NaN
        TarFlowModel m64 = model;
        if (model.dtype() != DType.F64) {
            m64 = new TarFlowModel(model.config(), DType.F64, model.kernels());
            m64.loadStateDict(model.stateDict());
        }
        double[][] out = new double[cells][cells];
        double step = (hi - lo) / cells;
        Tensor pts = Tensor.zeros(DType.F64, cells, 2, 1);
        for (int i = 0; i < cells; i++) {
            for (int j = 0; j < cells; j++) {
                pts.set(2 * j, lo + (j + 0.5) * step);
                pts.set(2 * j + 1, lo + (i + 0.5) * step);
            }
            Tensor nll = NegativeLogLikelihood.perSample(m64.forward(pts, null));
            for (int j = 0; j < cells; j++) {
                out[i][j] = Math.exp(-nll.get(j));
            }
        }
        return out;
    }

    /**
     * The target's density on the same grid as {@link #densityGrid}: closed form, or (for a target without
     * one) a normalised histogram of 400,000 samples.
     *
     * @param target the toy density
     * @param lo     lower end of both axes
     * @param hi     upper end of both axes
     * @param cells  grid cells per axis
     * @param rng    draws the histogram's samples; unused when the density has a closed form
     * @return the density values per unit area, {@code [i][j]} at x = cell j, y = cell i
     */
    public static double[][] targetGrid(ToyDensity target, double lo, double hi, int cells, SplittableRandom rng) {
        double[][] out = new double[cells][cells];
        double step = (hi - lo) / cells;
        if (target.hasDensity()) {
            for (int i = 0; i < cells; i++) {
                for (int j = 0; j < cells; j++) {
                    out[i][j] = Math.exp(target.logDensity(lo + (j + 0.5) * step, lo + (i + 0.5) * step));
                }
            }
            return out;
        }
        int n = 400_000;
        double[] v = target.sample(n, rng);
        for (int s = 0; s < n; s++) {
            int j = (int) Math.floor((v[2 * s] - lo) / step);
            int i = (int) Math.floor((v[2 * s + 1] - lo) / step);
            if (i >= 0 && i < cells && j >= 0 && j < cells) {
                out[i][j] += 1.0 / (n * step * step);
            }
        }
        return out;
    }
}
