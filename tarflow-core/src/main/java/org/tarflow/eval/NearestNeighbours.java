package org.tarflow.eval;

import org.tarflow.data.ImageDataset;
import org.tarflow.tensor.DType;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.Tensor;

/**
 * The nearest training image of each query image in Euclidean (pixel) distance: the check that samples are
 * not copies of training images. Distances are reported as RMS per value on the [-1, 1] scale,
 * {@code ||q − t||₂ / √(C·H·W)}, so that 0 is an exact copy and 2 the largest possible distance.
 *
 * <p>The search ranks candidates by {@code |t|² − 2 q·t} with a float32 matrix product ({@link Kernels#gemm})
 * over chunks of the training set, then recomputes the two best distances exactly in double. Time is
 * proportional to queries × training images.
 */
public final class NearestNeighbours {
    private static final int CHUNK = 4096;

    private final ImageDataset train;
    private final Kernels kernels;
    private final int dim;

    /**
     * The search's answer.
     *
     * @param nearest       (N) index in the training set of each query's nearest image
     * @param distance      (N) RMS distance to it
     * @param secondNearest (N) RMS distance to the second-nearest training image (NaN with one training image)
     */
    public record Result(int[] nearest, double[] distance, double[] secondNearest) {
    }

    /**
     * A search over {@code train}.
     *
     * @param train   the training images (at least one)
     * @param kernels for the matrix products
     * @throws IllegalArgumentException if there are no training images
     */
    public NearestNeighbours(ImageDataset train, Kernels kernels) {
        if (train.size() == 0) {
            throw new IllegalArgumentException("no training images to search");
        }
        this.train = train;
        this.kernels = kernels;
        this.dim = train.imageSize();
    }

    /**
     * {@return each query's nearest and second-nearest training image}
     *
     * @param queries (N, C, H, W) in [-1, 1], shaped like the training images
     * @throws IllegalArgumentException on another image size
     */
    public Result search(Tensor queries) {
        int n = queries.dim(0);
        if (queries.size() != n * dim) {
            throw new IllegalArgumentException("expected queries of " + dim + " values each, got " + queries);
        }
        Tensor q = queries.dtype() == DType.F32 ? queries : queries.to(DType.F32);
        int[] best = new int[n];
        int[] second = new int[n];
        double[] bestScore = new double[n];
        double[] secondScore = new double[n];
        java.util.Arrays.fill(bestScore, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(secondScore, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(second, -1);
        for (int start = 0; start < train.size(); start += CHUNK) {
            int m = Math.min(CHUNK, train.size() - start);
            Tensor t = train.images(Indices.range(start, start + m), DType.F32);
            double[] norms = new double[m];
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int j = i * dim; j < (i + 1) * dim; j++) {
                    double v = t.get(j);
                    s += v * v;
                }
                norms[i] = s;
            }
            Tensor dots = Tensor.zeros(DType.F32, n, m);
            kernels.gemm(1, false, true, n, m, dim, 1.0, q, t, 0.0, dots);
            for (int a = 0; a < n; a++) {
                for (int i = 0; i < m; i++) {
                    double score = norms[i] - 2 * dots.get(a * m + i);
                    if (score < bestScore[a]) {
                        secondScore[a] = bestScore[a];
                        second[a] = best[a];
                        bestScore[a] = score;
                        best[a] = start + i;
                    } else if (score < secondScore[a]) {
                        secondScore[a] = score;
                        second[a] = start + i;
                    }
                }
            }
        }
        double[] d1 = new double[n];
        double[] d2 = new double[n];
        for (int a = 0; a < n; a++) {
            d1[a] = rms(queries, a, best[a]);
            d2[a] = second[a] < 0 ? Double.NaN : rms(queries, a, second[a]);
            if (d2[a] < d1[a]) { // float32 ranking can swap two near-ties; the exact distances decide
                double d = d1[a];
                d1[a] = d2[a];
                d2[a] = d;
                best[a] = second[a];
            }
        }
        return new Result(best, d1, d2);
    }

    /**
     * RMS distance, summed in double, between query {@code a} and training image {@code i} in the queries'
     * dtype (so that a query copied from the training set is at distance exactly 0).
     */
    private double rms(Tensor queries, int a, int i) {
        Tensor t = train.images(new int[] {i}, queries.dtype());
        double s = 0;
        for (int j = 0; j < dim; j++) {
            double d = queries.get(a * dim + j) - t.get(j);
            s += d * d;
        }
        return Math.sqrt(s / dim);
    }
}
