package dev.goloom.report;

import dev.goloom.channels.Chan;
import dev.goloom.channels.ChannelClosedException;
import dev.goloom.channels.ChannelInterruptedException;
import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;
import dev.goloom.select.Select;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

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
 */
public final class Soak {
    static final long FULL_OPS = 1_000_000_000L;
    static final long FULL_GOROUTINES = 10_000_000L;
    /** Elements of producer {@code p} are {@code p * STRIDE + i}: unique within a cell, their sender decodable. */
    private static final long STRIDE = 1L << 32;
    /** The value a disabled {@code sendFrom} case is given (Select calls every supplier; it is never sent). */
    private static final Long UNUSED = -1L;
    private static final Duration[] TIMEOUTS = {Duration.ofNanos(50_000), Duration.ofNanos(200_000),
            Duration.ofMillis(1)};
    private static final int[] CAPS = {0, 0, 1, 16, 256};
    private static final long MIB = 1024 * 1024;

    private enum Kind { DIRECT, FANIN, FANOUT, CHAIN, SPAWN }

    private final SoakOptions opts;
    private final PrintStream out;
    private final GoScheduler scheduler;
    private final ThreadFactory threads;
    private final long opsTarget;
    private final long goroutineTarget;

    // Totals, added by each coordinator once its cell has been checked (goroutines: at each start).
    private final LongAdder sends = new LongAdder();
    private final LongAdder receives = new LongAdder();
    private final LongAdder goroutines = new LongAdder();
    private final LongAdder cells = new LongAdder();
    private final LongAdder[] cellsByKind = newAdders(Kind.values().length);
    private final LongAdder interruptsSent = new LongAdder();
    private final LongAdder interruptedOps = new LongAdder();
    private final LongAdder completedInterrupted = new LongAdder();
    private final LongAdder closedSends = new LongAdder();
    private final LongAdder earlyCloses = new LongAdder();
    private final LongAdder doubleCloses = new LongAdder();
    private final LongAdder timeouts = new LongAdder();
    private final LongAdder drops = new LongAdder();
    private final AtomicReference<String> failure = new AtomicReference<>();
    /** What each runner is doing, for a stuck report. */
    private final String[] current;

