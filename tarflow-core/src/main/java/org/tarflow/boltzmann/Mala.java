package org.tarflow.boltzmann;

import java.util.SplittableRandom;
import org.tarflow.data.Seeds;
import org.tarflow.data.SequenceDataset;

/**
 * Reference samples of {@code p(x) ∝ exp(-E(x))} by the Metropolis-adjusted Langevin algorithm (Roberts and
 * Tweedie 1996): from x, propose {@code y = x + h F(x) + sqrt(2h) ξ} with F = -∇E and ξ ~ N(0, I), and accept with
 * probability {@code min(1, exp(-E(y) + E(x) - |x - y - h F(y)|²/4h + |y - x - h F(x)|²/4h))}; the
 * Metropolis-Hastings correction makes p the exact stationary law for any step h.
 *
 * <p>Independent chains, each seeded by {@code Seeds.stream(seed, SYNTHETIC_DATA, chain)}, start from the given
 * configuration. During burn-in (whose samples are discarded) h is adapted every 100 steps towards an acceptance
 * rate of 0.57 (the optimum for MALA, Roberts and Rosenthal 1998); after it h is fixed, so the kept chain is a
 * time-homogeneous Markov chain. Every {@code thin}-th state is kept, centred on its centre of mass (the energies
 * here are translation invariant, so the centre of mass diffuses freely and carries no information).
 */
public final class Mala {
    private static final double TARGET_ACCEPTANCE = 0.57;
    private static final int ADAPT_EVERY = 100;
    private static final int MAX_LAG = 1000;

    private Mala() {
    }

    /**
     * How to sample.
     *
     * @param chains          independent chains, at least 1
     * @param burnIn          discarded steps per chain, during which h adapts
     * @param samplesPerChain states kept per chain, at least 2
     * @param thin            steps between kept states, at least 1
     * @param stepSize        the initial h, in squared length units
     * @param seed            fixes every draw
     */
    public record Settings(int chains, int burnIn, int samplesPerChain, int thin, double stepSize, long seed) {
        /**
         * @throws IllegalArgumentException if a count is out of range or h is not positive
         */
        public Settings {
            if (chains < 1 || burnIn < 0 || samplesPerChain < 2 || thin < 1 || !(stepSize > 0)) {
                throw new IllegalArgumentException("need chains >= 1, burn-in >= 0, samples per chain >= 2, thin >= 1, step size > 0");
            }
        }
    }

    /**
     * What {@link #sample} gives.
     *
     * @param samples             (chains · samplesPerChain) configurations of N·D coordinates, chain-major, centred
     * @param energies            their energies in kT
     * @param stepSize            the mean over chains of h after burn-in
     * @param acceptance          the fraction of proposals accepted after burn-in, over all chains
     * @param autocorrelationTime the integrated autocorrelation time of the energy, in kept samples
     *                            (1 for independent samples; Sokal's self-consistent window of 5 τ)
     */
    public record Result(SequenceDataset samples, double[] energies, double stepSize, double acceptance, double autocorrelationTime) {
    }

