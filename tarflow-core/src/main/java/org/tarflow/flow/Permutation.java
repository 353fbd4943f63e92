package org.tarflow.flow;

import org.tarflow.tensor.Tensor;
import org.tarflow.tensor.Workspace;

/**
 * The order in which a flow block reads the patch sequence (the reference's {@code PermutationIdentity}
 * and {@code PermutationFlip}). Block i uses {@link #IDENTITY} when i is even and {@link #FLIP} when i is
 * odd, so consecutive blocks condition in opposite directions. Both are their own inverse.
 */
public enum Permutation {
    /** Patch order unchanged. */
    IDENTITY,
    /** Patch order reversed ({@code x.flip(dims=[dim])}). */
    FLIP;

    /**
     * {@return the permutation block {@code i} of a model uses: {@link #IDENTITY} for even i, {@link #FLIP} for odd}
     *
     * @param i the block's index in the model, from 0
     */
    public static Permutation forBlock(int i) {
        return i % 2 == 0 ? IDENTITY : FLIP;
    }

    /**
     * Permutes {@code x} along dimension {@code dim}. {@link #IDENTITY} returns {@code x} itself (no
     * copy), so callers must not modify the result in place unless they copied it.
     *
     * @param x   the tensor, e.g. a sequence (B, T, D) with {@code dim = 1} or {@code pos_embed} (T, C)
     *            with {@code dim = 0}
     * @param dim the dimension whose order is permuted; the others keep theirs
     * @param ws  where the permuted copy is allocated
     * @return {@code x} itself for {@link #IDENTITY}, else a tensor of {@code ws} with the order along
     *         {@code dim} reversed
     */
    public Tensor apply(Tensor x, int dim, Workspace ws) {
        if (this == IDENTITY) {
            return x;
        }
        int[] shape = x.shape();
        int outer = 1;
        for (int i = 0; i < dim; i++) {
            outer *= shape[i];
        }
        int t = shape[dim];
        int inner = x.size() / Math.max(1, outer * t);
        Tensor out = ws.zerosLike(x);
        // out[o, i] = x[o, t - 1 - i]: read x from its last position backwards
        ws.kernels().copyStrided(x, (t - 1) * inner, new int[] {t * inner, -inner, 1}, out, 0,
                new int[] {t * inner, inner, 1}, new int[] {outer, t, inner});
        return out;
    }
}
