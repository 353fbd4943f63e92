package org.tarflow.tensor;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one place that chooses the compute kernels: by name, or from what this JVM offers (in the spirit of
 * Lucene's {@code VectorizationProvider}). Everything outside this package obtains its {@link Kernels}
 * here instead of naming an implementation.
 *
 * <p>The names are {@code simd} ({@link SimdKernels}: Vector API loops, the large products on all cores),
 * {@code scalar} ({@link ScalarKernels}: plain loops on one thread, the twins the fast kernels are tested
 * against), {@code opencl} ({@link OpenClKernels} on OpenCL device 0, or on the device {@code -Dtarflow.opencl.device=N}
 * names; {@link #openCl(int)} takes one by index) and
 * {@code auto}, which never picks {@code opencl} and is {@code simd} when both
 * <ul>
 *   <li>the module {@code jdk.incubator.vector} is in the boot layer and readable by this code, i.e. java
 *       was started with {@code --add-modules jdk.incubator.vector}: without it the SIMD kernels cannot
 *       even be loaded; and</li>
 *   <li>C2 is enabled: the Vector API is fast only where C2 compiles it into vector instructions; the
 *       interpreter and C1 run it as objects, far slower than plain loops. C2 counts as off under
 *       {@code -Xint} or {@code -XX:-UseCompiler}, with {@code -XX:TieredStopAtLevel} below 4 while tiered
 *       compilation is on, and with {@code -XX:CompilationMode=quick-only}; these are read from the
 *       HotSpot diagnostic bean, and a JVM without one is assumed to have an optimising compiler,</li>
 * </ul>
 * and {@code scalar} otherwise. The SIMD kernels' vector width is the machine's preferred one unless
 * {@code -Dtarflow.vector.bits=128|256|512} narrows it.
 *
 * <p>Kernels hold no state (the threads are the process-wide {@link Parallel} pool), so each name has one
 * shared instance, created on first use.
 */
public final class Backends {
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    /** The system property that picks the device of {@code opencl} by its index in {@link OpenCl#devices()}. */
    public static final String OPENCL_DEVICE = "tarflow.opencl.device";
    private static final Kernels SCALAR = new ScalarKernels();
    /** The OpenCL kernels by device index: a context and compiled programs per device, made once. */
    private static final Map<Integer, OpenClKernels> OPENCL = new HashMap<>();

    private Backends() {
    }

    /**
     * A choice of kernels and why they were chosen.
     *
     * @param kernels the kernels
     * @param reason  one line for logs, starting with the backend's name, e.g. {@code simd: jdk.incubator.vector
     *                readable, C2 on, 512-bit float vectors} or {@code scalar: the module jdk.incubator.vector
     *                is not readable (start java with --add-modules jdk.incubator.vector)}
     */
    public record Choice(Kernels kernels, String reason) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if either is null
         */
        public Choice {
            Objects.requireNonNull(kernels, "kernels");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * {@return the kernels of a name} {@code auto} gives {@link #auto()}'s choice.
     *
     * @param name {@code simd}, {@code scalar}, {@code opencl} or {@code auto} (case-sensitive)
     * @throws IllegalArgumentException if the name is none of those; for {@code opencl} when
     *                                  {@code -Dtarflow.opencl.device} is not a whole number or no device's index
     * @throws IllegalStateException    for {@code simd} (or an {@code auto} that chooses it) when the module
     *                                  {@code jdk.incubator.vector} is not readable, or when
     *                                  {@code -Dtarflow.vector.bits} has a value this machine cannot take;
     *                                  for {@code opencl} as {@link #openCl(int)}
     */
    public static Kernels get(String name) {
        return choose(name).kernels();
    }

    /**
     * {@return the kernels of a name, with the one line that says why} For {@code auto} this is {@link #auto()};
     * for an explicit name the line says so, and for {@code simd} it gives the vector width and warns when C2
     * is off (the kernels then work, but slowly).
     *
     * @param name {@code simd}, {@code scalar}, {@code opencl} or {@code auto} (case-sensitive)
     * @throws IllegalArgumentException as {@link #get}
     * @throws IllegalStateException    as {@link #get}
     */
    public static Choice choose(String name) {
        return switch (name) {
            case "auto" -> auto();
            case "scalar" -> new Choice(SCALAR, "scalar: requested by name");
            case "simd" -> {
                String c2Off = c2Off();
                Kernels simd = simd();
                yield new Choice(simd, "simd: requested by name, " + VectorWidth.describe()
                        + (c2Off == null ? "" : "; warning: C2 is off (" + c2Off + "), so the Vector API runs slowly"));
            }
            case "opencl" -> openCl(defaultDevice());
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': the names are simd, scalar, "
                    + "opencl and auto");
        };
    }

    /**
     * {@return the device {@code -Dtarflow.opencl.device} names, 0 without it}
     *
     * @throws IllegalArgumentException if the property is set but is not a whole number
     */
    public static int defaultDevice() {
        String value = System.getProperty(OPENCL_DEVICE);
        if (value == null) {
            return 0;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + OPENCL_DEVICE + " must be a device index ('tarflow devices' "
                    + "lists them), got '" + value + "'");
        }
    }

    /**
     * {@return the OpenCL kernels on one device, with the line that names it} The first request for a device opens
     * its context; its programs are built at the first kernel call in each dtype.
     *
     * @param device an index into {@link OpenCl#devices()}, as {@code tarflow devices} lists them
     * @throws IllegalArgumentException if there is no such device; the message lists the devices there are
     * @throws IllegalStateException    if there is no OpenCL library or device (the message says what to
     *                                  install), or OpenCL fails to open the device
     */
    public static synchronized Choice openCl(int device) {
        OpenClKernels k = OPENCL.get(device);
        if (k == null) {
            List<OpenCl.Device> devices = OpenCl.devices();
            if (device < 0 || device >= devices.size()) {
                StringBuilder list = new StringBuilder();
                for (OpenCl.Device d : devices) {
                    list.append(list.isEmpty() ? "" : "; ").append(d.describe());
                }
                throw new IllegalArgumentException("no OpenCL device " + device + ": the devices are " + list);
            }
            k = new OpenClKernels(devices.get(device));
            OPENCL.put(device, k);
        }
        return new Choice(k, "opencl: device " + k.device().describe());
    }

    /**
     * {@return the best kernels for this JVM and why} {@code simd} when the module {@code jdk.incubator.vector}
     * is readable and C2 is on, else {@code scalar}; see the class description.
     *
     * @throws IllegalStateException when it would choose {@code simd} but {@code -Dtarflow.vector.bits} has a
     *                               value this machine cannot take (a setting to fix, not to work around)
     */
    public static Choice auto() {
        if (!vectorModuleReadable()) {
            return new Choice(SCALAR, "scalar: the module " + VECTOR_MODULE + " is not readable (start java with "
                    + "--add-modules " + VECTOR_MODULE + ")");
        }
        String c2Off = c2Off();
        if (c2Off != null) {
            return new Choice(SCALAR, "scalar: C2 is off (" + c2Off + "), and without it the Vector API is slower "
                    + "than plain loops");
        }
        Kernels simd = simd();
        return new Choice(simd, "simd: " + VECTOR_MODULE + " readable, C2 on, " + VectorWidth.describe());
    }

    /** Whether the Vector API module is in the boot layer and this code's module reads it. */
    private static boolean vectorModuleReadable() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).map(Backends.class.getModule()::canRead).orElse(false);
    }

    /**
     * {@return why C2 is off, e.g. {@code -XX:TieredStopAtLevel=1}, or null when it is on} Also null on a JVM
     * without HotSpot's diagnostic bean or options, whose compilers cannot be asked.
     */
    private static String c2Off() {
        HotSpotDiagnosticMXBean hotSpot;
        try {
            hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        } catch (IllegalArgumentException | LinkageError notHotSpot) {
            return null;
        }
        if (hotSpot == null) {
            return null;
        }
        try {
            if (!Boolean.parseBoolean(hotSpot.getVMOption("UseCompiler").getValue())) {
                return "the interpreter only: -Xint or -XX:-UseCompiler";
            }
            boolean tiered = Boolean.parseBoolean(hotSpot.getVMOption("TieredCompilation").getValue());
            int stopAt = Integer.parseInt(hotSpot.getVMOption("TieredStopAtLevel").getValue());
            if (tiered && stopAt < 4) {
                return "-XX:TieredStopAtLevel=" + stopAt + ", C1 at most";
            }
            if (hotSpot.getVMOption("CompilationMode").getValue().equals("quick-only")) {
                return "-XX:CompilationMode=quick-only, C1 only";
            }
            return null;
        } catch (IllegalArgumentException unknownOption) {
            // a HotSpot build without one of these options (NumberFormatException is one too)
            return null;
        }
    }

    /**
     * {@return the shared SIMD kernels}
     *
     * @throws IllegalStateException if the Vector API module is not readable, or the vector width cannot be had
     */
    private static Kernels simd() {
        if (!vectorModuleReadable()) {
            throw new IllegalStateException("the simd backend needs the module " + VECTOR_MODULE
                    + ", which is not readable: start java with --add-modules " + VECTOR_MODULE);
        }
        if (Simd.FAILURE != null) {
            throw new IllegalStateException(Simd.FAILURE.getMessage(), Simd.FAILURE);
        }
        return Simd.KERNELS;
    }

    /**
     * Holds the SIMD kernels. A class of its own, initialised only once the module is known to be readable,
     * so that {@link Backends} loads and works without the Vector API (its classes would not be found).
     * A failure of the species' initialisation (a bad {@code -Dtarflow.vector.bits}) is kept and rethrown on
     * every request, where a failed class initialisation would give the message once and then only
     * "Could not initialize class".
     */
    private static final class Simd {
        static final Kernels KERNELS;
        static final Throwable FAILURE;

        static {
            Kernels kernels = null;
            Throwable failure = null;
            try {
                kernels = new SimdKernels();
            } catch (ExceptionInInitializerError e) {
                failure = e.getCause() != null ? e.getCause() : e;
            }
            KERNELS = kernels;
            FAILURE = failure;
        }

        private Simd() {
        }
    }
}