    private Soak(SoakOptions opts, PrintStream out) {
        this.opts = opts;
        this.out = out;
        this.scheduler = GoScheduler.builder().maxProcs(Runtime.getRuntime().availableProcessors())
                .name("goloom-soak").build();
        this.threads = GoVirtualThreads.ofVirtual(scheduler).factory();
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
        try {
            GoVirtualThreads.checkAccess();
        } catch (IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
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

        long s = sends.sum(), r = receives.sum(), ops = s + r, g = goroutines.sum();
        double secs = elapsed / 1e9;
        out.println();
        out.printf(Locale.ROOT, "channel operations %,d (sends %,d, receives %,d), goroutines %,d, cells %,d (%s)%n",
                ops, s, r, g, cells.sum(), kinds());
        out.printf(Locale.ROOT, "disturbances: interrupts sent %,d; operations that threw InterruptedException %,d; "
                        + "operations that completed with the interrupt set %,d; early closes %,d; sends that found "
                        + "the channel closed %,d; double-close checks %,d; timeouts (select, trySend, tryRecv) %,d; "
                        + "elements dropped at a closed link %,d%n",
                interruptsSent.sum(), interruptedOps.sum(), completedInterrupted.sum(), earlyCloses.sum(),
                closedSends.sum(), doubleCloses.sum(), timeouts.sum(), drops.sum());
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
        if (failure.get() != null) {
            problems.add(failure.get());
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
            runners.add(go(() -> runner(id, rnd, opsGoal, goroutineGoal)));
        }
        long deadline = t0 + Duration.ofMinutes(opts.phaseMinutes()).toNanos();
        long lastCells = cells.sum(), lastProgress = t0, lastReport = t0;
        for (;;) {
            boolean done = true;
            for (Thread t : runners) {
                done &= !t.isAlive();
            }
            if (done && failure.get() == null) {
                break;
            }
            long now = System.nanoTime();
            String stuck = null;
            if (failure.get() != null) {
                stuck = "failed: " + failure.get();
            } else if (now - deadline > 0) {
                stuck = "phase " + n + " not done after " + opts.phaseMinutes() + " minutes";
            } else if (cells.sum() != lastCells) {
                lastCells = cells.sum();
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
        long ops = sends.sum() + receives.sum();
        out.printf(Locale.ROOT, "  %s: %.1f s, %,d / %,d channel ops, %,d / %,d goroutines, %,d cells; %s%n",
                what, (System.nanoTime() - t0) / 1e9, ops, opsGoal, goroutines.sum(), goroutineGoal, cells.sum(),
                scheduler.stats().schedtrace());
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
                    .append(String.format(Locale.ROOT, "%,d", cellsByKind[k.ordinal()].sum()));
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
        while (failure.get() == null) {
            long ops = sends.sum() + receives.sum(), g = goroutines.sum();
            if (ops >= opsGoal && g >= goroutineGoal) {
                break;
            }
            Kind kind;
            if ((double) g / goroutineGoal < (double) ops / opsGoal || rnd.nextInt(16) == 0) {
                kind = Kind.SPAWN;
            } else {
                kind = Kind.values()[rnd.nextInt(Kind.SPAWN.ordinal())];
            }
            Cell cell = new Cell(kind, "runner " + id + " cell " + serial++);
            current[id] = cell.desc + " (building)";
            switch (kind) {
                case DIRECT -> direct(cell, rnd);
                case FANIN -> fanin(cell, rnd);
                case FANOUT -> fanout(cell, rnd);
                case CHAIN -> chain(cell, rnd);
                case SPAWN -> spawn(cell, rnd);
            }
            current[id] = cell.desc;
            cell.disturb(rnd);
            current[id] = cell.desc + " (joining)";
            cell.join();
            cell.check();
            current[id] = "between cells";
        }
    }

    // ================================================================================================ cells

    /** {@code direct}: producers into one channel, consumers out of it. */
    private void direct(Cell cell, SplittableRandom rnd) {
        int cap = CAPS[rnd.nextInt(CAPS.length)], producers = rnd.nextInt(1, 5), consumers = rnd.nextInt(1, 5);
        int per = rnd.nextInt(100, 5_000);
        cell.describe("direct cap=" + cap + " producers=" + producers + " consumers=" + consumers + " per=" + per);
        Chan<Long> ch = Chan.make(cap);
        CloseOnce close = new CloseOnce(ch);
        AtomicInteger left = new AtomicInteger(producers);
        for (int p = 0; p < producers; p++) {
            long base = p * STRIDE;
            int mode = mode(rnd);
            Tally t = cell.tally();
            cell.go(() -> {
                for (int i = 0; i < per && sendOne(ch, 0, base + i, t, mode); i++) {
                    // sent
                }
                if (left.decrementAndGet() == 0) {
                    close.close();
                }
            });
        }
        for (int c = 0; c < consumers; c++) {
            int mode = mode(rnd);
            Tally t = cell.tally();
            cell.go(() -> consume(cell, ch, 0, t, mode, producers));
        }
        cell.closable(close);
    }

    /** {@code fanin}: a producer per input, mergers selecting over every input and the output, consumers. */
    private void fanin(Cell cell, SplittableRandom rnd) {
        int inputs = rnd.nextInt(2, 7), mergers = rnd.nextInt(1, 3), consumers = rnd.nextInt(1, 4);
        int outCap = CAPS[rnd.nextInt(CAPS.length)], per = rnd.nextInt(100, 2_000);
        boolean timed = rnd.nextInt(4) == 0;
        @SuppressWarnings("unchecked")
        Chan<Long>[] in = new Chan[inputs];
        StringBuilder caps = new StringBuilder();
        for (int p = 0; p < inputs; p++) {
            in[p] = Chan.make(CAPS[rnd.nextInt(CAPS.length)]);
            caps.append(p == 0 ? "" : ",").append(in[p].cap());
        }
        cell.describe("fanin inputs=" + inputs + " caps=" + caps + " mergers=" + mergers + " out cap=" + outCap
                + " consumers=" + consumers + " per=" + per + (timed ? " timed" : ""));
        Chan<Long> outCh = Chan.make(outCap);
        CloseOnce outClose = new CloseOnce(outCh);
        for (int p = 0; p < inputs; p++) {
            Chan<Long> ch = in[p];
            int link = 1 + p, mode = mode(rnd);
            long base = p * STRIDE;
            CloseOnce close = new CloseOnce(ch);
            cell.closable(close);
            Tally t = cell.tally();
            cell.go(() -> {
                for (int i = 0; i < per && sendOne(ch, link, base + i, t, mode); i++) {
                    // sent
                }
                close.close();
            });
        }
        AtomicInteger left = new AtomicInteger(mergers);
        for (int m = 0; m < mergers; m++) {
            int maxHeld = rnd.nextInt(1, 5);
            Duration timeout = timed ? TIMEOUTS[rnd.nextInt(TIMEOUTS.length)] : null;
            Tally t = cell.tally();
            cell.go(() -> {
                merge(in, outCh, maxHeld, timeout, t);
                if (left.decrementAndGet() == 0) {
                    outClose.close();
                }
            });
        }
        for (int c = 0; c < consumers; c++) {
            int mode = mode(rnd);
            Tally t = cell.tally();
            cell.go(() -> consume(cell, outCh, 0, t, mode, 0));
        }
    }

    /**
     * A fan-in merger: Go's {@code select { case v, ok := <-in[i]: ...; case out <- held[0]: ... }}, the receive
     * cases enabled while fewer than {@code maxHeld} elements are held, the send case while any is held, a closed
     * input's case disabled for good. Input {@code i} is link {@code 1 + i}, the output link 0.
     */
    private void merge(Chan<Long>[] in, Chan<Long> outCh, int maxHeld, Duration timeout, Tally t) {
        ArrayDeque<Long> held = new ArrayDeque<>(maxHeld);
        Select sel = new Select();
        for (Chan<Long> ch : in) {
            sel.recv(ch);
        }
        int sendCase = in.length;
        sel.sendFrom(outCh, () -> held.isEmpty() ? UNUSED : held.peekFirst(), null);
        boolean[] closed = new boolean[in.length];
        int open = in.length;
        boolean receiving = true;
        while (open > 0 || !held.isEmpty()) {
            boolean wantRecv = held.size() < maxHeld;
            if (wantRecv != receiving) {
                for (int i = 0; i < in.length; i++) {
                    if (!closed[i]) {
                        if (wantRecv) {
                            sel.enable(i);
                        } else {
                            sel.disable(i);
                        }
                    }
                }
                receiving = wantRecv;
            }
            if (held.isEmpty()) {
                sel.disable(sendCase);
            } else {
                sel.enable(sendCase);
            }
            int c;
            try {
                c = timeout == null ? sel.select() : sel.select(timeout);
            } catch (InterruptedException e) {
                t.interrupted++;
                continue;
            }
            t.afterOp();
            if (c == Select.TIMED_OUT) {
                t.timeouts++;
            } else if (c == sendCase) {
                t.sent(0, held.removeFirst());
            } else {
                Long v = sel.received();
                if (v == null) {
                    closed[c] = true;
                    open--;
                    sel.disable(c);
                } else {
                    t.received(1 + c, v);
                    held.addLast(v);
                }
            }
        }
    }

    /** {@code fanout}: one producer selecting over send cases on 2 to 4 outputs, consumers on each output. */
    private void fanout(Cell cell, SplittableRandom rnd) {
        int outputs = rnd.nextInt(2, 5), per = rnd.nextInt(200, 5_000);
        boolean timed = rnd.nextInt(4) == 0;
        Duration timeout = timed ? TIMEOUTS[rnd.nextInt(TIMEOUTS.length)] : null;
        @SuppressWarnings("unchecked")
        Chan<Long>[] outs = new Chan[outputs];
        CloseOnce[] closes = new CloseOnce[outputs];
        StringBuilder caps = new StringBuilder();
        for (int k = 0; k < outputs; k++) {
            outs[k] = Chan.make(CAPS[rnd.nextInt(CAPS.length)]);
            closes[k] = new CloseOnce(outs[k]);
            cell.closable(closes[k]);
            caps.append(k == 0 ? "" : ",").append(outs[k].cap());
        }
        int[] consumers = new int[outputs];
        for (int k = 0; k < outputs; k++) {
            consumers[k] = rnd.nextInt(1, 3);
        }
        cell.describe("fanout outputs=" + outputs + " caps=" + caps + " consumers=" + Arrays.toString(consumers)
                + " per=" + per + (timed ? " timed" : ""));
        Tally pt = cell.tally();
        cell.go(() -> {
            Long[] value = {0L};
            Select sel = new Select();
            for (Chan<Long> ch : outs) {
                sel.sendFrom(ch, () -> value[0], null);
            }
            boolean[] enabled = new boolean[outputs];
            Arrays.fill(enabled, true);
            int open = outputs;
            for (int i = 0; i < per && open > 0; ) {
                int c;
                try {
                    c = timeout == null ? sel.select() : sel.select(timeout);
                } catch (InterruptedException e) {
                    pt.interrupted++;
                    continue;
                } catch (ChannelClosedException e) {
                    pt.closedSends++;
                    for (int k = 0; k < outputs; k++) {
                        if (enabled[k] && outs[k].isClosed()) {
                            enabled[k] = false;
                            open--;
                            sel.disable(k);
                        }
                    }
                    continue;
                }
                pt.afterOp();
                if (c == Select.TIMED_OUT) {
                    pt.timeouts++;
                    continue;
                }
                pt.sent(c, value[0]);
                value[0] = (long) ++i;
            }
            for (CloseOnce close : closes) {
                close.close();
            }
        });
        for (int k = 0; k < outputs; k++) {
            for (int c = 0; c < consumers[k]; c++) {
                int link = k, mode = mode(rnd);
                Chan<Long> ch = outs[k];
                Tally t = cell.tally();
                cell.go(() -> consume(cell, ch, link, t, mode, 1));
            }
        }
    }

    /** {@code chain}: producer, 1 to 4 forwarding stages, consumer; link {@code j} is channel {@code j}. */
    private void chain(Cell cell, SplittableRandom rnd) {
        int stages = rnd.nextInt(1, 5), per = rnd.nextInt(200, 5_000);
        @SuppressWarnings("unchecked")
        Chan<Long>[] links = new Chan[stages + 1];
        CloseOnce[] closes = new CloseOnce[stages + 1];
        StringBuilder caps = new StringBuilder();
        for (int j = 0; j <= stages; j++) {
            links[j] = Chan.make(CAPS[rnd.nextInt(CAPS.length)]);
            closes[j] = new CloseOnce(links[j]);
            cell.closable(closes[j]);
            caps.append(j == 0 ? "" : ",").append(links[j].cap());
        }
        cell.describe("chain stages=" + stages + " caps=" + caps + " per=" + per);
        int pmode = mode(rnd);
        Tally pt = cell.tally();
        cell.go(() -> {
            for (int i = 0; i < per && sendOne(links[0], 0, i, pt, pmode); i++) {
                // sent
            }
            closes[0].close();
        });
        for (int j = 0; j < stages; j++) {
            int link = j, mode = mode(rnd);
            Tally t = cell.tally();
            cell.go(() -> {
                Chan<Long> in = links[link], next = links[link + 1];
                long last = -1;
                boolean outClosed = false;
                for (Long v; (v = recvOne(in, t, mode)) != null; ) {
                    t.received(link, v);
                    cell.expect(v > last, "stage " + link + " received " + v + " after " + last);
                    last = v;
                    if (outClosed || !sendOne(next, link + 1, v, t, mode)) {
                        outClosed = true;
                        t.drops++;
                    }
                }
                closes[link + 1].close();
            });
        }
        int cmode = mode(rnd);
        Tally ct = cell.tally();
        cell.go(() -> consume(cell, links[stages], stages, ct, cmode, 1));
    }

    /** {@code spawn}: a feeder, many one-element goroutines, a collector. */
    private void spawn(Cell cell, SplittableRandom rnd) {
        int n = rnd.nextInt(50, 401);
        Chan<Long> work = Chan.make(CAPS[rnd.nextInt(CAPS.length)]);
        Chan<Long> results = Chan.make(CAPS[rnd.nextInt(CAPS.length)]);
        cell.describe("spawn goroutines=" + n + " work cap=" + work.cap() + " results cap=" + results.cap());
        CloseOnce workClose = new CloseOnce(work), resultsClose = new CloseOnce(results);
        AtomicInteger left = new AtomicInteger(n);
        for (int i = 0; i < n; i++) {
            int mode = i % 8 == 0 ? 1 : i % 8 <= 2 ? 2 : 0;
            Tally t = cell.tally();
            cell.go(() -> {
                Long v = recvOne(work, t, mode);
                if (v != null) {
                    t.received(0, v);
                    sendOne(results, 1, v, t, mode);
                }
                if (left.decrementAndGet() == 0) {
                    resultsClose.close();
                }
            });
        }
        Tally ft = cell.tally();
        cell.go(() -> {
            for (int i = 0; i < n && sendOne(work, 0, i, ft, 0); i++) {
                // sent
            }
            workClose.close();
        });
        Tally ct = cell.tally();
        int cmode = mode(rnd);
        cell.go(() -> consume(cell, results, 1, ct, cmode, 0));
    }

    // ================================================================================================ operations

    /**
     * Sends {@code v} on {@code ch} (link {@code link}) until it is sent (true) or the channel is closed (false):
     * an interrupt or a timeout means nothing was sent, so it tries again. Modes: 0 {@code send}, 1 a timed
     * {@code trySend}, 2 {@code trySend} then {@code send}.
     */
    private boolean sendOne(Chan<Long> ch, int link, long v, Tally t, int mode) {
        Long e = v;
        for (;;) {
            try {
                switch (mode) {
                    case 0 -> ch.send(e);
                    case 1 -> {
                        if (!ch.trySend(e, TIMEOUTS[(int) (v % TIMEOUTS.length)])) {
                            t.timeouts++;
                            continue;
                        }
                    }
                    default -> {
                        if (!ch.trySend(e)) {
                            ch.send(e);
                        }
                    }
                }
                t.afterOp();
                t.sent(link, v);
                return true;
            } catch (InterruptedException ie) {
                t.interrupted++;
            } catch (ChannelClosedException ce) {
                t.closedSends++;
                if (!ch.isClosed()) {
                    fail("send threw " + ce + " on a channel that is not closed");
                }
                return false;
            }
        }
    }

    /**
     * Receives one element from {@code ch}, trying again after an interrupt or a timeout; null once {@code ch} is
     * closed and drained. Modes: 0 and 2 {@code recv}, 1 a timed {@code tryRecv} ({@code recv} once closed).
     */
    private Long recvOne(Chan<Long> ch, Tally t, int mode) {
        for (;;) {
            try {
                Long v;
                if (mode == 1) {
                    v = ch.tryRecv(TIMEOUTS[(int) (t.recvs % TIMEOUTS.length)]);
                    if (v == null) {
                        if (!ch.isClosed()) {
                            t.timeouts++;
                            continue;
                        }
                        v = ch.recv(); // closed: elements sent before the close may still be buffered
                    }
                } else {
                    v = ch.recv();
                }
                t.afterOp();
                return v;
            } catch (InterruptedException e) {
                t.interrupted++;
            }
        }
    }

    /**
     * Receives from {@code ch} (link {@code link}) until it is closed and drained, then checks the closed state.
     * Mode 2 ranges over the channel ({@code for (v : ch)}). With {@code senders > 0}, checks that elements of each
     * sender ({@code v / STRIDE}) arrive in increasing order.
     */
    private void consume(Cell cell, Chan<Long> ch, int link, Tally t, int mode, int senders) {
        long[] last = new long[senders];
        Arrays.fill(last, -1);
        Iterator<Long> it = mode == 2 ? ch.iterator() : null;
        for (;;) {
            Long v;
            if (it != null) {
                try {
                    v = it.hasNext() ? it.next() : null;
                } catch (ChannelInterruptedException e) {
                    Thread.interrupted(); // the iterator sets the status again; nothing was received
                    t.interrupted++;
                    continue;
                }
            } else {
                v = recvOne(ch, t, mode);
            }
            if (v == null) {
                break;
            }
            t.received(link, v);
            if (senders > 0) {
                int p = (int) (v / STRIDE);
                cell.expect(v > last[p], "receiver on link " + link + " got " + v + " after " + last[p]);
                last[p] = v;
            }
        }
        cell.expect(ch.isClosed(), "recv returned null on an open channel " + ch);
        cell.expect(ch.tryRecv() == null, "tryRecv returned an element after the closed state on " + ch);
        if (ThreadLocalRandom.current().nextInt(8) == 0) {
            try {
                boolean sent = ch.trySend(UNUSED);
                cell.expect(false, "trySend on closed " + ch + " returned " + sent + " instead of throwing");
            } catch (ChannelClosedException expected) {
                // as Go panics
            }
        }
    }

    // ================================================================================================ helpers

    /**
     * A worker's operation mode (see {@link #sendOne} and {@link #recvOne}): timed operations one time in eight,
     * so that timeouts fire regularly without leaving the cores idle waiting for them.
     */
    private static int mode(SplittableRandom rnd) {
        int r = rnd.nextInt(8);
        return r == 0 ? 1 : r <= 2 ? 2 : 0;
    }

    private Thread go(Body body) {
        Thread t = threads.newThread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                fail(Thread.currentThread() + " threw " + e);
                e.printStackTrace();
            }
        });
        t.start();
        goroutines.increment();
        return t;
    }

