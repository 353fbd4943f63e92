package org.tarflow.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.tarflow.TestTensors;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;
import org.tarflow.tensor.Backends;

/**
 * The defining properties of the flow, over random small configurations (width 64 or 128, several
 * image and patch shapes, 1-3 blocks, 1-2 layers, conditional or not, affine or volume-preserving),
 * with all parameters moved away from their initial values so that every block is non-trivial.
 */
class FlowProperties {

    /** (channels, image size, patch size) with T·D ≤ 72 so that full Jacobians stay cheap. */
    private static final int[][] SHAPES = {
        {1, 4, 2}, {1, 8, 4}, {2, 4, 2}, {1, 4, 1}, {3, 4, 2}, {1, 6, 3}, {2, 6, 2}, {1, 8, 2},
    };

    static TarFlowModel randomModel(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] s = SHAPES[rng.nextInt(SHAPES.length)];
        ModelConfig cfg = new ModelConfig(s[0], s[1], s[2], rng.nextBoolean() ? 64 : 128, 1 + rng.nextInt(3),
                1 + rng.nextInt(2), rng.nextBoolean(), rng.nextBoolean() ? 3 : 0);
        TarFlowModel m = new TarFlowModel(cfg, DType.F64, Backends.get("simd")).init(seed);
        // proj_out's weight starts at zero; it needs a push for the blocks to be non-trivial (log-scales of
        // order 0.1-1). A larger push (0.05) can give flows whose latents span 1e-30..1e10, whose inverse
        // is ill-conditioned even in float64 (seen: inverse(forward(x)) off by 7e-8 for T = 16, 3 blocks).
        List<Parameter> projOut = m.parameters().stream().filter(p -> p.name().endsWith("proj_out.weight")).toList();
        List<Parameter> rest = m.parameters().stream().filter(p -> !projOut.contains(p)).toList();
        TestTensors.perturb(projOut, 0.02, rng);
        TestTensors.perturb(rest, 0.02, rng);
        return m;
    }

    static int[] randomLabels(TarFlowModel m, int b, SplittableRandom rng) {
        if (!m.config().conditional()) {
            return null;
        }
        int[] y = new int[b];
        for (int i = 0; i < b; i++) {
            y[i] = rng.nextInt(m.config().numClasses() + 1) - 1; // -1 = no label (mean embedding)
        }
        return y;
    }

    @Property(tries = 40)
    void reverseInvertsForward(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int batch) {
        TarFlowModel m = randomModel(seed);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        ModelConfig c = m.config();
        Tensor x = TestTensors.randn(DType.F64, rng, batch, c.numPatches(), c.patchDim());
        int[] y = randomLabels(m, batch, rng);
        Tensor z = m.forward(x, y).z();
        Tensor back = m.reverseSequence(z, y, SamplingOptions.PLAIN).x();
        double err = TestTensors.relError(x, back);
        assertTrue(err <= 1e-10, c + ": inverse(forward(x)) differs from x by " + err);
    }

    /** T·D × logdets equals log|det dz/dx| of the Jacobian taken by central differences. */
    @Property(tries = 25)
    void logdetIsTheJacobianLogDeterminant(@ForAll long seed) {
        TarFlowModel m = randomModel(seed);
        SplittableRandom rng = new SplittableRandom(seed + 2);
        ModelConfig c = m.config();
        Tensor x = TestTensors.randn(DType.F64, rng, 1, c.numPatches(), c.patchDim());
        int[] y = randomLabels(m, 1, rng);
        double total = m.forward(x, y).logdetsTotal().get(0);
        double[][] jac = jacobian(x, v -> m.forward(v, y).z());
        double numeric = logAbsDet(jac);
        assertEquals(numeric, total, 1e-6 * Math.max(1, Math.abs(numeric)), c + ": log|det J|");
    }

    /** Without guidance, reverse's log-likelihood of a sample is the model's log p(x | y) from forward. */
    @Property(tries = 25)
    void sampleLogLikelihoodIsTheModelsLikelihood(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int batch) {
        TarFlowModel m = randomModel(seed);
        SplittableRandom rng = new SplittableRandom(seed + 4);
        ModelConfig c = m.config();
        m.priorVar().fill(1.0);
        // start from the latent of a moderate x, so that the sample is that x (random weights can make the
        // samples of arbitrary noise explode)
        Tensor x = TestTensors.randn(DType.F64, rng, batch, c.numPatches(), c.patchDim());
        int[] y = randomLabels(m, batch, rng);
        ForwardResult r = m.forward(x, y);
        TarFlowModel.ReverseResult s = m.reverseSequence(r.z(), y, SamplingOptions.PLAIN);
        int n = c.numPatches() * c.patchDim();
        for (int i = 0; i < batch; i++) {
            double sq = 0;
            for (int j = 0; j < n; j++) {
                sq += r.z().get(i * n + j) * r.z().get(i * n + j);
            }
            double logp = -0.5 * sq - 0.5 * n * Math.log(2 * Math.PI) + r.logdetsTotal().get(i);
            assertEquals(logp, s.logLikelihood().get(i), 1e-9 * Math.max(1, Math.abs(logp)), c + ", sample " + i);
        }
    }

    /**
     * With guidance (any mode, either rule) and a non-unit prior variance the sampler is still an invertible map of the
     * noise e; its log-density is log N(e) - log|det dx/de|, with the Jacobian taken by central differences.
     */
    @Property(tries = 20)
    void guidedSampleLogLikelihoodMatchesTheJacobian(@ForAll long seed) {
        TarFlowModel m = randomModel(seed);
        SplittableRandom rng = new SplittableRandom(seed + 5);
        ModelConfig c = m.config();
        for (int i = 0; i < m.priorVar().size(); i++) {
            m.priorVar().set(i, 0.5 + rng.nextDouble());
        }
        String[] what = {"a", "b", "ab"};
        boolean starflow = rng.nextBoolean();
        SamplingOptions opts = new SamplingOptions(0.5 + 2 * rng.nextDouble(), starflow ? "ab" : what[rng.nextInt(3)],
                0.5 + rng.nextDouble(), rng.nextBoolean(), starflow ? GuidanceRule.STARFLOW : GuidanceRule.REFERENCE);
        Tensor noise = TestTensors.randn(DType.F64, rng, 1, c.numPatches(), c.patchDim());
        int[] y = randomLabels(m, 1, rng);
        double got = m.reverseSequence(noise, y, opts).logLikelihood().get(0);
        double logNoise = 0;
        for (int j = 0; j < noise.size(); j++) {
            logNoise += -0.5 * noise.get(j) * noise.get(j) - 0.5 * Math.log(2 * Math.PI);
        }
        double logDet = logAbsDet(jacobian(noise, e -> m.reverseSequence(e, y, opts).x()));
        double expected = logNoise - logDet;
        assertEquals(expected, got, 1e-6 * Math.max(1, Math.abs(expected)), c + " " + opts);
    }

    /**
     * In each block's own patch order the Jacobian is block lower-triangular with diagonal blocks that
     * are diagonal: output patch u does not depend on input patches after u, nor on other entries of
     * patch u. The entries that must vanish are checked to be exactly zero.
     */
    @Property(tries = 25)
    void eachBlockIsCausal(@ForAll long seed) {
        TarFlowModel m = randomModel(seed);
        SplittableRandom rng = new SplittableRandom(seed + 3);
        ModelConfig c = m.config();
        int t = c.numPatches();
        int d = c.patchDim();
        int[] y = randomLabels(m, 1, rng);
        for (TarFlowBlock block : m.blocks()) {
            Tensor x = TestTensors.randn(DType.F64, rng, 1, t, d);
            double[][] jac = jacobian(x, v -> block.forward(v, y, new Workspace(m.kernels())).output().out());
            for (int out = 0; out < t * d; out++) {
                for (int in = 0; in < t * d; in++) {
                    int u = order(block, out / d, t);
                    int s = order(block, in / d, t);
                    boolean mustVanish = s > u || (s == u && out % d != in % d);
                    if (mustVanish && jac[out][in] != 0.0) {
                        fail(c + ", " + block.permutation() + ": dz[" + out + "]/dx[" + in + "] = " + jac[out][in]);
                    }
                }
            }
        }
    }

    /** Position of natural patch index {@code p} in the block's processing order. */
    private static int order(TarFlowBlock block, int p, int t) {
        return block.permutation() == Permutation.IDENTITY ? p : t - 1 - p;
    }

    interface SeqFn {
        Tensor apply(Tensor x);
    }

    /** J[i][j] = d f(x)_i / d x_j by central differences, h = 1e-5. */
    static double[][] jacobian(Tensor x, SeqFn f) {
        int n = x.size();
        double h = 1e-5;
        double[][] jac = new double[f.apply(x).size()][n];
        for (int j = 0; j < n; j++) {
            double orig = x.get(j);
            x.set(j, orig + h);
            Tensor plus = f.apply(x).copy();
            x.set(j, orig - h);
            Tensor minus = f.apply(x).copy();
            x.set(j, orig);
            for (int i = 0; i < jac.length; i++) {
                jac[i][j] = (plus.get(i) - minus.get(i)) / (2 * h);
            }
        }
        return jac;
    }

    /** log|det A| by LU decomposition with partial pivoting. */
    static double logAbsDet(double[][] a0) {
        int n = a0.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) {
            a[i] = a0[i].clone();
        }
        double logdet = 0;
        for (int k = 0; k < n; k++) {
            int piv = k;
            for (int i = k + 1; i < n; i++) {
                if (Math.abs(a[i][k]) > Math.abs(a[piv][k])) {
                    piv = i;
                }
            }
            double[] tmp = a[k];
            a[k] = a[piv];
            a[piv] = tmp;
            double p = a[k][k];
            logdet += Math.log(Math.abs(p));
            for (int i = k + 1; i < n; i++) {
                double f = a[i][k] / p;
                for (int j = k; j < n; j++) {
                    a[i][j] -= f * a[k][j];
                }
            }
        }
        return logdet;
    }
}
