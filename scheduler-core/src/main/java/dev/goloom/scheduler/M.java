package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.StealResult;
import dev.goloom.scheduler.internal.TimerHeap;
import dev.goloom.scheduler.spi.Carrier;
import dev.goloom.scheduler.spi.TaskSupport;
import dev.goloom.scheduler.spi.Timers;
import dev.goloom.scheduler.spi.WaitClock;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A carrier: the platform thread that runs goroutines while it holds a P, and its scheduling loop. Go: {@code type m}
 * with {@code mstart}, {@code schedule}, {@code findRunnable}, {@code stealWork}, {@code execute}, and the
 * {@code entersyscall}/{@code exitsyscall} hooks of the goroutine running on it. Every method here except the
 * constructor and the {@code lo}-prefixed reads runs on this carrier's own thread.
 *
 * <h2>States</h2>
 * <pre>
 * FROM              -&gt; TO                   // cause
 * (new)             -&gt; RUNNING with P       // newm: started by startm with a P in nextp
 * RUNNING with P    -&gt; SPINNING with P      // findRunnable: local and global queues empty, allowed to spin
 * SPINNING with P   -&gt; RUNNING with P       // found work (resetspinning wakes another M)
 * SPINNING with P   -&gt; SPINNING with P      // watching a hand-off chain on another P (HandoffWatch)
 * RUNNING/SPINNING  -&gt; IDLE (no P)          // releasep + stopm: parked on the idle-M list
 * IDLE              -&gt; RUNNING/SPINNING     // startm popped it and handed it a P through nextp
 * RUNNING with P    -&gt; RUNNING, P tokenless // sysmon took its P's token (carrier blocked, or busy with work
 *                                           // waiting); it finishes its task, then takes a token back or
 *                                           // moves its queue to the global queue and parks (IDLE)
 * IDLE              -&gt; (exited)             // keep-alive expired while still on the idle list, or termination
 * </pre>
 * Only the M itself changes {@link #p}, {@link #spinning} and {@link #curTask}. The one cross-thread hand-off is
 * {@link #nextp} (with {@link #startSpinning}), written by {@code Sched.startm} after it removed this M from the
 * idle list under the sched lock, then {@code LockSupport.unpark}; before the thread starts, {@code newm} sets
 * them through the constructor.
 */
final class M extends Carrier {
    /** Go: findRunnable's {@code schedtick % 61}. */
    static final int FAIRNESS_TICK = 61;
    /** Go: stealWork's {@code stealTries}. */
    static final int STEAL_TRIES = 4;
    /** Inherited runs between two time-slice checks (each check reads the clock once). */
    static final int SLICE_CHECK_EVERY = 64;

    private static final VarHandle RUN_SEQ;

    static {
        try {
            RUN_SEQ = MethodHandles.lookup().findVarHandle(M.class, "runSeq", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Sched sched;
    final int mid;

    /** The P this M holds, or null. Owner only. */
    P p;
    /** Go: m.nextp. A P handed over by startm; the volatile write happens-before the M's read after unpark. */
    volatile P nextp;
    /** Go: m.spinning. Owner only; set from {@link #startSpinning} when the M takes a handed-over P. */
    boolean spinning;
    /**
     * True from the moment this idle M is about to park in {@code stopm} (false while it runs). Written by the M;
     * read by {@code startm} after its write of nextp, to skip {@code unpark} (a futex call on the thread starting
     * work) when the M will see nextp without it. (A spin-wait for nextp before parking was measured and did not
     * pay: docs/adr/0006-external-submissions.md.) Both are volatile: the M writes
     * {@code parking} then reads nextp, startm writes nextp then reads {@code parking}, so one of them sees the
     * other's write (the Dekker pattern; volatile accesses are sequentially consistent).
     */
    volatile boolean parking;
    /** Written with nextp by startm (before the volatile write of nextp): the M was woken to look for work. */
    volatile boolean startSpinning;
    /**
     * Task being run right now (to recognise a resubmission of itself from afterYield). Owner writes; goroutine
     * dumps read it racily ({@link #loCurTask()}).
     */
    Runnable curTask;
    /**
     * Go: the G in {@code _Gsyscall} on this M. The task that entered {@code Syscall.blocking} here and has not
     * left it, or null; with {@link #syscallSince}, its start on the {@code WaitClock} scale. Owner writes, plain,
     * only on syscall entry and exit (and cleared when a task returned with a syscall still open: it parked inside
     * the call and may leave it on another carrier); goroutine dumps read both racily and trust them only while
     * {@code syscallTask == curTask}.
     */
    Runnable syscallTask;
    long syscallSince;
    /**
     * Incremented when a task starts and when it ends (odd while running one). Owner writes with opaque stores
     * (no fence on the hot path); sysmon reads it with opaque loads to see a carrier stuck in one task.
     */
    private int runSeq;
    /** Go: gp.preempt for the goroutine running here. Set by sysmon; cleared at each task start and by a yield. */
    volatile boolean preempt;
    /** The kernel's thread id ({@link CarrierClock#currentTid()}), -1 if unknown; set at start, read by sysmon. */
    volatile int tid = -1;
    /** Go: inheritTime returned by runqget. Owner only. */
    boolean inheritTime;
    /** Link on the idle-M list. Guarded by the sched lock. */
    M link;
    /** True while on the idle-M list. Guarded by the sched lock. */
    boolean idle;

    /** Parks and unparks of this M. Owner writes. */
    final SingleWriterCounters counters = new SingleWriterCounters();
    /** What this M saw of hand-off chains while spinning. Owner only. */
    private final HandoffWatch watch = new HandoffWatch();
    /** Scratch for the timers taken from a heap at once ({@code SchedTimers}). Owner only. */
    final TimerHeap.Node[] timerBatch = new TimerHeap.Node[SchedTimers.BATCH];
    /** Reused result of every steal. Owner only. */
    private final StealResult stolen = new StealResult();
    /** Go's randomizeScheduler steal choices; null unless the scheduler was built with a seed. Owner only. */
    private final SplittableRandom rnd;

    M(Sched sched, int mid, P initial, boolean spinning) {
        super(sched.config.name + "-m" + mid);
        this.sched = sched;
        this.mid = mid;
        this.nextp = initial;
        this.startSpinning = spinning;
        this.rnd = sched.config.randomizeSeed != 0 ? new SplittableRandom(sched.config.randomizeSeed ^ mid) : null;
        setDaemon(true);
    }

    /** The carrier of scheduler {@code sched} that the calling code runs on, or null. Any thread. */
    static M current(Sched sched) {
        return current(sched, TaskSupport.get());
    }

    /**
     * {@link #current(Sched)} with the task support the caller already holds (the submit path reads it once).
     * The same lookup as {@link Carrier#current()}, narrowed to this scheduler's carriers.
     */
    static M current(Sched sched, TaskSupport ts) {
        Thread t = Thread.currentThread();
        if (t instanceof M m) {
            return m.sched == sched ? m : null; // afterYield, or a plain task submitting
        }
        if (t.isVirtual() && ts.currentCarrier() instanceof M m && m.sched == sched) {
            return m; // a goroutine unparking or starting another (the JDK pinned it around this call)
        }
        return null;
    }

    /** {@link #p}, read by another thread for a trace: a racy plain read, possibly stale. Any thread. */
    P loP() {
        return p;
    }

    /** {@link #spinning}, read by another thread for a trace: a racy plain read, possibly stale. Any thread. */
    boolean loSpinning() {
        return spinning;
    }

    /** {@link #curTask}, read by another thread for a dump: a racy plain read, possibly stale. Any thread. */
    Runnable loCurTask() {
        return curTask;
    }

    /** {@link #syscallTask} if it is the task running here (racy, for dumps), else null. Any thread. */
    Runnable loSyscallTask() {
        Runnable t = syscallTask;
        return t != null && t == curTask ? t : null;
    }

    /** Sysmon's view of {@link #runSeq} (opaque load). Any thread. */
    int loRunSeq() {
        return (int) RUN_SEQ.getOpaque(this);
    }

    // ============================================================================================== the loop

    /** Go: {@code mstart}: the body of every carrier thread. */
    @Override
    public void run() {
        try {
            markQueuedWork();
            tid = CarrierClock.currentTid();
            P first = nextp;
            nextp = null;
            Sched.acquirep(this, first);
            spinning = startSpinning;
            schedule();
        } catch (Throwable e) { // outside any task (tasks' own errors are caught in execute): never lose the token
            sched.carriers.carrierFailed(this, e);
        } finally {
            sched.carriers.mexit(this);
        }
    }

    /** Go: {@code schedule}: find a task, run it, repeat. Returns when the carrier must exit. */
    private void schedule() {
        while (runOne()) {
            // one task per call: its frame, and the task reference in it, is gone before findRunnable parks
        }
    }

    /**
     * Finds and runs one task; false if the carrier must exit. A method of its own so that no frame of this
     * carrier holds the last task while it looks for the next (an interpreted frame keeps a dead local): a
     * goroutine that parked for good must be collectable (the leak report, {@link LeakReport}).
     */
    private boolean runOne() {
        Runnable t = findRunnable();
        if (t == null) {
            return false;
        }
        if (spinning) {
            resetspinning();
        }
        execute(t);
        return true;
    }

    /** Go: {@code execute(gp, inheritTime)}: runs one task (a continuation segment). */
    private void execute(Runnable t) {
        P pp = p;
        if (t instanceof SampledTask s) {
            t = s.dispatched(sched, pp); // records its schedule latency (Go: /sched/latencies)
        }
        if (!inheritTime) {
            pp.schedtick++; // a new time slice
        }
        pp.counters.inc(Counter.TASKS_RUN);
        if (preempt) {
            preempt = false; // a request for the previous goroutine is stale
        }
        curTask = t;
        RUN_SEQ.setOpaque(this, runSeq + 1); // odd: in a task (read by sysmon)
        try {
            t.run();
        } catch (Throwable e) {
            sched.scheduler.reportUncaught(t, e);
        } finally {
            curTask = null;
            RUN_SEQ.setOpaque(this, runSeq + 1);
        }
        TaskSupport ts = TaskSupport.get();
        if (ts.isTerminated(t)) {
            if (ts.threadOf(t) == null) {
                runForkedSubtasks();
            }
            sched.scheduler.taskExited(t, ts);
        }
    }

    /**
     * Go: {@code resetspinning}: a spinning carrier found work, so it wakes another to keep looking, but only if
     * work is left to find (the global queue or some P's queue is non-empty). Go wakes one unconditionally, which
     * costs a futex call and a carrier that wakes only to park again whenever work arrives one task at a time, as
     * it does from a server's dispatcher (Go issue 54622). Nothing is lost: the decrement of nmspinning (a full
     * fence) comes before the look, and a submitter publishes, fences and then reads nmspinning, so either this
     * carrier sees the new task or the submitter sees no spinner and wakes a carrier itself.
     * docs/adr/0006-external-submissions.md has the numbers.
     */
    private void resetspinning() {
        spinning = false;
        sched.xaddNmspinning(-1);
        if (!sched.runq.isEmpty() || sched.anyQueuedWork()) {
            sched.wakepAfterRmw();
        }
    }

    /** Starts spinning (Go: findRunnable's {@code mp.becomeSpinning}). */
    private void becomeSpinning() {
        spinning = true;
        sched.xaddNmspinning(1);
    }

    /**
     * Go: {@code findRunnable}. Returns a task to run with {@link #inheritTime} set, or null if the carrier must
     * exit. May park the carrier (without a P) until it is handed one.
     */
    private Runnable findRunnable() {
        for (;;) {
            P pp = p;
            // 0. Sysmon took this P's token while the last task ran (blocked or hogging): take a free token back,
            //    or hand the P's queue to the global queue and park (Go: exitsyscall0's "no P: park" branch). Or a
            //    shrink removed the P (RETIRING; reacquire refuses it): queue to the global queue, P retired, and
            //    this carrier takes another P in stopm if work and a token are there (Procresize, step 3).
            if (pp.status() != P.RUNNING) {
                syscallTask = null; // a task that left a syscall open has returned (parked inside it): not here now
                if (!pp.casStatus(P.SYSCALL, P.RUNNING) && !sched.reacquire(pp)) { // (SYSCALL: a task left one open)
                    if (spinning) {
                        // Only a shrink takes a spinning carrier's P (sysmon takes tokens from carriers in a task,
                        // which never spin): stop spinning first (a full fence); dropBlockedP's wakep re-checks.
                        spinning = false;
                        sched.xaddNmspinning(-1);
                    }
                    sched.dropBlockedP(this, pp);
                    if (!sched.timers.stopm(this)) {
                        return null;
                    }
                    continue;
                }
            }
            // 1. Timers: run this P's due timers; their goroutines land in runnext (Go: checkTimers(pp, 0)). At
            //    the fairness tick, other Ps' overdue timers too (goloom: see SchedTimers, "Who runs a timer").
            sched.timers.checkTimers(this, pp, pp);
            if (pp.schedtick % FAIRNESS_TICK == 0) {
                sched.timers.checkOtherTimers(this, pp);
            }
            // 2. Fairness: every 61st tick look at the global queue first, so that two goroutines that keep
            //    readying each other cannot monopolise the local queue.
            if (pp.schedtick % FAIRNESS_TICK == 0 && !sched.runq.isEmpty()) {
                Runnable t = sched.globrunqget(pp, 1);
                if (t != null) {
                    pp.counters.inc(Counter.FAIRNESS_POLLS);
                    inheritTime = false;
                    return t;
                }
            }
            // 3. Local run queue: runnext, then the ring.
            Runnable t = runqget(pp);
            if (t != null) {
                return t;
            }
            // 4. Global run queue.
            if (!sched.runq.isEmpty()) {
                t = sched.globrunqget(pp, 0);
                if (t != null) {
                    pp.counters.inc(Counter.GLOBAL_POLLS);
                    inheritTime = false;
                    return t;
                }
            }
            // 5. Steal, if allowed to spin: at most half of the busy tokens have spinning carriers.
            int nmspinning = sched.lvNmspinning();
            if (spinning || 2 * nmspinning < sched.lvProcs() - sched.lvFreeTokens()
                    || (nmspinning == 0 && sched.anyTokenlessWork())) {
                if (!spinning) {
                    becomeSpinning();
                }
                t = stealWork(pp);
                if (t != null) {
                    inheritTime = false;
                    return t;
                }
                if (watch.sawChain()) {
                    // A hand-off chain runs on another P: keep this P and stay spinning (see HandoffWatch).
                    pp.counters.inc(Counter.HANDOFF_WATCHES);
                    watch.pause(sched, pp);
                    continue;
                }
            }
            // 6. Give up the P (Go: findRunnable step "releasep"), unless the global queue has work.
            if (!sched.releasep(this, pp)) {
                continue;
            }
            // 7. "Delicate dance", carrier side: (1) done above and here, (2) full fence, (3) re-check.
            boolean wasSpinning = spinning;
            if (wasSpinning) {
                spinning = false;
                sched.xaddNmspinning(-1); // atomic RMW: a full fence
            } else {
                VarHandle.fullFence();
            }
            if (!sched.runq.isEmpty() || (wasSpinning ? sched.anyLocalWork() : sched.anyTokenlessWork())) {
                P p2 = sched.takeIdleP();
                if (p2 != null) {
                    Sched.acquirep(this, p2);
                    becomeSpinning(); // it came back to steal (or to take the global queue)
                    continue;
                }
                // No free token: every token has a carrier, and those will find the work.
            }
            // 8. Park until handed a P (Go: stopm), or until the next timer if nobody else waits for it (Go:
            //    netpoll(delay)); see SchedTimers.stopm.
            if (!sched.timers.stopm(this)) {
                return null;
            }
        }
    }

    /**
     * Go: {@code runqget}. Runnext first (inherits the time slice), then the ring. A runnext chain that has held the
     * P for a whole time slice is cut: its task goes to the global queue (Go gets the same effect from sysmon
     * preempting the chain).
     */
    private Runnable runqget(P pp) {
        Runnable t = pp.runq.pollNext();
        if (t != null) {
            if (++pp.inheritRuns < SLICE_CHECK_EVERY || !sliceExpired(pp)) {
                inheritTime = true;
                return t;
            }
            pp.counters.inc(Counter.SLICE_ENDS);
            sched.globrunqput(pp, t);
        }
        inheritTime = false;
        return pp.runq.poll();
    }

    /** Go: sysmon's retake check, done inline. True if schedtick has not moved for a whole time slice. */
    private boolean sliceExpired(P pp) {
        pp.inheritRuns = 0;
        long now = System.nanoTime();
        if (pp.schedtick != pp.checkedTick) {
            pp.checkedTick = pp.schedtick;
            pp.checkedWhen = now;
            return false;
        }
        if (now - pp.checkedWhen >= sched.config.timeSliceNanos) {
            pp.checkedWhen = now;
            return true;
        }
        return false;
    }

    /**
     * Go: {@code stealWork}. Up to {@link #STEAL_TRIES} passes over all other busy Ps (a snapshot of
     * {@code allp()}: its length may change between two calls when the scheduler is resized) in random order (a random
     * start and a random stride coprime with their number), taking half of the first non-empty ring found. Runnext
     * slots are only taken on the last pass (on any pass in randomized mode).
     */
    private Runnable stealWork(P pp) {
        P[] ps = sched.allp();
        int n = ps.length;
        if (n == 1) {
            return null;
        }
        StealResult out = stolen;
        watch.reset();
        ThreadLocalRandom rand = ThreadLocalRandom.current();
        for (int i = 0; i < STEAL_TRIES; i++) {
            if (i == STEAL_TRIES - 1 && sched.timers.checkOtherTimers(this, pp) != 0) {
                // Go: the last pass runs other Ps' timers first; what they readied is in our queue now.
                Runnable t = runqget(pp);
                if (t != null) {
                    return t;
                }
            }
            boolean stealRunNext = i == STEAL_TRIES - 1 || (rnd != null && rnd.nextBoolean());
            int pos = rand.nextInt(n);
            int stride = coprimeStride(n, rand);
            for (int k = 0; k < n; k++, pos = (pos + stride) % n) {
                P victim = ps[pos];
                int vs = victim.status();
                if (victim == pp || vs == P.IDLE || vs == P.DEAD) { // DEAD: removed since the snapshot, empty
                    continue;
                }
                boolean backOff = stealRunNext && ownerMayRunNext(victim, vs);
                boolean ownerBlocked = stealRunNext && vs == P.RUNNING && !backOff;
                Runnable t = pp.runq.stealFrom(victim.steal, stealRunNext, backOff, HandoffWatch.RUNNEXT_BACKOFF, out);
                if (t == null && out.outcome() == StealResult.Outcome.CHAIN_SEEN
                        && !ownerMayRunNext(victim, victim.status())) {
                    // The runnext turned over during the back-off, then its owner's carrier blocked (the readier
                    // blocked it pinned): no chain runs there any more, so take the new runnext now.
                    ownerBlocked = true;
                    t = pp.runq.stealFrom(victim.steal, true, false, HandoffWatch.RUNNEXT_BACKOFF, out);
                }
                if (t != null) {
                    pp.counters.inc(Counter.STEALS);
                    pp.counters.add(Counter.TASKS_STOLEN, out.moved());
                    if (out.outcome() == StealResult.Outcome.RUNNEXT) {
                        pp.counters.inc(Counter.RUNNEXT_STEALS);
                        if (ownerBlocked) {
                            pp.counters.inc(Counter.RUNNEXT_STEALS_BLOCKED);
                        }
                    }
                    SchedulerEvents.steal(sched, pp, victim, out);
                    return t;
                }
                if (out.outcome() == StealResult.Outcome.CHAIN_SEEN) {
                    watch.chainSeen();
                }
            }
        }
        watch.lookForChain(ps, pp);
        return null;
    }

    /**
     * Whether the victim's carrier may be about to run its runnext, so a thief backs off first. Go backs off only for
     * a {@code _Prunning} P: an M blocked in a syscall has left {@code _Prunning}. A carrier can block inside a
     * goroutine without goloom seeing it: a pinned virtual thread waiting for a monitor, a pinned park, a pinned
     * {@code Object.wait}. The JVM then shows the carrier thread as BLOCKED or (TIMED_)WAITING, which is this check's
     * Go {@code _Psyscall}: the owner will not run its runnext soon, so take it without the back-off (the JDK's
     * {@code Starvation} test: a thread readies another, then blocks its carrier in a pinned monitor enter).
     * docs/adr/0010-runnext-of-a-blocked-carrier.md has the numbers.
     */
    private static boolean ownerMayRunNext(P victim, int status) {
        if (status != P.RUNNING) {
            return false;
        }
        M owner = victim.m;
        return owner == null || owner.getState() == Thread.State.RUNNABLE;
    }

    /** Go: randomOrder. A random stride coprime with {@code n}, so that {@code pos += stride} visits all n. */
    static int coprimeStride(int n, ThreadLocalRandom rand) {
        int s = 1 + rand.nextInt(n);
        while (gcd(s, n) != 1) {
            s = s % n + 1;
        }
        return s;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    // ============================================================================= hooks of the running goroutine

    /** Go: {@code entersyscall} / {@code entersyscallblock} (see {@link Carrier#enterSyscall}). */
    @Override
    protected boolean enterSyscallHere(boolean handOffNow) {
        P pp = p;
        if (pp == null || !pp.casStatus(P.RUNNING, P.SYSCALL)) {
            return false; // no token to lend (already retaken): the call just blocks
        }
        pp.incSyscallTick();
        syscallSince = WaitClock.now(); // for dumps (Go: the G's status becomes _Gsyscall)
        syscallTask = curTask;
        if (handOffNow && sched.takeToken(pp, P.SYSCALL)) { // Go: entersyscallblock -> handoffp
            sched.counters.inc(Counter.HANDOFFS_SYSCALL);
            SchedulerEvents.handoff(sched, pp, this, SchedulerEvents.SYSCALL, 0);
            sched.handoffp(pp);
            sched.sysmon.wake();
        }
        return true;
    }

    /** Go: {@code exitsyscall} (see {@link Carrier#exitSyscall}). */
    @Override
    protected boolean exitSyscallHere() {
        syscallTask = null;
        P pp = p;
        if (pp == null) {
            return false;
        }
        if (pp.casStatus(P.SYSCALL, P.RUNNING)) {
            pp.counters.inc(Counter.SYSCALL_FAST_REACQUIRES);
            return true;
        }
        return sched.reacquire(pp);
    }

    @Override
    protected boolean preemptRequestedHere() {
        return preempt;
    }

    /** Go: {@code addtimer} on this carrier's P (see {@link Timers#schedule}). */
    @Override
    protected Timers.Timer addTimerHere(long delayNanos, Runnable action, Thread unparkee) {
        return sched.timers.addtimer(this, delayNanos, action, unparkee);
    }
}
