package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tarflow.TestTensors;
import org.tarflow.data.ImageDataset;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.SamplingOptions;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Backends;

class BayesClassifierTest {
    /**
     * Class-conditional isotropic Gaussians with means m_c: log p(x | c) = −|x − m_c|²/2 + const, so Bayes'
     * rule picks the nearest mean; on the bar images with m_c the clean bar of class c it is always right.
     */
    @Test
    void gaussianClassConditionalsClassifyByTheNearestMean() {
        int size = 8;
        int classes = 4;
        ImageDataset data = EvalData.bars(50, size, classes, 5);
        int n = size * size;
        double[][] means = new double[classes][n];
        for (int c = 0; c < classes; c++) {
            for (int j = 0; j < n; j++) {
                means[c][j] = (j % size) / (size / classes) == c ? 0.7 : -0.8;
            }
        }
        BayesClassifier.ConditionalDensity gaussians = (x, y) -> {
            double[] out = new double[y.length];
            for (int i = 0; i < y.length; i++) {
                for (int j = 0; j < n; j++) {
                    double d = x.get(i * n + j) - means[y[i]][j];
                    out[i] -= 0.5 * d * d + 0.5 * Math.log(2 * Math.PI);
                }
            }
            return out;
        };
        BayesClassifier.Result r = BayesClassifier.classify(gaussians, data, List.of("a", "b", "c", "d"), 12,
                (idx, batch) -> data.images(idx, DType.F64), null);
        assertEquals(1.0, r.report().accuracy());
        assertArrayEquals(data.labels(), r.predicted());
        // the reported log-likelihoods are the density's, for every class
        Tensor x0 = data.images(new int[] {0}, DType.F64);
        for (int c = 0; c < classes; c++) {
            assertEquals(gaussians.logLikelihood(x0, new int[] {c})[0], r.logLikelihood()[0][c], 1e-12);
        }
    }

    /**
     * The flow's log p(x | y) from the forward pass equals the log-likelihood the inverse pass computes for
     * an unguided sample drawn with label y (a separate computation: prior density minus the log-scales applied).
     */
    @Test
    void flowDensityAgreesWithTheInversePass() {
        TarFlowModel m = new TarFlowModel(new ModelConfig(1, 8, 2, 64, 2, 1, true, 3), DType.F64, Backends.get("simd")).init(4);
        TestTensors.perturb(m.parameters(), 0.05, new SplittableRandom(6));
        Tensor noise = TestTensors.randn(DType.F64, new SplittableRandom(7), 3, 16, 4);
        int[] labels = {0, 2, 1};
        TarFlowModel.ReverseResult s = m.reverse(noise, labels, SamplingOptions.PLAIN);
        double[] forward = BayesClassifier.density(m).logLikelihood(s.x(), labels);
        for (int i = 0; i < 3; i++) {
            assertEquals(s.logLikelihood().get(i), forward[i], 1e-9 * Math.abs(forward[i]));
        }
    }

    @Test
    void modelClassificationRunsOverUnevenBatches() {
        TarFlowModel m = new TarFlowModel(new ModelConfig(1, 8, 2, 64, 1, 1, true, 4), DType.F32, Backends.get("simd")).init(4);
        ImageDataset data = EvalData.bars(7, 8, 4, 8);
        int[] seen = {0};
        BayesClassifier.Result r = BayesClassifier.classify(m, data, List.of("a", "b", "c", "d"), 12, 0, done -> seen[0] = done);
        assertEquals(7, seen[0]);
        assertEquals(7, r.predicted().length);
        for (int i = 0; i < 7; i++) {
            double best = Double.NEGATIVE_INFINITY;
            for (double v : r.logLikelihood()[i]) {
                best = Math.max(best, v);
            }
            assertEquals(best, r.logLikelihood()[i][r.predicted()[i]]);
        }
    }
}
