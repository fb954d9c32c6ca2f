package dev.goloom.jmh;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Base for benchmark states whose sides may trade CPU for latency (a queue that spins on two cores can beat one
 * that parks in wall time while burning twice the CPU). Each measured or warm-up iteration prints one line with
 * the process CPU time per operation and the cores kept busy:
 * <pre>[cpu] goloom@goloom pingPong: 480 ns CPU/op, 1.02 cores busy</pre>
 * A subclass names its side ({@link #side()}) and counts its operations with {@link #countOps} in each benchmark
 * invocation (the same count as {@code @OperationsPerInvocation}). Process CPU includes JMH's own threads and the JIT
 * and GC threads; after warm-up those add little.
 *
 * <p>Not thread-safe: one benchmark thread counts, and JMH runs the iteration set-up and tear-down.
 */
public abstract class CpuMetered {
    private static final com.sun.management.OperatingSystemMXBean OS =
            ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class);

    private long cpu0;
    private long wall0;
    private long ops;

    /** The side's label in the {@code [cpu]} line, such as the implementation parameter. */
    protected abstract String side();

    /** Counts {@code n} more operations in the current iteration. */
    protected final void countOps(long n) {
        ops += n;
    }

    @Setup(Level.Iteration)
    public void cpuStart() {
        ops = 0;
        cpu0 = OS.getProcessCpuTime();
        wall0 = System.nanoTime();
    }

    /** Prints the {@code [cpu]} line for the iteration that just ended; nothing if no operation ran. */
    @TearDown(Level.Iteration)
    public void cpuStop(BenchmarkParams params) {
        long cpu = OS.getProcessCpuTime() - cpu0;
        long wall = System.nanoTime() - wall0;
        if (ops == 0 || cpu < 0 || wall <= 0) {
            return;
        }
        String bench = params.getBenchmark();
        System.out.printf(Locale.ROOT, "%n[cpu] %s %s: %.0f ns CPU/op, %.2f cores busy%n", side(),
                bench.substring(bench.lastIndexOf('.') + 1), (double) cpu / ops, (double) cpu / wall);
    }
}
