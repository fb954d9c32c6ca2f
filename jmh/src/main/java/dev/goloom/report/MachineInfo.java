package dev.goloom.report;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The machine a report ran on, for report.json and the chart's caption.
 *
 * @param cores       available processors
 * @param os          operating system name, version and architecture
 * @param cpuModel    the first {@code model name} of {@code /proc/cpuinfo}, or {@code unknown}
 * @param memoryBytes physical memory, or -1 if the JVM cannot tell
 * @param jvmVersion  {@link Runtime#version()}
 * @param jvmVendor   {@code java.vm.vendor}
 * @param jvmName     {@code java.vm.name}
 * @param goVersion   the Go anchor's {@code runtime.Version()}, or null when Go did not run
 */
record MachineInfo(int cores, String os, String cpuModel, long memoryBytes, String jvmVersion, String jvmVendor,
                   String jvmName, String goVersion) {

    static MachineInfo current(String goVersion) {
        long memory = -1;
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            memory = os.getTotalMemorySize();
        }
        return new MachineInfo(Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"), readCpuModel(), memory, Runtime.version().toString(),
                System.getProperty("java.vm.vendor"), System.getProperty("java.vm.name"), goVersion);
    }

    private static String readCpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (String line : lines) {
                if (line.startsWith("model name")) {
                    int colon = line.indexOf(':');
                    if (colon > 0) {
                        return line.substring(colon + 1).strip();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: say so below
        }
        return "unknown";
    }

    /** One line: cores, CPU, memory, OS, JVM and Go. */
    String summary() {
        return String.format(Locale.ROOT, "%d cores (%s), %s, %s, JDK %s (%s)%s", cores, cpuModel,
                memoryBytes > 0 ? String.format(Locale.ROOT, "%.0f GiB", memoryBytes / (double) (1L << 30)) : "memory ?",
                os, jvmVersion, jvmVendor, goVersion != null ? ", " + goVersion : "");
    }
}
