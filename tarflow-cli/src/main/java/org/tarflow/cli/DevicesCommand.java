package org.tarflow.cli;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.Callable;
import org.tarflow.tensor.OpenCl;
import picocli.CommandLine.Command;

/**
 * {@code tarflow devices}: the OpenCL platforms and their devices, numbered as {@code --device} takes them. Where
 * there is no OpenCL library, platform or device it fails with the one line that says what to install.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List the OpenCL platforms and devices that --backend opencl --device N can use.")
final class DevicesCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        MemorySegment platform = null;
        // devices() numbers the devices platform by platform, so each platform's devices are adjacent
        for (OpenCl.Device d : OpenCl.devices()) {
            if (!d.platform().equals(platform)) {
                platform = d.platform();
                System.out.println("platform " + d.platformName() + " (" + d.platformVersion() + ")");
            }
            System.out.println("  " + d.describe());
        }
        return 0;
    }
}