    private void fail(String message) {
        failure.compareAndSet(null, message);
    }

    private static long mix(int link, long v) {
        long z = v * 0x9E3779B97F4A7C15L + (link + 1) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static LongAdder[] newAdders(int n) {
        LongAdder[] a = new LongAdder[n];
        for (int i = 0; i < n; i++) {
            a[i] = new LongAdder();
        }
        return a;
    }

    /** A goroutine body that may be interrupted; the workers never let an interrupt escape. */
    @FunctionalInterface
    private interface Body {
        void run() throws InterruptedException;
    }

    /**
     * One goroutine's counts, written only by it and read by its coordinator after the join (happens-before).
     * Hash sums wrap; equality of count and sum is the check.
     */
    private static final class Tally {
        long sends, sendHash, recvs, recvHash, drops, interrupted, completedInterrupted, closedSends, timeouts;

        void sent(int link, long v) {
            sends++;
            sendHash += mix(link, v);
        }

        void received(int link, long v) {
            recvs++;
            recvHash += mix(link, v);
        }

        /** After an operation returned normally: it may have completed although the interrupt came first. */
        void afterOp() {
            if (Thread.interrupted()) { // cleared, so each interrupt is counted once
                completedInterrupted++;
            }
        }
    }

    /** Closes a channel once, whoever asks first (its producers at the end, or the coordinator early). */
    private final class CloseOnce {
        private final Chan<Long> ch;
        private final AtomicBoolean closed = new AtomicBoolean();

        CloseOnce(Chan<Long> ch) {
            this.ch = ch;
        }

        boolean close() {
            if (!closed.compareAndSet(false, true)) {
                return false;
            }
            ch.close();
            if (ThreadLocalRandom.current().nextInt(16) == 0) {
                doubleCloses.increment();
                try {
                    ch.close();
                    fail("close of closed " + ch + " did not throw");
                } catch (ChannelClosedException expected) {
                    // as Go panics
                }
            }
            return true;
        }
    }

    /** A cell: its goroutines, their tallies, the channels the coordinator may close early. */
    private final class Cell {
        private final Kind kind;
        private String desc;
        private final List<Thread> workers = new ArrayList<>();
        private final List<Tally> tallies = new ArrayList<>();
        private final List<CloseOnce> closable = new ArrayList<>();
        /** First violation seen by a worker (order, closed state); checked with the counts. */
        private final AtomicReference<String> violation = new AtomicReference<>();

        Cell(Kind kind, String desc) {
            this.kind = kind;
            this.desc = desc;
        }

        void describe(String what) {
            desc = desc + ": " + what;
        }

        Tally tally() {
            Tally t = new Tally();
            tallies.add(t);
            return t;
        }

        void go(Body body) {
            workers.add(Soak.this.go(() -> {
                try {
                    body.run();
                } finally {
                    Thread.interrupted(); // a late interrupt must not leak into anything else
                }
            }));
        }

        void closable(CloseOnce c) {
            closable.add(c);
        }

        void expect(boolean ok, String message) {
            if (!ok) {
                violation.compareAndSet(null, message);
            }
        }

        /** 0 to 8 interrupts of random workers, yields in between; in a third of the cells an early close. */
        void disturb(SplittableRandom rnd) {
            int interrupts = rnd.nextInt(9);
            int closeAt = !closable.isEmpty() && rnd.nextInt(3) == 0 ? rnd.nextInt(interrupts + 1) : -1;
            for (int i = 0; i <= interrupts; i++) {
                for (int y = rnd.nextInt(40); y > 0; y--) {
                    Thread.yield();
                }
                if (i == closeAt && closable.get(rnd.nextInt(closable.size())).close()) {
                    earlyCloses.increment();
                }
                if (i < interrupts) {
                    workers.get(rnd.nextInt(workers.size())).interrupt();
                    interruptsSent.increment();
                }
            }
        }

        void join() throws InterruptedException {
            for (Thread t : workers) {
                t.join();
            }
        }

        /** Sends equal receives in count and hash per cell; adds the cell to the totals, or fails the soak. */
        void check() {
            long s = 0, sh = 0, r = 0, rh = 0;
            for (Tally t : tallies) {
                s += t.sends;
                sh += t.sendHash;
                r += t.recvs;
                rh += t.recvHash;
                interruptedOps.add(t.interrupted);
                completedInterrupted.add(t.completedInterrupted);
                closedSends.add(t.closedSends);
                timeouts.add(t.timeouts);
                drops.add(t.drops);
            }
            if (s != r || sh != rh) {
                fail(String.format(Locale.ROOT, "%s: %,d elements sent, %,d received; hash sums %016x / %016x",
                        desc, s, r, sh, rh));
            }
            if (violation.get() != null) {
                fail(desc + ": " + violation.get());
            }
            sends.add(s);
            receives.add(r);
            cellsByKind[kind.ordinal()].increment();
            cells.increment();
        }
    }
}
