package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.TaskSupport;
import dev.goloom.scheduler.spi.WaitClock;
import dev.goloom.scheduler.spi.WaitDescriber;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The goroutine leak report of one scheduler (Go 1.26: the {@code goroutineleak} profile, which finds goroutines
 * blocked on something no runnable goroutine can reach), on only with {@link SchedulerConfig.Builder#leakReport}.
 *
 * <h2>How a leak is found</h2>
 * The JVM does Go's reachability analysis for us. A parked virtual thread is not a GC root: if nothing reachable
 * refers to it or to what it waits on (a goloom channel holds its waiters, a lock its queue, and the waiter its
 * thread), the collector frees the thread with its stack, because nothing can ever unpark it. Two holders would keep
 * every goroutine alive and must be out of the way:
 * <ul>
 *   <li>goloom's own registry: on this scheduler it holds each goroutine through a weak reference ({@link G.Ref}),
 *       enqueued on {@link #QUEUE} when the collector clears it;</li>
 *   <li>the JDK's root thread container, which holds every virtual thread started with the {@code Thread} API
 *       unless {@code -Djdk.trackAllThreads=false} (checked when the scheduler is built).</li>
 * </ul>
 * A goroutine whose reference is cleared before it terminated is a leak: it is removed from the registry (it no
 * longer counts as live, so a shut-down scheduler can terminate), counted, kept in a bounded list
 * ({@link Goroutines#leaked}) and printed.
 *
 * <h2>What the report shows</h2>
 * The collector leaves nothing to read, so the stack is taken before: every {@link SchedulerConfig#leakScanInterval()}
 * the shared {@code goloom-leaks} thread looks at each goroutine's state and park blocker (no stacks), and takes a
 * goroutine's full record ({@link GoroutineDump#inspect}) the second time in a row it finds it in the same wait, once
 * per wait. A leak is reported with the last such record: wait reason, the channels it waits on, wait time and
 * stack. A goroutine collected before a scan saw it wait for a whole interval is reported with its id, name and
 * creator only.
 *
 * <p>Threads: {@link #scan} and {@link #collected} run on the one {@code goloom-leaks} daemon thread (started with
 * the first such scheduler, shared by all); {@link #leaked()} on any thread.
 */
final class LeakReport {
    /** Where the collector enqueues the weak references of leaked goroutines of every such scheduler. */
    static final ReferenceQueue<Thread> QUEUE = new ReferenceQueue<>();
    /** At most this many leaks are kept per scheduler for {@link Goroutines#leaked} (the oldest are dropped). */
    static final int KEEP = 1_000;
    /** The schedulers with the report on that have not terminated. */
    private static final CopyOnWriteArrayList<LeakReport> ACTIVE = new CopyOnWriteArrayList<>();
    /** The shared daemon; guarded by the class lock. */
    private static Thread daemon;
    /** The daemon logs its first failure only. {@code goloom-leaks} only. */
    private static boolean loopFailureLogged;

    private final GoScheduler scheduler;
    private final long intervalNanos;
    private final Consumer<String> output;
    /** Next scan, on the {@code System.nanoTime} scale. {@code goloom-leaks} only. */
    private long nextScan;
    /** The leaks kept for {@link #leaked()}; guarded by itself. */
    private final ArrayDeque<GoroutineInfo> kept = new ArrayDeque<>();
    /** The first failure of the output is logged, the rest only counted. {@code goloom-leaks} only. */
    private boolean failureLogged;

    LeakReport(GoScheduler scheduler, SchedulerConfig config) {
        this.scheduler = scheduler;
        this.intervalNanos = config.leakScanIntervalNanos;
        this.output = config.leakOutput;
        this.nextScan = System.nanoTime() + intervalNanos;
    }

    /** Starts reporting for this scheduler (and the shared daemon, if it is the first). */
    void start() {
        ACTIVE.add(this);
        synchronized (LeakReport.class) {
            if (daemon == null) { // else the daemon picks this one up within a second (it waits at most 1 s)
                daemon = Thread.ofPlatform().daemon().name("goloom-leaks").unstarted(LeakReport::loop);
                daemon.start();
            }
        }
    }

    /** The scheduler terminated: no goroutine is left to scan or to leak. */
    void stop() {
        ACTIVE.remove(this);
    }

    /** The leaks found so far, oldest first (at most {@link #KEEP}). Any thread. */
    List<GoroutineInfo> leaked() {
        synchronized (kept) {
            return List.copyOf(kept);
        }
    }

    // ========================================================================================= goloom-leaks

    /**
     * The daemon: scans each scheduler when its interval has passed, and in between waits on the reference queue
     * for leaked goroutines. Survives anything thrown (an {@code OutOfMemoryError} while the heap is full
     * included): it counts the failure and goes on.
     */
    private static void loop() {
        for (;;) {
            try {
                long now = System.nanoTime();
                long wait = TimeUnit.SECONDS.toNanos(1);
                for (LeakReport r : ACTIVE) {
                    if (now - r.nextScan >= 0) {
                        r.scan();
                        r.nextScan = now + r.intervalNanos;
                    }
                    wait = Math.min(wait, r.nextScan - now);
                }
                Reference<? extends Thread> ref = QUEUE.remove(Math.max(1, TimeUnit.NANOSECONDS.toMillis(wait)));
                while (ref != null) {
                    if (ref instanceof G.Ref r) {
                        LeakReport report = r.scheduler.leakReport();
                        if (report != null) {
                            report.collected(r.g);
                        }
                    }
                    ref = QUEUE.poll();
                }
            } catch (Throwable e) {
                if (!loopFailureLogged) {
                    loopFailureLogged = true;
                    failedQuietly(e);
                }
            }
        }
    }

    /**
     * Go: the leak profile's marking, done by the JVM's collector; this only takes the records to report with.
     * Looks at each live goroutine's state and park blocker; takes its full record the second scan in a row that
     * finds it in the same wait, once per wait. Holds each thread only while looking at it.
     */
    void scan() {
        TaskSupport ts = TaskSupport.get();
        for (G rec : scheduler.goroutineRecords()) {
            G.Watched g = (G.Watched) rec; // every record of a scheduler with the leak report on
            Thread t = g.thread();
            if (t == null) {
                continue; // collected: its reference is on the queue
            }
            if (t.getState() != Thread.State.WAITING) {
                g.scanKey = 0; // running, runnable, or a timed wait (a timer holds it: it cannot leak)
                continue;
            }
            long key = waitKey(LockSupport.getBlocker(t));
            if (key != g.scanKey) {
                g.scanKey = key; // a new wait: take its record if the next scan still finds it
                continue;
            }
            if (key == g.seenKey) {
                continue; // this wait's record is taken
            }
            GoroutineInfo gi = GoroutineDump.inspect(scheduler, t, g, ts);
            if (gi.state() == GoroutineState.WAITING) {
                g.seen = gi;
                g.seenAt = WaitClock.current();
                g.seenKey = key;
            }
        }
        scheduler.sched().counters.inc(Counter.LEAK_SCANS);
    }

    /** Tells one wait from another: the park blocker's identity and, for a recorded wait, when it began. */
    private static long waitKey(Object blocker) {
        WaitDescriber.Wait w = WaitDescriber.describeBlocker(blocker);
        long key = 31L * System.identityHashCode(blocker) + (w != null ? w.since() : 0);
        return key == 0 ? 1 : key;
    }

    /** The collector cleared {@code g}'s thread: if it had not terminated, it leaked. */
    private void collected(G.Watched g) {
        if (!scheduler.leakCollected(g)) {
            return; // it terminated (and left the registry) before the collector freed it
        }
        scheduler.sched().counters.inc(Counter.LEAKED_GOROUTINES);
        GoroutineInfo gi = record(g);
        synchronized (kept) {
            if (kept.size() == KEEP) {
                kept.removeFirst();
            }
            kept.addLast(gi);
        }
        String text = header(scheduler.name(), g, gi);
        try {
            if (output != null) {
                output.accept(text);
            } else {
                System.err.print(text);
                System.err.flush();
            }
        } catch (Throwable e) {
            if (!failureLogged) {
                failureLogged = true;
                failedQuietly(e);
            }
        }
    }

    /** The leaked goroutine as the last scan saw it, its wait time brought up to now; or what is known of it. */
    private GoroutineInfo record(G.Watched g) {
        GoroutineInfo seen = g.seen;
        if (seen == null) {
            return new GoroutineInfo(g.id, g.name, scheduler.name(), GoroutineState.WAITING, null, -1, false,
                    List.of(), Thread.State.WAITING, null, -1, g.creatorId, g.creatorVirtual, List.of());
        }
        long waited = seen.waitMillis() < 0 ? -1 : seen.waitMillis() + Math.max(0, WaitClock.current() - g.seenAt);
        return new GoroutineInfo(seen.id(), seen.name(), seen.scheduler(), seen.state(), seen.waitReason(), waited,
                seen.waitObserved(), seen.channels(), seen.threadState(), seen.parkBlocker(), -1, seen.creatorId(),
                seen.creatorVirtual(), seen.stack());
    }

    /** The report of one leak: a line saying what happened, then the goroutine in the dump's traceback shape. */
    static String header(String schedulerName, G.Watched g, GoroutineInfo gi) {
        StringBuilder b = new StringBuilder(512).append("goroutine leak (scheduler ").append(schedulerName)
                .append("): goroutine ").append(g.id)
                .append(" can never run again: the collector found it and what it waits on unreachable\n");
        if (g.seen == null) {
            b.append("(no stack: it was collected before a scan saw it wait for a whole scan interval)\n");
        }
        try {
            GoroutineDump.printGoroutine(gi, b);
        } catch (java.io.IOException impossible) {
            throw new AssertionError(impossible);
        }
        return b.append('\n').toString();
    }

    /** Logs through {@code System.Logger} if it can; a full heap may make even that fail, which is ignored. */
    private static void failedQuietly(Throwable e) {
        try {
            System.getLogger("dev.goloom.scheduler").log(System.Logger.Level.WARNING,
                    "goloom: the goroutine leak report failed; it goes on", e);
        } catch (Throwable ignored) {
            // out of memory while logging: nothing more to do
        }
    }
}
