package org.tarflow.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** {@link ResizeCrop} on random shapes (odd sizes included) and target sides, shrinking and enlarging. */
class ResizeCropProperties {
    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    /**
     * Every output lies between the smallest and largest input of its channel (the triangle's weights are
     * non-negative and sum to one), and a constant channel stays that constant.
     */
    @Property(tries = 200)
    void staysWithinEachChannelsRangeAndKeepsConstants(@ForAll @IntRange(min = 1, max = 3) int c,
            @ForAll @IntRange(min = 1, max = 23) int h, @ForAll @IntRange(min = 1, max = 23) int w,
            @ForAll @IntRange(min = 1, max = 31) int size, @ForAll long seed) {
        byte[] in = random(c * h * w, seed);
        int constant = c - 1; // the last channel is constant
        java.util.Arrays.fill(in, constant * h * w, c * h * w, (byte) (seed & 0xff));
        byte[] out = ResizeCrop.apply(in, c, h, w, size);
        assertEquals(c * size * size, out.length);
        for (int ch = 0; ch < c; ch++) {
            int lo = 255, hi = 0;
            for (int i = ch * h * w; i < (ch + 1) * h * w; i++) {
                lo = Math.min(lo, in[i] & 0xff);
                hi = Math.max(hi, in[i] & 0xff);
            }
            for (int i = ch * size * size; i < (ch + 1) * size * size; i++) {
                int v = out[i] & 0xff;
                assertTrue(v >= lo && v <= hi, "channel " + ch + ": " + v + " outside [" + lo + ", " + hi + "]");
                if (ch == constant) {
                    assertEquals(lo, v, "a constant channel stays constant");
                }
            }
        }
    }

    /**
     * When the short side already is the target, nothing is resampled: the result is the centre crop, at
     * offsets rounded half to even (computed here with BigDecimal, not with the code's Math.rint).
     */
    @Property(tries = 200)
    void withTheShortSideAtTheTargetItIsTheCentreCrop(@ForAll @IntRange(min = 1, max = 3) int c,
            @ForAll @IntRange(min = 1, max = 17) int shortSide, @ForAll @IntRange(min = 0, max = 9) int extra,
            @ForAll boolean tall, @ForAll long seed) {
        int h = tall ? shortSide + extra : shortSide;
        int w = tall ? shortSide : shortSide + extra;
        byte[] in = random(c * h * w, seed);
        int top = BigDecimal.valueOf(h - shortSide).divide(BigDecimal.valueOf(2)).setScale(0, RoundingMode.HALF_EVEN)
                .intValueExact();
        int left = BigDecimal.valueOf(w - shortSide).divide(BigDecimal.valueOf(2)).setScale(0, RoundingMode.HALF_EVEN)
                .intValueExact();
        byte[] expected = new byte[c * shortSide * shortSide];
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < shortSide; y++) {
                for (int x = 0; x < shortSide; x++) {
                    expected[(ch * shortSide + y) * shortSide + x] = in[(ch * h + top + y) * w + left + x];
                }
            }
        }
        assertArrayEquals(expected, ResizeCrop.apply(in, c, h, w, shortSide));
    }

    /** Channels are resampled independently: swapping two input channels swaps the output channels. */
    @Property(tries = 100)
    void channelsAreIndependent(@ForAll @IntRange(min = 1, max = 19) int h, @ForAll @IntRange(min = 1, max = 19) int w,
            @ForAll @IntRange(min = 1, max = 25) int size, @ForAll long seed) {
        byte[] in = random(3 * h * w, seed);
        byte[] swapped = in.clone();
        System.arraycopy(in, 0, swapped, 2 * h * w, h * w);
        System.arraycopy(in, 2 * h * w, swapped, 0, h * w);
        byte[] a = ResizeCrop.apply(in, 3, h, w, size);
        byte[] b = ResizeCrop.apply(swapped, 3, h, w, size);
        int n = size * size;
        assertArrayEquals(java.util.Arrays.copyOfRange(a, 0, n), java.util.Arrays.copyOfRange(b, 2 * n, 3 * n));
        assertArrayEquals(java.util.Arrays.copyOfRange(a, n, 2 * n), java.util.Arrays.copyOfRange(b, n, 2 * n));
    }
}