    /**
     * Runs the chains.
     *
     * @param e     the energy
     * @param start N·D coordinates every chain starts from (finite energy)
     * @param s     the settings
     * @return the kept samples with their energies and the chains' diagnostics
     * @throws IllegalArgumentException if {@code start} has the wrong length or infinite energy
     */
    public static Result sample(Energy e, double[] start, Settings s) {
        Energy.checkLength(e, start);
        int m = start.length;
        if (!Double.isFinite(e.energy(start, null))) {
            throw new IllegalArgumentException("the starting configuration has infinite energy");
        }
        int kept = s.chains() * s.samplesPerChain();
        double[] out = new double[kept * m];
        double[] energies = new double[kept];
        long accepted = 0;
        double hSum = 0;
        for (int c = 0; c < s.chains(); c++) {
            SplittableRandom rng = Seeds.stream(s.seed(), Seeds.SYNTHETIC_DATA, c);
            double[] x = start.clone();
            double[] fx = new double[m];
            double ex = e.energy(x, fx);
            double[] y = new double[m];
            double[] fy = new double[m];
            double h = s.stepSize();
            int window = 0;
            int total = s.burnIn() + s.samplesPerChain() * s.thin();
            for (int t = 0; t < total; t++) {
                double sd = Math.sqrt(2 * h);
                for (int j = 0; j < m; j++) {
                    y[j] = x[j] + h * fx[j] + sd * rng.nextGaussian();
                }
                double ey = e.energy(y, fy);
                double logA = Double.NEGATIVE_INFINITY;
                if (Double.isFinite(ey)) {
                    double fwd = 0; // |y - x - h F(x)|²
                    double bwd = 0; // |x - y - h F(y)|²
                    for (int j = 0; j < m; j++) {
                        double a = y[j] - x[j] - h * fx[j];
                        double b = x[j] - y[j] - h * fy[j];
                        fwd += a * a;
                        bwd += b * b;
                    }
                    logA = ex - ey + (fwd - bwd) / (4 * h);
                }
                boolean accept = Math.log(rng.nextDouble()) < logA;
                if (accept) {
                    double[] tmp = x;
                    x = y;
                    y = tmp;
                    tmp = fx;
                    fx = fy;
                    fy = tmp;
                    ex = ey;
                }
                if (t < s.burnIn()) {
                    window += accept ? 1 : 0;
                    if ((t + 1) % ADAPT_EVERY == 0) {
                        h *= Math.exp((double) window / ADAPT_EVERY - TARGET_ACCEPTANCE);
                        window = 0;
                    }
                    continue;
                }
                accepted += accept ? 1 : 0;
                int after = t - s.burnIn();
                if ((after + 1) % s.thin() == 0) {
                    int k = c * s.samplesPerChain() + after / s.thin();
                    System.arraycopy(x, 0, out, k * m, m);
                    centre(out, k * m, e.particles(), e.dim());
                    energies[k] = ex;
                }
            }
            hSum += h;
        }
        double acceptance = (double) accepted / ((long) kept * s.thin());
        return new Result(new SequenceDataset(out, null, e.particles(), e.dim(), 0), energies, hSum / s.chains(), acceptance,
                autocorrelationTime(energies, s.chains()));
    }

    /**
     * Subtracts the centre of mass (equal masses) from one configuration in place.
     *
     * @param x         the array holding it
     * @param offset    its first coordinate
     * @param particles N
     * @param dim       D
     */
    static void centre(double[] x, int offset, int particles, int dim) {
        for (int k = 0; k < dim; k++) {
            double mean = 0;
            for (int i = 0; i < particles; i++) {
                mean += x[offset + i * dim + k];
            }
            mean /= particles;
            for (int i = 0; i < particles; i++) {
                x[offset + i * dim + k] -= mean;
            }
        }
    }

    /**
     * The integrated autocorrelation time {@code τ = 1 + 2 Σ_{t≥1} ρ(t)} of equal-length chains laid end to end,
     * ρ the autocorrelation averaged over chains (each about its own chain's mean), summed up to the first
     * window W with W ≥ 5 τ(W) (Sokal 1997), lags up to {@value #MAX_LAG}.
     *
     * @param series chains · L values, chain-major
     * @param chains the number of chains
     * @return τ in steps of the series (≈ 1 for independent values; 1 for a constant series)
     */
    static double autocorrelationTime(double[] series, int chains) {
        int len = series.length / chains;
        // lags beyond MAX_LAG would only matter for a chain far too correlated to be a reference set
        double[] acf = new double[Math.min(len, MAX_LAG)];
        for (int c = 0; c < chains; c++) {
            double mean = 0;
            for (int i = 0; i < len; i++) {
                mean += series[c * len + i];
            }
            mean /= len;
            for (int lag = 0; lag < acf.length; lag++) {
                double sum = 0;
                for (int i = 0; i + lag < len; i++) {
                    sum += (series[c * len + i] - mean) * (series[c * len + i + lag] - mean);
                }
                acf[lag] += sum / len;
            }
        }
        if (!(acf[0] > 0)) {
            return 1;
        }
        double tau = 1;
        for (int w = 1; w < acf.length; w++) {
            tau += 2 * acf[w] / acf[0];
            if (w >= 5 * tau) {
                break;
            }
        }
        return tau;
    }
}
