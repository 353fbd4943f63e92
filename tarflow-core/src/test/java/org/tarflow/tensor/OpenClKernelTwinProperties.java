package org.tarflow.tensor;

import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.tarflow.OpenClTests;

/**
 * Every OpenCL kernel against its scalar twin ({@link KernelTwinChecks}) on random shapes, in float32 and, where
 * the device has {@code cl_khr_fp64}, float64: unlike the SIMD backend, every float64 kernel here is code of its
 * own. Skipped, with the reason, where there is no OpenCL device ({@link OpenClTests}).
 */
@AddLifecycleHook(OpenClKernelTwinProperties.SkipWithoutOpenCl.class)
class OpenClKernelTwinProperties extends KernelTwinChecks {

    @Override
    Kernels fast() {
        return OpenClTests.kernels();
    }

    @Override
    DType[] dtypes() {
        return ((OpenClKernels) fast()).device().fp64() ? DType.values() : new DType[] {DType.F32};
    }

    @Override
    boolean doubleExact() {
        return ((OpenClKernels) fast()).device().fp64();
    }

    /** Skips the class, saying why, when {@link OpenClTests#skipReason()} gives a reason. */
    static final class SkipWithoutOpenCl implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            String reason = OpenClTests.skipReason();
            return reason == null ? SkipResult.doNotSkip() : SkipResult.skip(reason);
        }
    }
}
