package org.tarflow.eval;

import org.tribuo.math.la.DenseMatrix;

/**
 * The Fréchet distance between two Gaussians N(μ₁, Σ₁) and N(μ₂, Σ₂) (Dowson &amp; Landau 1982), the formula
 * behind FID (Heusel et al. 2017):
 * <pre>
 *   d² = |μ₁ − μ₂|² + tr(Σ₁) + tr(Σ₂) − 2 tr((Σ₁^½ Σ₂ Σ₁^½)^½)
 * </pre>
 * in squared feature units. {@code tr((Σ₁^½ Σ₂ Σ₁^½)^½)} equals the {@code tr((Σ₁Σ₂)^½)} of the FID code, but
 * its argument is symmetric positive semi-definite, so both square roots come from symmetric
 * eigendecompositions (Tribuo's {@link DenseMatrix#eigenDecomposition()}) with eigenvalues that rounding
 * made slightly negative set to zero.
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /**
     * {@return d² between the Gaussians with the moments of two feature sets}
     *
     * @param a the first set's moments (at least two vectors)
     * @param b the second set's, of the same dimension
     * @throws IllegalArgumentException on different dimensions
     * @throws IllegalStateException    if a set has fewer than two vectors or the eigendecomposition fails
     */
    public static double of(Moments a, Moments b) {
        return of(a.mean(), a.covariance(), b.mean(), b.covariance());
    }

    /**
     * The squared Fréchet distance between two Gaussians given by their moments.
     *
     * @param mu1    (d) mean of the first Gaussian
     * @param sigma1 (d, d) its covariance, symmetric positive semi-definite
     * @param mu2    (d) mean of the second
     * @param sigma2 (d, d) its covariance
     * @return the squared Fréchet distance, ≥ 0 (rounding can leave it a few ulps below)
     * @throws IllegalArgumentException on mismatched dimensions
     * @throws IllegalStateException    if the eigendecomposition fails (a matrix with NaN, say)
     */
    public static double of(double[] mu1, double[][] sigma1, double[] mu2, double[][] sigma2) {
        int d = mu1.length;
        if (mu2.length != d || sigma1.length != d || sigma2.length != d) {
            throw new IllegalArgumentException("means and covariances must all have dimension " + d);
        }
        double meanTerm = 0;
        double traces = 0;
        for (int i = 0; i < d; i++) {
            double diff = mu1[i] - mu2[i];
            meanTerm += diff * diff;
            traces += sigma1[i][i] + sigma2[i][i];
        }
        DenseMatrix s1 = DenseMatrix.createDenseMatrix(sigma1);
        DenseMatrix root1 = sqrtPsd(s1);
        DenseMatrix product = root1.matrixMultiply(DenseMatrix.createDenseMatrix(sigma2)).matrixMultiply(root1);
        double traceRoot = 0;
        for (double ev : eigenvalues(symmetrize(product))) {
            traceRoot += Math.sqrt(Math.max(0, ev));
        }
        return meanTerm + traces - 2 * traceRoot;
    }

    /** V·diag(√max(λ, 0))·Vᵀ for a symmetric positive semi-definite matrix. */
    static DenseMatrix sqrtPsd(DenseMatrix m) {
        DenseMatrix.EigenDecomposition e = decompose(m);
        DenseMatrix v = e.eigenvectors();
        int d = m.getDimension1Size();
        double[][] scaled = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                scaled[i][j] = v.get(i, j) * Math.sqrt(Math.max(0, e.eigenvalues().get(j)));
            }
        }
        return DenseMatrix.createDenseMatrix(scaled).matrixMultiply(v, false, true);
    }

    private static double[] eigenvalues(DenseMatrix m) {
        return decompose(m).eigenvalues().toArray();
    }

    private static DenseMatrix.EigenDecomposition decompose(DenseMatrix m) {
        return m.eigenDecomposition().orElseThrow(() ->
                new IllegalStateException("eigendecomposition failed (is a covariance matrix NaN or infinite?)"));
    }

    /** (M + Mᵀ)/2: removes the asymmetry that rounding leaves in a product that is symmetric in exact arithmetic. */
    private static DenseMatrix symmetrize(DenseMatrix m) {
        int d = m.getDimension1Size();
        double[][] s = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                s[i][j] = 0.5 * (m.get(i, j) + m.get(j, i));
            }
        }
        return DenseMatrix.createDenseMatrix(s);
    }
}
