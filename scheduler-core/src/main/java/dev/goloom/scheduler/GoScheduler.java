package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.GlobalRunQueue;
import dev.goloom.scheduler.internal.LocalRunQueue;
import dev.goloom.scheduler.internal.SpinLock;
import dev.goloom.scheduler.spi.TaskSupport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Go's runtime scheduler, as an {@link Executor} for virtual-thread continuations.
 *
 * <h2>Design</h2>
 * The JDK runs a virtual thread by submitting its continuation task ({@code runContinuation}) to the thread's
 * scheduler; goloom is that scheduler, built the way {@code runtime/proc.go} builds Go's. The mapping:
 * <ul>
 *   <li><b>G</b> (goroutine) = a virtual thread; its submitted task is what sits in run queues.</li>
 *   <li><b>M</b> (machine) = a carrier: a platform thread ({@link M}) that mounts continuations.</li>
 *   <li><b>P</b> (processor) = a slot ({@link P}) an M must hold to run goroutines; there are exactly
 *       {@code maxProcs} of them (Go's GOMAXPROCS). Each P has a 256-slot lock-free local run queue and a LIFO
 *       {@code runnext} slot ({@link LocalRunQueue}).</li>
 * </ul>
 * A task readied by code running on a P (unpark, {@code Thread.start}) goes to that P's {@code runnext}, so it runs
 * next on the same carrier, close to the data its waker just produced (Go: {@code ready}, {@code newproc}). The
 * displaced runnext goes to the local tail; a full local ring spills half of itself plus the new task to the
 * global queue (Go: {@code runqputslow}). Tasks from any other thread go to the global queue. A carrier looks for
 * work in Go's order ({@link #findRunnable}): the global queue first every 61st tick (fairness), its runnext and
 * local ring, the global queue, then steals half of a random victim's ring (up to four passes, a victim's runnext
 * only on the last pass and after a short back-off), then gives up its P and parks.
 *
 * <p>A task taken from runnext inherits the current time slice (Go: {@code inheritTime}), so a pair of goroutines
 * ping-ponging through runnext shares one slice; once a chain has held its P for a whole slice (10 ms by default)
 * the next runnext task is sent to the global queue and the local ring gets the P (Go gets the same effect from
 * sysmon preempting the chain). {@code Thread.yield()} resubmits a goroutine from its own carrier; goloom
 * recognises it and puts it on the global queue (Go: {@code Gosched}), never in runnext.
 *
 * <h2>Blocked carriers, hogs and sysmon</h2>
 * The JDK unmounts a virtual thread for most blocking, but not for file I/O, native calls, class initialisers or
 * pinned sections, and it never preempts a running one; on its own scheduler it compensates only for some of
 * these. goloom runs Go's {@code sysmon}: a daemon thread that sleeps 20 us to 10 ms (indefinitely when every P is
 * idle) and looks at every P ({@link #retake}). A carrier stuck in one task for {@code blockedThreshold} (10 ms)
 * while using under 1/8 of a core is blocked: its P's run token goes to another carrier. One burning CPU gets a
 * preempt request ({@code Go.checkpoint()} yields on it) and, if work is waiting, loses its token too, so the
 * waiting work runs while the OS time-slices the cores. {@code Syscall.blocking} marks a call in advance (Go's
 * {@code entersyscall}), so the token can go after one sysmon tick. Only the token moves, never the P object: see
 * {@link P} for why and for the state table.
 *
 * <h2>Thread parking and unparking</h2>
 * As in Go ("Worker thread parking/unparking" in proc.go): new work wakes one more carrier only if a P is idle and
 * no carrier is spinning ({@link #wakep}); a spinning carrier that finds work wakes a replacement
 * ({@link #resetspinning}); at most half of the busy Ps have spinning carriers. Idle carriers park on the idle-M
 * list and exit after a keep-alive.
 *
 * <h3>Watching hand-off chains (a goloom deviation)</h3>
 * In a channel ping-pong each goroutine readies the other into runnext and blocks at once, so the chain runs on one
 * P and the other Ps have nothing to do. Go's rules still wake an idle carrier on every ready while none spins;
 * that carrier finds nothing, parks, and the next ready wakes it again. On the JVM each such wake is a futex call
 * on the chain's critical path, and the carrier's runnext steal, which Go guards with a 3 us back-off and a CAS that
 * the same goroutine object reappearing defeats (ABA), splits the pair across cores. Measured on 2 cores, this
 * second P made a ping-pong round trip about 250 ns slower than on one P (Go 1.19 pays about 20 ns). So goloom:
 * <ul>
 *   <li>steals a running P's runnext only if the owner put nothing there during the back-off (a stamp the owner
 *       bumps per put, {@code LocalRunQueue.nextPuts}); a slot that turned over belongs to a live chain;</li>
 *   <li>lets a spinning carrier that saw such a chain keep its P and stay spinning, pausing off the CPU
 *       ({@link #WATCH_PAUSE_NANOS} plus timer slack) between looks, so the chain's wakep calls find a spinner and
 *       return without a syscall. Work queued meanwhile waits for the end of the pause (tens of microseconds,
 *       like Go's sleeping back-off); a runnext that sits still through a look is stolen as in Go. When the chain
 *       stops, the carrier parks as usual.</li>
 * </ul>
 * The cost: the watching carrier wakes every ~70 us while a chain runs (JMH channel ping-pong: 1.22 cores busy
 * instead of 1.04, yet 628 instead of 690 ns of CPU per round trip, and 517 instead of 648 ns of wall time), and
 * new parallel work is picked up within one pause instead of one futex wake: a fan-in benchmark whose consumer
 * keeps readying producers went from 27-42 to 40-49 ns per message.
 *
 * <h3>Delicate dance: no lost wake-ups</h3>
 * Two mirrored recipes, each a Dekker-style store / full fence / load. Whichever side runs second sees the other.
 * <ol>
 *   <li><b>Submitter</b> ({@link #execute} then {@link #wakep}): (1) publish the task (ring tail store-release,
 *       runnext exchange, or global offer); (2) full fence; (3) read {@code npidle} and {@code nmspinning}; wake a
 *       carrier if a P is idle and nobody spins.</li>
 *   <li><b>Carrier giving up</b> ({@link #findRunnable}, after {@code pidleput}): (1) put its P on the idle list
 *       ({@code npidle++}) and, if it was spinning, decrement {@code nmspinning}; (2) full fence; (3) re-check the
 *       global queue and, if it was spinning, every P's local queue; take an idle P back if it finds work.</li>
 * </ol>
 *
 * <h2>Designs rejected</h2>
 * <ul>
 *   <li><b>One shared queue</b> (a {@code ThreadPoolExecutor} or a single MPMC queue): every submit and take
 *       contends on one cache line, and there is no place for runnext locality. Go's first scheduler was this.</li>
 *   <li><b>ForkJoinPool with LIFO mode</b>: FJP's local LIFO is a whole deque, not one slot, so a burst of starts
 *       runs newest-first and starves older local work; FJP also has no fairness tick and no time slice.</li>
 *   <li><b>Handing a readied task directly to a freshly woken carrier</b>: costs a thread wake-up per hand-off and
 *       loses locality (Go's proc.go rejects it for the same reasons).</li>
 *   <li><b>A {@code ReentrantLock} for the idle lists</b>: {@code execute} is called from pinned virtual threads,
 *       where parking on a lock parks the carrier itself; goloom uses a never-parking {@link SpinLock} around a
 *       handful of field writes instead.</li>
 * </ul>
 *
 * <h2>Lifecycle</h2>
 * {@link #shutdown()} stops new goroutines from starting: their {@code Thread.start()} fails with a
 * {@link RejectedExecutionException} naming this scheduler. Continuations of goroutines already started are never
 * rejected (a rejection during {@code unpark} would be thrown at whoever called {@code unpark} and strand the
 * thread), so they run until they end. When the last one ends, the scheduler is terminated and its carriers exit.
 * {@link #close()} does both and waits, like {@code ExecutorService.close()}.
 *
 * <h2>File order</h2>
 * Configuration and fields; {@link #execute} (Go: ready/newproc/globrunqput); the run-queue helpers
 * ({@code runqput}, {@code runqputslow}, {@code globrunqget}); waking and parking carriers ({@code wakep},
 * {@code startm}, {@code stopm}, idle lists); the carrier loop ({@code mstart}, {@code schedule},
 * {@code findRunnable}, {@code stealWork}); sysmon ({@code retake}, hand-off) and the syscall entry points;
 * lifecycle; stats; the builder.
 *
 * <p>Instances are thread-safe. Build one with {@link #builder()}, or use {@link #defaultScheduler()}.
 */
public final class GoScheduler implements Executor, AutoCloseable {

    /** Go: findRunnable's {@code schedtick % 61}. */
    static final int FAIRNESS_TICK = 61;
    /** Go: stealWork's {@code stealTries}. */
    static final int STEAL_TRIES = 4;
    /** Go: runqgrab's {@code usleep(3)} before taking a running P's runnext. */
    static final long RUNNEXT_BACKOFF_NANOS = 3_000;
    /** A carrier watching a hand-off chain looks again after this pause (plus the OS timer slack, ~50 us). */
    static final long WATCH_PAUSE_NANOS = 20_000;
    /** Inherited runs between two time-slice checks (each check reads the clock once). */
    static final int SLICE_CHECK_EVERY = 64;
    /** Go's _MaxGomaxprocs. */
    public static final int MAX_PROCS = 1024;
    /** Default bound on carrier threads (Go's is 10,000; goloom's carriers are heavier). */
    static final int DEFAULT_MAX_THREADS = 256;
    /** Default time a carrier may sit in one task before sysmon looks at it (Go: forcePreemptNS). */
    static final Duration DEFAULT_BLOCKED_THRESHOLD = Duration.ofMillis(10);
    /** Go: sysmon's first and longest sleep. */
    static final long SYSMON_MIN_DELAY_NANOS = 20_000;
    static final long SYSMON_MAX_DELAY_NANOS = 10_000_000;
    /** A carrier that used less than 1/8 of a core while stuck in one task is blocked (see retake). */
    static final int BLOCKED_CPU_FRACTION = 8;
    /** Go: retake leaves a P in a syscall alone this long if nothing waits for it. */
    static final long SYSCALL_GRACE_NANOS = 10_000_000;

    static final int RUNNING = 0;
    static final int SHUTDOWN = 1;
    static final int TERMINATED = 2;

    private static final AtomicInteger SCHEDULER_IDS = new AtomicInteger();

    // ------------------------------------------------------------------------------------------ configuration
    private final String name;
    private final int procs;
    private final long timeSliceNanos;
    private final long keepAliveNanos;
    private final TaskExceptionHandler exceptionHandler;
    private final int queueCapacity;
    private final int maxThreads;
    private final long blockedThresholdNanos;
    /**
     * Every P object: the {@code procs} original ones plus spares made when sysmon moved a token away from a
     * blocked carrier's P and no idle P object was free. Copy-on-write under {@link #lock}; read without it.
     */
    private volatile P[] allp;

    // ------------------------------------------------------------------------------------------ global state
    /** Go: sched.runq. Unbounded FIFO under its own spin lock; lower priority than local queues. */
    private final GlobalRunQueue runq = new GlobalRunQueue(1024);
    /** Go: sched.lock, guarding the idle-P and idle-M lists only. */
    private final SpinLock lock = new SpinLock();
    /** Go: sched.pidle. Guarded by {@link #lock}. */
    private P pidle;
    /** Go: sched.npidle. Written under {@link #lock}, read without it (see "Delicate dance"). */
    private volatile int npidle;
    /** Go: sched.midle. Guarded by {@link #lock}. */
    private M midle;
    /** Go: sched.nmidle. Written under {@link #lock}. */
    private volatile int nmidle;
    /** Go: sched.nmspinning. Changed only with atomic read-modify-writes (see "Delicate dance"). */
    private volatile int nmspinning;
    private static final VarHandle NMSPINNING;

    /** Every live carrier (Go: allm). */
    private final Set<M> allm = ConcurrentHashMap.newKeySet();
    private final AtomicInteger mcount = new AtomicInteger();
    private final AtomicInteger mHighWater = new AtomicInteger();
    private final AtomicInteger nextMid = new AtomicInteger();

    /** Live goroutines: virtual threads started on this scheduler and not yet terminated. */
    private final ConcurrentHashMap<Thread, Boolean> goroutines = new ConcurrentHashMap<>(1 << 12);
    /** Plain tasks submitted and not yet run. */
    private final AtomicLong plainLive = new AtomicLong();
    /** Global puts by threads that hold no P (no P counter to bump). */
    private final AtomicLong externalGlobalPuts = new AtomicLong();

    /** RUNNING, SHUTDOWN or TERMINATED; only moves forward. */
    private volatile int runState = RUNNING;
    private final CountDownLatch terminatedLatch = new CountDownLatch(1);

    // --------------------------------------------------------------------------------------------- sysmon
    /** Go: sysmon's M. Started with the first carrier. */
    private volatile Thread sysmon;
    /** True while sysmon is in deep sleep (all Ps idle); startm wakes it. Go: sched.sysmonwait. */
    private volatile boolean sysmonSleeping;
    private final AtomicLong sysmonWakeups = new AtomicLong();
    private final AtomicLong handoffsSyscall = new AtomicLong();
    private final AtomicLong handoffsBlocked = new AtomicLong();
    private final AtomicLong handoffsBusy = new AtomicLong();
    private final AtomicLong preemptRequests = new AtomicLong();
    private volatile boolean maxThreadsLogged;
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    static {
        try {
            NMSPINNING = MethodHandles.lookup().findVarHandle(GoScheduler.class, "nmspinning", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private GoScheduler(Builder b) {
        this.name = b.name != null ? b.name : "goloom-" + SCHEDULER_IDS.incrementAndGet();
        this.procs = b.maxProcs != null ? b.maxProcs : resolveMaxProcs(System.getenv("GOMAXPROCS"),
                System.getProperty("goloom.maxprocs"), Runtime.getRuntime().availableProcessors());
        this.timeSliceNanos = b.timeSlice.toNanos();
        this.keepAliveNanos = b.keepAlive.toNanos();
        this.exceptionHandler = b.exceptionHandler != null ? b.exceptionHandler : this::printUncaught;
        this.queueCapacity = b.queueCapacity;
        this.maxThreads = b.maxThreads != null ? b.maxThreads
                : parseIntProperty("goloom.maxThreads", DEFAULT_MAX_THREADS, 1, Integer.MAX_VALUE);
        this.blockedThresholdNanos = b.blockedThreshold != null ? b.blockedThreshold.toNanos()
                : parseDurationProperty("goloom.blockedThreshold", DEFAULT_BLOCKED_THRESHOLD).toNanos();
        if (maxThreads < procs) {
            throw new IllegalArgumentException("maxThreads must be >= maxProcs (" + procs + "), got " + maxThreads);
        }
        P[] ps = new P[procs];
        for (int i = 0; i < procs; i++) {
            ps[i] = new P(i, queueCapacity);
        }
        this.allp = ps;
        // All Ps start idle and every token is free: the first submission wakes a carrier (Go: procresize).
        lock.lock();
        try {
            for (int i = procs - 1; i >= 0; i--) {
                ps[i].link = pidle;
                pidle = ps[i];
            }
            npidle = procs;
        } finally {
            lock.unlock();
        }
    }

    /** A builder for a new scheduler. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The process-wide scheduler used by {@code Go.go(Runnable)}: created on first use, named {@code "goloom"},
     * with {@code maxProcs} from {@code GOMAXPROCS}, then {@code -Dgoloom.maxprocs}, then the number of processors.
     * It is never terminated by goloom; its carriers are daemon threads.
     *
     * @throws IllegalArgumentException if {@code GOMAXPROCS} or {@code goloom.maxprocs} is not a positive integer
     */
    public static GoScheduler defaultScheduler() {
        return DefaultHolder.INSTANCE;
    }

    private static final class DefaultHolder {
        static final GoScheduler INSTANCE = builder().name("goloom").build();
    }

    /** This scheduler's name (used in carrier thread names and error messages). */
    public String name() {
        return name;
    }

    /** The number of Ps (Go: {@code runtime.GOMAXPROCS(0)}). */
    public int maxProcs() {
        return procs;
    }

    // ================================================================================================ submit

    /**
     * Makes {@code task} runnable. The JDK calls this with a virtual thread's continuation when the thread starts,
     * is unparked, or yields; it can also be used directly with plain tasks, each run once per call.
     * <ul>
     *   <li>Called on a carrier of this scheduler (from the goroutine it is running): the task goes to the
     *       carrier's P {@code runnext} (Go: {@code ready}/{@code newproc}), except for a {@code Thread.yield()}
     *       of the running goroutine, which goes to the global queue (Go: {@code Gosched}).</li>
     *   <li>Called from any other thread: the task goes to the global queue and a carrier is woken.</li>
     * </ul>
     * Never blocks or parks (the JDK calls it from pinned virtual threads).
     *
     * @throws NullPointerException       if {@code task} is null
     * @throws RejectedExecutionException if the scheduler is shut down and {@code task} starts a new goroutine
     *                                    (or is a plain task). Continuations of live goroutines are always accepted.
     */
    @Override
    public void execute(Runnable task) {
        if (task == null) {
            throw new NullPointerException("task");
        }
        TaskSupport ts = TaskSupport.get();
        int kind = ts.kindOf(task);
        if (kind == TaskSupport.START || kind == TaskSupport.PLAIN) {
            admit(task, kind, ts);
        }
        M m = currentM(ts);
        if (m != null) {
            P p = m.p;
            if (p != null) {
                if (task == m.curTask && kind != TaskSupport.RESUME) {
                    // Go: goschedImpl. The running goroutine yielded (or a plain task resubmitted itself):
                    // behind everything, never in runnext.
                    p.yields++;
                    m.preempt = false; // Go: the preempted G yielded
                    globrunqput(p, task);
                    return;
                }
                runqput(p, task, true);
                wakepAfterRmw();
                return;
            }
        }
        runq.put(task);
        externalGlobalPuts.incrementAndGet();
        wakep();
    }

    /** Registers a new goroutine (or plain task) as live, or rejects it if the scheduler is shut down. */
    private void admit(Runnable task, int kind, TaskSupport ts) {
        if (runState != RUNNING) {
            throw rejected(task, ts);
        }
        Thread vt = kind == TaskSupport.START ? ts.threadOf(task) : null;
        if (vt != null) {
            goroutines.put(vt, Boolean.TRUE);
        } else {
            plainLive.incrementAndGet();
        }
        // Dekker pair with shutdown(): register, then re-read runState. shutdown() writes runState, then counts
        // live goroutines. Either it sees this registration, or this sees SHUTDOWN and withdraws.
        if (runState != RUNNING) {
            if (vt != null) {
                goroutines.remove(vt);
            } else {
                plainLive.decrementAndGet();
            }
            tryTerminate();
            throw rejected(task, ts);
        }
    }

    private RejectedExecutionException rejected(Runnable task, TaskSupport ts) {
        Thread vt = ts.threadOf(task);
        String what = vt != null ? "goroutine " + vt : "task " + task;
        return new RejectedExecutionException("goloom scheduler '" + name + "' is "
                + (runState == TERMINATED ? "terminated" : "shut down") + ": cannot start " + what);
    }

    /** The carrier of this scheduler that the calling code runs on, or null. */
    private M currentM(TaskSupport ts) {
        Thread t = Thread.currentThread();
        if (t instanceof M m) {
            return m.sched == this ? m : null; // afterYield, or a plain task submitting
        }
        if (t.isVirtual() && ts.currentCarrier() instanceof M m && m.sched == this) {
            return m; // a goroutine unparking or starting another (the JDK pinned it around this call)
        }
        return null;
    }

    // ======================================================================================== run queues

    /**
     * Go: {@code runqput}. Owner of {@code p} only. With {@code next}, {@code task} takes the runnext slot and the
     * task it displaces goes to the tail.
     */
    private void runqput(P p, Runnable task, boolean next) {
        if (next) {
            p.runnextPuts++;
            task = p.runq.putNext(task);
            if (task == null) {
                return;
            }
        }
        p.localPuts++;
        if (!p.runq.offer(task)) {
            runqputslow(p, task);
        }
    }

    /**
     * Go: {@code runqputslow}. Owner only, ring full: moves the oldest half of the ring plus {@code task} to the
     * global queue (one CAS on the ring), or retries the fast path if a thief made room first.
     */
    private void runqputslow(P p, Runnable task) {
        Runnable[] batch = p.spill;
        for (;;) {
            int n = p.runq.grabHalf(batch);
            if (n > 0) {
                batch[n] = task;
                runq.putBatch(batch, n + 1); // one lock acquisition for the whole batch, as in Go
                java.util.Arrays.fill(batch, 0, n + 1, null);
                p.globalPuts += n + 1;
                return;
            }
            if (p.runq.offer(task)) {
                return;
            }
        }
    }

    /** Go: {@code globrunqput}, by the owner of {@code p}. */
    private void globrunqput(P p, Runnable task) {
        runq.put(task);
        p.globalPuts++;
    }

    /**
     * Go: {@code globrunqget}. Owner of {@code p} only. Takes a fair share of the global queue:
     * {@code min(size, size/procs + 1, max if > 0, capacity/2)} tasks; returns the first and puts the rest in the
     * local ring.
     */
    private Runnable globrunqget(P p, int max) {
        Runnable[] batch = p.grab;
        int n = globrunqgetCount(runq.size(), procs, max, batch.length);
        if (n == 0) {
            return null;
        }
        n = runq.take(batch, n);
        if (n == 0) {
            return null;
        }
        Runnable first = batch[0];
        batch[0] = null;
        for (int i = 1; i < n; i++) {
            Runnable t = batch[i];
            batch[i] = null;
            if (!p.runq.offer(t)) { // cannot happen with n <= capacity/2 and an empty ring; be safe
                runqputslow(p, t);
            }
        }
        return first;
    }

    /** Go: globrunqget's batch size, {@code min(size, size/procs + 1, max if > 0, half)}. */
    static int globrunqgetCount(int size, int procs, int max, int half) {
        if (size <= 0) {
            return 0;
        }
        int n = Math.min(size, size / procs + 1);
        if (max > 0 && n > max) {
            n = max;
        }
        return Math.min(n, half);
    }

    /**
     * Go: {@code runqget}. Owner only. Runnext first (inherits the time slice), then the ring. A runnext chain
     * that has held the P for a whole time slice is cut: its task goes to the global queue (see class comment).
     */
    private Runnable runqget(P p, M m) {
        Runnable t = p.runq.pollNext();
        if (t != null) {
            if (++p.inheritRuns < SLICE_CHECK_EVERY || !sliceExpired(p)) {
                m.inheritTime = true;
                return t;
            }
            p.sliceEnds++;
            globrunqput(p, t);
        }
        m.inheritTime = false;
        return p.runq.poll();
    }

    /** Go: sysmon's retake check, done inline. True if schedtick has not moved for a whole time slice. */
    private boolean sliceExpired(P p) {
        p.inheritRuns = 0;
        long now = System.nanoTime();
        if (p.schedtick != p.checkedTick) {
            p.checkedTick = p.schedtick;
            p.checkedWhen = now;
            return false;
        }
        if (now - p.checkedWhen >= timeSliceNanos) {
            p.checkedWhen = now;
            return true;
        }
        return false;
    }

    // ============================================================================= waking and parking carriers

    /**
     * Go: {@code wakep}. Starts a spinning carrier if a P is idle and nobody spins. Submitter side of the
     * "Delicate dance": the task was published before this call.
     */
    private void wakep() {
        VarHandle.fullFence(); // step 2: order the task's publication before the reads below
        wakepAfterRmw();
    }

    /**
     * {@link #wakep} for a submitter that published with an atomic read-modify-write: {@code runqput(next=true)}'s
     * getAndSet of runnext, which is a full fence, so step 2 is already done. (A task it displaced into the ring
     * is published later with a store-release, but a carrier giving up sees the P as non-empty through runnext,
     * which holds the new task from the RMW on, so no wake-up can be lost.)
     */
    private void wakepAfterRmw() {
        if (npidle == 0) {
            return;
        }
        if (nmspinning != 0 || !NMSPINNING.compareAndSet(this, 0, 1)) {
            return;
        }
        startm(null, true);
    }

    /**
     * Go: {@code startm}. Gives P {@code p} (or an idle P if null) to an idle carrier, or to a new one. If
     * {@code spinning}, the caller already counted the carrier in {@code nmspinning}; that count is undone when
     * no P is free.
     */
    private void startm(P p, boolean spinning) {
        M m;
        lock.lock();
        try {
            if (p == null) {
                p = pidleget();
                if (p == null) {
                    if (spinning) {
                        NMSPINNING.getAndAdd(this, -1);
                    }
                    return;
                }
            }
            m = mget();
        } finally {
            lock.unlock();
        }
        wakeSysmon(); // work arrived; sysmon may be in its all-idle sleep
        if (m == null) {
            newm(p, spinning);
            return;
        }
        m.startSpinning = spinning;
        m.nextp = p; // volatile: the P hand-off, read by the M after it wakes
        LockSupport.unpark(m);
    }

    /** Go: {@code newm}. Starts a new carrier that begins with {@code p}, unless maxThreads carriers exist. */
    private void newm(P p, boolean spinning) {
        int n = mcount.incrementAndGet();
        if (n > maxThreads) {
            mcount.decrementAndGet();
            giveBack(p, spinning);
            if (!maxThreadsLogged) {
                maxThreadsLogged = true;
                System.getLogger("dev.goloom.scheduler").log(System.Logger.Level.WARNING,
                        "goloom scheduler ''{0}'' reached maxThreads={1} carrier threads (many carriers blocked?);"
                                + " not adding more (raise -Dgoloom.maxThreads)", name, maxThreads);
            }
            return;
        }
        mHighWater.accumulateAndGet(n, Math::max);
        M m = new M(this, nextMid.incrementAndGet(), p, spinning);
        allm.add(m);
        try {
            m.start();
        } catch (Throwable e) { // OutOfMemoryError "unable to create native thread", or similar
            allm.remove(m);
            mcount.decrementAndGet();
            giveBack(p, spinning);
            throw e;
        }
        if (sysmon == null) {
            startSysmon();
        }
    }

    /** Undoes a startm whose carrier could not be started: the P and its token go back to the idle list. */
    private void giveBack(P p, boolean spinning) {
        lock.lock();
        try {
            p.status = P.IDLE;
            pidleput(p, true);
        } finally {
            lock.unlock();
        }
        if (spinning) {
            NMSPINNING.getAndAdd(this, -1);
        }
    }

    /**
     * Go: {@code stopm}. Parks carrier {@code m} (which holds no P) on the idle list until {@code startm} hands it
     * a P. Returns true with the P acquired, or false if the carrier must exit (keep-alive expired, or the
     * scheduler terminated).
     */
    private boolean stopm(M m) {
        lock.lock();
        try {
            if (runState == TERMINATED) {
                return false;
            }
            mput(m);
        } finally {
            lock.unlock();
        }
        m.parks++;
        long deadline = System.nanoTime() + keepAliveNanos;
        for (;;) {
            P np = m.nextp;
            if (np != null) {
                m.nextp = null;
                acquirep(m, np);
                m.spinning = m.startSpinning;
                m.unparks++;
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || runState == TERMINATED) {
                lock.lock();
                boolean removed;
                try {
                    removed = m.idle && mremove(m);
                } finally {
                    lock.unlock();
                }
                if (removed) {
                    return false;
                }
                // startm took this M off the list and is about to hand it a P: wait for nextp.
                left = TimeUnit.MILLISECONDS.toNanos(1);
            }
            LockSupport.parkNanos(this, left);
        }
    }

    /**
     * Go: {@code pidleput}. Puts P {@code p} on the idle list; if {@code withToken}, its run token becomes free
     * ({@code npidle++}). Requires {@link #lock}; the caller already moved {@code p.status} to IDLE.
     */
    private void pidleput(P p, boolean withToken) {
        assert lock.isHeldByCurrentThread();
        p.m = null;
        p.link = pidle;
        pidle = p;
        if (withToken) {
            npidle = npidle + 1; // volatile store; single writer under the lock
        }
    }

    /**
     * Go: {@code pidleget}. Takes a free run token and an idle P object to hold it (a new spare P if every P object
     * is busy or blocked), status RUNNING. Returns null if no token is free. Requires {@link #lock}.
     */
    private P pidleget() {
        assert lock.isHeldByCurrentThread();
        if (npidle == 0) {
            return null;
        }
        P p = pidle;
        if (p != null) {
            pidle = p.link;
            p.link = null;
        } else {
            P[] old = allp;
            p = new P(old.length, queueCapacity);
            P[] grown = java.util.Arrays.copyOf(old, old.length + 1);
            grown[old.length] = p;
            allp = grown;
        }
        npidle = npidle - 1;
        p.status = P.RUNNING;
        return p;
    }

    /**
     * The P of the calling carrier lost its token to sysmon: take a free one back. Like Go's exitsyscallfast_pidle
     * it wakes sysmon if it sleeps (sysmon sleeps for good once every token is free, and this token may block
     * again). Requires no lock.
     */
    private boolean reacquire(P p) {
        lock.lock();
        try {
            if (p.status != P.BLOCKED || npidle == 0) {
                return p.status == P.RUNNING;
            }
            npidle = npidle - 1;
            p.status = P.RUNNING;
        } finally {
            lock.unlock();
        }
        wakeSysmon();
        return true;
    }

    /**
     * Carrier {@code m} is back from a task during which its P lost its token, and no token is free: as the P's
     * only owner it moves the P's queue to the global queue, parks the P as idle (no token) and drops it.
     */
    private void dropBlockedP(M m, P p) {
        Runnable[] batch = p.spill;
        int n = 0;
        Runnable t = p.runq.pollNext();
        if (t != null) {
            batch[n++] = t;
        }
        while ((t = p.runq.poll()) != null) {
            batch[n++] = t;
            if (n == batch.length) {
                runq.putBatch(batch, n);
                n = 0;
            }
        }
        if (n > 0) {
            runq.putBatch(batch, n);
        }
        java.util.Arrays.fill(batch, null);
        lock.lock();
        try {
            if (!p.casStatus(P.BLOCKED, P.IDLE)) {
                throw new IllegalStateException("P" + p.id + " not blocked: " + p.status);
            }
            pidleput(p, false);
            m.p = null;
        } finally {
            lock.unlock();
        }
        wakep(); // the moved tasks need a carrier with a token
    }

    /** Go: {@code mput}. Requires {@link #lock}. */
    private void mput(M m) {
        assert lock.isHeldByCurrentThread();
        m.link = midle;
        m.idle = true;
        midle = m;
        nmidle = nmidle + 1;
    }

    /** Go: {@code mget}. Requires {@link #lock}. */
    private M mget() {
        assert lock.isHeldByCurrentThread();
        M m = midle;
        if (m != null) {
            midle = m.link;
            m.link = null;
            m.idle = false;
            nmidle = nmidle - 1;
        }
        return m;
    }

    /** Removes {@code m} from the idle list (keep-alive expiry). Requires {@link #lock}. */
    private boolean mremove(M m) {
        assert lock.isHeldByCurrentThread();
        M prev = null;
        for (M x = midle; x != null; prev = x, x = x.link) {
            if (x == m) {
                if (prev == null) {
                    midle = x.link;
                } else {
                    prev.link = x.link;
                }
                x.link = null;
                x.idle = false;
                nmidle = nmidle - 1;
                return true;
            }
        }
        return false;
    }

    /** Go: {@code acquirep}. {@code p} came from pidleget (status RUNNING, token held). */
    private static void acquirep(M m, P p) {
        p.m = m;
        m.p = p;
    }

    // ============================================================================================ carrier loop

    /** Go: {@code mstart}: the body of every carrier thread. */
    void mstart(M m) {
        try {
            P p = m.nextp;
            m.nextp = null;
            acquirep(m, p);
            m.spinning = m.startSpinning;
            schedule(m);
        } finally {
            exitedParks.addAndGet(m.parks);
            exitedUnparks.addAndGet(m.unparks);
            allm.remove(m);
            mcount.decrementAndGet();
        }
    }

    /** Go: {@code schedule}: find a task, run it, repeat. Returns when the carrier must exit. */
    private void schedule(M m) {
        for (;;) {
            Runnable t = findRunnable(m);
            if (t == null) {
                return;
            }
            if (m.spinning) {
                resetspinning(m);
            }
            run(m, t);
        }
    }

    /** Go: {@code execute(gp, inheritTime)}: runs one task (a continuation segment) on carrier {@code m}. */
    private void run(M m, Runnable t) {
        P p = m.p;
        if (!m.inheritTime) {
            p.schedtick++; // a new time slice
        }
        p.tasksRun++;
        if (m.preempt) {
            m.preempt = false; // a request for the previous goroutine is stale
        }
        m.curTask = t;
        M.RUN_SEQ.setOpaque(m, m.runSeq + 1); // odd: in a task (read by sysmon)
        try {
            t.run();
        } catch (Throwable e) {
            reportUncaught(t, e);
        } finally {
            m.curTask = null;
            M.RUN_SEQ.setOpaque(m, m.runSeq + 1);
        }
        TaskSupport ts = TaskSupport.get();
        if (ts.isTerminated(t)) {
            taskExited(t, ts);
        }
    }

    private void taskExited(Runnable t, TaskSupport ts) {
        Thread vt = ts.threadOf(t);
        if (vt != null) {
            // Removal is exactly-once even if two carriers both see the thread terminated (one ran its last
            // segment, the other returned from an earlier segment late).
            if (goroutines.remove(vt) == null) {
                return;
            }
        } else {
            plainLive.decrementAndGet();
        }
        if (runState != RUNNING) {
            tryTerminate();
        }
    }

    /** Go: {@code resetspinning}: a spinning carrier found work, so it wakes another to keep looking. */
    private void resetspinning(M m) {
        m.spinning = false;
        NMSPINNING.getAndAdd(this, -1);
        wakep();
    }

    /**
     * Go: {@code findRunnable}. Returns a task to run with {@code m.inheritTime} set, or null if the carrier must
     * exit. May park the carrier (without a P) until it is handed one.
     */
    private Runnable findRunnable(M m) {
        for (;;) {
            P p = m.p;
            // 0. Sysmon took this P's token while the last task ran (blocked or hogging): take a free token back,
            //    or hand the P's queue to the global queue and park (Go: exitsyscall0's "no P: park" branch).
            if (p.status != P.RUNNING) {
                if (!p.casStatus(P.SYSCALL, P.RUNNING) && !reacquire(p)) { // (SYSCALL: a task left one open)
                    dropBlockedP(m, p);
                    if (!stopm(m)) {
                        return null;
                    }
                    continue;
                }
            }
            // 1. Fairness: every 61st tick look at the global queue first, so that two goroutines that keep
            //    readying each other cannot monopolise the local queue.
            if (p.schedtick % FAIRNESS_TICK == 0 && !runq.isEmpty()) {
                Runnable t = globrunqget(p, 1);
                if (t != null) {
                    p.fairnessPolls++;
                    m.inheritTime = false;
                    return t;
                }
            }
            // 2. Local run queue: runnext, then the ring.
            Runnable t = runqget(p, m);
            if (t != null) {
                return t;
            }
            // 3. Global run queue.
            if (!runq.isEmpty()) {
                t = globrunqget(p, 0);
                if (t != null) {
                    p.globalPolls++;
                    m.inheritTime = false;
                    return t;
                }
            }
            // 4. Steal, if allowed to spin: at most half of the busy Ps have spinning carriers.
            if (m.spinning || 2 * nmspinning < procs - npidle || (nmspinning == 0 && anyTokenlessWork())) {
                if (!m.spinning) {
                    m.spinning = true;
                    NMSPINNING.getAndAdd(this, 1);
                }
                t = stealWork(p, m);
                if (t != null) {
                    m.inheritTime = false;
                    return t;
                }
                if (m.sawHandoffChain) {
                    // Some P is running a hand-off chain (its runnext keeps turning over). Keep this P and stay
                    // spinning, so that the chain's wakep calls find a spinner and return at once, instead of each
                    // idle/park cycle of this carrier costing the chain a futex wake (Go's spinning M is held the
                    // same way, by its usleep retry loop in runqgrab). Pause between looks, off the CPU.
                    p.handoffWatches++;
                    watchPause(p);
                    continue;
                }
            }
            // 5. Give up the P. Go: findRunnable step 12.
            lock.lock();
            try {
                if (!runq.isEmpty()) {
                    continue; // (unlocks in finally) work arrived: go take it
                }
                if (p.casStatus(P.RUNNING, P.IDLE)) {
                    pidleput(p, true);
                } else { // sysmon took the token meanwhile (BLOCKED): the P goes idle without one
                    p.casStatus(P.BLOCKED, P.IDLE);
                    pidleput(p, false);
                }
                m.p = null;
            } finally {
                lock.unlock();
            }
            // 6. "Delicate dance", carrier side: (1) done above and here, (2) full fence, (3) re-check.
            boolean wasSpinning = m.spinning;
            if (wasSpinning) {
                m.spinning = false;
                NMSPINNING.getAndAdd(this, -1); // atomic RMW: a full fence
            } else {
                VarHandle.fullFence();
            }
            if (!runq.isEmpty() || (wasSpinning ? anyLocalWork() : anyTokenlessWork())) {
                P p2;
                lock.lock();
                try {
                    p2 = pidleget();
                } finally {
                    lock.unlock();
                }
                if (p2 != null) {
                    acquirep(m, p2);
                    m.spinning = true; // it came back to steal (or to take the global queue)
                    NMSPINNING.getAndAdd(this, 1);
                    continue;
                }
                // No idle P: every P has a carrier, and those will find the work.
            }
            // 7. Park until handed a P. Go: stopm.
            if (!stopm(m)) {
                return null;
            }
        }
    }

    /** True if a P that lost its token to sysmon still has queued tasks (only stealing can reach them). */
    private boolean anyTokenlessWork() {
        for (P p : allp) {
            if (p.status == P.BLOCKED && !p.runq.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Go: checkRunqsNoP. True if some P's local queue has work. */
    private boolean anyLocalWork() {
        for (P p : allp) { // volatile read: a snapshot of every P object
            if (p.status != P.IDLE && !p.runq.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Go: {@code stealWork}. Up to {@link #STEAL_TRIES} passes over all other busy Ps in random order (a random
     * start and a random stride coprime with procs), taking half of the first non-empty ring found. Runnext slots
     * are only taken on the last pass.
     */
    private Runnable stealWork(P p, M m) {
        P[] ps = allp;
        int n = ps.length;
        if (n == 1) {
            return null;
        }
        int[] stolen = m.stolen;
        m.sawHandoffChain = false;
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        for (int i = 0; i < STEAL_TRIES; i++) {
            boolean stealRunNext = i == STEAL_TRIES - 1;
            int pos = rnd.nextInt(n);
            int stride = coprimeStride(n, rnd);
            for (int k = 0; k < n; k++, pos = (pos + stride) % n) {
                P victim = ps[pos];
                if (victim == p || victim.status == P.IDLE) {
                    continue;
                }
                Runnable t = victim.runq.stealInto(p.runq, stealRunNext, victim.status == P.RUNNING,
                        RUNNEXT_BACKOFF, stolen);
                if (t != null) {
                    p.steals++;
                    p.tasksStolen += stolen[0];
                    p.runnextSteals += stolen[1];
                    return t;
                }
                if (stolen[1] < 0) {
                    m.sawHandoffChain = true;
                }
            }
        }
        if (!m.sawHandoffChain && anyOtherRunning(ps, p)) {
            // Nothing to steal, but a P is running: a hand-off chain may be between a pop and its next put, so
            // that no runnext was there to see. Watch for one back-off.
            m.sawHandoffChain = watchForHandoff(ps, p, m);
        }
        return null;
    }

    /**
     * Spins up to the runnext back-off looking for a hand-off on another running P: a runnext put (its stamp
     * moved) that is already taken again (the slot is empty). A put that stays in the slot is not a hand-off
     * (its readier kept running) and is left to the next steal pass, which takes it after the back-off as Go does.
     */
    private static boolean watchForHandoff(P[] ps, P self, M m) {
        int n = ps.length;
        int[] seen = m.seenPuts;
        if (seen.length != n) {
            seen = m.seenPuts = new int[n];
        }
        for (int i = 0; i < n; i++) {
            seen[i] = ps[i].runq.nextPuts();
        }
        long end = System.nanoTime() + RUNNEXT_BACKOFF_NANOS;
        do {
            for (int i = 0; i < n; i++) {
                P v = ps[i];
                if (v != self && v.status == P.RUNNING && v.runq.nextPuts() != seen[i] && !v.runq.hasNext()) {
                    return true;
                }
            }
            Thread.onSpinWait();
        } while (System.nanoTime() - end < 0);
        return false;
    }

    private static boolean anyOtherRunning(P[] ps, P self) {
        for (P v : ps) {
            if (v != self && v.status == P.RUNNING) {
                return true;
            }
        }
        return false;
    }

    /**
     * The pause of a carrier watching a hand-off chain between two looks (see findRunnable). Skipped when queued
     * work is already visible. The carrier counts as spinning, so {@link #wakep} leaves it alone while it sleeps:
     * work queued meanwhile waits for the end of the pause (about 70 us with the timer slack). Waking it early on
     * every ring put was tried: the unpark cost the putter a futex call per pause, which made spawning from a
     * goroutine 1.5 to 2 times slower.
     */
    private void watchPause(P p) {
        if (runq.isEmpty() && !anyRingWork(p)) {
            LockSupport.parkNanos(this, WATCH_PAUSE_NANOS);
        }
    }

    /**
     * Go's {@code usleep(3)} before taking a running P's runnext, run by stealInto on a carrier. A sleep, as in Go,
     * which the kernel's timer slack stretches to about 50 us on Linux (in Go too). A 3 us spin was tried: a
     * carrier just woken by a chain's wakep then found the chain's runnext still in place, because the waker was
     * still inside the futex call that woke it, stole it, split the pair, and the next wake repeated it (1 to 3
     * steals per 100 round trips in bursts, against about 1 in 50,000 with the sleep).
     */
    private static final Runnable RUNNEXT_BACKOFF = () -> LockSupport.parkNanos(RUNNEXT_BACKOFF_NANOS);

    /** True if another busy P has tasks in its ring (runnext aside). Racy. */
    private boolean anyRingWork(P self) {
        for (P v : allp) {
            if (v != self && v.status != P.IDLE && v.runq.size() > (v.runq.hasNext() ? 1 : 0)) {
                return true;
            }
        }
        return false;
    }


    // ================================================================================================ sysmon

    private void startSysmon() {
        synchronized (this) {
            if (sysmon != null) {
                return;
            }
            Thread t = new Thread(null, this::sysmonLoop, name + "-sysmon", 0, false);
            t.setDaemon(true);
            sysmon = t;
            t.start();
        }
    }

    /**
     * Go: {@code sysmon}. Sleeps 20 us, doubling after 50 rounds in which it retook nothing, up to 10 ms; sleeps
     * until woken ({@code startm}) when every token is free. Each round it runs {@link #retake}.
     */
    private void sysmonLoop() {
        int idle = 0;
        long delay = SYSMON_MIN_DELAY_NANOS;
        while (runState != TERMINATED) {
            if (idle == 0) {
                delay = SYSMON_MIN_DELAY_NANOS;
            } else if (idle > 50) {
                delay = Math.min(delay * 2, SYSMON_MAX_DELAY_NANOS);
            }
            LockSupport.parkNanos(this, delay);
            sysmonWakeups.incrementAndGet();
            if (npidle == procs && noTokenlessWork()) {
                // Go: "all Ps idle": deep sleep until startm wakes us. Dekker pair with startm: publish the flag,
                // fence, re-check; startm takes a token, then reads the flag.
                sysmonSleeping = true;
                VarHandle.fullFence();
                if (npidle == procs && runState != TERMINATED) {
                    LockSupport.park(this);
                    sysmonWakeups.incrementAndGet();
                }
                sysmonSleeping = false;
                idle = 0;
                continue;
            }
            if (retake(System.nanoTime()) != 0) {
                idle = 0;
            } else {
                idle++;
            }
        }
    }

    /** True unless some P that lost its token still has queued tasks (then sysmon must stay awake). */
    private boolean noTokenlessWork() {
        for (P p : allp) {
            if (p.status == P.BLOCKED && !p.runq.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Go: {@code retake}. For each P holding a token:
     * <ul>
     *   <li>SYSCALL (explicit {@code Syscall.blocking}): retake once it stayed in the same syscall for a sysmon tick,
     *       unless nothing waits for it (its queue and the global queue are empty, some carrier spins or a token is
     *       free) and it is younger than 10 ms.</li>
     *   <li>RUNNING with its carrier in one task for {@code blockedThreshold}: sample the carrier's CPU time. Not
     *       burning CPU: blocked (file I/O, a native call, a pinned park): retake. Burning CPU: set the goroutine's
     *       preempt flag ({@code Go.checkpoint()} yields), and retake if work is waiting, so the waiting work
     *       runs on another carrier while the OS time-slices the hog.</li>
     * </ul>
     *
     * @return the number of tokens retaken
     */
    private int retake(long now) {
        int n = 0;
        for (P p : allp) {
            int st = p.status;
            if (st == P.SYSCALL) {
                int tick = (int) P.SYSCALLTICK.getOpaque(p);
                if (p.sysSyscallTick != tick) {
                    p.sysSyscallTick = tick;
                    p.sysSyscallWhen = now;
                    continue;
                }
                if (p.runq.isEmpty() && runq.isEmpty() && nmspinning + npidle > 0
                        && now - p.sysSyscallWhen < SYSCALL_GRACE_NANOS) {
                    continue;
                }
                if (takeToken(p, P.SYSCALL)) {
                    handoffsSyscall.incrementAndGet();
                    handoff(p);
                    n++;
                }
            } else if (st == P.BLOCKED) {
                if (rescueTokenlessWork(p)) {
                    n++;
                }
            } else if (st == P.RUNNING) {
                M m = p.m;
                if (m == null) {
                    continue;
                }
                int seq = (int) M.RUN_SEQ.getOpaque(m);
                if ((seq & 1) == 0) {
                    p.sysSeq = -1; // between tasks
                    continue;
                }
                if (seq != p.sysSeq) { // a new task since the last look
                    p.sysSeq = seq;
                    p.sysWhen = now;
                    p.sysCpu = cpuTime(m);
                    p.sysPreempted = false;
                    continue;
                }
                long wall = now - p.sysWhen;
                if (wall < blockedThresholdNanos) {
                    continue;
                }
                long cpu = cpuTime(m);
                // Blocked = almost no CPU. A carrier that is runnable but descheduled (more runnable threads than
                // cores) still gets a share of CPU, so it counts as busy, not blocked: that keeps an overloaded
                // machine from being read as "everyone blocked" and flooded with carriers.
                boolean busy = cpu >= 0 && p.sysCpu >= 0 && (cpu - p.sysCpu) * BLOCKED_CPU_FRACTION >= wall;
                if (!busy) {
                    if (takeToken(p, P.RUNNING)) {
                        handoffsBlocked.incrementAndGet();
                        handoff(p);
                        n++;
                    }
                } else {
                    if (!p.sysPreempted) {
                        p.sysPreempted = true;
                        m.preempt = true; // Go: preemptone
                        preemptRequests.incrementAndGet();
                    }
                    if ((!p.runq.isEmpty() || !runq.isEmpty()) && takeToken(p, P.RUNNING)) {
                        handoffsBusy.incrementAndGet();
                        handoff(p);
                        n++;
                    }
                }
            }
        }
        return n;
    }

    private static long cpuTime(M m) {
        try {
            return THREADS.getThreadCpuTime(m.threadId());
        } catch (UnsupportedOperationException e) {
            return -1;
        }
    }

    /** Moves P {@code p} from {@code from} (RUNNING or SYSCALL) to BLOCKED and frees its token. */
    private boolean takeToken(P p, int from) {
        lock.lock();
        try {
            if (!p.casStatus(from, P.BLOCKED)) {
                return false;
            }
            npidle = npidle + 1;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Go: {@code handoffp}, for a token just taken from {@code p}: start a carrier with a P if work is waiting (in
     * {@code p}'s queue, which it can steal, or the global queue); otherwise the free token waits for the next
     * submission's {@code wakep}.
     */
    private void handoff(P p) {
        if (!p.runq.isEmpty()) {
            // The work sits in p's ring, which only stealing can reach: the new carrier must be allowed to spin
            // even when every token is free (findRunnable's spin limit counts busy tokens only).
            NMSPINNING.getAndAdd(this, 1);
            startm(null, true);
        } else if (!runq.isEmpty()) {
            startm(null, false);
        }
    }

    /**
     * sysmon's safety net for tokenless Ps: if one holds queued tasks, a token is free and nobody is looking, start
     * a spinning carrier to steal them (its own carrier is still blocked; Go moves the queue with the P instead).
     */
    private boolean rescueTokenlessWork(P p) {
        if (p.runq.isEmpty() || npidle == 0 || nmspinning != 0 || !NMSPINNING.compareAndSet(this, 0, 1)) {
            return false;
        }
        startm(null, true);
        return true;
    }

    // ========================================================================================= syscalls

    /** The goloom carrier under the calling code (a goroutine or a plain task), or null. */
    private static M currentCarrier() {
        Thread t = Thread.currentThread();
        if (t instanceof M m) {
            return m;
        }
        if (t.isVirtual() && TaskSupport.get().currentCarrier() instanceof M m) {
            return m;
        }
        return null;
    }

    /**
     * Go: {@code entersyscall} / {@code entersyscallblock}. Marks the calling goroutine's P as in a blocking call,
     * so that sysmon may give its token to another carrier while the call blocks. Pair every successful call with
     * {@link #exitSyscall()} in a {@code finally}. Most code should use {@code dev.goloom.loom.Syscall} instead.
     *
     * @param handOffNow give the token away at once (Go's entersyscallblock), for calls known to block long
     * @return true if the caller runs on a goloom carrier and the P was marked; false otherwise (then do not call
     *         {@link #exitSyscall()})
     */
    public static boolean enterSyscall(boolean handOffNow) {
        M m = currentCarrier();
        if (m == null) {
            return false;
        }
        P p = m.p;
        if (p == null || !p.casStatus(P.RUNNING, P.SYSCALL)) {
            return false; // no token to lend (already retaken): the call just blocks
        }
        P.SYSCALLTICK.setOpaque(p, p.syscalltick + 1);
        if (handOffNow) {
            GoScheduler s = m.sched;
            if (s.takeToken(p, P.SYSCALL)) {
                s.handoffsSyscall.incrementAndGet();
                s.handoff(p);
                s.wakeSysmon();
            }
        }
        return true;
    }

    /**
     * Go: {@code exitsyscall}. Called after {@link #enterSyscall} returned true, on the same goroutine. Keeps the
     * token if sysmon did not take it (fast path), else takes a free one.
     *
     * @return true if the P holds a token again; false if none was free: the P runs on without one until its
     *         task next parks or yields, when the carrier hands the P's queue to the global queue and parks. A
     *         goroutine should then {@code Thread.yield()} (Go: exitsyscall0 queues the G globally).
     */
    public static boolean exitSyscall() {
        M m = currentCarrier();
        if (m == null || m.p == null) {
            return false;
        }
        P p = m.p;
        if (p.casStatus(P.SYSCALL, P.RUNNING)) {
            p.syscallFastReacquires++;
            return true;
        }
        return m.sched.reacquire(p);
    }

    /**
     * True if sysmon asked the goroutine running on the calling carrier to yield (it has run for a whole
     * time slice while other work waits). Cheap: a carrier lookup and one field read. {@code Go.checkpoint()}
     * calls this and yields. The request is cleared by the yield, or when the carrier runs another task.
     */
    public static boolean preemptRequested() {
        M m = currentCarrier();
        return m != null && m.preempt;
    }

    /**
     * Wakes sysmon from its all-idle sleep. Called after taking a token (npidle--): the fence orders that store
     * before the read of {@code sysmonSleeping}, the mirror of sysmon's "set flag, fence, re-check npidle".
     */
    private void wakeSysmon() {
        VarHandle.fullFence();
        if (sysmonSleeping) {
            LockSupport.unpark(sysmon);
        }
    }

    // ============================================================================================= lifecycle

    /**
     * Stops new goroutines from starting: from now on their {@code Thread.start()} throws
     * {@link RejectedExecutionException}, as does {@link #execute} with a plain task. Goroutines already started
     * keep running (their continuations are always accepted). Does not wait; idempotent.
     */
    public void shutdown() {
        if (runState == RUNNING) {
            synchronized (this) {
                if (runState == RUNNING) {
                    runState = SHUTDOWN;
                }
            }
        }
        tryTerminate();
    }

    /**
     * {@link #shutdown()}, then interrupts every live goroutine (plain tasks cannot be interrupted and still run).
     *
     * @return the number of goroutines interrupted
     */
    public int shutdownNow() {
        shutdown();
        int n = 0;
        for (Thread t : goroutines.keySet()) {
            t.interrupt();
            n++;
        }
        return n;
    }

    /** True once {@link #shutdown()} or {@link #close()} was called. */
    public boolean isShutdown() {
        return runState != RUNNING;
    }

    /** True once the scheduler is shut down and every goroutine it ran has ended. */
    public boolean isTerminated() {
        return runState == TERMINATED;
    }

    /**
     * Waits until the scheduler is terminated (shut down, every goroutine ended), or the timeout elapses.
     *
     * @return true if terminated, false on timeout
     * @throws InterruptedException     if the calling thread is interrupted while waiting
     * @throws IllegalArgumentException if {@code timeout} is null or negative
     */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be a non-negative Duration, got " + timeout);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (;;) {
            tryTerminate(); // safety net: re-evaluates the live count
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return runState == TERMINATED;
            }
            if (terminatedLatch.await(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS)) {
                return true;
            }
        }
    }

    /**
     * Shuts down and waits until every goroutine already started has ended, then lets the carriers exit. Like
     * {@code ExecutorService.close()}: if interrupted while waiting, interrupts every live goroutine
     * ({@link #shutdownNow()}) and keeps waiting, then restores the caller's interrupt status.
     *
     * @throws IllegalStateException if called from a goroutine of this scheduler (it would wait for itself)
     */
    @Override
    public void close() {
        if (currentM(TaskSupport.get()) != null) {
            throw new IllegalStateException("close() called from a goroutine of goloom scheduler '" + name
                    + "': it would wait for itself; call shutdown() instead");
        }
        shutdown();
        boolean interrupted = false;
        while (runState != TERMINATED) {
            try {
                awaitTermination(Duration.ofDays(1));
            } catch (InterruptedException e) {
                if (!interrupted) {
                    shutdownNow();
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Moves SHUTDOWN to TERMINATED once nothing is live, and lets the carriers go. */
    private void tryTerminate() {
        if (runState != SHUTDOWN || plainLive.get() != 0 || !goroutines.isEmpty()) {
            return;
        }
        // isEmpty() sums striped counters and may read a transient zero; confirm with a (weakly consistent)
        // iterator, which cannot miss a goroutine that stays live for the whole call.
        if (goroutines.keys().hasMoreElements()) {
            return;
        }
        synchronized (this) {
            if (runState != SHUTDOWN) {
                return;
            }
            runState = TERMINATED;
        }
        terminatedLatch.countDown();
        for (M m : allm) {
            LockSupport.unpark(m); // idle carriers see TERMINATED and exit
        }
        Thread sm = sysmon;
        if (sm != null) {
            LockSupport.unpark(sm);
        }
    }

    // ============================================================================================== reporting

    /** Handles a {@link Throwable} thrown by a plain task; the carrier survives and goes on. */
    @FunctionalInterface
    public interface TaskExceptionHandler {
        /**
         * Called on the carrier that ran {@code task}, right after it threw. Exceptions thrown by the handler are
         * ignored. (Virtual threads report their own uncaught exceptions through
         * {@link Thread.UncaughtExceptionHandler}; this handler sees only plain tasks.)
         */
        void uncaught(Runnable task, Throwable error);
    }

    private void reportUncaught(Runnable t, Throwable e) {
        try {
            exceptionHandler.uncaught(t, e);
        } catch (Throwable ignored) {
            // a broken handler must not kill the carrier
        }
    }

    private void printUncaught(Runnable t, Throwable e) {
        System.err.println("goloom: task " + t + " on scheduler '" + name + "' (carrier "
                + Thread.currentThread().getName() + ") threw:");
        e.printStackTrace();
    }

    /** A snapshot of queue lengths, carrier counts and per-P counters. Cheap enough to poll; never blocks. */
    public SchedulerStats stats() {
        List<Integer> lens = new ArrayList<>(procs);
        long runnextPuts = 0, localPuts = 0, globalPuts = externalGlobalPuts.get(), fairness = 0, globalPolls = 0;
        long steals = 0, stolen = 0, runnextSteals = 0, watches = 0, sliceEnds = 0, yields = 0, tasksRun = 0, fast = 0;
        for (P p : allp) {
            lens.add(p.runq.size());
            runnextPuts += p.counter(P.RUNNEXT_PUTS);
            localPuts += p.counter(P.LOCAL_PUTS);
            globalPuts += p.counter(P.GLOBAL_PUTS);
            fairness += p.counter(P.FAIRNESS_POLLS);
            globalPolls += p.counter(P.GLOBAL_POLLS);
            steals += p.counter(P.STEALS);
            stolen += p.counter(P.TASKS_STOLEN);
            runnextSteals += p.counter(P.RUNNEXT_STEALS);
            watches += p.counter(P.HANDOFF_WATCHES);
            sliceEnds += p.counter(P.SLICE_ENDS);
            yields += p.counter(P.YIELDS);
            tasksRun += p.counter(P.TASKS_RUN);
            fast += p.counter(P.SYSCALL_FAST);
        }
        long parks = 0, unparks = 0;
        for (M m : allm) {
            parks += m.parks;
            unparks += m.unparks;
        }
        parks += exitedParks.get();
        unparks += exitedUnparks.get();
        return new SchedulerStats(name, procs, npidle, mcount.get(), nmidle, nmspinning, mHighWater.get(), lens,
                runq.size(), goroutines.size() + plainLive.get(), runnextPuts, localPuts, globalPuts, fairness,
                globalPolls, steals, stolen, runnextSteals, watches, sliceEnds, yields, tasksRun, parks, unparks,
                handoffsSyscall.get(), handoffsBlocked.get(), handoffsBusy.get(), preemptRequests.get(), fast,
                sysmonWakeups.get(), runState != RUNNING, runState == TERMINATED);
    }

    /** Park counters of carriers that exited, so stats() totals never go backwards. */
    private final AtomicLong exitedParks = new AtomicLong();
    private final AtomicLong exitedUnparks = new AtomicLong();

    /**
     * The live goroutines (virtual threads started on this scheduler that have not terminated), in no particular
     * order. A snapshot: it may include a thread that ends while the list is built.
     */
    public List<Thread> goroutines() {
        return List.copyOf(goroutines.keySet());
    }

    @Override
    public String toString() {
        return "GoScheduler[" + name + ", maxProcs=" + procs + ", " + switch (runState) {
            case RUNNING -> "running";
            case SHUTDOWN -> "shutting down";
            default -> "terminated";
        } + "]";
    }

    /** Go: randomOrder. A random stride coprime with {@code n}, so that {@code pos += stride} visits all n. */
    static int coprimeStride(int n, ThreadLocalRandom rnd) {
        int s = 1 + rnd.nextInt(n);
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

    /**
     * Resolves maxProcs when the builder was not given one: {@code GOMAXPROCS}, then {@code goloom.maxprocs},
     * then the number of processors. Package-private for tests.
     *
     * @throws IllegalArgumentException naming the source if a set value is not an integer in [1, 1024]
     */
    static int resolveMaxProcs(String env, String property, int cpus) {
        if (env != null && !env.isBlank()) {
            return parseProcs(env, "GOMAXPROCS");
        }
        if (property != null && !property.isBlank()) {
            return parseProcs(property, "goloom.maxprocs");
        }
        return Math.max(1, cpus);
    }

    private static int parseIntProperty(String key, int dflt, int min, int max) {
        String v = System.getProperty(key);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], got " + n);
        }
        return n;
    }

    /** Parses {@code 10ms}, {@code 500us}, {@code 2s}, or a bare number of milliseconds. Package-private for tests. */
    static Duration parseDuration(String v, String source) {
        String t = v.trim().toLowerCase(java.util.Locale.ROOT);
        try {
            Duration d;
            if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            } else if (t.endsWith("us")) {
                d = Duration.ofNanos(1000 * Long.parseLong(t.substring(0, t.length() - 2).trim()));
            } else if (t.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1).trim()));
            } else {
                d = Duration.ofMillis(Long.parseLong(t));
            }
            if (d.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException(source + " must be >= 1ms, got '" + v + "'");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " must be a duration like 10ms, 500us or 1s, got '" + v + "'");
        }
    }

    private static Duration parseDurationProperty(String key, Duration dflt) {
        String v = System.getProperty(key);
        return v == null || v.isBlank() ? dflt : parseDuration(v, key);
    }

    private static int parseProcs(String value, String source) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("maxProcs must be an integer >= 1, got '" + value + "' (from "
                    + source + ")");
        }
        return checkProcs(n, source);
    }

    private static int checkProcs(int n, String source) {
        if (n < 1) {
            throw new IllegalArgumentException("maxProcs must be >= 1, got " + n + " (from " + source + ")");
        }
        if (n > MAX_PROCS) {
            throw new IllegalArgumentException("maxProcs must be <= " + MAX_PROCS + ", got " + n + " (from "
                    + source + ")");
        }
        return n;
    }

    // =============================================================================================== builder

    /**
     * Configures a {@link GoScheduler}. Every setter validates its argument at once and throws
     * {@link IllegalArgumentException} naming it.
     */
    public static final class Builder {
        private String name;
        private Integer maxProcs;
        private Duration timeSlice = Duration.ofMillis(10);
        private Duration keepAlive = Duration.ofSeconds(30);
        private int queueCapacity = LocalRunQueue.DEFAULT_CAPACITY;
        private TaskExceptionHandler exceptionHandler;
        private Integer maxThreads;
        private Duration blockedThreshold;

        private Builder() {
        }

        /** The scheduler's name, used in carrier names ({@code name-m1}) and messages. Default {@code goloom-N}. */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name must be a non-blank string, got " + quote(name));
            }
            this.name = name;
            return this;
        }

        /**
         * The number of Ps (Go: GOMAXPROCS), 1 to 1024. Default: {@code GOMAXPROCS} env, then
         * {@code -Dgoloom.maxprocs}, then {@code Runtime.availableProcessors()}.
         */
        public Builder maxProcs(int maxProcs) {
            this.maxProcs = checkProcs(maxProcs, "maxProcs(int)");
            return this;
        }

        /**
         * How long a runnext chain may hold a P before other local work gets a turn (Go: forcePreemptNS).
         * Default 10 ms; at least 100 microseconds.
         */
        public Builder timeSlice(Duration timeSlice) {
            if (timeSlice == null || timeSlice.compareTo(Duration.ofNanos(100_000)) < 0) {
                throw new IllegalArgumentException("timeSlice must be >= 100us, got " + timeSlice);
            }
            this.timeSlice = timeSlice;
            return this;
        }

        /** How long an idle carrier waits for work before its thread exits. Default 30 s; at least 1 ms. */
        public Builder keepAlive(Duration keepAlive) {
            if (keepAlive == null || keepAlive.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("keepAlive must be >= 1ms, got " + keepAlive);
            }
            this.keepAlive = keepAlive;
            return this;
        }

        /**
         * The most carrier threads the scheduler may run at once, counting carriers blocked outside goloom's
         * control (sysmon adds carriers when others block). At the bound it logs one warning and stops adding.
         * Default 256, or {@code -Dgoloom.maxThreads}. Must be >= maxProcs.
         */
        public Builder maxThreads(int maxThreads) {
            if (maxThreads < 1) {
                throw new IllegalArgumentException("maxThreads must be >= 1, got " + maxThreads);
            }
            this.maxThreads = maxThreads;
            return this;
        }

        /**
         * How long a carrier may stay in one task before sysmon decides it is blocked (then its token goes to
         * another carrier) or hogging the CPU (then the goroutine is asked to yield, and its token moves if work
         * waits). Default 10 ms, or {@code -Dgoloom.blockedThreshold} (e.g. {@code 10ms}, {@code 500us},
         * {@code 1s}); at least 1 ms.
         */
        public Builder blockedThreshold(Duration threshold) {
            if (threshold == null || threshold.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException("blockedThreshold must be >= 1ms, got " + threshold);
            }
            this.blockedThreshold = threshold;
            return this;
        }

        /** Receives exceptions thrown by plain tasks. Default: print the task and stack trace to stderr. */
        public Builder uncaughtExceptionHandler(TaskExceptionHandler handler) {
            this.exceptionHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Local run queue capacity, a power of two (256 = Go's). Package-private: tests use small rings. */
        Builder queueCapacity(int capacity) {
            if (capacity < 2 || Integer.bitCount(capacity) != 1) {
                throw new IllegalArgumentException("queueCapacity must be a power of two >= 2, got " + capacity);
            }
            this.queueCapacity = capacity;
            return this;
        }

        /**
         * Builds the scheduler. No carrier thread starts until the first task arrives.
         *
         * @throws IllegalArgumentException if maxProcs was not set and {@code GOMAXPROCS} or
         *                                  {@code goloom.maxprocs} holds a bad value
         */
        public GoScheduler build() {
            return new GoScheduler(this);
        }

        private static String quote(String s) {
            return s == null ? "null" : "'" + s + "'";
        }
    }
}
