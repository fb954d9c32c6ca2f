package dev.goloom.testing;

import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.GoroutineInfo;
import dev.goloom.scheduler.GoroutineState;
import dev.goloom.scheduler.Goroutines;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Goroutine leak checks without JUnit: Go's {@code goleak.VerifyNone} and {@code goleak.Find} for goloom.
 * {@link GoLeakCheck} runs the same check around each JUnit 5 test.
 *
 * <pre>{@code
 * GoLeakOptions options = GoLeakOptions.defaults().ignoreCurrent();   // before: what is alive now is not a leak
 * runTheCodeUnderTest();
 * GoLeaks.verifyNone(options);   // after: throws GoLeakError listing what it started and did not end
 * }</pre>
 *
 * <h2>What is a leak</h2>
 * A goroutine that is alive (started on a goloom scheduler and not terminated) when the check looks, and that the
 * options do not forgive: not alive when {@link GoLeakOptions#ignoreCurrent()} was taken, not on a scheduler left
 * out by {@link GoLeakOptions#schedulers}, not matched by a name or function option. Every goloom scheduler is
 * looked at ({@link Goroutines#schedulers()}): one built in the test, one built before it, the default one.
 * Platform threads, the JDK's own virtual threads and goloom's system goroutines (the JDK's socket pollers) are not
 * goroutines here, as in {@link Goroutines}.
 *
 * <h2>Settling</h2>
 * A goroutine that was just released, or that signalled a latch as its last act, is still running when the test
 * returns. {@link #verifyNone} therefore looks again, backing off from 10 microseconds to 100 ms between looks (as
 * goleak does), until nothing is left or the options' settle time has passed, and only then reports what is left,
 * from a final snapshot with each goroutine's wait reason, channels and stack. A clean test costs one look.
 *
 * <h2>Interrupts, closing schedulers, parallel tests</h2>
 * <ul>
 *   <li>If the calling thread is interrupted before or during the settle wait, the wait ends at once, the
 *       interrupt status stays set, and the check reports what it found at that point (a {@link GoLeakError}
 *       whose message says the wait was interrupted), or returns if nothing was left.</li>
 *   <li>A scheduler that terminates during the check (shut down, its last goroutine ended) drops out with its
 *       goroutines: none of them is alive. A scheduler that is shut down but still runs goroutines keeps them:
 *       they are leaks.</li>
 *   <li>The check cannot tell who started a goroutine. Goroutines started meanwhile by code running in parallel
 *       with the code under test (another test, with JUnit's parallel execution) are leaks too: check such tests
 *       on schedulers of their own ({@link GoLeakOptions#schedulers}). goleak has the same limit.</li>
 * </ul>
 *
 * <p>Cost: each look lists the live goroutines of the checked schedulers (and reads their stacks only with a
 * function option); the final report reads every goroutine's stack on the schedulers where leaks are left, as a
 * goroutine dump does. Thread-safe; any thread may call these methods, a goroutine included.
 */
public final class GoLeaks {
    /** The first pause between two looks; doubled each time. */
    static final long FIRST_BACKOFF_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    /** The longest pause between two looks (goleak's default {@code maxSleep}). */
    static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private GoLeaks() {
    }

    /**
     * The ids ({@code Thread.threadId()}) of the goroutines alive now on every goloom scheduler: the set
     * {@link GoLeakOptions#ignoreCurrent()} forgives. Ids are never reused in a JVM, so a later goroutine is never
     * mistaken for one of these.
     */
    public static Set<Long> snapshotIds() {
        Set<Long> ids = new HashSet<>();
        for (GoScheduler s : Goroutines.schedulers()) {
            for (Thread t : s.goroutines()) {
                if (t.isAlive()) {
                    ids.add(t.threadId());
                }
            }
        }
        return Set.copyOf(ids);
    }

    /**
     * The leaked goroutines now, without waiting (goleak's {@code Find}): every live goroutine of the checked
     * schedulers that {@code options} do not forgive, grouped by scheduler (oldest first), sorted by id. The settle
     * time is not used.
     *
     * @throws NullPointerException if {@code options} is null
     */
    public static List<GoroutineInfo> find(GoLeakOptions options) {
        Objects.requireNonNull(options, "options");
        List<GoScheduler> checked = new ArrayList<>();
        for (GoScheduler s : Goroutines.schedulers()) {
            if (options.checksScheduler(s.name())) {
                checked.add(s);
            }
        }
        return snapshotLeaks(options, checked);
    }

    /**
     * Returns if no goroutine leaked, waiting up to the options' settle time for those it finds to end (see the
     * class comment); else throws a {@link GoLeakError} listing each one left in Go's traceback shape.
     *
     * @throws NullPointerException if {@code options} is null
     * @throws GoLeakError          if goroutines the options do not forgive are still alive after the settle time,
     *                              or when the calling thread is interrupted
     */
    public static void verifyNone(GoLeakOptions options) {
        Objects.requireNonNull(options, "options");
        long settleNanos = saturatedNanos(options.settleTime());
        long start = System.nanoTime();
        long backoff = FIRST_BACKOFF_NANOS;
        boolean interrupted = false;
        Set<GoScheduler> suspects;
        for (;;) {
            suspects = suspects(options);
            if (suspects.isEmpty()) {
                return;
            }
            long left = settleNanos - (System.nanoTime() - start);
            if (left <= 0) {
                break;
            }
            if (Thread.currentThread().isInterrupted()) {
                interrupted = true;
                break;
            }
            awaitSettle(Math.min(backoff, left));
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
        }
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        List<GoroutineInfo> leaks = snapshotLeaks(options, suspects);
        if (leaks.isEmpty()) {
            return; // the last ones ended between the last look and the snapshot
        }
        throw new GoLeakError(message(leaks, interrupted, waitedMillis, options.settleTime()), leaks);
    }

    /** One pause of the settle wait; returns at once if the thread is interrupted (its status stays set). */
    private static void awaitSettle(long nanos) {
        LockSupport.parkNanos(GoLeaks.class, nanos);
    }

    /** The checked schedulers with at least one live goroutine the options do not forgive: a cheap look. */
    private static Set<GoScheduler> suspects(GoLeakOptions options) {
        Set<GoScheduler> out = new LinkedHashSet<>();
        boolean stacks = options.looksAtStacks();
        for (GoScheduler s : Goroutines.schedulers()) {
            if (!options.checksScheduler(s.name())) {
                continue;
            }
            for (Thread t : s.goroutines()) {
                if (t.isAlive() && !options.ignores(t.threadId(), t.getName(),
                        stacks ? List.of(t.getStackTrace()) : List.of())) {
                    out.add(s);
                    break;
                }
            }
        }
        return out;
    }

    /** The full record of each leak on {@code schedulers}, read as a goroutine dump reads them. */
    private static List<GoroutineInfo> snapshotLeaks(GoLeakOptions options, Iterable<GoScheduler> schedulers) {
        List<GoroutineInfo> out = new ArrayList<>();
        for (GoScheduler s : schedulers) {
            for (GoroutineInfo gi : Goroutines.snapshot(s)) {
                if (gi.state() != GoroutineState.DONE && !options.ignores(gi.id(), gi.name(), gi.stack())) {
                    out.add(gi);
                }
            }
        }
        return out;
    }

    static String message(List<GoroutineInfo> leaks, boolean interrupted, long waitedMillis, Duration settle) {
        StringBuilder b = new StringBuilder(256 * leaks.size()).append("found unexpected goroutines:\n");
        for (GoroutineInfo gi : leaks) {
            b.append('\n').append(gi.traceback());
        }
        if (interrupted) {
            b.append("\n(the wait for them to end was interrupted after ").append(waitedMillis)
                    .append(" ms of the settle time of ").append(TimeUnit.NANOSECONDS.toMillis(saturatedNanos(settle)))
                    .append(" ms)\n");
        }
        return b.toString();
    }

    private static long saturatedNanos(Duration d) {
        return d.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : d.toNanos();
    }
}
