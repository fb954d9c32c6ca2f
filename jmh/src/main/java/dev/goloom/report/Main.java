package dev.goloom.report;

import dev.goloom.loom.GoVirtualThreads;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * goloom's main job. Run it from the repository top with {@code mvn -B -q compile exec:exec} (options through
 * {@code -Dgoloom.main.args="--quick"}; {@code --help} lists them).
 * <ol>
 *   <li>A demo: 100,000 goroutines on a goloom scheduler, joined, then the scheduler's stats ({@link Demo}).</li>
 *   <li>A report ({@link AnchorReport}): the Go anchor workloads ported to Java ({@link Workloads}) and a short
 *       {@code http} server workload ({@link HttpWorkload}), each run on goloom, on the JDK's default virtual-thread
 *       scheduler with the same code, and there with {@code java.util.concurrent} queues and with jox where the
 *       workload has such a twin, rounds interleaved; the median and CPU per operation of each side, goloom's
 *       ratios to each, and the Go anchor's figures ({@code bench/go/main.go}) when a Go toolchain is installed.
 *       Also written to {@code report.json} and a ratio chart ({@code ratios.svg}) in {@code --out}.</li>
 *   <li>The {@code timers} workload ({@link TimerWorkload}): wake-up lateness and CPU per wake-up of goloom's
 *       channel timers, {@code Thread.sleep} on goloom and on the JDK's scheduler, and Go's timers, in a table of
 *       its own after the anchor table.</li>
 * </ol>
 * Exit status: 0 on success, 1 if a workload failed, 2 on a bad argument or a JVM without goloom's flag.
 */
public final class Main {
    private Main() {
    }

    /**
     * Longest a single round may take before the job gives up on it (a hang is a bug, not a result): five minutes
     * for the full sizes, one minute for {@code --quick}.
     */
    private static Duration roundTimeout = Duration.ofMinutes(5);

    public static void main(String[] args) throws InterruptedException {
        List<Workload> all = Workloads.all();
        Set<String> names = new LinkedHashSet<>();
        all.forEach(w -> names.add(w.name()));
        names.add(TimerWorkload.NAME);
        MainOptions opts;
        try {
            opts = MainOptions.parse(args, names);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        PrintStream out = System.out;
        if (opts.help()) {
            out.println(MainOptions.USAGE);
            out.println("workloads:");
            for (Workload w : all) {
                out.printf(Locale.ROOT, "  %-15s %-16s n=%,d (quick %,d): %s%n", w.name(), w.unit(), w.n(),
                        w.quickN(), w.description());
            }
            out.printf(Locale.ROOT, "  %-15s %-16s n=%,d (quick %,d), %s s (quick %s): %s%n", TimerWorkload.NAME,
                    "us late", TimerWorkload.N, TimerWorkload.QUICK_N, fmt(TimerWorkload.SECONDS),
                    fmt(TimerWorkload.QUICK_SECONDS), TimerWorkload.DESCRIPTION);
            return;
        }
        exitIfNoAccess();
        out.println(machine());
        out.println();
        if (opts.quick()) {
            roundTimeout = Duration.ofMinutes(1);
        }
        boolean failed = false;
        if (opts.demo()) {
            try {
                Demo.run(opts.demoCount(), out);
            } catch (RuntimeException e) {
                failed = true;
                System.err.println("demo FAILED: " + e);
                e.printStackTrace();
            }
            out.println();
        }
        if (opts.report()) {
            failed |= report(all, opts, out);
        }
        out.flush();
        if (failed) {
            System.exit(1);
        }
    }

    /**
     * Returns if goloom may reach the JDK internals it needs ({@link GoVirtualThreads#checkAccess()}); otherwise
     * prints why to standard error and exits the JVM with status 2 (the main jobs' "bad argument or a JVM without
     * goloom's flag"). For the main methods of this package ({@code Main}, {@link Soak}), before they start work.
     */
    static void exitIfNoAccess() {
        try {
            GoVirtualThreads.checkAccess();
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    static String machine() {
        return String.format(Locale.ROOT, "machine: %d cores, JDK %s (%s), %s %s %s",
                Runtime.getRuntime().availableProcessors(), Runtime.version(), System.getProperty("java.vm.name"),
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch"));
    }

    // ================================================================================================ report

    /** The anchor report ({@link AnchorReport}); true if something failed. */
    private static boolean report(List<Workload> all, MainOptions opts, PrintStream out) throws InterruptedException {
        return AnchorReport.run(all, opts, roundTimeout, out);
    }

    static String fmt(double v) {
        if (!Double.isFinite(v)) {
            return "-";
        }
        return Math.abs(v) >= 10_000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String ratio(double a, double b) {
        if (!Double.isFinite(a) || !Double.isFinite(b) || b == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", a / b);
    }
}
