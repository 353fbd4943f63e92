package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.tarflow.data.ImageDataset;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;

class LikelihoodTest {
    /**
     * For the identity flow (proj_out zero: z = x, log|det| = 0) a pixel of byte value v dequantises to
     * w = (v + u)/128 − 1, so E_u[bits/dim] = Σ (½E[w²] + ½log 2π + log 128) / (n log 2) with
     * E[w²] = ((v + ½)/128 − 1)² + 1/(12·128²). Averaging K draws converges to it; a single draw is off by
     * the noise of one draw.
     */
    @Test
    void averagedDrawsConvergeToTheExpectedDequantisedCodeLength() {
        TarFlowModel m = EvalData.identityFlow(new ModelConfig(1, 8, 2, 64, 2, 1, true, 0));
        ImageDataset data = EvalData.bars(6, 8, 4, 3);
        double expected = 0;
        for (byte b : data.pixels()) {
            double v = b & 0xff;
            double w = (v + 0.5) / 128 - 1;
            expected += (0.5 * (w * w + 1.0 / (12 * 128 * 128)) + 0.5 * Math.log(2 * Math.PI) + Math.log(128)) / 64 / Math.log(2);
        }
        expected /= data.size();
        Likelihood.Result k64 = Likelihood.bitsPerDim(m, data, 4, true, 0, 64, null);
        Likelihood.Result k1 = Likelihood.bitsPerDim(m, data, 4, true, 0, null);
        // one draw of 6·64 values: sd of the mean about 2e-4 bits/dim; 64 draws: about 3e-5
        assertEquals(expected, k64.mean(), 2e-4);
        assertNotEquals(k1.mean(), k64.mean());
        assertEquals(expected, k1.mean(), 2e-3);
        assertEquals(6, k64.count());
    }

    /**
     * The bin centre: for the identity flow each pixel of byte value v scores at w = (v + ½)/128 − 1 exactly, so
     * bits/dim = Σ (½w² + ½log 2π + log 128) / (n log 2), the same for every seed.
     */
    @Test
    void midBinIsTheBinCentreWithoutRandomness() {
        TarFlowModel m = EvalData.identityFlow(new ModelConfig(1, 8, 2, 64, 2, 1, true, 0));
        ImageDataset data = EvalData.bars(6, 8, 4, 3);
        double expected = 0;
        for (byte b : data.pixels()) {
            double w = ((b & 0xff) + 0.5) / 128 - 1;
            expected += (0.5 * w * w + 0.5 * Math.log(2 * Math.PI) + Math.log(128)) / 64 / Math.log(2);
        }
        expected /= data.size();
        Likelihood.Result a = Likelihood.bitsPerDim(m, data, 4, true, Dequantization.MID, 0, 1, null);
        Likelihood.Result b = Likelihood.bitsPerDim(m, data, 5, true, Dequantization.MID, 99, 1, null);
        assertEquals(expected, a.mean(), 1e-12);
        assertEquals(a.mean(), b.mean(), 0.0);
        assertThrows(IllegalArgumentException.class,
                () -> Likelihood.bitsPerDim(m, data, 4, true, Dequantization.MID, 0, 2, null));
    }
}
