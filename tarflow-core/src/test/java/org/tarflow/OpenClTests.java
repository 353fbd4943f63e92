package org.tarflow;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.tarflow.tensor.Backends;
import org.tarflow.tensor.Kernels;
import org.tarflow.tensor.OpenClKernels;

/**
 * Whether the OpenCL tests can run here. They run on the device {@code --backend opencl} takes (0, or the one
 * {@code -Dtarflow.opencl.device=N} names, which Maven passes on to the tests) when there is one. Without one they are
 * skipped with the reason (the one line that says what to install), unless the environment variable
 * {@code TARFLOW_REQUIRE_OPENCL=1} is set (.ci/run sets it after installing POCL): then they fail, so CI can
 * never skip them silently.
 */
public final class OpenClTests {
    /** The environment variable under which a missing OpenCL device fails the OpenCL tests. */
    public static final String REQUIRE = "TARFLOW_REQUIRE_OPENCL";
    private static final String UNAVAILABLE = probe();

    private OpenClTests() {
    }

    private static String probe() {
        try {
            Backends.choose("opencl");
            return null;
        } catch (IllegalStateException | IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** {@return whether a missing device must fail the tests ({@value #REQUIRE}=1)} */
    public static boolean required() {
        return "1".equals(System.getenv(REQUIRE));
    }

    /**
     * {@return why the OpenCL tests are skipped, or null when they run} Null also when a device is missing but
     * required: the tests then run and fail on {@link #kernels()}.
     */
    public static String skipReason() {
        if (UNAVAILABLE == null || required()) {
            return null;
        }
        String reason = "OpenCL tests skipped (" + REQUIRE + " is not 1): " + UNAVAILABLE;
        System.err.println(reason);
        return reason;
    }

    /**
     * {@return the kernels on the OpenCL device of {@code --backend opencl}, after skipping the calling test with
     * the reason ({@link #skipReason()}) where there is none}
     */
    public static OpenClKernels assumeKernels() {
        String skip = skipReason();
        assumeTrue(skip == null, skip);
        return (OpenClKernels) kernels();
    }

    /**
     * {@return the kernels on the OpenCL device of {@code --backend opencl}}
     *
     * @throws IllegalStateException    if there is none, with the line that says what to install
     * @throws IllegalArgumentException if {@code -Dtarflow.opencl.device} names no device
     */
    public static Kernels kernels() {
        return Backends.get("opencl");
    }
}
