package org.tarflow.tensor;

import java.util.ArrayList;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species of every SIMD kernel ({@link SimdKernels}, {@link SimdGemm}, {@link VMath}), chosen once
 * per JVM: the machine's preferred shape, or the width the system property {@value #PROPERTY} asks for
 * ({@code 128}, {@code 256} or {@code 512} bits, at most the preferred width).
 *
 * <p>The override exists to test and measure the narrower code paths on a wide machine (the same kernels
 * with 4 or 8 float lanes instead of 16), and to run on a CPU that slows down its clock for wide vectors.
 * Results depend on the width (lane sums and tails fall differently), so a run is bit-reproducible only at
 * the same width; without the property the species is {@link FloatVector#SPECIES_PREFERRED} itself, the
 * same object the kernels used before the override existed.
 *
 * <p>The species are static finals, which C2 folds into the kernels as constants; that is why the choice
 * is a system property read once and not a runtime setting. A bad value fails the initialisation of this
 * class (an {@link ExceptionInInitializerError} whose cause is an {@link IllegalStateException} naming the
 * property and the allowed values), and so the first use of the SIMD kernels.
 */
final class VectorWidth {
    /** The system property that overrides the vector width, in bits. */
    static final String PROPERTY = "tarflow.vector.bits";

    private static final VectorShape SHAPE = shape(System.getProperty(PROPERTY), VectorShape.preferredShape());
    /** The float species of every float32 SIMD kernel. */
    static final VectorSpecies<Float> FLOAT = VectorSpecies.of(float.class, SHAPE);
    /** The double species of the float64 matrix product. */
    static final VectorSpecies<Double> DOUBLE = VectorSpecies.of(double.class, SHAPE);

    private VectorWidth() {
    }

    /**
     * The vector shape for a value of {@value #PROPERTY}.
     *
     * @param value     the property's value, or null when it is not set
     * @param preferred the machine's preferred shape, the default and the widest allowed
     * @return {@code preferred} when {@code value} is null or names its width, else the shape of that width
     * @throws IllegalStateException if {@code value} is not 128, 256 or 512, or is wider than {@code preferred}
     */
    static VectorShape shape(String value, VectorShape preferred) {
        if (value == null) {
            return preferred;
        }
        int widest = preferred.vectorBitSize();
        List<String> allowed = new ArrayList<>();
        for (int bits = 128; bits <= Math.min(512, widest); bits *= 2) {
            allowed.add(String.valueOf(bits));
        }
        String v = value.strip();
        if (!allowed.contains(v)) {
            String choices = allowed.isEmpty() ? "unset" : allowed.size() == 1 ? allowed.getFirst()
                    : String.join(", ", allowed.subList(0, allowed.size() - 1)) + " or " + allowed.getLast();
            throw new IllegalStateException("-D" + PROPERTY + " must be " + choices
                    + " on this machine, whose preferred vector width is " + widest + " bits; got '" + value + "'");
        }
        int bits = Integer.parseInt(v);
        return bits == widest ? preferred : VectorShape.forBitSize(bits);
    }

    /** {@return the float lane width in words, e.g. "512-bit float vectors", and the override if one is set} */
    static String describe() {
        String s = FLOAT.vectorBitSize() + "-bit float vectors";
        String value = System.getProperty(PROPERTY);
        return value == null ? s : s + " (-D" + PROPERTY + "=" + value.strip() + ")";
    }
}
