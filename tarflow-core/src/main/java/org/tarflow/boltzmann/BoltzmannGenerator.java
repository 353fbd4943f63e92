package org.tarflow.boltzmann;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.tarflow.data.NoiseAugmentation;
import org.tarflow.data.Seeds;
import org.tarflow.data.SequenceDataset;
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
 * TarFlow as a Boltzmann generator (Noé et al. 2019; SBG, Tan et al. 2025): trained by maximum likelihood on reference
 * configurations with atoms as tokens (T = N, D = dimension of space, patch 1) and {@link ParticleAugmentation}, then
 * sampled with the exact log-likelihood of every sample, which gives importance weights to the Boltzmann law, and
 * compared with the reference by {@link Wasserstein} distances of energies and interatomic distances.
 */
public final class BoltzmannGenerator {
    private BoltzmannGenerator() {
    }

    /**
     * The model and its training.
     *
     * @param channels Transformer width, a multiple of 64
     * @param blocks   flow blocks
     * @param layers   Transformer layers per block
     * @param epochs   passes over the reference set
     * @param batch    configurations per step
     * @param lr       peak learning rate (one epoch of warm-up at most, then cosine decay)
     */
    public record Settings(int channels, int blocks, int layers, int epochs, int batch, double lr) {
    }

    /**
     * Trains a float32 affine model on augmented copies of the reference configurations, writing its checkpoint and log
     * into {@code outDir}.
     *
     * @param data      the centred reference configurations (N tokens of D coordinates) with their augmentation
     * @param s         the settings
     * @param seed      fixes the initial weights and the data order (the augmentation has its own seed)
     * @param outDir    folder for the checkpoint and the log
     * @param k         the kernels
     * @param listener  receives the training progress
     * @return the trained model
     * @throws IOException if the checkpoint or log cannot be written
     */
    public static TarFlowModel train(ParticleAugmentation data, Settings s, long seed, Path outDir, Kernels k,
                                     Trainer.Listener listener) throws IOException {
        ModelConfig mc = ModelConfig.sequence(data.itemShape()[0], data.itemShape()[1], s.channels(), s.blocks(), s.layers(), true, 0);
        TrainConfig tc = new TrainConfig(s.epochs(), s.batch(), s.lr(), Math.min(1, s.epochs()), NoiseAugmentation.none(), 0, 0,
                seed, DType.F32);
        TarFlowModel model = new TarFlowModel(mc, DType.F32, k).init(seed);
        Checkpoint.State state = new Checkpoint.State(model,
                AdamW.reference(model.kernels(), model.parameters()), tc, 0, null, data.size());
        new Trainer(state, data, outDir, 0, Trainer.NonFinitePolicy.STOP).run(listener, null);
        return model;
    }

    /**
     * Flow samples with their exact log-likelihoods, before any energy is known.
     *
     * @param x         n configurations of N·D coordinates, sample-major, each centred on its centre of mass c
     * @param logQ      the exact log-density under the flow of each sample as drawn (uncentred), nats
     * @param logCentre {@code -(N/2)|c|²}: the log-density, up to a constant, of c under the centre-of-mass law
     *                  N(0, I/N) of the augmented target (see {@link ParticleAugmentation})
     */
    public record Draws(double[] x, double[] logQ, double[] logCentre) {
        /**
         * {@return the log importance weights {@code -E - log q + logCentre} to the Boltzmann law, nats (-∞ where E is
         * +∞), up to a constant}
         *
         * @param energies the n samples' energies E in kT, +∞ where undefined
         * @throws IllegalArgumentException if there are not n energies
         */
        public double[] logWeights(double[] energies) {
            if (energies.length != logQ.length) {
                throw new IllegalArgumentException(energies.length + " energies for " + logQ.length + " samples");
            }
            double[] logW = new double[logQ.length];
            for (int i = 0; i < logW.length; i++) {
                logW[i] = -energies[i] + logCentre[i] - logQ[i];
            }
            return logW;
        }
    }

    /**
     * {@return the energy of each configuration, in kT (+∞ where undefined)}
     *
     * @param e the energy
     * @param x n configurations of N·D coordinates, sample-major (e.g. {@link Draws#x})
     * @throws IllegalArgumentException if x is not a whole number of the energy's configurations
     */
    public static double[] energies(Energy e, double[] x) {
        int m = e.particles() * e.dim();
        if (x.length % m != 0) {
            throw new IllegalArgumentException(x.length + " coordinates are not configurations of " + e.particles()
                    + " particles in " + e.dim() + "-D");
        }
        double[] out = new double[x.length / m];
        for (int i = 0; i < out.length; i++) {
            out[i] = e.energy(Arrays.copyOfRange(x, i * m, (i + 1) * m), null);
        }
        return out;
    }

