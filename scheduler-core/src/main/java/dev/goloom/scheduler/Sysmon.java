package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.WaitClock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * Go's {@code sysmon}: a daemon thread, one per scheduler, that takes run tokens away from carriers that cannot use
 * them and asks hogs to yield. Started with the first carrier; stops when the scheduler terminates.
 *
 * <p>The JDK unmounts a virtual thread for most blocking, but not for file I/O, native calls, class initialisers
 * or pinned sections, and it never preempts a running one. So every round ({@link #retake}) sysmon looks at each P
 * holding a token:
 * <ul>
 *   <li>SYSCALL (an explicit {@code Syscall.blocking}): retake once it stayed in the same syscall for a sysmon tick,
 *       unless nothing waits for it (its queue and the global queue are empty, some carrier spins or a token is
 *       free) and it is younger than 10 ms (Go: retake's {@code _Psyscall} rule).</li>
 *   <li>RUNNING with its carrier in one task for {@code blockedThreshold}: ask the kernel about the carrier
 *       ({@link CarrierClock}). On a CPU for at least 1/8 of that time: busy; set the goroutine's preempt flag
 *       ({@code Go.checkpoint()} yields on it), and retake if work is waiting, so the waiting work runs on another
 *       carrier while the OS time-slices the hog. Less CPU and asleep in the kernel, unpreempted, on two windows
 *       in a row: blocked, retake. Less CPU but runnable, or preempted by the kernel during the window: descheduled
 *       (other processes hold the cores); leave it, since one more carrier would only add a runnable thread to an
 *       overloaded machine.</li>
 * </ul>
 * A token retaken goes to another carrier with another P object ({@link Sched#handoffp}); why the token moves and
 * not the P: docs/adr/0001-run-token-moves-not-the-p.md.
 *
 * <p>Timers (Go: sysmon's {@code timeSleepUntil} check): a timer overdue by {@link #TIMER_SLACK_NANOS} is one no
 * carrier got to. If a token is free and nobody spins, sysmon starts a spinning carrier (it runs other Ps' timers
 * on its last steal pass); and overdue timers count as waiting work when it decides whether to take a busy
 * carrier's token.
 *
 * <p>Sleep (Go: sysmon's {@code delay}): 20 us, doubling after 50 rounds in which it retook nothing (at once while
 * every token is free), up to 10 ms; and, once every token has been free and no tokenless P has held work for
 * {@link #DEEP_SLEEP_AFTER_NANOS}, until {@link #wake()} (or, with timers pending, until just after the earliest
 * one: a backstop for the carrier that sleeps for them). Go sleeps at the first all-idle round; goloom's wake-up
 * would then cost every request of a lightly loaded server a futex call.
 *
 * <p>Every round also stores the time in the coarse clock that goroutine waits are timed with
 * ({@code spi.WaitClock}); going to its all-idle sleep, sysmon marks that clock unknown, and whoever wakes it
 * stores the time again.
 *
 * <p>maxProcs (Go: sysmon's {@code sysmonUpdateGOMAXPROCS} call): once a second, while the scheduler's maxProcs
 * is a default (the container's CPU limit or the CPU count) and {@code -Dgoloom.updatemaxprocs} is not false,
 * sysmon reads the default again and resizes if it changed ({@link Procresize#update}). It does so only in rounds
 * it is awake for: an idle scheduler picks a change up when work next wakes it.
 *
 * <p>Deadlocks (Go: {@code checkdead}), only with {@code -Dgoloom.deadlock=warn|fail} or the builder's
 * {@code deadlock}: every all-idle round hands the time to {@link Checkdead}, which looks for goroutines all asleep
 * on channels once the scheduler has been idle for the grace period; the all-idle sleep then ends when a look is
 * due. With detection off (the default) sysmon holds no {@code Checkdead} and does nothing more.
 *
 * <p>State: the per-P {@link Tick}s are touched only by the sysmon thread; {@link #sleeping} is the one field
 * shared with other threads (see {@link #wake()}).
 */
final class Sysmon {
    /** Go: sysmon's first and longest sleep. */
    static final long MIN_DELAY_NANOS = 20_000;
    static final long MAX_DELAY_NANOS = 10_000_000;
    /** Rounds without a retake before the sleep starts doubling (Go: idle > 50). */
    static final int IDLE_ROUNDS_BEFORE_BACKOFF = 50;
    /** A carrier that used less than 1/8 of a core while stuck in one task is blocked (or descheduled). */
    static final int BLOCKED_CPU_FRACTION = 8;
    /** The CPU of a stuck carrier is measured over a window of this fraction of the blocked threshold. */
    static final int CPU_WINDOW_FRACTION = 4;
    /**
     * A look at a carrier's run state that took longer than this fraction of the blocked threshold (1.25 ms by
     * default; reading {@code /proc} takes microseconds) found sysmon itself stopped, so it gives no verdict.
     */
    static final int SLOW_LOOK_FRACTION = 8;
    /**
     * Every token must have been free this long before sysmon sleeps until woken. Shorter idle spells (a server
     * between bursts of requests) only back its sleep off to {@link #MAX_DELAY_NANOS}: waking a deep-sleeping
     * sysmon costs the thread that starts work (often a server's dispatcher) a futex wake-up, and sysmon itself
     * a burst of short sleeps; see docs/adr/0006-external-submissions.md.
     */
    static final long DEEP_SLEEP_AFTER_NANOS = 100_000_000;
    /** A timer this late is one no carrier got to (carriers run due timers within microseconds). */
    static final long TIMER_SLACK_NANOS = 1_000_000;
    /** Go: retake leaves a P in a syscall alone this long if nothing waits for it. */
    static final long SYSCALL_GRACE_NANOS = 10_000_000;

    private static final VarHandle STARTED;

    static {
        try {
            STARTED = MethodHandles.lookup().findVarHandle(Sysmon.class, "started", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** What sysmon last saw of one P (Go: {@code p.sysmontick}). Sysmon thread only. */
    static final class Tick {
        int syscallTick = -1;
        long syscallWhen;
        int runSeq = -1;
        /** When sysmon first saw the current task. */
        long runWhen;
        /** Start of the CPU window (0: not open): CPU is sampled only for carriers stuck past the threshold. */
        long cpuWhen;
        long runCpu = -1;
        /** The carrier's involuntary context switches at the start of the CPU window (-1: unknown). */
        long runPreempts = -1;
        /** The last verdict on this task saw it asleep in the kernel with little CPU (one more makes it blocked). */
        boolean sawAsleep;
        /** The carrier's voluntary context switches at that verdict (-1: unknown). */
        long asleepSleeps = -1;
        boolean preempted;
    }

    private final Sched sched;
    private volatile boolean started;
    private volatile Thread thread;
    /** True while in the all-idle sleep (Go: sched.sysmonwait). Written by sysmon, read by {@link #wake()}. */
    private volatile boolean sleeping;
    /** This round saw a timer overdue by {@link #TIMER_SLACK_NANOS}. Sysmon thread only. */
    private boolean timersOverdue;
    /** When the scheduler was built (schedtrace's elapsed time). */
    private final long startNanos = System.nanoTime();
    /** {@code -Dgoloom.schedtrace} in ns (0: off), and when the next line is due. Sysmon thread only. */
    private final long traceNanos;
    private long nextTrace;
    /** When {@link #updateProcsIfDue} last read the default maxProcs. Sysmon thread only. */
    private long lastProcsUpdate = System.nanoTime();
    /** The first failed round was logged. Sysmon thread only. */
    private boolean failureLogged;
    /** Indexed by P id; grown when spare Ps appear or the scheduler grows. Sysmon thread only. */
    private Tick[] ticks = new Tick[0];
    /** Reads stuck carriers' run state. Sysmon thread only. */
    private final CarrierClock clock = new CarrierClock();
    /** Go: checkdead. Null while deadlock detection is off (the default). Sysmon thread only. */
    private final Checkdead checkdead;

    Sysmon(Sched sched) {
        this.sched = sched;
        this.checkdead = sched.config.deadlock == DeadlockMode.OFF ? null : new Checkdead(sched);
        this.traceNanos = sched.config.schedtraceNanos;
        this.nextTrace = startNanos + traceNanos;
    }

    /**
     * Go: sysmon's {@code schedtrace(debug.scheddetail > 0)} call. Prints the scheduler's {@code schedtrace} line to
     * stderr, with the milliseconds since the scheduler was built, and with {@code -Dgoloom.scheddetail=true} a line
     * per P and per carrier. Sysmon thread only; allocates (once per interval, never with tracing off).
     */
    private void traceIfDue() {
        long now = System.nanoTime();
        if (now < nextTrace) {
            return;
        }
        nextTrace = now + traceNanos;
        try {
            StringBuilder out = new StringBuilder(256);
            out.append("SCHED ").append((now - startNanos) / 1_000_000).append("ms ")
                    .append(sched.scheduler.stats().schedtrace().substring("SCHED ".length())).append('\n');
            if (sched.config.scheddetail) {
                for (P p : sched.allp()) {
                    M m = p.m;
                    out.append("  P").append(p.id).append(": status=").append(P.statusName(p.status()))
                            .append(" schedtick=").append(p.schedtick)
                            .append(" m=").append(m == null ? -1 : m.mid)
                            .append(" runqsize=").append(p.steal.size())
                            .append(" runnext=").append(p.steal.hasNext())
                            .append(" timers=").append(p.timers.size()).append('\n');
                }
                sched.carriers.describe(out);
            }
            System.err.print(out);
        } catch (Throwable e) { // out of memory while tracing: skip this line
            failed(e);
        }
    }

    /**
     * Go: sysmon's {@code if debug.updatemaxprocs != 0 && lastgomaxprocs+1e9 <= now}. Once per update interval,
     * while maxProcs is automatic and updates are on, reads the default again and resizes if it changed
     * ({@link Procresize#update}). Sysmon thread only; reads files and allocates a little, once a second.
     */
    private void updateProcsIfDue() {
        long interval = sched.config.procsUpdateNanos;
        if (interval == 0 || !SchedulerConfig.isAutomatic(sched.procsSource())) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastProcsUpdate < interval) {
            return;
        }
        lastProcsUpdate = now;
        try {
            sched.resizer.update();
        } catch (Throwable e) { // out of memory while reading: retry next interval
            failed(e);
        }
    }

    /** Starts the sysmon thread unless it runs already. Any thread; never blocks. */
    void startOnce() {
        if (started || !STARTED.compareAndSet(this, false, true)) {
            return;
        }
        Thread t = new Thread(null, this::loop, sched.config.name + "-sysmon", 0, false);
        t.setDaemon(true);
        thread = t;
        WaitClock.tick(System.nanoTime()); // the first goroutines may park before the thread's first round
        t.start();
    }

    /**
     * Wakes sysmon from its all-idle sleep. Called after taking a token: the fence orders that store before the
     * read of {@link #sleeping}, the mirror of the loop's "set flag, fence, re-check the free tokens". Any thread.
     */
    void wake() {
        VarHandle.fullFence();
        if (sleeping) {
            // Goroutines about to run may park before sysmon's first round: give their waits a start time. This
            // store comes after sysmon's UNKNOWN (which precedes its write of sleeping), so it is not overwritten.
            WaitClock.tick(System.nanoTime());
            LockSupport.unpark(thread);
        }
    }

    /** Lets the loop see termination. Any thread. */
    void stop() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void loop() {
        WaitClock.sysmonAwake(System.nanoTime());
        try {
            loopUntilTerminated();
        } finally {
            WaitClock.sysmonAsleep();
        }
    }

    private void loopUntilTerminated() {
        int idle = 0;
        long delay = MIN_DELAY_NANOS;
        long allIdleSince = 0; // when sysmon first saw every token free (0: some P is busy)
        while (!sched.isTerminated()) {
            if (idle == 0) {
                delay = MIN_DELAY_NANOS;
            } else if (idle > IDLE_ROUNDS_BEFORE_BACKOFF || allIdleSince != 0) {
                delay = Math.min(delay * 2, MAX_DELAY_NANOS);
            }
            LockSupport.parkNanos(this, traceNanos == 0 ? delay : Math.min(delay, Math.max(0, nextTrace - System.nanoTime())));
            sched.counters.inc(Counter.SYSMON_WAKEUPS);
            WaitClock.tick(System.nanoTime()); // the coarse clock of goroutine waits (Go: waitsince)
            if (traceNanos != 0) {
                traceIfDue();
            }
            updateProcsIfDue();
            if (sched.lvFreeTokens() == sched.lvProcs() && !sched.anyTokenlessWork()) {
                long now = System.nanoTime();
                if (allIdleSince == 0) {
                    allIdleSince = now;
                }
                if (checkdead != null) {
                    lookForDeadlock(now);
                }
                if (now - allIdleSince < DEEP_SLEEP_AFTER_NANOS || traceNanos != 0) { // Go: no deep sleep while tracing
                    idle++; // idle for a moment only (a server between requests): back off, stay awake
                    continue;
                }
                deepSleep();
                allIdleSince = 0;
                idle = 0;
                continue;
            }
            allIdleSince = 0;
            if (checkdead != null) {
                checkdead.busyRound();
            }
            int retaken;
            try {
                long now = System.nanoTime();
                timersOverdue = sched.timers.overdue(now, TIMER_SLACK_NANOS);
                if (timersOverdue) {
                    startTimerCarrier();
                }
                retaken = retake(now);
            } catch (Throwable e) { // OutOfMemoryError while the heap is full, or a bug: never let sysmon die
                retaken = 0;
                failed(e);
            }
            idle = retaken != 0 ? 0 : idle + 1;
        }
    }

    /** Go: checkdead, from an all-idle round. Never lets a failure (out of memory while dumping) end sysmon. */
    private void lookForDeadlock(long now) {
        try {
            checkdead.idleRound(now);
        } catch (Throwable e) {
            failed(e);
        }
    }

    /**
     * Go: "all Ps idle": sleeps until {@link #wake()} (with timers pending, until just after the earliest; with a
     * deadlock look pending, until it is due). Dekker pair with wake(): publish the flag, fence, re-check; a token
     * taker takes a token, fences, then reads the flag.
     */
    private void deepSleep() {
        WaitClock.sysmonAsleep(); // before the flag: a waker that sees the flag refreshes the clock after this
        sleeping = true;
        VarHandle.fullFence();
        if (sched.lvFreeTokens() == sched.lvProcs() && !sched.isTerminated()) {
            long next = sched.timers.timeSleepUntil();
            long until = next == Long.MAX_VALUE ? Long.MAX_VALUE : next + MAX_DELAY_NANOS;
            if (checkdead != null) {
                until = Math.min(until, checkdead.dueNanos()); // a deadlock look is due (Go: checkdead)
            }
            if (until == Long.MAX_VALUE) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, Math.max(0, until - System.nanoTime()));
            }
            sched.counters.inc(Counter.SYSMON_WAKEUPS);
        }
        sleeping = false;
        WaitClock.sysmonAwake(System.nanoTime());
    }

    /**
     * A round failed (typically {@link OutOfMemoryError}: the heap is full and a hand-off needed a new carrier).
     * sysmon goes on with its next round, which retries; the first failure is logged once, lazily, because
     * logging allocates and may itself fail while the heap is full.
     */
    void failed(Throwable e) {
        sched.counters.inc(Counter.SYSMON_FAILURES);
        if (failureLogged) {
            return;
        }
        try {
            System.getLogger("dev.goloom.scheduler").log(System.Logger.Level.WARNING,
                    "goloom scheduler '" + sched.config.name + "': sysmon round failed, retrying", e);
            failureLogged = true;
        } catch (Throwable ignored) {
            // still out of memory: try to log at the next failure
        }
    }

    /**
     * Go: {@code retake}. One look at every P (see the class comment). Sysmon thread only.
     *
     * @return the number of tokens retaken
     */
    private int retake(long now) {
        int n = 0;
        P[] ps = sched.allp();
        for (P p : ps) {
            if (p.id >= ticks.length) { // ids, not positions: allp skips DEAD Ps
                growTicks(sched.allPs().length);
            }
            Tick tick = ticks[p.id];
            int st = p.status();
            if (st == P.SYSCALL) {
                if (retakeSyscall(p, tick, now)) {
                    n++;
                }
            } else if (P.tokenless(st)) { // BLOCKED, or RETIRING after a shrink
                if (rescueTokenlessWork(p)) {
                    n++;
                }
            } else if (st == P.RUNNING) {
                if (retakeRunning(p, tick, now)) {
                    n++;
                }
            }
        }
        return n;
    }

    private void growTicks(int n) {
        Tick[] grown = Arrays.copyOf(ticks, n);
        for (int i = ticks.length; i < n; i++) {
            grown[i] = new Tick();
        }
        ticks = grown;
    }

    /** A P in an explicit syscall: retake it after one tick in the same call, unless nothing waits for it. */
    private boolean retakeSyscall(P p, Tick tick, long now) {
        int syscallTick = p.loSyscallTick();
        if (tick.syscallTick != syscallTick) {
            tick.syscallTick = syscallTick;
            tick.syscallWhen = now;
            return false;
        }
        if (p.steal.isEmpty() && sched.runq.isEmpty() && sched.lvNmspinning() + sched.lvFreeTokens() > 0
                && now - tick.syscallWhen < SYSCALL_GRACE_NANOS) {
            return false;
        }
        if (sched.takeToken(p, P.SYSCALL)) {
            sched.counters.inc(Counter.HANDOFFS_SYSCALL);
            SchedulerEvents.handoff(sched, p, p.m, SchedulerEvents.SYSCALL, now - tick.syscallWhen);
            sched.handoffp(p);
            return true;
        }
        return false;
    }

    /** A running P: if its carrier has been in one task for the threshold, classify it and act. */
    private boolean retakeRunning(P p, Tick tick, long now) {
        M m = p.m;
        if (m == null) {
            return false;
        }
        int seq = m.loRunSeq();
        if ((seq & 1) == 0) {
            tick.runSeq = -1; // between tasks
            return false;
        }
        if (seq != tick.runSeq) { // a new task since the last look
            tick.runSeq = seq;
            tick.runWhen = now;
            tick.cpuWhen = 0;
            tick.sawAsleep = false;
            tick.preempted = false;
            return false;
        }
        if (now - tick.runWhen < sched.config.blockedThresholdNanos) {
            return false;
        }
        // Stuck past the threshold. Measure its CPU over a short window from here on (sampling CPU allocates in
        // the JDK, so sysmon does it only for stuck carriers, never for every task it sees).
        if (tick.cpuWhen == 0) {
            tick.cpuWhen = now;
            tick.runCpu = CarrierClock.cpuTime(m);
            tick.runPreempts = clock.readSwitches(m).involuntary();
            return false;
        }
        long wall = now - tick.cpuWhen;
        if (wall < sched.config.blockedThresholdNanos / CPU_WINDOW_FRACTION) {
            return false;
        }
        long cpu = CarrierClock.cpuTime(m);
        boolean busy = cpu >= 0 && tick.runCpu >= 0 && (cpu - tick.runCpu) * BLOCKED_CPU_FRACTION >= wall;
        tick.cpuWhen = now; // the next verdict on this task looks at a fresh window
        tick.runCpu = cpu;
        if (!busy) {
            CarrierClock.Switches switches = clock.readSwitches(m);
            long preempts = switches.involuntary();
            boolean kernelPreempted = preempts >= 0 && tick.runPreempts >= 0 && preempts > tick.runPreempts;
            tick.runPreempts = preempts;
            long lookStart = System.nanoTime();
            int state = clock.runState(m);
            long lookNanos = System.nanoTime() - lookStart;
            boolean lookStalled = lookNanos > sched.config.blockedThresholdNanos / SLOW_LOOK_FRACTION;
            if (kernelPreempted || state == CarrierClock.RUNNABLE) {
                // Descheduled: little CPU, yet runnable now or preempted during the window (a thread asleep in the
                // kernel all along is never preempted): other processes hold the cores. Another carrier would be
                // one more runnable thread on an overloaded machine, not more progress: leave it.
                tick.sawAsleep = false;
                return false;
            }
            if (lookStalled) {
                // The look itself took far longer than reading /proc does: sysmon was stopped too. Either the OS
                // descheduled it, or the JVM held every Java thread at a safepoint that a loaded machine stretched
                // (each runnable Java thread must get a CPU before the safepoint begins), which stops the carrier
                // asleep in the kernel as a blocking call would. Such a look says nothing: no verdict.
                return false;
            }
            long sleeps = switches.voluntary();
            if (!tick.sawAsleep || sleeps != tick.asleepSleeps) { // both -1 where /proc is missing: as before
                // One look is a snapshot: a runnable carrier also sleeps briefly, e.g. stopped at a safepoint or a
                // handshake that a loaded machine stretches. Blocked means asleep on two verdicts in a row (one CPU
                // window apart) in one sleep: the carrier did not go to sleep again in between (its voluntary
                // context switches did not move), so it did not wake and run between two such stops.
                tick.sawAsleep = true;
                tick.asleepSleeps = sleeps;
                return false;
            }
            // Blocked: little CPU and asleep in the kernel (file I/O, a native call, a pinned park).
            if (sched.takeToken(p, P.RUNNING)) {
                sched.counters.inc(Counter.HANDOFFS_BLOCKED);
                SchedulerEvents.handoff(sched, p, m, SchedulerEvents.BLOCKED, now - tick.runWhen);
                sched.handoffp(p);
                return true;
            }
            return false;
        }
        // Busy: it burns CPU in one task. An earlier asleep verdict no longer counts: blocked means asleep on two
        // verdicts in a row, and two stops at safepoints with running in between are not two in a row.
        tick.sawAsleep = false;
        if (!tick.preempted) {
            tick.preempted = true;
            m.preempt = true; // Go: preemptone
            sched.counters.inc(Counter.PREEMPT_REQUESTS);
        }
        if ((!p.steal.isEmpty() || !sched.runq.isEmpty() || timersOverdue) && sched.takeToken(p, P.RUNNING)) {
            sched.counters.inc(Counter.HANDOFFS_BUSY);
            SchedulerEvents.handoff(sched, p, m, SchedulerEvents.BUSY, now - tick.runWhen);
            sched.handoffp(p);
            return true;
        }
        return false;
    }

    /**
     * Go: sysmon's "timers that should have already run: start an M". A timer is overdue: if a token is free and
     * nobody spins, start a spinning carrier, which runs every P's due timers on its last steal pass (or sleeps
     * for them). With no token free, the busy rule in {@link #retakeRunning} frees one.
     */
    private void startTimerCarrier() {
        if (sched.lvFreeTokens() == 0 || sched.lvNmspinning() != 0 || !sched.casNmspinning(0, 1)) {
            return;
        }
        sched.startm(null, true);
    }

    /**
     * The safety net for tokenless Ps: if one holds queued tasks, a token is free and nobody is looking, start a
     * spinning carrier to steal them (its own carrier is still blocked; Go moves the queue with the P instead).
     */
    private boolean rescueTokenlessWork(P p) {
        if (p.steal.isEmpty() || sched.lvFreeTokens() == 0 || sched.lvNmspinning() != 0
                || !sched.casNmspinning(0, 1)) {
            return false;
        }
        sched.startm(null, true);
        return true;
    }

}
