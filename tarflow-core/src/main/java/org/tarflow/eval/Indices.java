package org.tarflow.eval;

/** Index ranges for batching over datasets. */
public final class Indices {
    private Indices() {
    }

    /**
     * {@return {@code from, from + 1, ..., to − 1}}
     *
     * @param from the first index
     * @param to   one past the last
     */
    public static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
