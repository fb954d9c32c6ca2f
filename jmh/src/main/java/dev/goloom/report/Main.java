package dev.goloom.report;

import dev.goloom.jmh.support.Session;
import dev.goloom.jmh.support.Side;
import dev.goloom.loom.GoVirtualThreads;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * goloom's main job. Run it from the repository top with {@code mvn -B -q compile exec:exec} (options through
 * {@code -Dgoloom.main.args="--quick"}; {@code --help} lists them).
 * <ol>
 *   <li>A demo: 100,000 goroutines on a goloom scheduler, joined, then the scheduler's stats ({@link Demo}).</li>
 *   <li>A report: the Go anchor workloads ported to Java ({@link Workloads}) and a short {@code http} server
 *       workload ({@link HttpWorkload}), each run on goloom and on the JDK's default virtual-thread scheduler,
 *       rounds interleaved, the median of each side printed with the goloom/JDK ratio, and the Go anchor's value
 *       ({@code bench/go/main.go}) when a Go toolchain is installed.</li>
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

    /** One row of the table: the medians of both sides, or why there are none. */
    private record Row(Workload w, int n, double goloom, double jdk, double goloomMin, double goloomMax,
                       double jdkMin, double jdkMax, String problem) {
    }

    private static boolean report(List<Workload> all, MainOptions opts, PrintStream out) throws InterruptedException {
        out.printf(Locale.ROOT, "== report: anchor workloads, goloom vs the JDK default scheduler, median of %d "
                + "rounds after %d warm-up%s%s ==%n", opts.rounds(), opts.warmups(), opts.warmups() == 1 ? "" : "s",
                opts.quick() ? " (--quick sizes)" : "");
        List<Row> rows = new ArrayList<>();
        boolean failed = false;
        for (Workload w : all) {
            if (!opts.selects(w.name())) {
                continue;
            }
            int n = w.size(opts.quick());
            Row row;
            try {
                row = measure(w, n, opts);
            } catch (Exception e) {
                failed = true;
                row = new Row(w, n, Double.NaN, Double.NaN, 0, 0, 0, 0, "FAILED: " + e);
                e.printStackTrace();
            }
            rows.add(row);
            out.printf(Locale.ROOT, "  %-15s done: goloom %s, JDK %s %s%n", w.name(), fmt(row.goloom()),
                    fmt(row.jdk()), w.unit());
        }
        TimerWorkload.Result timers = null;
        String timersProblem = null;
        if (opts.selects(TimerWorkload.NAME)) {
            try {
                timers = TimerWorkload.measure(opts.quick(), opts.rounds(), opts.warmups());
                out.printf(Locale.ROOT, "  %-15s done: %s%n", TimerWorkload.NAME, TimerWorkload.done(timers));
            } catch (Exception e) {
                failed = true;
                timersProblem = "FAILED: " + e;
                e.printStackTrace();
                out.printf(Locale.ROOT, "  %-15s %s%n", TimerWorkload.NAME, timersProblem);
            }
        }

        Map<String, Integer> goSizes = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.w().goAnchor() && r.problem() == null) {
                goSizes.put(r.w().name(), r.n());
            }
        }
        List<String> goArgs = List.of();
        if (timers != null) {
            goSizes.put(TimerWorkload.NAME, timers.n());
            goArgs = TimerWorkload.goArgs(opts.quick());
        }
        GoAnchor.Result go = opts.go()
                ? GoAnchor.run(goSizes, opts.rounds(), goArgs)
                : new GoAnchor.Result(Map.of(), null, "skipped (--no-go)");

        out.println();
        out.println(machine() + (go.version() != null ? ", Go " + go.version() : ""));
        if (!rows.isEmpty()) {
            table(rows, go, opts, out);
        }
        if (timers != null) {
            TimerWorkload.print(timers, go.values(), go.problem(), out);
        }
        return failed;
    }

    /** The anchor table: one row per workload, the Go column, the ratios, the spread and the notes. */
    private static void table(List<Row> rows, GoAnchor.Result go, MainOptions opts, PrintStream out) {
        String head = String.format(Locale.ROOT, "%-15s %-16s %10s %12s %12s %11s %12s %10s",
                "workload", "unit", "n", "goloom", "JDK", "goloom/JDK", "Go", "goloom/Go");
        out.println(head);
        out.println("-".repeat(head.length()));
        for (Row r : rows) {
            if (r.problem() != null) {
                out.printf(Locale.ROOT, "%-15s %-16s %,10d   %s%n", r.w().name(), r.w().unit(), r.n(), r.problem());
                continue;
            }
            Double g = go.values().get(r.w().name());
            out.printf(Locale.ROOT, "%-15s %-16s %,10d %12s %12s %11s %12s %10s%n", r.w().name(), r.w().unit(),
                    r.n(), fmt(r.goloom()), fmt(r.jdk()), ratio(r.goloom(), r.jdk()),
                    g != null ? fmt(g) : "-", g != null ? ratio(r.goloom(), g) : "-");
        }
        out.println("-".repeat(head.length()));
        List<String> higher = new ArrayList<>();
        for (Row r : rows) {
            if (r.w().higherIsBetter() && !higher.contains(r.w().unit())) {
                higher.add(r.w().unit());
            }
        }
        if (higher.isEmpty()) {
            out.println("Lower is better in every unit; ratios below 1.00 mean goloom is faster (or smaller).");
        } else {
            out.println("Lower is better in every unit but " + String.join(", ", higher) + "; ratios below 1.00 mean "
                    + "goloom is faster (or smaller), except in " + String.join(", ", higher) + ", where higher is "
                    + "better and a ratio above 1.00 means goloom is faster.");
        }
        out.println("Spread (min..max over rounds):");
        for (Row r : rows) {
            if (r.problem() == null) {
                out.printf(Locale.ROOT, "  %-15s goloom %s..%s, JDK %s..%s%n", r.w().name(), fmt(r.goloomMin()),
                        fmt(r.goloomMax()), fmt(r.jdkMin()), fmt(r.jdkMax()));
            }
        }
        for (Row r : rows) {
            if (r.w().note() != null) {
                out.println(r.w().note().get());
            }
        }
        if (go.problem() != null) {
            out.println("Go column: " + go.problem());
        } else {
            out.println("Go column: bench/go/main.go (the Go anchor), same sizes, median of " + opts.rounds()
                    + " rounds.");
        }
    }

    /** Runs warm-ups and rounds of {@code w} on both sides, alternating which side goes first each round. */
    private static Row measure(Workload w, int n, MainOptions opts) throws Exception {
        double[] g = new double[opts.rounds()];
        double[] j = new double[opts.rounds()];
        String scheduler = "goloom-" + w.name();
        try (Session goloom = Side.GOLOOM.open(scheduler); Session jdk = Side.JDK.open(scheduler)) {
            for (int r = 0; r < opts.warmups(); r++) {
                once(w, n, goloom);
                once(w, n, jdk);
            }
            for (int r = 0; r < opts.rounds(); r++) {
                if (r % 2 == 0) {
                    g[r] = once(w, n, goloom);
                    j[r] = once(w, n, jdk);
                } else {
                    j[r] = once(w, n, jdk);
                    g[r] = once(w, n, goloom);
                }
            }
        }
        Arrays.sort(g);
        Arrays.sort(j);
        // Go's anchor reports vals[len/2]: the upper median for an even count. Same here.
        return new Row(w, n, g[g.length / 2], j[j.length / 2], g[0], g[g.length - 1], j[0], j[j.length - 1], null);
    }

    /** One round of {@code w} in a fresh virtual thread of {@code session} (the workload's "main goroutine"). */
    private static double once(Workload w, int n, Session session) throws Exception {
        double[] result = new double[1];
        Exception[] error = new Exception[1];
        Thread main = session.threads().newThread(() -> {
            try {
                result[0] = w.body().run(session.threads(), n);
            } catch (Exception e) {
                error[0] = e;
            }
        });
        main.start();
        if (!main.join(roundTimeout)) {
            throw new IllegalStateException(w.name() + " on " + session.side().label() + " did not finish within "
                    + roundTimeout.toSeconds() + " s" + session.trace());
        }
        if (error[0] != null) {
            throw error[0];
        }
        return result[0];
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return Math.abs(v) >= 10_000 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.1f", v);
    }

    static String ratio(double a, double b) {
        if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", a / b);
    }
}
