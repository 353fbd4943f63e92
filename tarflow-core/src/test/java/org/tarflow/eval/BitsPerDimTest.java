package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tarflow.TestTensors;
import org.tarflow.flow.ForwardResult;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;

class BitsPerDimTest {
    /**
     * With proj_out entirely zero every block predicts a = b = 0, so the flow is the identity: z = x and
     * log|det| = 0, and bits/dim reduces to the Gaussian code length of x plus log2(128) per value.
     */
    @Test
    void identityFlowGivesTheGaussianCodeLength() {
        TarFlowModel m = EvalData.identityFlow(new ModelConfig(1, 4, 2, 64, 2, 1, true, 0));
        Tensor x = TestTensors.uniform(DType.F64, new SplittableRandom(2), -1, 1, 3, 1, 4, 4);
        ForwardResult r = m.forward(x, null);
        Tensor bpd = BitsPerDim.perSample(r);
        for (int b = 0; b < 3; b++) {
            double nats = 0;
            for (int j = 0; j < 16; j++) {
                double v = x.get(b * 16 + j);
                nats += 0.5 * v * v + 0.5 * Math.log(2 * Math.PI) + Math.log(128);
            }
            assertEquals(nats / 16 / Math.log(2), bpd.get(b), 1e-12);
        }
    }
}
