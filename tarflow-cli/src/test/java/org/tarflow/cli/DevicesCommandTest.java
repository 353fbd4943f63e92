package org.tarflow.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.tarflow.cli.Cli.assertOneLineError;
import static org.tarflow.cli.Cli.run;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tarflow.OpenClTests;
import org.tarflow.tensor.OpenCl;
import org.tarflow.cli.Cli.Run;

/**
 * {@code tarflow devices} and {@code --device}. Where there is an OpenCL device the listing and the choice of a
 * device are checked against {@link OpenCl#devices()}; where there is none those tests are skipped with the reason
 * ({@link OpenClTests}) and the one test that runs everywhere checks what the commands say instead.
 */
class DevicesCommandTest {

    @Test
    void devicesListsEveryDeviceUnderItsPlatform() {
        String skip = OpenClTests.skipReason();
        assumeTrue(skip == null, skip);
        Run r = run("devices");
        assertEquals(0, r.code(), r.err());
        List<OpenCl.Device> devices = OpenCl.devices();
        List<String> lines = r.out().lines().toList();
        assertEquals(devices.size() + devices.stream().map(OpenCl.Device::platform).distinct().count(), lines.size(),
                "one line per platform and per device: " + r.out());
        for (OpenCl.Device d : devices) {
            int at = lines.indexOf("  " + d.describe());
            assertTrue(at > 0, d.describe() + " in " + r.out());
            String line = lines.get(at);
            assertTrue(line.startsWith("  " + d.index() + ": ") && line.contains(d.name()) && line.contains(d.vendor())
                    && line.contains(d.version()) && line.contains(d.computeUnits() + " compute units")
                    && line.contains((d.globalMemBytes() >> 20) + " MiB global memory")
                    && line.contains(d.fp64() ? "fp64" : "no fp64"), line);
            String platform = lines.subList(0, at).reversed().stream().filter(l -> !l.startsWith("  ")).findFirst()
                    .orElseThrow();
            assertEquals("platform " + d.platformName() + " (" + d.platformVersion() + ")", platform);
        }
    }

    @Test
    void deviceSelectsAnOpenClDeviceAndABadOneListsThem() {
        String skip = OpenClTests.skipReason();
        assumeTrue(skip == null, skip);
        List<OpenCl.Device> devices = OpenCl.devices();
        OpenCl.Device last = devices.getLast();
        // --reps 0 fails right after the backend is chosen, so no model is built
        Run chosen = run("bench", "--backend", "opencl", "--device", String.valueOf(last.index()), "--reps", "0");
        assertOneLineError(chosen, "--reps must be at least 1");
        assertTrue(chosen.err().contains("backend: opencl: device " + last.describe()), chosen.err());

        Run bad = run("bench", "--backend", "opencl", "--device", String.valueOf(devices.size()), "--reps", "0");
        assertOneLineError(bad, "no OpenCL device " + devices.size() + ": the devices are ");
        for (OpenCl.Device d : devices) {
            assertTrue(bad.err().contains(d.describe()), bad.err());
        }
        assertOneLineError(run("bench", "--backend", "opencl", "--device", "-1"), "no OpenCL device -1");
    }

    @Test
    void withoutOpenClTheCommandsSayWhatToInstallAndDeviceNeedsTheOpenClBackend() {
        Cli.assertUsageError(run("bench", "--backend", "simd", "--device", "0"),
                "--device selects an OpenCL device: it needs --backend opencl, got --backend simd");
        String skip = OpenClTests.skipReason();
        assumeTrue(skip != null && skip.contains(OpenCl.INSTALL_HINT),
                "there is an OpenCL device: the other tests check the commands");
        assertOneLineError(run("devices"), OpenCl.INSTALL_HINT);
        assertOneLineError(run("bench", "--backend", "opencl", "--device", "0"), OpenCl.INSTALL_HINT);
    }
}
