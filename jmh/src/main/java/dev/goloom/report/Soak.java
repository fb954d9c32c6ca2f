package dev.goloom.report;

import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.report.SoakCells.Kind;
import dev.goloom.scheduler.GoScheduler;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * goloom's soak test (issue #11; not run in CI): {@code bench/soak.sh [--scale F]}. On one goloom scheduler
 * ({@code maxProcs} = cores) it runs small systems of goroutines and channels, <b>cells</b>, many at a time, until at
 * least {@code 10^9 x F} channel operations (successful sends plus successful receives of elements) and
 * {@code 10^7 x F} goroutine starts are counted, in two phases of half the targets each.
 *
 * <h2>Cells</h2>
 * Each cell is built at random by a coordinator goroutine (one per runner), which then disturbs it and joins it:
 * <ul>
 *   <li>{@code direct}: producers send into one channel (capacity 0, 1, 16 or 256) and consumers receive from it,
 *       with {@code send}, timed {@code trySend}, {@code trySend} then {@code send}; {@code recv}, timed
 *       {@code tryRecv}, {@code for (v : ch)}.</li>
 *   <li>{@code fanin}: a producer per input channel, one or two mergers in a {@link Select} with a receive case per
 *       input and a send case on the output enabled while the merger holds elements, with or without a timeout;
 *       consumers on the output.</li>
 *   <li>{@code fanout}: one producer in a {@link Select} of send cases over 2 to 4 output channels, consumers on
 *       each.</li>
 *   <li>{@code chain}: a producer, 1 to 4 forwarding stages and a consumer, each link with its own capacity.</li>
 *   <li>{@code spawn}: 50 to 400 short goroutines, each receiving one element from a feeder and sending it on to a
 *       collector (chosen whenever goroutine starts lag behind channel operations).</li>
 * </ul>
 * The coordinator interrupts random goroutines of the cell (0 to 8 times, with yields in between, so many are
 * blocked in a channel operation or a select when hit), and in about a third of the cells closes one channel early
 * (a random input, output or link), racing the producers. Workers take an {@link InterruptedException} as "try
 * again" (it means nothing was transferred) and a {@link ChannelClosedException} on a send as "stop sending here".
 *
 * <h2>What is checked</h2>
 * <ul>
 *   <li><b>Exactly once, per link.</b> Every element is a unique {@code long}; every successful send and every
 *       received element adds to a count and to a sum of a 64-bit hash of (channel, element) in its goroutine's
 *       {@code Tally}. When the cell has ended, sends must equal receives in count and hash sum: an element lost,
 *       duplicated, or transferred by an operation that reported an interrupt or a closed channel shows up.</li>
 *   <li><b>Close.</b> Receivers drain until the channel reports closed and empty, so every element sent before the
 *       close is received; afterwards {@code isClosed()} is true, {@code tryRecv()} is null and {@code trySend}
 *       throws. A close of a closed channel must throw (tried after some closes).</li>
 *   <li><b>Order.</b> Where a channel has one sender or receivers track each sender, each receiver sees each
 *       sender's elements in increasing order (FIFO).</li>
 *   <li><b>No stuck goroutine.</b> A phase must end within {@code --phase-minutes}, and some cell must finish every
 *       {@code --stall-seconds}; otherwise the scheduler's stats, the cells in progress and stacks are printed.</li>
 *   <li><b>Memory flat.</b> The heap after a full GC at the end may exceed the one in the middle by at most
 *       {@code --max-growth-mib}.</li>
 *   <li><b>Clean shutdown.</b> After {@code shutdown()} the scheduler terminates and has no live goroutines.</li>
 * </ul>
 * Exit status: 0 PASS, 1 FAIL, 2 bad argument or a JVM without goloom's flag.
 *
 * <h2>The code</h2>
 * This class is the driver: the run, its two phases, progress and the stuck report, and the runners (the
 * coordinators). {@link SoakCells} builds the cells' shapes; {@link SoakCell} is one cell with its checked
 * operations ({@code sendOne}, {@code recvOne}, {@code consume}), tallies and closers; {@link SoakContext} holds
 * what they share with the driver (the totals, the first failure, the goroutine factory).
 */
public final class Soak {
    static final long FULL_OPS = 1_000_000_000L;
    static final long FULL_GOROUTINES = 10_000_000L;
    private static final long MIB = 1024 * 1024;

    private final SoakOptions opts;
    private final PrintStream out;
    private final GoScheduler scheduler;
    private final long opsTarget;
    private final long goroutineTarget;
    /** The totals, the first failure and the goroutine factory, shared with the cells. */
    private final SoakContext ctx;
    /** What each runner is doing, for a stuck report. */
    private final String[] current;

