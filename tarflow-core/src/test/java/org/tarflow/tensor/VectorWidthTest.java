package org.tarflow.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import org.junit.jupiter.api.Test;

/**
 * The width override's parsing, on explicit preferred shapes so that it does not depend on this machine. (The
 * kernels at 128 and 256 bits are tested by the surefire executions that rerun KernelTwinProperties with
 * {@code -Dtarflow.vector.bits}, see pom.xml.)
 */
class VectorWidthTest {
    @Test
    void withoutThePropertyTheSpeciesAreThePreferredOnes() {
        assumeTrue(System.getProperty(VectorWidth.PROPERTY) == null, "run with -D" + VectorWidth.PROPERTY);
        // the same objects, so that the kernels compute exactly what they computed before the override existed
        assertSame(FloatVector.SPECIES_PREFERRED, VectorWidth.FLOAT);
        assertSame(DoubleVector.SPECIES_PREFERRED, VectorWidth.DOUBLE);
        assertSame(VectorShape.preferredShape(), VectorWidth.shape(null, VectorShape.preferredShape()));
    }

    @Test
    void aWidthUpToThePreferredOneIsTaken() {
        assertSame(VectorShape.S_128_BIT, VectorWidth.shape("128", VectorShape.S_512_BIT));
        assertSame(VectorShape.S_256_BIT, VectorWidth.shape(" 256 ", VectorShape.S_512_BIT));
        assertSame(VectorShape.S_512_BIT, VectorWidth.shape("512", VectorShape.S_512_BIT));
        assertSame(VectorShape.S_256_BIT, VectorWidth.shape("256", VectorShape.S_256_BIT));
    }

    @Test
    void anotherValueOrAWiderOneIsAnErrorNamingThePropertyAndTheAllowedValues() {
        IllegalStateException wider = assertThrows(IllegalStateException.class,
                () -> VectorWidth.shape("512", VectorShape.S_256_BIT));
        assertEquals("-Dtarflow.vector.bits must be 128 or 256 on this machine, whose preferred vector width is 256 "
                + "bits; got '512'", wider.getMessage());
        for (String bad : new String[] {"64", "1024", "384", "", "wide"}) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> VectorWidth.shape(bad, VectorShape.S_512_BIT), bad);
            assertTrue(e.getMessage().startsWith("-Dtarflow.vector.bits must be 128, 256 or 512 on this machine"),
                    e.getMessage());
        }
    }
}
