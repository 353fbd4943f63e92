package org.tarflow.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The backend names, and {@link Backends#auto()} in this JVM (started by surefire with the Vector API module and
 * C2) and in child JVMs started without the module, without C2, or with a bad vector width.
 */
class BackendsTest {
    private static final String WIDTH = VectorWidth.FLOAT.vectorBitSize() + "-bit float vectors";

    @Test
    void explicitNamesGiveTheirSharedKernels() {
        assertInstanceOf(SimdKernels.class, Backends.get("simd"));
        assertInstanceOf(ScalarKernels.class, Backends.get("scalar"));
        assertSame(Backends.get("simd"), Backends.get("simd"));
        assertSame(Backends.get("scalar"), Backends.get("scalar"));
        assertSame(Backends.auto().kernels(), Backends.get("auto"));
        assertEquals("scalar: requested by name", Backends.choose("scalar").reason());
        assertTrue(Backends.choose("simd").reason().startsWith("simd: requested by name, " + WIDTH),
                Backends.choose("simd").reason());
    }

    @Test
    void anUnknownNameIsAnErrorNamingTheAllowedOnes() {
        for (String name : new String[] {"SIMD", "Auto", "gpu", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.get(name));
            assertEquals("unknown backend '" + name + "': the names are simd, scalar, opencl and auto", e.getMessage());
        }
    }

    @Test
    void autoChoosesSimdHereAndSaysWhy() {
        Backends.Choice c = Backends.auto();
        assertInstanceOf(SimdKernels.class, c.kernels());
        assertTrue(c.reason().startsWith("simd: jdk.incubator.vector readable, C2 on, " + WIDTH), c.reason());
    }

    @Test
    void withoutTheVectorModuleAutoChoosesScalarAndSimdIsAClearError() throws Exception {
        List<String> out = child();
        assertEquals(List.of(
                "auto: scalar: the module jdk.incubator.vector is not readable (start java with --add-modules "
                        + "jdk.incubator.vector)",
                "auto: scalar: the module jdk.incubator.vector is not readable (start java with --add-modules "
                        + "jdk.incubator.vector)",
                "simd: IllegalStateException: the simd backend needs the module jdk.incubator.vector, which is not "
                        + "readable: start java with --add-modules jdk.incubator.vector",
                "scalar kernels: scalar"), out);
    }

    @Test
    void withoutC2AutoChoosesScalarAndSimdWarns() throws Exception {
        List<String> c1 = child("--add-modules=jdk.incubator.vector", "-XX:TieredStopAtLevel=1");
        assertEquals("auto: scalar: C2 is off (-XX:TieredStopAtLevel=1, C1 at most), and without it the Vector API "
                + "is slower than plain loops", c1.getFirst());
        assertTrue(c1.get(2).startsWith("simd: simd: requested by name, ")
                && c1.get(2).endsWith("; warning: C2 is off (-XX:TieredStopAtLevel=1, C1 at most), so the Vector API "
                + "runs slowly"), c1.get(2));
        List<String> interpreted = child("--add-modules=jdk.incubator.vector", "-Xint");
        assertEquals("auto: scalar: C2 is off (the interpreter only: -Xint or -XX:-UseCompiler), and without it the "
                + "Vector API is slower than plain loops", interpreted.getFirst());
    }

    @Test
    void aBadVectorWidthIsTheSameClearErrorOnEveryRequest() throws Exception {
        List<String> out = child("--add-modules=jdk.incubator.vector", "-Dtarflow.vector.bits=1024");
        String error = "IllegalStateException: -Dtarflow.vector.bits must be 128, 256 or 512 on this machine, whose "
                + "preferred vector width is ";
        assertTrue(out.get(0).startsWith("auto: " + error) && out.get(0).endsWith(" bits; got '1024'"), out.get(0));
        assertEquals(out.get(0), out.get(1));
        assertEquals(out.get(0).replace("auto: ", "simd: "), out.get(2));
        assertEquals("scalar kernels: scalar", out.get(3));
    }

    /** Runs {@link Child} in a new JVM with these options (and this JVM's class path); returns its output lines. */
    private static List<String> child(String... options) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), output);
        // the JVM's own notice about the incubator module is not ours
        return output.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
    }

    /** The child JVM: what auto() (twice), choose("simd") and get("scalar") give, one line each. */
    static final class Child {
        private Child() {
        }

        public static void main(String[] args) {
            for (String call : new String[] {"auto", "auto", "simd"}) {
                try {
                    System.out.println(call + ": " + Backends.choose(call).reason());
                } catch (RuntimeException e) {
                    System.out.println(call + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
                }
            }
            System.out.println("scalar kernels: " + Backends.get("scalar").name());
        }
    }
}
