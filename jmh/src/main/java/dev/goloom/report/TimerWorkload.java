package dev.goloom.report;

import dev.goloom.channels.Chans;
import dev.goloom.channels.Ticker;
import dev.goloom.jmh.support.Session;
import dev.goloom.jmh.support.Side;
import org.HdrHistogram.AtomicHistogram;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The main job's {@code timers} workload: {@code n} goroutines each wait {@value #PERIOD_MILLIS} ms in a loop for a
 * few seconds, and every wake-up's lateness (wake time minus the intended deadline) goes into one HdrHistogram.
 * Reported per side: p50 and p99 lateness, process CPU time per wake-up and wake-ups per second, in a table of its
 * own (one value per round does not fit the anchor table), with the Go anchor's {@code timers} ({@code time.Sleep},
 * {@code <-time.After}, {@code time.Ticker}) beside them.
 *
 * <p>The sides ({@link Kind}) run in one JVM, each round in a fresh virtual thread of its session, the order
 * reversed every other round: goloom channel timers ({@link Chans#after} and {@link Chans#tick}, public API only,
 * so whatever timer implementation {@code channels} has is what is measured) and {@code Thread.sleep}, all on
 * goroutines of one goloom scheduler, and {@code Thread.sleep} on the JDK's default scheduler.
 *
 * <p>How a wait is timed, here and in {@code bench/go/main.go}: a goroutine's first wait lasts {@code i/n} of a
 * period and is not recorded, so the timers are spread over the period instead of all expiring at once. For a
 * sleep or an {@code after}, the deadline is the time just before the call plus the period. For a ticker it is the
 * latest tick time (the ticker's start plus a multiple of the period) at or before the wake-up: a late tick reads
 * at most one period late, and ticks the ticker dropped show as fewer wake-ups per second. With 10,000 goroutines
 * the demand (10 million wake-ups per second) is far beyond two cores, so the run shows each side saturated: how
 * many wake-ups it delivers, at what CPU cost, and how late.
 */
final class TimerWorkload {
    private TimerWorkload() {
    }

    static final String NAME = "timers";
    static final int N = 10_000;
    static final int QUICK_N = 2_000;
    static final double SECONDS = 2;
    static final double QUICK_SECONDS = 1;
    static final long PERIOD_MILLIS = 1;
    private static final Duration PERIOD = Duration.ofMillis(PERIOD_MILLIS);
    private static final long PERIOD_NANOS = PERIOD.toNanos();
    /** Warm-up rounds last at most this long: they only need to compile the loops. */
    private static final double WARMUP_SECONDS = 1;
    /** Lateness above this is recorded as this (HdrHistogram's range must be fixed up front for atomic recording). */
    private static final long HIGHEST_NANOS = TimeUnit.SECONDS.toNanos(60);

    static final String DESCRIPTION = "n goroutines each wait 1 ms in a loop (Chans.after, Chans.tick, Thread.sleep; "
            + "Go: time.Sleep, time.After, time.Ticker); p50/p99 wake-up lateness, CPU per wake-up";

    /** One measured side: the scheduler the goroutines run on and how each waits. */
    enum Kind {
        GOLOOM_AFTER(Side.GOLOOM, "Chans.after", "after"),
        GOLOOM_TICK(Side.GOLOOM, "Chans.tick", "tick"),
        GOLOOM_SLEEP(Side.GOLOOM, "Thread.sleep", "sleep"),
        JDK_SLEEP(Side.JDK, "Thread.sleep", "sleep");

        final Side side;
        final String waitName;
        /** The Go anchor's mode that waits the same way. */
        final String goMode;

        Kind(Side side, String waitName, String goMode) {
            this.side = side;
            this.waitName = waitName;
            this.goMode = goMode;
        }
    }

    /** The Go anchor's waits, in table order, with their names in the table. */
    private static final String[][] GO_MODES = {{"after", "<-time.After"}, {"tick", "time.Ticker"},
            {"sleep", "time.Sleep"}};

    /** One round of one side. */
    record Stats(double p50Micros, double p99Micros, double cpuNanosPerWake, double wakesPerSecond) {
    }

    /** Every measured round of every side, or why there are none. */
    record Result(int n, double seconds, int rounds, Map<Kind, List<Stats>> byKind) {
        /** The median (Go's {@code vals[len/2]}) of one metric over the rounds of {@code kind}. */
        double median(Kind kind, ToDoubleFunction<Stats> metric) {
            double[] v = byKind.get(kind).stream().mapToDouble(metric).sorted().toArray();
            return v[v.length / 2];
        }

        double min(Kind kind, ToDoubleFunction<Stats> metric) {
            return byKind.get(kind).stream().mapToDouble(metric).min().orElse(Double.NaN);
        }

        double max(Kind kind, ToDoubleFunction<Stats> metric) {
            return byKind.get(kind).stream().mapToDouble(metric).max().orElse(Double.NaN);
        }
    }

    static int size(boolean quick) {
        return quick ? QUICK_N : N;
    }

    static double seconds(boolean quick) {
        return quick ? QUICK_SECONDS : SECONDS;
    }

    /** The Go anchor's extra arguments for the same run length. */
    static List<String> goArgs(boolean quick) {
        return List.of("-timers-seconds", String.valueOf(seconds(quick)));
    }

    /**
     * Runs {@code warmups} short and {@code rounds} measured rounds of every {@link Kind}, alternating the order per
     * round.
     */
    static Result measure(boolean quick, int rounds, int warmups) throws Exception {
        int n = size(quick);
        double seconds = seconds(quick);
        Map<Kind, List<Stats>> byKind = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            byKind.put(k, new ArrayList<>());
        }
        try (Session goloom = Side.GOLOOM.open("goloom-" + NAME); Session jdk = Side.JDK.open("goloom-" + NAME)) {
            for (int r = 0; r < warmups; r++) {
                for (Kind k : Kind.values()) {
                    once(k, k.side == Side.GOLOOM ? goloom : jdk, n, Math.min(seconds, WARMUP_SECONDS));
                }
            }
            List<Kind> order = new ArrayList<>(Arrays.asList(Kind.values()));
            for (int r = 0; r < rounds; r++) {
                for (Kind k : order) {
                    byKind.get(k).add(once(k, k.side == Side.GOLOOM ? goloom : jdk, n, seconds));
                }
                Collections.reverse(order);
            }
        }
        return new Result(n, seconds, rounds, byKind);
    }

    /** One round of {@code kind} in a fresh virtual thread of {@code session}, bounded in time. */
    private static Stats once(Kind kind, Session session, int n, double seconds) throws Exception {
        Stats[] result = new Stats[1];
        Exception[] error = new Exception[1];
        Thread main = session.threads().newThread(() -> {
            try {
                result[0] = round(kind, session.threads(), n, seconds);
            } catch (Exception e) {
                error[0] = e;
            }
        });
        main.start();
        Duration limit = Duration.ofSeconds((long) seconds + 60);
        if (!main.join(limit)) {
            throw new IllegalStateException(NAME + " (" + kind.side.label() + " " + kind.waitName + ") did not finish "
                    + "within " + limit.toSeconds() + " s" + session.trace());
        }
        if (error[0] != null) {
            throw error[0];
        }
        return result[0];
    }

    /** A goroutine's loop; {@code end} is the {@link System#nanoTime()} after which it stops waiting. */
    @FunctionalInterface
    private interface Loop {
        void run(AtomicHistogram lateness, long staggerNanos, long end) throws InterruptedException;
    }

    private static Loop loop(Kind kind) {
        return switch (kind) {
            case GOLOOM_AFTER -> (h, stagger, end) -> {
                Chans.after(Duration.ofNanos(stagger)).recv();
                while (System.nanoTime() < end) {
                    long deadline = System.nanoTime() + PERIOD_NANOS;
                    Chans.after(PERIOD).recv();
                    record(h, System.nanoTime() - deadline);
                }
            };
            case GOLOOM_TICK -> (h, stagger, end) -> {
                Chans.after(Duration.ofNanos(stagger)).recv();
                long t0 = System.nanoTime();
                try (Ticker ticker = Chans.tick(PERIOD)) {
                    while (System.nanoTime() < end) {
                        ticker.c().recv();
                        record(h, (System.nanoTime() - t0) % PERIOD_NANOS);
                    }
                }
            };
            case GOLOOM_SLEEP, JDK_SLEEP -> (h, stagger, end) -> {
                Thread.sleep(Duration.ofNanos(stagger));
                while (System.nanoTime() < end) {
                    long deadline = System.nanoTime() + PERIOD_NANOS;
                    Thread.sleep(PERIOD);
                    record(h, System.nanoTime() - deadline);
                }
            };
        };
    }

    private static void record(AtomicHistogram h, long lateNanos) {
        h.recordValue(Math.max(0, Math.min(lateNanos, HIGHEST_NANOS)));
    }

    /**
     * One round: starts {@code n} goroutines that wait for a start signal, then times the window from the signal to
     * the last goroutine's end (wall clock and process CPU).
     */
    private static Stats round(Kind kind, ThreadFactory threads, int n, double seconds) throws InterruptedException {
        AtomicHistogram lateness = new AtomicHistogram(HIGHEST_NANOS, 2);
        Loop loop = loop(kind);
        CountDownLatch start = new CountDownLatch(1);
        long[] end = new long[1]; // written before start.countDown(), read after start.await()
        Throwable[] failure = new Throwable[1];
        Thread[] gs = new Thread[n];
        for (int i = 0; i < n; i++) {
            long stagger = PERIOD_NANOS * i / n;
            gs[i] = threads.newThread(() -> {
                try {
                    start.await();
                    loop.run(lateness, stagger, end[0]);
                } catch (Throwable t) {
                    synchronized (failure) {
                        if (failure[0] == null) {
                            failure[0] = t;
                        }
                    }
                }
            });
            gs[i].start();
        }
        System.gc(); // Go's runtime.GC() before its window: start from a clean heap
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        end[0] = t0 + (long) (seconds * 1e9);
        start.countDown();
        long joinBy = end[0] + TimeUnit.SECONDS.toNanos(30);
        int unfinished = 0;
        for (Thread g : gs) {
            if (!g.join(Duration.ofNanos(Math.max(1, joinBy - System.nanoTime())))) {
                unfinished++;
            }
        }
        long elapsed = System.nanoTime() - t0;
        long cpu = processCpuNanos() - cpu0;
        if (unfinished > 0) {
            for (Thread g : gs) {
                g.interrupt();
            }
            throw new IllegalStateException(NAME + ": " + unfinished + " of " + n + " goroutines still waiting 30 s "
                    + "after the end of the round");
        }
        if (failure[0] != null) {
            throw new IllegalStateException(NAME + ": a goroutine failed: " + failure[0], failure[0]);
        }
        long wakes = lateness.getTotalCount();
        if (wakes == 0) {
            throw new IllegalStateException(NAME + ": no wake-up recorded in " + seconds + " s");
        }
        return new Stats(lateness.getValueAtPercentile(50) / 1e3, lateness.getValueAtPercentile(99) / 1e3,
                (double) cpu / wakes, wakes / (elapsed / 1e9));
    }

    /** CPU time of the whole process (every thread: carriers, timer threads, GC, JIT), in nanoseconds. */
    private static long processCpuNanos() {
        return ProcessCpu.nanos();
    }

    // ================================================================================================ report

    /** One line for the progress log. */
    static String done(Result r) {
        StringBuilder b = new StringBuilder();
        for (Kind k : Kind.values()) {
            b.append(b.isEmpty() ? "" : ", ").append(k.side.label()).append(' ').append(k.waitName).append(" p99 ")
                    .append(Main.fmt(r.median(k, Stats::p99Micros)));
        }
        return b.append(" us late").toString();
    }

    /**
     * Prints the table: one row per Java side (medians over rounds) and per Go wait ({@code go} holds the anchor's
     * {@code timers.MODE.METRIC} values, possibly none).
     */
    static void print(Result r, Map<String, Double> go, String goProblem, PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "== timers: %,d goroutines each waiting %d ms in a loop for %s s, median of %d rounds "
                        + "(ideal: %,d wake-ups/s) ==%n", r.n(), PERIOD_MILLIS, Main.fmt(r.seconds()), r.rounds(),
                r.n() * 1000 / PERIOD_MILLIS);
        String head = String.format(Locale.ROOT, "%-8s %-14s %14s %14s %14s %14s", "side", "wait", "wake-ups/s",
                "p50 late us", "p99 late us", "CPU ns/wake");
        out.println(head);
        out.println("-".repeat(head.length()));
        for (Kind k : Kind.values()) {
            out.printf(Locale.ROOT, "%-8s %-14s %14s %14s %14s %14s%n", k.side.label(), k.waitName,
                    Main.fmt(r.median(k, Stats::wakesPerSecond)), Main.fmt(r.median(k, Stats::p50Micros)),
                    Main.fmt(r.median(k, Stats::p99Micros)), Main.fmt(r.median(k, Stats::cpuNanosPerWake)));
        }
        for (String[] mode : GO_MODES) {
            String key = NAME + "." + mode[0] + ".";
            if (go.containsKey(key + "p99")) {
                out.printf(Locale.ROOT, "%-8s %-14s %14s %14s %14s %14s%n", "Go", mode[1], goFmt(go, key + "rate"),
                        goFmt(go, key + "p50"), goFmt(go, key + "p99"), goFmt(go, key + "cpu"));
            }
        }
        out.println("-".repeat(head.length()));
        out.printf(Locale.ROOT, "goloom/JDK, Thread.sleep: p50 %s, p99 %s, CPU per wake-up %s, wake-ups/s %s%n",
                ratio(r, Stats::p50Micros), ratio(r, Stats::p99Micros), ratio(r, Stats::cpuNanosPerWake),
                ratio(r, Stats::wakesPerSecond));
        out.println("Spread of p99 (min..max over rounds):");
        for (Kind k : Kind.values()) {
            out.printf(Locale.ROOT, "  %-8s %-14s %s..%s us%n", k.side.label(), k.waitName,
                    Main.fmt(r.min(k, Stats::p99Micros)), Main.fmt(r.max(k, Stats::p99Micros)));
        }
        out.println("Lateness: wake time minus deadline (sleep, after: call time + 1 ms; ticker: the latest tick time "
                + "passed, so at most 1 ms, and dropped ticks show as fewer wake-ups/s); each goroutine's first wait is "
                + "a stagger of i/n ms, not recorded. CPU: the whole process's CPU time over the round "
                + "(" + ProcessCpu.source() + "; Go: getrusage) divided by the wake-ups. Lower is better "
                + "except wake-ups/s.");
        out.println("Go rows: " + (goProblem != null ? goProblem : "bench/go/main.go timers, same n and seconds, median "
                + "of " + r.rounds() + " rounds."));
    }

    private static String goFmt(Map<String, Double> go, String key) {
        Double v = go.get(key);
        return v == null ? "-" : Main.fmt(v);
    }

    private static String ratio(Result r, ToDoubleFunction<Stats> metric) {
        return Main.ratio(r.median(Kind.GOLOOM_SLEEP, metric), r.median(Kind.JDK_SLEEP, metric));
    }
}
