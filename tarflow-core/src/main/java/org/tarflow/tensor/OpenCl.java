package org.tarflow.tensor;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The OpenCL 1.2 calls {@link OpenClKernels} uses, as Foreign Function &amp; Memory downcalls into the system's
 * OpenCL library ({@code libOpenCL.so.1}, the ICD loader that dispatches to the installed drivers: POCL, NVIDIA's,
 * AMD's, Intel's). Nothing else of OpenCL is bound. Every call checks its status and throws
 * {@link IllegalStateException} naming the call and the status ({@code clBuildProgram: CL_BUILD_PROGRAM_FAILURE
 * (-11)}).
 *
 * <p>Handles ({@code cl_context}, {@code cl_mem}, ...) are plain {@link MemorySegment} addresses; their owner
 * releases them. The three calls that copy between a Java array and a buffer ({@link #createBuffer},
 * {@link #readBuffer}, {@link #writeBuffer}) are critical downcalls with heap access, so the array is read in place (no staging
 * copy); they are blocking copies that do not call back into Java, which is what a critical call may do.
 *
 * <p>Loading: the library is looked up once, at first use. When it is absent, or it finds no platform, every
 * call throws {@link IllegalStateException} with {@link #INSTALL_HINT} in its one-line message.
 */
public final class OpenCl {
    /** What to install when there is no OpenCL library or device; part of every such error message. */
    public static final String INSTALL_HINT = "install an OpenCL driver, e.g. on Debian/Ubuntu "
            + "'apt-get install ocl-icd-libopencl1 pocl-opencl-icd' (POCL, a CPU device), or a GPU vendor's driver";

    static final int CL_SUCCESS = 0;
    static final int CL_TRUE = 1;
    static final long CL_DEVICE_TYPE_ALL = 0xFFFFFFFFL;
    static final long CL_MEM_READ_WRITE = 1;
    static final long CL_MEM_COPY_HOST_PTR = 1 << 5;
    static final int CL_PLATFORM_NAME = 0x0902;
    static final int CL_PLATFORM_VERSION = 0x0901;
    static final int CL_DEVICE_TYPE = 0x1000;
    static final int CL_DEVICE_MAX_COMPUTE_UNITS = 0x1002;
    static final int CL_DEVICE_GLOBAL_MEM_SIZE = 0x101F;
    static final int CL_DEVICE_NAME = 0x102B;
    static final int CL_DEVICE_VENDOR = 0x102C;
    static final int CL_DEVICE_VERSION = 0x102F;
    static final int CL_DEVICE_EXTENSIONS = 0x1030;
    static final int CL_PROGRAM_BUILD_LOG = 0x1183;

    /** The names of the status codes of OpenCL 3.0's cl.h (and the ICD loader's -1001). */
    private static final Map<Integer, String> ERRORS = Map.ofEntries(
            Map.entry(0, "CL_SUCCESS"), Map.entry(-1, "CL_DEVICE_NOT_FOUND"), Map.entry(-2, "CL_DEVICE_NOT_AVAILABLE"),
            Map.entry(-3, "CL_COMPILER_NOT_AVAILABLE"), Map.entry(-4, "CL_MEM_OBJECT_ALLOCATION_FAILURE"),
            Map.entry(-5, "CL_OUT_OF_RESOURCES"), Map.entry(-6, "CL_OUT_OF_HOST_MEMORY"),
            Map.entry(-7, "CL_PROFILING_INFO_NOT_AVAILABLE"), Map.entry(-8, "CL_MEM_COPY_OVERLAP"),
            Map.entry(-9, "CL_IMAGE_FORMAT_MISMATCH"), Map.entry(-10, "CL_IMAGE_FORMAT_NOT_SUPPORTED"),
            Map.entry(-11, "CL_BUILD_PROGRAM_FAILURE"), Map.entry(-12, "CL_MAP_FAILURE"),
            Map.entry(-13, "CL_MISALIGNED_SUB_BUFFER_OFFSET"),
            Map.entry(-14, "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST"),
            Map.entry(-15, "CL_COMPILE_PROGRAM_FAILURE"), Map.entry(-16, "CL_LINKER_NOT_AVAILABLE"),
            Map.entry(-17, "CL_LINK_PROGRAM_FAILURE"), Map.entry(-18, "CL_DEVICE_PARTITION_FAILED"),
            Map.entry(-19, "CL_KERNEL_ARG_INFO_NOT_AVAILABLE"), Map.entry(-30, "CL_INVALID_VALUE"),
            Map.entry(-31, "CL_INVALID_DEVICE_TYPE"), Map.entry(-32, "CL_INVALID_PLATFORM"),
            Map.entry(-33, "CL_INVALID_DEVICE"), Map.entry(-34, "CL_INVALID_CONTEXT"),
            Map.entry(-35, "CL_INVALID_QUEUE_PROPERTIES"), Map.entry(-36, "CL_INVALID_COMMAND_QUEUE"),
            Map.entry(-37, "CL_INVALID_HOST_PTR"), Map.entry(-38, "CL_INVALID_MEM_OBJECT"),
            Map.entry(-39, "CL_INVALID_IMAGE_FORMAT_DESCRIPTOR"), Map.entry(-40, "CL_INVALID_IMAGE_SIZE"),
            Map.entry(-41, "CL_INVALID_SAMPLER"), Map.entry(-42, "CL_INVALID_BINARY"),
            Map.entry(-43, "CL_INVALID_BUILD_OPTIONS"), Map.entry(-44, "CL_INVALID_PROGRAM"),
            Map.entry(-45, "CL_INVALID_PROGRAM_EXECUTABLE"), Map.entry(-46, "CL_INVALID_KERNEL_NAME"),
            Map.entry(-47, "CL_INVALID_KERNEL_DEFINITION"), Map.entry(-48, "CL_INVALID_KERNEL"),
            Map.entry(-49, "CL_INVALID_ARG_INDEX"), Map.entry(-50, "CL_INVALID_ARG_VALUE"),
            Map.entry(-51, "CL_INVALID_ARG_SIZE"), Map.entry(-52, "CL_INVALID_KERNEL_ARGS"),
            Map.entry(-53, "CL_INVALID_WORK_DIMENSION"), Map.entry(-54, "CL_INVALID_WORK_GROUP_SIZE"),
            Map.entry(-55, "CL_INVALID_WORK_ITEM_SIZE"), Map.entry(-56, "CL_INVALID_GLOBAL_OFFSET"),
            Map.entry(-57, "CL_INVALID_EVENT_WAIT_LIST"), Map.entry(-58, "CL_INVALID_EVENT"),
            Map.entry(-59, "CL_INVALID_OPERATION"), Map.entry(-60, "CL_INVALID_GL_OBJECT"),
            Map.entry(-61, "CL_INVALID_BUFFER_SIZE"), Map.entry(-62, "CL_INVALID_MIP_LEVEL"),
            Map.entry(-63, "CL_INVALID_GLOBAL_WORK_SIZE"), Map.entry(-64, "CL_INVALID_PROPERTY"),
            Map.entry(-65, "CL_INVALID_IMAGE_DESCRIPTOR"), Map.entry(-66, "CL_INVALID_COMPILER_OPTIONS"),
            Map.entry(-67, "CL_INVALID_LINKER_OPTIONS"), Map.entry(-68, "CL_INVALID_DEVICE_PARTITION_COUNT"),
            Map.entry(-69, "CL_INVALID_PIPE_SIZE"), Map.entry(-70, "CL_INVALID_DEVICE_QUEUE"),
            Map.entry(-71, "CL_INVALID_SPEC_ID"), Map.entry(-72, "CL_MAX_SIZE_RESTRICTION_EXCEEDED"),
            Map.entry(-1001, "CL_PLATFORM_NOT_FOUND_KHR"));

    private OpenCl() {
    }

    /**
     * One OpenCL device, as {@code tarflow devices} lists it.
     *
     * @param index           its place in the list of all devices of all platforms (the {@code --device} number)
     * @param platform        the platform's handle
     * @param id              the device's handle
     * @param platformName    the platform's name, e.g. {@code Portable Computing Language}
     * @param platformVersion the platform's OpenCL version string, e.g. {@code OpenCL 3.0 PoCL 5.0 ...}
     * @param name            the device's name
     * @param vendor          the device's vendor, e.g. {@code AuthenticAMD} or {@code NVIDIA Corporation}
     * @param version         the device's OpenCL version string
     * @param type            {@code CPU}, {@code GPU}, {@code ACCELERATOR} or {@code OTHER}
     * @param computeUnits    its parallel compute units
     * @param globalMemBytes  its global memory in bytes
     * @param fp64            whether it has {@code cl_khr_fp64} (float64 kernels)
     */
    public record Device(int index, MemorySegment platform, MemorySegment id, String platformName,
                         String platformVersion, String name, String vendor, String version, String type,
                         int computeUnits, long globalMemBytes, boolean fp64) {
        /**
         * {@return one line: index, type, name, vendor, version, compute units, global memory in MiB, fp64} The
         * platform is left out: {@code tarflow devices} prints it above its devices, and the backend's log line
         * does not need it.
         */
        public String describe() {
            return String.format("%d: %s %s (vendor %s; %s; %d compute units; %d MiB global memory; %s)", index,
                    type, name, vendor, version, computeUnits, globalMemBytes >> 20,
                    fp64 ? "fp64" : "no fp64: float32 only");
        }
    }

    /**
     * {@return every device of every platform, numbered in that order}
     *
     * @throws IllegalStateException if there is no OpenCL library or no platform ({@link #INSTALL_HINT})
     */
    public static List<Device> devices() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            int st = (int) call(H.getPlatformIDs, 0, MemorySegment.NULL, count);
            if (st == -1001 || st == CL_SUCCESS && count.get(JAVA_INT, 0) == 0) {
                throw new IllegalStateException("OpenCL: no platform found: " + INSTALL_HINT);
            }
            check("clGetPlatformIDs", st);
            int np = count.get(JAVA_INT, 0);
            MemorySegment platforms = arena.allocate(ADDRESS, np);
            check("clGetPlatformIDs", (int) call(H.getPlatformIDs, np, platforms, MemorySegment.NULL));
            List<Device> out = new ArrayList<>();
            for (int p = 0; p < np; p++) {
                MemorySegment platform = platforms.getAtIndex(ADDRESS, p);
                String platformName = platformString(platform, CL_PLATFORM_NAME);
                String platformVersion = platformString(platform, CL_PLATFORM_VERSION);
                int st2 = (int) call(H.getDeviceIDs, platform, CL_DEVICE_TYPE_ALL, 0, MemorySegment.NULL, count);
                if (st2 == -1) {
                    continue; // CL_DEVICE_NOT_FOUND: a platform without devices
                }
                check("clGetDeviceIDs", st2);
                int nd = count.get(JAVA_INT, 0);
                MemorySegment ids = arena.allocate(ADDRESS, nd);
                check("clGetDeviceIDs", (int) call(H.getDeviceIDs, platform, CL_DEVICE_TYPE_ALL, nd, ids,
                        MemorySegment.NULL));
                for (int d = 0; d < nd; d++) {
                    MemorySegment id = ids.getAtIndex(ADDRESS, d);
                    long type = deviceLong(id, CL_DEVICE_TYPE);
                    out.add(new Device(out.size(), platform, id, platformName, platformVersion,
                            deviceString(id, CL_DEVICE_NAME), deviceString(id, CL_DEVICE_VENDOR),
                            deviceString(id, CL_DEVICE_VERSION), typeName(type),
                            (int) deviceLong(id, CL_DEVICE_MAX_COMPUTE_UNITS),
                            deviceLong(id, CL_DEVICE_GLOBAL_MEM_SIZE),
                            (" " + deviceString(id, CL_DEVICE_EXTENSIONS) + " ").contains(" cl_khr_fp64 ")));
                }
            }
            if (out.isEmpty()) {
                throw new IllegalStateException("OpenCL: no device found: " + INSTALL_HINT);
            }
            return out;
        }
    }

    private static String typeName(long type) {
        if ((type & 4) != 0) {
            return "GPU";
        }
        if ((type & 2) != 0) {
            return "CPU";
        }
        return (type & 8) != 0 ? "ACCELERATOR" : "OTHER";
    }

    /** {@return the name of an OpenCL status code, e.g. {@code CL_INVALID_VALUE (-30)}} */
    static String errorName(int status) {
        return ERRORS.getOrDefault(status, "unknown OpenCL status") + " (" + status + ")";
    }

    /** Throws unless {@code status} is {@code CL_SUCCESS}. */
    static void check(String function, int status) {
        if (status != CL_SUCCESS) {
            throw new IllegalStateException(function + ": " + errorName(status));
        }
    }

    private static String platformString(MemorySegment platform, int param) {
        return infoString(H.getPlatformInfo, "clGetPlatformInfo", platform, param);
    }

    private static String deviceString(MemorySegment device, int param) {
        return infoString(H.getDeviceInfo, "clGetDeviceInfo", device, param);
    }

    private static String infoString(MethodHandle h, String function, MemorySegment obj, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(JAVA_LONG);
            check(function, (int) call(h, obj, param, 0L, MemorySegment.NULL, size));
            MemorySegment buf = arena.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
            check(function, (int) call(h, obj, param, buf.byteSize(), buf, MemorySegment.NULL));
            return buf.getString(0, StandardCharsets.UTF_8).trim();
        }
    }

    /** Reads a device property of up to 8 bytes (cl_uint, cl_ulong, size_t, bitfields), zero-extended. */
    private static long deviceLong(MemorySegment device, int param) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_LONG);
            check("clGetDeviceInfo", (int) call(H.getDeviceInfo, device, param, 8L, v, MemorySegment.NULL));
            return v.get(JAVA_LONG, 0);
        }
    }

    /** {@return a new context on one device} */
    static MemorySegment createContext(MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment ids = arena.allocateFrom(ADDRESS, device);
            MemorySegment ctx = (MemorySegment) call(H.createContext, MemorySegment.NULL, 1, ids, MemorySegment.NULL,
                    MemorySegment.NULL, err);
            check("clCreateContext", err.get(JAVA_INT, 0));
            return ctx;
        }
    }

    /** {@return a new in-order command queue} */
    static MemorySegment createQueue(MemorySegment context, MemorySegment device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment q = (MemorySegment) call(H.createCommandQueue, context, device, 0L, err);
            check("clCreateCommandQueue", err.get(JAVA_INT, 0));
            return q;
        }
    }

    /**
     * {@return a program built from source for one device}
     *
     * @throws IllegalStateException on a build failure, with the compiler's log as the message
     */
    static MemorySegment buildProgram(MemorySegment context, MemorySegment device, String source, String options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment src = arena.allocateFrom(ADDRESS, arena.allocateFrom(source));
            MemorySegment program = (MemorySegment) call(H.createProgramWithSource, context, 1, src,
                    MemorySegment.NULL, err);
            check("clCreateProgramWithSource", err.get(JAVA_INT, 0));
            int st = (int) call(H.buildProgram, program, 1, arena.allocateFrom(ADDRESS, device),
                    arena.allocateFrom(options), MemorySegment.NULL, MemorySegment.NULL);
            if (st != CL_SUCCESS) {
                MemorySegment size = arena.allocate(JAVA_LONG);
                call(H.getProgramBuildInfo, program, device, CL_PROGRAM_BUILD_LOG, 0L, MemorySegment.NULL, size);
                MemorySegment log = arena.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
                call(H.getProgramBuildInfo, program, device, CL_PROGRAM_BUILD_LOG, log.byteSize(), log,
                        MemorySegment.NULL);
                release(H.releaseProgram, program);
                throw new IllegalStateException("clBuildProgram (" + options + "): " + errorName(st) + "\n"
                        + log.getString(0, StandardCharsets.UTF_8).trim());
            }
            return program;
        }
    }

    /** {@return a kernel of a built program} */
    static MemorySegment createKernel(MemorySegment program, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment k = (MemorySegment) call(H.createKernel, program, arena.allocateFrom(name), err);
            check("clCreateKernel " + name, err.get(JAVA_INT, 0));
            return k;
        }
    }

    /**
     * {@return a new buffer of {@code bytes} bytes, filled from {@code host} when it is not null}
     *
     * @param host a heap or native segment of at least {@code bytes} bytes, or null for an uninitialised buffer
     */
    static MemorySegment createBuffer(MemorySegment context, long bytes, MemorySegment host) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment err = arena.allocate(JAVA_INT);
            MemorySegment mem = (MemorySegment) call(H.createBuffer, context,
                    CL_MEM_READ_WRITE | (host == null ? 0 : CL_MEM_COPY_HOST_PTR), bytes,
                    host == null ? MemorySegment.NULL : host, err);
            check("clCreateBuffer", err.get(JAVA_INT, 0));
            return mem;
        }
    }

    /** Copies the first {@code host.byteSize()} bytes of a buffer into {@code host} and waits for the copy. */
    static void readBuffer(MemorySegment queue, MemorySegment mem, MemorySegment host) {
        check("clEnqueueReadBuffer", (int) call(H.enqueueReadBuffer, queue, mem, CL_TRUE, 0L, host.byteSize(), host,
                0, MemorySegment.NULL, MemorySegment.NULL));
    }

    /** Copies {@code host} into the first {@code host.byteSize()} bytes of a buffer and waits for the copy. */
    static void writeBuffer(MemorySegment queue, MemorySegment mem, MemorySegment host) {
        check("clEnqueueWriteBuffer", (int) call(H.enqueueWriteBuffer, queue, mem, CL_TRUE, 0L, host.byteSize(),
                host, 0, MemorySegment.NULL, MemorySegment.NULL));
    }

    /**
     * Enqueues filling the first {@code bytes} bytes of a buffer with copies of {@code pattern} (one element's
     * bytes); does not wait (the queue is in order, so later kernels and reads see the filled buffer).
     */
    static void fillBuffer(MemorySegment queue, MemorySegment mem, MemorySegment pattern, long bytes) {
        check("clEnqueueFillBuffer", (int) call(H.enqueueFillBuffer, queue, mem, pattern, pattern.byteSize(), 0L,
                bytes, 0, MemorySegment.NULL, MemorySegment.NULL));
    }

    /** Sets a kernel argument from {@code value}'s bytes (a {@code cl_mem} handle or a scalar). */
    static void setArg(MemorySegment kernel, int index, MemorySegment value) {
        check("clSetKernelArg " + index, (int) call(H.setKernelArg, kernel, index, value.byteSize(), value));
    }

    /**
     * Enqueues a kernel over a 1-, 2- or 3-dimensional range.
     *
     * @param global the global work size per dimension
     * @param local  the work-group size per dimension, or null to let the driver choose
     */
    static void enqueue(MemorySegment queue, MemorySegment kernel, long[] global, long[] local) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment g = arena.allocateFrom(JAVA_LONG, global);
            MemorySegment l = local == null ? MemorySegment.NULL : arena.allocateFrom(JAVA_LONG, local);
            check("clEnqueueNDRangeKernel", (int) call(H.enqueueNDRangeKernel, queue, kernel, global.length,
                    MemorySegment.NULL, g, l, 0, MemorySegment.NULL, MemorySegment.NULL));
        }
    }

    /** Releases a buffer. */
    static void releaseBuffer(MemorySegment mem) {
        release(H.releaseMemObject, mem);
    }

    private static void release(MethodHandle h, MemorySegment handle) {
        check("clRelease", (int) call(h, handle));
    }

    private static Object call(MethodHandle h, Object... args) {
        if (H.FAILURE != null) {
            throw new IllegalStateException(H.FAILURE);
        }
        try {
            return h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * The downcall handles, bound at first use. A class of its own so that a missing library is found only
     * when OpenCL is asked for; the failure is kept and rethrown by every call.
     */
    private static final class H {
        /** The functions the library lacks, each after a space; filled while binding. */
        private static final StringBuilder MISSING = new StringBuilder();
        static final String FAILURE;
        static final MethodHandle getPlatformIDs;
        static final MethodHandle getPlatformInfo;
        static final MethodHandle getDeviceIDs;
        static final MethodHandle getDeviceInfo;
        static final MethodHandle createContext;
        static final MethodHandle createCommandQueue;
        static final MethodHandle createProgramWithSource;
        static final MethodHandle buildProgram;
        static final MethodHandle getProgramBuildInfo;
        static final MethodHandle createKernel;
        static final MethodHandle createBuffer;
        static final MethodHandle enqueueReadBuffer;
        static final MethodHandle enqueueWriteBuffer;
        static final MethodHandle enqueueFillBuffer;
        static final MethodHandle setKernelArg;
        static final MethodHandle enqueueNDRangeKernel;
        static final MethodHandle releaseMemObject;
        static final MethodHandle releaseProgram;

        static {
            SymbolLookup lib = null;
            String failure = null;
            for (String name : new String[] {"libOpenCL.so.1", "libOpenCL.so", "OpenCL.dll",
                    "/System/Library/Frameworks/OpenCL.framework/OpenCL"}) {
                try {
                    lib = SymbolLookup.libraryLookup(name, Arena.global());
                    break;
                } catch (IllegalArgumentException notThere) {
                    failure = "OpenCL: no OpenCL library (libOpenCL.so.1) found: " + INSTALL_HINT;
                }
            }
            Linker linker = Linker.nativeLinker();
            Linker.Option heap = Linker.Option.critical(true);
            getPlatformIDs = bind(linker, lib, "clGetPlatformIDs", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS,
                    ADDRESS));
            getPlatformInfo = bind(linker, lib, "clGetPlatformInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                    JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
            getDeviceIDs = bind(linker, lib, "clGetDeviceIDs", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG,
                    JAVA_INT, ADDRESS, ADDRESS));
            getDeviceInfo = bind(linker, lib, "clGetDeviceInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                    JAVA_LONG, ADDRESS, ADDRESS));
            createContext = bind(linker, lib, "clCreateContext", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT,
                    ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            createCommandQueue = bind(linker, lib, "clCreateCommandQueue", FunctionDescriptor.of(ADDRESS, ADDRESS,
                    ADDRESS, JAVA_LONG, ADDRESS));
            createProgramWithSource = bind(linker, lib, "clCreateProgramWithSource", FunctionDescriptor.of(ADDRESS,
                    ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
            buildProgram = bind(linker, lib, "clBuildProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                    ADDRESS, ADDRESS, ADDRESS, ADDRESS));
            getProgramBuildInfo = bind(linker, lib, "clGetProgramBuildInfo", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                    ADDRESS, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS));
            createKernel = bind(linker, lib, "clCreateKernel", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS,
                    ADDRESS));
            createBuffer = bind(linker, lib, "clCreateBuffer", FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG,
                    JAVA_LONG, ADDRESS, ADDRESS), heap);
            enqueueReadBuffer = bind(linker, lib, "clEnqueueReadBuffer", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                    ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS), heap);
            enqueueWriteBuffer = bind(linker, lib, "clEnqueueWriteBuffer", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                    ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT, ADDRESS, ADDRESS), heap);
            enqueueFillBuffer = bind(linker, lib, "clEnqueueFillBuffer", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                    ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
            setKernelArg = bind(linker, lib, "clSetKernelArg", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                    JAVA_LONG, ADDRESS));
            enqueueNDRangeKernel = bind(linker, lib, "clEnqueueNDRangeKernel", FunctionDescriptor.of(JAVA_INT,
                    ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
            releaseMemObject = bind(linker, lib, "clReleaseMemObject", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            releaseProgram = bind(linker, lib, "clReleaseProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
            FAILURE = lib == null ? failure : MISSING.isEmpty() ? null : "OpenCL: the library lacks" + MISSING
                    + " (an OpenCL 1.2 library is needed): " + INSTALL_HINT;
        }

        private H() {
        }

        private static MethodHandle bind(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd,
                                         Linker.Option... options) {
            if (lib == null) {
                return null;
            }
            MemorySegment symbol = lib.find(name).orElse(null);
            if (symbol == null) {
                MISSING.append(' ').append(name);
                return null;
            }
            return linker.downcallHandle(symbol, fd, options);
        }
    }
}
