package org.tarflow.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.tarflow.TestTensors;
import org.tarflow.data.ImageDataset;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Backends;

class NearestNeighboursTest {
    @Test
    void copiesAreFoundAtDistanceZeroAndOthersMatchABruteForceSearch() {
        // more training images than one chunk of the search, so that chunks are merged
        ImageDataset train = EvalData.bars(5000, 8, 4, 1);
        Tensor copies = train.images(new int[] {17, 4321}, DType.F32);
        Tensor random = TestTensors.uniform(DType.F32, new SplittableRandom(2), -1, 1, 3, 1, 8, 8);
        Tensor queries = Tensor.zeros(DType.F32, 5, 1, 8, 8);
        for (int i = 0; i < 2 * 64; i++) {
            queries.set(i, copies.get(i));
        }
        for (int i = 0; i < 3 * 64; i++) {
            queries.set(2 * 64 + i, random.get(i));
        }
        NearestNeighbours.Result r = new NearestNeighbours(train, Backends.get("simd")).search(queries);
        assertEquals(0, r.distance()[0], 1e-12);
        assertEquals(0, r.distance()[1], 1e-12);
        Tensor all = train.images(Indices.range(0, train.size()), DType.F64);
        for (int q = 0; q < 5; q++) {
            double best = Double.POSITIVE_INFINITY;
            double second = Double.POSITIVE_INFINITY;
            for (int i = 0; i < train.size(); i++) {
                double s = 0;
                for (int j = 0; j < 64; j++) {
                    double d = queries.get(q * 64 + j) - all.get(i * 64 + j);
                    s += d * d;
                }
                double rms = Math.sqrt(s / 64);
                if (rms < best) {
                    second = best;
                    best = rms;
                } else if (rms < second) {
                    second = rms;
                }
            }
            assertEquals(best, r.distance()[q], 1e-6, "query " + q);
            assertEquals(second, r.secondNearest()[q], 1e-6, "query " + q);
        }
        // the copies' own indices (the bars data have no exact duplicates of these)
        assertEquals(17, r.nearest()[0]);
        assertEquals(4321, r.nearest()[1]);
    }
}
