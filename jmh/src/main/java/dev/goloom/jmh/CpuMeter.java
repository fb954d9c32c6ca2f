package dev.goloom.jmh;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Process CPU time per operation over one JMH iteration, for benchmarks whose sides may trade CPU for latency (a
 * queue that spins on two cores can beat one that parks in wall time while burning twice the CPU). A benchmark
 * starts it in an iteration-level setup, adds its operations per invocation, and stops it in the iteration-level
 * tear-down, which prints one line:
 * <pre>[cpu] goloom@goloom pingPong: 480 ns CPU/op, 1.02 cores busy</pre>
 * Process CPU includes JMH's own threads and the JIT and GC threads; after warm-up those add little.
 *
 * <p>Not thread-safe: one benchmark thread starts, counts and stops it.
 */
public final class CpuMeter {
    private static final com.sun.management.OperatingSystemMXBean OS =
            ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class);

    private long cpu0;
    private long wall0;
    private long ops;

    /** Starts a measurement: resets the operation count and reads the process CPU time and the clock. */
    public void start() {
        ops = 0;
        cpu0 = OS.getProcessCpuTime();
        wall0 = System.nanoTime();
    }

    /** Counts {@code n} more operations. */
    public void add(long n) {
        ops += n;
    }

    /** Ends the measurement and prints the {@code [cpu]} line for {@code label}. Prints nothing if no operation ran. */
    public void stop(String label) {
        long cpu = OS.getProcessCpuTime() - cpu0;
        long wall = System.nanoTime() - wall0;
        if (ops == 0 || cpu < 0 || wall <= 0) {
            return;
        }
        System.out.printf(Locale.ROOT, "%n[cpu] %s: %.0f ns CPU/op, %.2f cores busy%n", label, (double) cpu / ops,
                (double) cpu / wall);
    }
}