    private Soak(SoakOptions opts, PrintStream out) {
        this.opts = opts;
        this.out = out;
        this.scheduler = GoScheduler.builder().maxProcs(Runtime.getRuntime().availableProcessors())
                .name("goloom-soak").build();
        this.ctx = new SoakContext(GoVirtualThreads.ofVirtual(scheduler).factory());
        this.opsTarget = Math.max(1, Math.round(FULL_OPS * opts.scale()));
        this.goroutineTarget = Math.max(1, Math.round(FULL_GOROUTINES * opts.scale()));
        this.current = new String[opts.runners()];
    }

    public static void main(String[] args) throws InterruptedException {
        SoakOptions opts;
        try {
            opts = SoakOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (opts.help()) {
            System.out.println(SoakOptions.USAGE);
            return;
        }
        Main.exitIfNoAccess();
        boolean pass = new Soak(opts, System.out).run();
        System.out.flush();
        System.exit(pass ? 0 : 1);
    }

    // ================================================================================================ the run

    private boolean run() throws InterruptedException {
        out.println(Main.machine());
        out.printf(Locale.ROOT, "== soak: scheduler '%s' maxProcs=%d, scale %s: at least %,d channel operations and "
                        + "%,d goroutines, %d runners, seed %d ==%n", scheduler.name(), scheduler.maxProcs(),
                opts.scale(), opsTarget, goroutineTarget, opts.runners(), opts.seed());
        List<String> problems = new ArrayList<>();
        long heapStart = heapAfterGc();
        out.printf(Locale.ROOT, "heap after full GC at start:  %8.1f MiB%n", heapStart / (double) MIB);
        long t0 = System.nanoTime();
        if (!phase(1, (opsTarget + 1) / 2, (goroutineTarget + 1) / 2)) {
            return false; // phase() printed the diagnosis
        }
        long heapMiddle = heapAfterGc();
        out.printf(Locale.ROOT, "heap after full GC in the middle: %8.1f MiB%n", heapMiddle / (double) MIB);
        if (!phase(2, opsTarget, goroutineTarget)) {
            return false;
        }
        long elapsed = System.nanoTime() - t0;
        long heapEnd = heapAfterGc();
        long growth = heapEnd - heapMiddle;
        out.printf(Locale.ROOT, "heap after full GC at the end: %8.1f MiB (%+.1f MiB since the middle; bound %d MiB)%n",
                heapEnd / (double) MIB, growth / (double) MIB, opts.maxGrowthMib());
        if (growth > opts.maxGrowthMib() * MIB) {
            problems.add(String.format(Locale.ROOT, "heap grew %.1f MiB from the middle to the end (bound %d MiB)",
                    growth / (double) MIB, opts.maxGrowthMib()));
        }

        scheduler.shutdown();
        boolean terminated = scheduler.awaitTermination(Duration.ofMinutes(1));
        int live = scheduler.goroutines().size();
        if (!terminated || live != 0) {
            problems.add("scheduler not terminated 1 min after shutdown (" + live + " live goroutines)");
        }

        long s = ctx.sends.sum(), r = ctx.receives.sum(), ops = s + r, g = ctx.goroutines.sum();
        double secs = elapsed / 1e9;
        out.println();
        out.printf(Locale.ROOT, "channel operations %,d (sends %,d, receives %,d), goroutines %,d, cells %,d (%s)%n",
                ops, s, r, g, ctx.cells.sum(), kinds());
        out.printf(Locale.ROOT, "disturbances: interrupts sent %,d; operations that threw InterruptedException %,d; "
                        + "operations that completed with the interrupt set %,d; early closes %,d; sends that found "
                        + "the channel closed %,d; double-close checks %,d; timeouts (select, trySend, tryRecv) %,d; "
                        + "elements dropped at a closed link %,d%n",
                ctx.interruptsSent.sum(), ctx.interruptedOps.sum(), ctx.completedInterrupted.sum(),
                ctx.earlyCloses.sum(), ctx.closedSends.sum(), ctx.doubleCloses.sum(), ctx.timeouts.sum(),
                ctx.drops.sum());
        out.printf(Locale.ROOT, "elapsed %.1f s; %,.0f channel ops/s; %,.0f goroutines/s%n", secs, ops / secs,
                g / secs);
        out.println("scheduler: " + scheduler.stats().schedtrace());
        out.printf(Locale.ROOT, "live goroutines after shutdown: %d%n", live);
        if (ops < opsTarget) {
            problems.add("only " + ops + " channel operations of " + opsTarget);
        }
        if (g < goroutineTarget) {
            problems.add("only " + g + " goroutines of " + goroutineTarget);
        }
        if (ctx.failure() != null) {
            problems.add(ctx.failure());
        }
        if (problems.isEmpty()) {
            out.println("PASS");
            return true;
        }
        out.println("FAIL: " + String.join("; ", problems));
        return false;
    }

    /** Runs the runners until the totals reach the targets; false (after printing why) on a failure or a hang. */
    private boolean phase(int n, long opsGoal, long goroutineGoal) throws InterruptedException {
        long t0 = System.nanoTime();
        List<Thread> runners = new ArrayList<>();
        SplittableRandom seeds = new SplittableRandom(opts.seed() * 31 + n);
        for (int i = 0; i < opts.runners(); i++) {
            int id = i;
            SplittableRandom rnd = seeds.split();
            runners.add(ctx.go(() -> runner(id, rnd, opsGoal, goroutineGoal)));
        }
        long deadline = t0 + Duration.ofMinutes(opts.phaseMinutes()).toNanos();
        long lastCells = ctx.cells.sum(), lastProgress = t0, lastReport = t0;
        for (;;) {
            boolean done = true;
            for (Thread t : runners) {
                done &= !t.isAlive();
            }
            if (done && ctx.failure() == null) {
                break;
            }
            long now = System.nanoTime();
            String stuck = null;
            if (ctx.failure() != null) {
                stuck = "failed: " + ctx.failure();
            } else if (now - deadline > 0) {
                stuck = "phase " + n + " not done after " + opts.phaseMinutes() + " minutes";
            } else if (ctx.cells.sum() != lastCells) {
                lastCells = ctx.cells.sum();
                lastProgress = now;
            } else if (now - lastProgress > Duration.ofSeconds(opts.stallSeconds()).toNanos()) {
                stuck = "no cell finished for " + opts.stallSeconds() + " s";
            }
            if (stuck != null) {
                diagnose(stuck);
                return false;
            }
            if (now - lastReport > 10_000_000_000L) {
                lastReport = now;
                progress("phase " + n, t0, opsGoal, goroutineGoal);
            }
            Thread.sleep(100);
        }
        progress("phase " + n + " done", t0, opsGoal, goroutineGoal);
        return true;
    }

    private void progress(String what, long t0, long opsGoal, long goroutineGoal) {
        long ops = ctx.ops();
        out.printf(Locale.ROOT, "  %s: %.1f s, %,d / %,d channel ops, %,d / %,d goroutines, %,d cells; %s%n",
                what, (System.nanoTime() - t0) / 1e9, ops, opsGoal, ctx.goroutines.sum(), goroutineGoal,
                ctx.cells.sum(), scheduler.stats().schedtrace());
    }

    /** Prints why the soak stops, the scheduler's stats, what each runner was doing and a few stacks. */
    private void diagnose(String why) {
        out.println("FAIL: " + why);
        out.println("scheduler: " + scheduler.stats().schedtrace());
        out.println("cells in progress:");
        for (int i = 0; i < current.length; i++) {
            out.println("  runner " + i + ": " + current[i]);
        }
        List<Thread> live = scheduler.goroutines();
        out.println("live goroutines: " + live.size() + "; stacks of up to 12:");
        for (Thread t : live.subList(0, Math.min(12, live.size()))) {
            out.println("  " + t + " " + t.getState());
            for (StackTraceElement e : t.getStackTrace()) {
                out.println("      at " + e);
            }
        }
        out.flush();
    }

    private String kinds() {
        StringBuilder b = new StringBuilder();
        for (Kind k : Kind.values()) {
            b.append(b.isEmpty() ? "" : ", ").append(k.name().toLowerCase(Locale.ROOT)).append(' ')
                    .append(String.format(Locale.ROOT, "%,d", ctx.cellsByKind[k.ordinal()].sum()));
        }
        return b.toString();
    }

    /** Used heap after full GCs, repeated until it settles (at most 10). */
    private static long heapAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long prev = Long.MAX_VALUE, used = 0;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(50);
            used = memory.getHeapMemoryUsage().getUsed();
            if (Math.abs(prev - used) < MIB / 4) {
                break;
            }
            prev = used;
        }
        return used;
    }

    // ================================================================================================ runners

    /** One runner: builds a cell, disturbs it, joins and checks it; again until the phase's goals are reached. */
    private void runner(int id, SplittableRandom rnd, long opsGoal, long goroutineGoal) throws InterruptedException {
        long serial = 0;
        while (ctx.failure() == null) {
            long ops = ctx.ops(), g = ctx.goroutines.sum();
            if (ops >= opsGoal && g >= goroutineGoal) {
                break;
            }
            Kind kind;
            if ((double) g / goroutineGoal < (double) ops / opsGoal || rnd.nextInt(16) == 0) {
                kind = Kind.SPAWN;
            } else {
                kind = Kind.values()[rnd.nextInt(Kind.SPAWN.ordinal())];
            }
            SoakCell cell = new SoakCell(ctx, kind, "runner " + id + " cell " + serial++);
            current[id] = cell.desc() + " (building)";
            SoakCells.build(kind, cell, rnd);
            current[id] = cell.desc();
            cell.disturb(rnd);
            current[id] = cell.desc() + " (joining)";
            cell.join();
            cell.check();
            current[id] = "between cells";
        }
    }
}
