package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.TimerHeap;
import dev.goloom.scheduler.spi.Timers;

import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The scheduler's timers: one {@link TimerHeap} per P, run by the carriers themselves. Go: the timer half of
 * {@code time.go} and {@code proc.go}: {@code addtimer}, {@code checkTimers}, {@code runtimer},
 * {@code timeSleepUntil}, {@code wakeNetPoller}, and the {@code netpoll(delay)} sleep of findRunnable.
 *
 * <h2>Who runs a timer</h2>
 * <ol>
 *   <li>The carrier holding its P, at the top of every {@code M.findRunnable} (Go: {@code checkTimers(pp, 0)});
 *       an unpark from an action then puts the goroutine in that P's {@code runnext}.</li>
 *   <li>A spinning carrier, on the last pass of {@code M.stealWork}, for every other P (Go: the same), and any
 *       carrier at its fairness tick (every 61st task) for other Ps whose timers are overdue (goloom: so that
 *       carriers busy with short tasks reach the timers of idle or blocked Ps without spinning).</li>
 *   <li>The <b>timer sleeper</b>: when a carrier goes idle while timers are pending and no other carrier sleeps
 *       for them, it sleeps until the earliest deadline instead of parking on the idle-M list (Go: the M that
 *       blocks in {@code netpoll(delay)}); other idle carriers park untimed. Woken, it takes a free P if there
 *       is one and runs every due timer with it, else runs them without a P (their goroutines go to the global
 *       queue, Go's {@code injectglist}), and sleeps again.</li>
 *   <li>Sysmon, as a backstop: an overdue timer while a token is free and nobody spins starts a spinning
 *       carrier; overdue timers count as waiting work when sysmon decides to take a hog's token (Go: sysmon's
 *       {@code timeSleepUntil} check).</li>
 * </ol>
 *
 * <h2>No lost wake-ups (timers)</h2>
 * The mirror of the run queues' "Delicate dance", for the sleeper:
 * <ol>
 *   <li><b>Adder</b> ({@link #addtimer} from a thread holding no P): (1) publish the timer in a heap (its lock);
 *       (2) full fence; (3) read {@link #sleeper} and {@link #pollUntil}: unpark the sleeper if the new timer is
 *       earlier, or {@code wakep} if nobody sleeps (Go: {@code wakeNetPoller}).</li>
 *   <li><b>Sleeper</b> ({@link #sleep}): (1) CAS itself into {@link #sleeper} and store {@link #pollUntil}; (2)
 *       full fence; (3) recompute the earliest timer of every heap before each park.</li>
 * </ol>
 * A goroutine adding to its own P's heap skips the {@code wakep} (its carrier looks at that heap before it can go
 * idle) but still breaks a sleeper that would sleep past the new timer.
 *
 * <h2>Ps that go away</h2>
 * A P removed by {@code setMaxProcs} hands its heap to a live P under the sched lock ({@code Sched.retire},
 * {@code TimerHeap.moveAllTo}), and the remover then calls {@link #moved}, which is the adder recipe's steps 2 and 3
 * for the moved deadlines. A thread that picked the removed P from a stale {@code allp()} finds its heap closed and
 * picks again, so no timer is ever left in a heap nobody scans. A RETIRING P keeps its heap (it is still in
 * {@code allp()}, scanned like any other) until its owner retires it.
 *
 * <h2>Termination</h2>
 * {@link #terminate()} drops every heap; the sleeper exits with the other idle carriers; {@link #addtimer} on a
 * terminated scheduler returns null (callers fall back to their own timer thread).
 */
final class SchedTimers {
    /** Timers taken from a heap per lock acquisition. */
    static final int BATCH = 32;

    /** A timer in a P's heap: runs {@link #action}, or unparks {@link #unparkee} (a goroutine's timed park). */
    static final class GoTimer extends TimerHeap.Node implements Timers.Timer {
        private final Runnable action;
        private final Thread unparkee;

        GoTimer(Runnable action, Thread unparkee) {
            this.action = action;
            this.unparkee = unparkee;
        }

        @Override
        public boolean cancel() {
            return TimerHeap.cancel(this);
        }

        /** Go: {@code runOneTimer}, the action half. Called by a carrier, no lock held. */
        void run() {
            if (action != null) {
                action.run();
            } else {
                LockSupport.unpark(unparkee);
            }
        }

        @Override
        public String toString() {
            return "GoTimer[" + (action != null ? action : "unpark " + unparkee) + "]";
        }
    }

    private final Sched sched;
    /** Round-robin choice of a P for timers added by threads that hold none. */
    private final AtomicInteger nextP = new AtomicInteger();
    /** Go: the M blocked in netpoll (sched.lastpoll == 0). Set by CAS by that M; cleared by it. */
    private volatile M sleeper;
    /** Go: sched.pollUntil. The sleeper's wake-up deadline; written by the sleeper, read by adders. */
    private volatile long pollUntil = TimerHeap.NONE;

    SchedTimers(Sched sched) {
        this.sched = sched;
    }

    // ============================================================================================ adding

    /**
     * Go: {@code addtimer}. A timer {@code delayNanos} from now on {@code m}'s P (or, if {@code m} holds none or
     * is null, on a P chosen round-robin, waking the scheduler if it is the new earliest). Any thread; {@code m}
     * must be the calling carrier or null.
     *
     * @return the timer, or null if the scheduler has terminated
     */
    GoTimer addtimer(M m, long delayNanos, Runnable action, Thread unparkee) {
        if (sched.isTerminated()) {
            return null;
        }
        long now = System.nanoTime();
        long when = delayNanos <= 0 ? now : now + delayNanos;
        if (when < now) {
            when = TimerHeap.NONE - 1; // saturate: "never", but still a timer that cancel can remove
        }
        GoTimer t = new GoTimer(action, unparkee);
        P pp = m != null ? m.p : null;
        if (pp != null) {
            int added = pp.timers.add(t, when); // never CLOSED: only pp's owner (this carrier) can retire pp
            if (added == TimerHeap.EARLIEST && when < pollUntil) {
                wakeNetPoller(when, false);
            }
            if (added != TimerHeap.CLOSED) {
                return t;
            }
        }
        for (;;) {
            int added = liveTarget(sched.allp(), sched.lvProcs()).timers.add(t, when);
            if (added == TimerHeap.EARLIEST) {
                wakeNetPoller(when, true);
            }
            if (added != TimerHeap.CLOSED) {
                return t;
            }
            // The P was removed after this thread read allp (see "Ps that go away"): pick again.
        }
    }

    /**
     * The next of the Ps with the lowest {@code procs} ids in {@code ps} (an {@code allp()} snapshot), round-robin:
     * where timers of threads holding no P go, and where a removed P's timers go. Any thread.
     */
    P liveTarget(P[] ps, int procs) {
        return ps[Math.floorMod(nextP.getAndIncrement(), Math.min(ps.length, procs))];
    }

    /**
     * A removed P's timers were moved to a live heap under the sched lock; {@code earliest} is the earliest moved
     * deadline, or {@link TimerHeap#NONE} if none moved (then nothing to do). Wakes the sleeper if it would sleep
     * past them, or a carrier if nobody sleeps (the adder recipe's steps 2 and 3). Any thread, sched lock not held.
     */
    void moved(long earliest) {
        if (earliest != TimerHeap.NONE && !sched.isTerminated()) {
            wakeNetPoller(earliest, true);
        }
    }

    /**
     * Go: {@code wakeNetPoller}. A new earliest timer {@code when} was published (adder step 1): after a fence,
     * unpark the sleeper if it would sleep past it; if nobody sleeps and {@code wakep}, start a spinning carrier
     * (which, finding nothing, becomes the sleeper). Any thread.
     */
    private void wakeNetPoller(long when, boolean wakep) {
        VarHandle.fullFence(); // adder step 2
        M s = sleeper;
        if (s != null) {
            if (when < pollUntil) {
                LockSupport.unpark(s);
            }
        } else if (wakep) {
            sched.wakep();
        }
    }

    // =========================================================================================== running

    /**
     * Go: {@code checkTimers(pp, now)}. Runs {@code from}'s due timers on carrier {@code m} (which holds
     * {@code pp}, or null: then woken goroutines go to the global queue). Called by {@code m} only.
     *
     * @return the number of timers run
     */
    int checkTimers(M m, P pp, P from) {
        long w = from.timers.earliest();
        if (w == TimerHeap.NONE) {
            return 0; // no clock read for a P without timers (Go: the same)
        }
        return w <= System.nanoTime() ? runDue(m, pp, from, System.nanoTime()) : 0;
    }

    /**
     * Runs the due timers of every P except {@code pp} (Go: stealWork's last pass, {@code checkTimers(p2)}). Called
     * by {@code m} only.
     *
     * @return the number of timers run
     */
    int checkOtherTimers(M m, P pp) {
        int ran = 0;
        long now = 0;
        for (P p2 : sched.allp()) {
            if (p2 == pp) {
                continue;
            }
            long w = p2.timers.earliest();
            if (w != TimerHeap.NONE && w <= (now == 0 ? (now = System.nanoTime()) : now)) {
                ran += runDue(m, pp, p2, now);
            }
        }
        return ran;
    }

    /** Go: {@code timers.run} in a loop: take a batch of due timers under the heap's lock, run them without it. */
    private int runDue(M m, P pp, P from, long now) {
        if (!from.timers.tryStartRun()) {
            return 0; // another carrier runs this heap's due timers, in order (TimerHeap.tryStartRun)
        }
        try {
            return runDueClaimed(m, pp, from, now);
        } finally {
            from.timers.endRun();
        }
    }

    private int runDueClaimed(M m, P pp, P from, long now) {
        TimerHeap.Node[] batch = m.timerBatch;
        int total = 0;
        int n;
        do {
            n = from.timers.takeDue(now, batch);
            if (n != 0) { // counted before the actions run: whoever an action wakes already sees the count
                (pp != null ? pp.counters : m.counters).add(Counter.TIMERS_RUN, n);
            }
            for (int i = 0; i < n; i++) {
                GoTimer t = (GoTimer) batch[i];
                batch[i] = null;
                try {
                    t.run();
                } catch (Throwable e) {
                    sched.scheduler.reportUncaught(t::run, e);
                }
            }
            total += n;
        } while (n == batch.length);
        return total;
    }

    /** Go: {@code timeSleepUntil}. The earliest deadline over every P, or {@link TimerHeap#NONE}. Any thread. */
    long timeSleepUntil() {
        long next = TimerHeap.NONE;
        for (P p : sched.allp()) {
            next = Math.min(next, p.timers.earliest());
        }
        return next;
    }

    // ========================================================================================== sleeping

    /**
     * Go: findRunnable's tail ({@code netpoll(delay)} or {@code stopm}). Carrier {@code m}, holding no P, parks:
     * until the earliest timer if timers are pending and no other carrier sleeps for them, else on the idle-M
     * list. Returns like {@code Carriers.stopm}: true with a P acquired, false if the carrier must exit. Called by
     * {@code m} only.
     */
    boolean stopm(M m) {
        for (;;) {
            long next = timeSleepUntil();
            if (next == TimerHeap.NONE || sched.isTerminated()) {
                return sched.carriers.stopm(m);
            }
            if (sleeper != null || !SLEEPER.compareAndSet(this, null, m)) {
                // Another carrier sleeps for the timers. Go: "netpollBreak if it would sleep past ours".
                M s = sleeper;
                if (s != null && next < pollUntil) {
                    LockSupport.unpark(s);
                }
                if (sleeper != null) {
                    return sched.carriers.stopm(m);
                }
                continue; // it just woke: look again
            }
            int r = sleep(m);
            if (r != RETRY) {
                return r == GOT_P;
            }
        }
    }

    private static final int RETRY = 0;
    private static final int GOT_P = 1;
    private static final int EXIT = 2;

    /** The sleeper's loop: sleep until the earliest timer, then run the due ones. {@code m} is {@link #sleeper}. */
    private int sleep(M m) {
        boolean counted = false;
        try {
            for (;;) {
                pollUntil = timeSleepUntil(); // sleeper step 1 (with the CAS)
                VarHandle.fullFence();        // sleeper step 2
                long next = timeSleepUntil(); // sleeper step 3
                pollUntil = next;
                if (sched.isTerminated()) {
                    return EXIT;
                }
                if (next == TimerHeap.NONE) {
                    return RETRY; // every timer was cancelled: park on the idle list instead
                }
                if (!sched.runq.isEmpty()) {
                    P p = sched.takeIdleP(); // work came in while we decided to sleep (Carriers.stopm's re-check)
                    if (p != null) {
                        Sched.acquirep(m, p);
                        m.spinning = false;
                        return GOT_P;
                    }
                }
                long now = System.nanoTime();
                if (next > now) {
                    if (!counted) {
                        counted = true;
                        m.counters.inc(Counter.THREAD_PARKS);
                    }
                    LockSupport.parkNanos(this, next - now);
                    continue;
                }
                // Due. Take a P if one is free and run them there (their goroutines go to its runnext and local
                // ring); else run them without a P (the global queue).
                P p = sched.takeIdleP();
                if (p != null) {
                    Sched.acquirep(m, p);
                    m.spinning = false;
                    runAllDue(m, p);
                    return GOT_P;
                }
                runAllDue(m, null);
            }
        } finally {
            pollUntil = TimerHeap.NONE;
            sleeper = null;
            VarHandle.fullFence(); // an adder that saw no sleeper after this wakes a carrier itself
            if (counted) {
                m.counters.inc(Counter.THREAD_UNPARKS);
            }
        }
    }

    /** Runs the due timers of every P on {@code m} (holding {@code pp}, or null). Called by {@code m} only. */
    private void runAllDue(M m, P pp) {
        if (pp != null) {
            checkTimers(m, pp, pp);
        }
        checkOtherTimers(m, pp);
    }

    /** True if some timer's deadline passed more than {@code slackNanos} ago. Any thread (sysmon). */
    boolean overdue(long now, long slackNanos) {
        long next = timeSleepUntil();
        return next != TimerHeap.NONE && next < now - slackNanos;
    }

    /** Timers pending on every heap (a racy sum). Any thread. */
    long pending() {
        long n = 0;
        for (P p : sched.allp()) {
            n += p.timers.size();
        }
        return n;
    }

    /** The scheduler terminated: drop every timer and wake the sleeper so that it exits. Any thread. */
    void terminate() {
        for (P p : sched.allp()) {
            p.timers.clear();
        }
        M s = sleeper;
        if (s != null) {
            LockSupport.unpark(s);
        }
    }

    private static final java.lang.invoke.VarHandle SLEEPER;

    static {
        try {
            SLEEPER = java.lang.invoke.MethodHandles.lookup().findVarHandle(SchedTimers.class, "sleeper", M.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
