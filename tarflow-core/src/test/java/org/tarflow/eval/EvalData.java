package org.tarflow.eval;

import java.util.SplittableRandom;
import org.tarflow.data.ImageDataset;
import org.tarflow.flow.ModelConfig;
import org.tarflow.flow.TarFlowModel;
import org.tarflow.nn.Parameter;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Backends;

/** Small in-memory datasets for the evaluation tests. */
final class EvalData {
    private EvalData() {
    }

    /**
     * {@code n} images of side {@code size}, class c a bright vertical bar in column band c (of
     * {@code classes} bands) on a dark background, with noise: linearly separable by construction.
     */
    static ImageDataset bars(int n, int size, int classes, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] pixels = new byte[n * size * size];
        int[] labels = new int[n];
        int band = size / classes;
        for (int i = 0; i < n; i++) {
            int c = rng.nextInt(classes);
            labels[i] = c;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    boolean on = x / band == c;
                    pixels[(i * size + y) * size + x] = (byte) (on ? 180 + rng.nextInt(76) : rng.nextInt(60));
                }
            }
        }
        return new ImageDataset(pixels, labels, 1, size, size, classes);
    }

    /** A float64 model whose proj_out is entirely zero: every block predicts a = b = 0, so z = x and log|det| = 0. */
    static TarFlowModel identityFlow(ModelConfig config) {
        TarFlowModel m = new TarFlowModel(config, DType.F64, Backends.get("simd")).init(1);
        for (Parameter p : m.parameters()) {
            if (p.name().contains("proj_out")) {
                p.value().fill(0);
            }
        }
        return m;
    }
}