    /**
     * Draws n samples: latents from {@code Seeds.stream(seed, SAMPLES, 0)}, inverted in float64 (whose log-likelihood
     * is exact to rounding; float32 would put rounding noise of ~1e-3 nats into every weight) in chunks of 1024.
     *
     * @param model the trained model of N tokens of D values
     * @param n     samples, at least 1
     * @param seed  fixes the latents
     * @return the samples, centred, with their log-likelihoods and centre-of-mass terms
     */
    public static Draws draw(TarFlowModel model, int n, long seed) {
        int np = model.config().seqLength();
        int d = model.config().inChannels();
        TarFlowModel m64 = new TarFlowModel(model.config(), DType.F64, model.kernels());
        m64.loadStateDict(model.stateDict());
        SplittableRandom rng = Seeds.stream(seed, Seeds.SAMPLES, 0);
        int m = np * d;
        double[] x = new double[n * m];
        double[] logQ = new double[n];
        double[] logCentre = new double[n];
        double[] conf = new double[m];
        for (int start = 0; start < n; start += 1024) {
            int b = Math.min(1024, n - start);
            Tensor noise = Tensor.zeros(DType.F64, b, np, d);
            for (int i = 0; i < noise.size(); i++) {
                noise.set(i, rng.nextGaussian());
            }
            TarFlowModel.ReverseResult r = m64.reverseSequence(noise, null, SamplingOptions.PLAIN);
            for (int s = 0; s < b; s++) {
                for (int j = 0; j < m; j++) {
                    conf[j] = r.x().get(s * m + j);
                }
                double com2 = 0;
                for (int k = 0; k < d; k++) {
                    double c = 0;
                    for (int i = 0; i < np; i++) {
                        c += conf[i * d + k];
                    }
                    c /= np;
                    com2 += c * c;
                }
                Mala.centre(conf, 0, np, d);
                int i = start + s;
                System.arraycopy(conf, 0, x, i * m, m);
                logQ[i] = r.logLikelihood().get(s);
                logCentre[i] = -0.5 * np * com2;
            }
        }
        return new Draws(x, logQ, logCentre);
    }

    /**
     * {@return the n·N(N-1)/2 interatomic distances of n configurations, sample-major, pairs i < j in order}
     *
     * @param x n configurations of N·D coordinates
     * @param np N
     * @param d  D
     */
    public static double[] distances(double[] x, int np, int d) {
        int pairs = np * (np - 1) / 2;
        int n = x.length / (np * d);
        double[] out = new double[n * pairs];
        int o = 0;
        for (int s = 0; s < n; s++) {
            int base = s * np * d;
            for (int i = 0; i < np; i++) {
                for (int j = i + 1; j < np; j++) {
                    double r2 = 0;
                    for (int k = 0; k < d; k++) {
                        double t = x[base + i * d + k] - x[base + j * d + k];
                        r2 += t * t;
                    }
                    out[o++] = Math.sqrt(r2);
                }
            }
        }
        return out;
    }

    /**
     * Samples of the Gaussian with the reference's mean and covariance (the baseline of "a Gaussian fitted to the
     * reference"), centred, with their energies. The covariance of centred data is singular along the centre-of-mass
     * directions; a jitter of 1e-9 of its trace keeps the Cholesky factor real, and centring removes it again.
     *
     * @param reference centred configurations
     * @param e         the energy
     * @param n         samples
     * @param rng       the draws
     * @return {configurations (n·N·D), energies (n)}
     */
    public static double[][] gaussianBaseline(SequenceDataset reference, Energy e, int n, SplittableRandom rng) {
        int m = reference.length() * reference.dim();
        int count = reference.size();
        double[] v = reference.values();
        double[] mean = new double[m];
        for (int s = 0; s < count; s++) {
            for (int j = 0; j < m; j++) {
                mean[j] += v[s * m + j] / count;
            }
        }
        double[][] cov = new double[m][m];
        for (int s = 0; s < count; s++) {
            for (int a = 0; a < m; a++) {
                double da = v[s * m + a] - mean[a];
                for (int b = 0; b <= a; b++) {
                    cov[a][b] += da * (v[s * m + b] - mean[b]) / (count - 1);
                }
            }
        }
        double trace = 0;
        for (int a = 0; a < m; a++) {
            trace += cov[a][a];
        }
        double[][] l = new double[m][m];
        for (int a = 0; a < m; a++) {
            for (int b = 0; b <= a; b++) {
                double s = cov[a][b] + (a == b ? 1e-9 * trace : 0);
                for (int k = 0; k < b; k++) {
                    s -= l[a][k] * l[b][k];
                }
                l[a][b] = a == b ? Math.sqrt(Math.max(s, 0)) : (l[b][b] > 0 ? s / l[b][b] : 0);
            }
        }
        double[] x = new double[n * m];
        double[] energies = new double[n];
        double[] z = new double[m];
        double[] conf = new double[m];
        for (int s = 0; s < n; s++) {
            for (int j = 0; j < m; j++) {
                z[j] = rng.nextGaussian();
            }
            for (int a = 0; a < m; a++) {
                double t = mean[a];
                for (int k = 0; k <= a; k++) {
                    t += l[a][k] * z[k];
                }
                conf[a] = t;
            }
            Mala.centre(conf, 0, reference.length(), reference.dim());
            System.arraycopy(conf, 0, x, s * m, m);
            energies[s] = e.energy(conf, null);
        }
        return new double[][] {x, energies};
    }
}
