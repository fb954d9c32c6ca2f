package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.GlobalRunQueue;
import dev.goloom.scheduler.internal.SpinLock;
import dev.goloom.scheduler.internal.TimerHeap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * The scheduler-wide state and its operations. Go: {@code type schedt} (the global {@code sched}) with the
 * {@code proc.go} functions that work on it: the idle P list, the run tokens, the spinning count, the global run
 * queue, and {@code wakep}, {@code startm}, {@code globrunqget}, {@code handoffp}. The carriers themselves (Go's
 * {@code allm}, the idle-M list, {@code newm}, {@code stopm}) are in {@link Carriers}, under the same lock.
 *
 * <h2>Locking</h2>
 * {@link #lock} (Go: {@code sched.lock}) guards the idle-P list, the idle-M list and writes of the free-token
 * count. It is a never-parking {@link SpinLock}: {@code execute} reaches {@link #wakep} from pinned virtual
 * threads. Methods that need it say so and assert it on their first line. The global queue has its own spin lock
 * (inside {@link GlobalRunQueue}); the two are never held together.
 *
 * <h2>Counts read without the lock</h2>
 * {@code freeTokens} (Go: {@code sched.npidle}, which counts idle Ps; goloom counts free run tokens, because a
 * blocked carrier's P loses its token but keeps its object) and {@code procs} (Go: {@code gomaxprocs}) are written
 * under the lock and read anywhere; a reader that needs both consistent takes the lock.
 * {@code nmspinning} changes only by atomic read-modify-write ({@link #casNmspinning}, {@link #xaddNmspinning}),
 * each a full fence, as the "Delicate dance" in the package overview needs.
 *
 * <h2>Resizing</h2>
 * {@link Procresize} changes {@code procs} at run time (Go: {@code procresize}); the P-list primitives it uses are
 * here ({@link #spareP}, {@link #retire}, {@link #revive}, {@link #unlinkIdle}, {@link #setProcs}), each requiring
 * the lock. Its invariants (tokens, live low ids, RETIRING and DEAD Ps) hold whenever the lock is free.
 */
final class Sched {
    private static final VarHandle NMSPINNING;

    static {
        try {
            NMSPINNING = MethodHandles.lookup().findVarHandle(Sched.class, "nmspinning", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final SchedulerConfig config;
    /** The facade: told when a goroutine ends, and how to report a plain task's exception. */
    final GoScheduler scheduler;
    /** Go: sched.runq. Unbounded FIFO under its own spin lock; lower priority than local queues. */
    final GlobalRunQueue runq = new GlobalRunQueue(1024);
    /** Go: sched.lock. */
    final SpinLock lock = new SpinLock();
    final Sysmon sysmon;
    /** Events counted by threads that hold no P, and counts of carriers that exited. */
    final SharedCounters counters = new SharedCounters();

    /**
     * Go: allp. The live P objects (every status but DEAD) by id: the {@code procs} Ps with the lowest ids plus
     * spares made when sysmon moved a token away from a blocked carrier's P and no idle P object was free, and Ps
     * still RETIRING. Copy-on-write under {@link #lock}; read without it.
     */
    private volatile P[] allp;
    /** Every P object ever made, indexed by id, DEAD ones included. Copy-on-write under {@link #lock}. */
    private volatile P[] allPs;
    /** Go: sched.pidle. Guarded by {@link #lock}. */
    private P pidle;
    /** Free run tokens (Go: sched.npidle; see class comment). Written under {@link #lock}. */
    private volatile int freeTokens;
    /** Go: gomaxprocs. Written under {@link #lock}. */
    private volatile int procs;
    /** Where {@link #procs} came from ({@link SchedulerConfig#maxProcsSource()}'s values). Written under lock. */
    private volatile String procsSource;
    /** Go: sched.nmspinning. Atomic read-modify-writes only. */
    private volatile int nmspinning;

    /** Every carrier, the idle-M list and the M lifecycle (Go: allm, sched.midle, newm, stopm). */
    final Carriers carriers;
    /** The per-P timer heaps' logic: adding, running, the timer sleeper (Go: time.go). */
    final SchedTimers timers = new SchedTimers(this);
    /** Go: procresize. Changes {@link #lvProcs()} at run time. */
    final Procresize resizer = new Procresize(this);
    /** Set once, when the scheduler terminates: idle carriers exit, sysmon stops. */
    private volatile boolean terminated;

    Sched(SchedulerConfig config, GoScheduler scheduler) {
        this.config = config;
        this.scheduler = scheduler;
        int procs = config.procs;
        P[] ps = new P[procs];
        for (int i = 0; i < procs; i++) {
            ps[i] = new P(i, config, runq);
        }
        this.allp = ps;
        this.allPs = ps;
        this.sysmon = new Sysmon(this);
        this.carriers = new Carriers(this);
        // All Ps start idle and every token is free: the first submission wakes a carrier (Go: procresize).
        lock.lock();
        try {
            for (int i = procs - 1; i >= 0; i--) {
                ps[i].link = pidle;
                pidle = ps[i];
            }
            freeTokens = procs;
            this.procs = procs;
            procsSource = config.procsSource;
        } finally {
            lock.unlock();
        }
    }

    // ===================================================================================== counts and snapshots

    /** Free run tokens, volatile read (any thread). */
    int lvFreeTokens() {
        return freeTokens;
    }

    /** Go: gomaxprocs, volatile read (any thread). */
    int lvProcs() {
        return procs;
    }

    /** Where {@link #lvProcs()} came from, volatile read (any thread). */
    String procsSource() {
        return procsSource;
    }

    /** Go: sched.nmspinning, volatile read (any thread). */
    int lvNmspinning() {
        return nmspinning;
    }

    /** Any thread. A full fence. */
    boolean casNmspinning(int expect, int update) {
        return NMSPINNING.compareAndSet(this, expect, update);
    }

    /** Any thread. An atomic add, a full fence. */
    void xaddNmspinning(int delta) {
        NMSPINNING.getAndAdd(this, delta);
    }

    /**
     * The live P objects right now, by id (a snapshot: a P in it may become DEAD, with an empty queue and heap,
     * and spares may be added later). Any thread.
     */
    P[] allp() {
        return allp;
    }

    boolean isTerminated() {
        return terminated;
    }

    // ========================================================================================== global queue

    /** Go: {@code globrunqput}, by the owner of {@code p}. */
    void globrunqput(P p, Runnable task) {
        runq.put(task);
        p.counters.inc(Counter.GLOBAL_PUTS);
    }

    /**
     * Go: {@code globrunqget}. Owner of {@code p} only. Takes a fair share of the global queue:
     * {@code min(size, size/procs + 1, max if > 0, capacity/2)} tasks; returns the first and puts the rest in the
     * local ring.
     */
    Runnable globrunqget(P p, int max) {
        Runnable[] batch = p.grab;
        int n = globrunqgetCount(runq.size(), procs, max, batch.length); // volatile read of procs: not on runnext's path
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
            p.runq.put(t); // never spills: n <= capacity/2 and the ring was empty
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

    /** True if a P that lost its token (to sysmon, or to a shrink) still has queued tasks (only stealing can reach them). */
    boolean anyTokenlessWork() {
        for (P p : allp) {
            if (P.tokenless(p.status()) && !p.steal.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** True if any P's local queue (ring or runnext) holds a task. Any thread; a racy snapshot. */
    boolean anyQueuedWork() {
        for (P p : allp) {
            if (!p.steal.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Go: checkRunqsNoP. True if some non-idle P's local queue has work. */
    boolean anyLocalWork() {
        for (P p : allp) {
            if (p.status() != P.IDLE && !p.steal.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    // ============================================================================ waking and parking carriers

    /**
     * Go: {@code wakep}. Starts a spinning carrier if a token is free and nobody spins. Submitter side of the
     * "Delicate dance": the task was published before this call.
     */
    void wakep() {
        VarHandle.fullFence(); // step 2: order the task's publication before the reads below
        wakepAfterRmw();
    }

    /**
     * {@link #wakep} for a submitter that published with an atomic read-modify-write: {@code runqput(next=true)}'s
     * exchange of runnext, which is a full fence, so step 2 is already done. (A task it displaced into the ring
     * is published later with a store-release, but a carrier giving up sees the P as non-empty through runnext,
     * which holds the new task from the exchange on, so no wake-up can be lost.)
     */
    void wakepAfterRmw() {
        if (freeTokens == 0) {
            return;
        }
        if (nmspinning != 0 || !casNmspinning(0, 1)) {
            return;
        }
        startm(null, true);
    }

    /**
     * Go: {@code startm}. Gives P {@code p} (or an idle P if null) to an idle carrier, or to a new one. If
     * {@code spinning}, the caller already counted the carrier in {@code nmspinning}; that count is undone when
     * no token is free.
     */
    void startm(P p, boolean spinning) {
        M m;
        lock.lock();
        try {
            if (p == null) {
                p = pidleget();
                if (p == null) {
                    if (spinning) {
                        xaddNmspinning(-1);
                    }
                    return;
                }
            }
            m = carriers.mget();
        } finally {
            lock.unlock();
        }
        sysmon.wake(); // work arrived; sysmon may be in its all-idle sleep
        if (m == null) {
            carriers.newm(p, spinning);
            return;
        }
        m.startSpinning = spinning;
        m.nextp = p; // volatile: the P hand-off, read by the M after it wakes
        if (m.parking) { // else the M still spins in stopm and sees nextp without a wake-up (M.parking)
            LockSupport.unpark(m);
        }
    }

    /** Undoes a startm whose carrier could not be started: the P and its token go back to the idle list. */
    void giveBack(P p, boolean spinning) {
        M idle;
        P handed = null;
        long moved;
        lock.lock();
        try {
            moved = putIdle(p); // RUNNING as pidleget left it, or RETIRING/BLOCKED if a resize came in between
            // The token was out of the pool while newm tried: a carrier that gave up meanwhile found none free and
            // parked (or is about to: stopm re-checks under this lock). If work is queued (globally, or readied
            // into a running P's queue: found by the wake-up model, WakeupProtocolLincheckTest), hand the token to
            // an idle carrier now, or nobody would come back for that work until its P's carrier gets to it.
            // (No token to hand if a shrink took this P's meanwhile: then no carrier is taken off the idle list.)
            idle = freeTokens == 0 || (runq.isEmpty() && !anyLocalWork()) ? null : carriers.mget();
            if (idle != null) {
                handed = pidleget();
            }
        } finally {
            lock.unlock();
        }
        if (spinning) {
            xaddNmspinning(-1);
        }
        timers.moved(moved);
        if (idle != null) {
            idle.startSpinning = false;
            idle.nextp = handed; // volatile: the P hand-off, as in startm
            LockSupport.unpark(idle);
        }
    }

    /** Go: {@code acquirep}. {@code p} came from pidleget (status RUNNING, token held). Called by {@code m}. */
    static void acquirep(M m, P p) {
        p.m = m;
        m.p = p;
    }

    /**
     * Go: findRunnable's "release P" under {@code sched.lock}: unless the global queue has work, puts {@code m}'s
     * P {@code p} (its queue empty) on the idle list (with its token, or without one if sysmon took it
     * meanwhile), or retires it if a shrink made it RETIRING, and detaches it. Called by {@code m} only.
     *
     * @return false, with nothing changed, if the global queue has work
     */
    boolean releasep(M m, P p) {
        long moved;
        lock.lock();
        try {
            if (!runq.isEmpty()) {
                return false;
            }
            moved = putIdle(p);
            m.p = null;
        } finally {
            lock.unlock();
        }
        timers.moved(moved);
        return true;
    }

    /**
     * A carrier gives up {@code p}, whose queue is empty: RUNNING goes IDLE and frees its token, BLOCKED goes IDLE
     * without one, RETIRING is retired (Resizing, step 3). Requires {@link #lock}.
     *
     * @return the earliest deadline of timers a retirement moved, or {@code TimerHeap.NONE}: pass it to
     *         {@code SchedTimers.moved} after unlocking
     */
    long putIdle(P p) {
        assert lock.isHeldByCurrentThread();
        int st = p.status();
        if (st == P.RETIRING) {
            return retire(p);
        }
        if (st == P.RUNNING && p.casStatus(P.RUNNING, P.IDLE)) {
            pidleput(p, true);
        } else if (p.casStatus(P.BLOCKED, P.IDLE)) {
            pidleput(p, false);
        } else {
            throw new IllegalStateException("cannot release " + p);
        }
        return TimerHeap.NONE;
    }

    /** Takes a free token with an idle P (see {@link #pidleget}), under the lock. Any thread. */
    P takeIdleP() {
        lock.lock();
        try {
            return pidleget();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Go: {@code pidleput}. Puts P {@code p} on the idle list; if {@code withToken}, its run token becomes free.
     * Requires {@link #lock}; the caller already moved {@code p}'s status to IDLE.
     */
    void pidleput(P p, boolean withToken) {
        assert lock.isHeldByCurrentThread();
        p.m = null;
        p.link = pidle;
        pidle = p;
        if (withToken) {
            freeTokens = freeTokens + 1; // volatile store; single writer under the lock
        }
    }

    // ============================================================================== P lists (see Procresize)

    /** Every P object ever made, indexed by id, DEAD ones included (a snapshot). Any thread. */
    P[] allPs() {
        return allPs;
    }

    /**
     * A P object for a free token when the idle list is empty: the DEAD P with the lowest id, revived, else a new
     * one (Go: procresize reuses {@code allp[i]} before it allocates). Status IDLE, in {@link #allp()}, not on the
     * idle list. Requires {@link #lock}.
     */
    P spareP() {
        assert lock.isHeldByCurrentThread();
        for (P p : allPs) {
            if (p.status() == P.DEAD) {
                p.timers.reopen();
                p.svStatus(P.IDLE);
                rebuildAllp();
                return p;
            }
        }
        return newP();
    }

    /** A new IDLE P with the next id, in allPs and {@link #allp()}. Requires {@link #lock}. */
    private P newP() {
        P[] old = allPs;
        P p = new P(old.length, config, runq);
        P[] grown = Arrays.copyOf(old, old.length + 1);
        grown[old.length] = p;
        allPs = grown;
        rebuildAllp();
        return p;
    }

    /** Makes the P with id {@code id} live and idle (revived, or new), on the idle list. Requires {@link #lock}. */
    void revive(int id) {
        assert lock.isHeldByCurrentThread();
        P p;
        if (id < allPs.length) {
            p = allPs[id];
            if (p.status() != P.DEAD) {
                throw new IllegalStateException("P" + id + " is live: " + p);
            }
            p.timers.reopen();
            p.svStatus(P.IDLE);
            rebuildAllp();
        } else if (id == allPs.length) {
            p = newP();
        } else {
            throw new IllegalStateException("P ids must stay dense: asked for P" + id + " with " + allPs.length);
        }
        pidleput(p, false);
    }

    /**
     * Resizing, step 3: {@code p} (IDLE and off the idle list, or RETIRING with its owner calling) becomes DEAD,
     * leaves {@link #allp()}, and its timers move to a live P. Its queue must be empty. Requires {@link #lock}.
     *
     * @return the earliest deadline moved, or {@code TimerHeap.NONE}: pass it to {@code SchedTimers.moved} after
     *         unlocking
     */
    long retire(P p) {
        assert lock.isHeldByCurrentThread();
        assert p.steal.isEmpty() : "retiring a P with queued tasks: " + p;
        int st = p.status();
        if (st != P.IDLE && st != P.RETIRING) {
            throw new IllegalStateException("only an idle or retiring P can be retired: " + p);
        }
        p.m = null;
        p.svStatus(P.DEAD);
        rebuildAllp();
        return p.timers.moveAllTo(timers.liveTarget(allp, procs).timers);
    }

    /** Takes idle P {@code p} off the idle list. Requires {@link #lock}. */
    void unlinkIdle(P p) {
        assert lock.isHeldByCurrentThread();
        P prev = null;
        for (P x = pidle; x != null; prev = x, x = x.link) {
            if (x == p) {
                if (prev == null) {
                    pidle = x.link;
                } else {
                    prev.link = x.link;
                }
                x.link = null;
                return;
            }
        }
        throw new IllegalStateException(p + " is not on the idle list");
    }

    /** Publishes a resize: the new gomaxprocs, free-token count and source. Requires {@link #lock}. */
    void setProcs(int procs, int freeTokens, String source) {
        assert lock.isHeldByCurrentThread();
        if (freeTokens < 0 || procs < 1) {
            throw new IllegalStateException("procs " + procs + ", free tokens " + freeTokens);
        }
        this.freeTokens = freeTokens;
        this.procs = procs;
        this.procsSource = source;
    }

    /** The free-token count as the lock holder sees it. Requires {@link #lock}. */
    int freeTokensLocked() {
        assert lock.isHeldByCurrentThread();
        return freeTokens;
    }

    /** The idle list, for checks (tests). Requires {@link #lock}. */
    List<P> idleListLocked() {
        assert lock.isHeldByCurrentThread();
        List<P> out = new ArrayList<>();
        for (P x = pidle; x != null; x = x.link) {
            out.add(x);
        }
        return out;
    }

    /** allp = every P of allPs that is not DEAD, in id order. Requires {@link #lock}. */
    private void rebuildAllp() {
        P[] all = allPs;
        int n = 0;
        for (P p : all) {
            if (p.status() != P.DEAD) {
                n++;
            }
        }
        P[] live = new P[n];
        int i = 0;
        for (P p : all) {
            if (p.status() != P.DEAD) {
                live[i++] = p;
            }
        }
        allp = live;
    }

    /**
     * Go: {@code pidleget}. Takes a free run token and an idle P object to hold it (a new spare P if every P object
     * is busy or blocked), status RUNNING. Returns null if no token is free. Requires {@link #lock} (also called by
     * Carriers.stopm under it).
     */
    P pidleget() {
        assert lock.isHeldByCurrentThread();
        if (freeTokens == 0) {
            return null;
        }
        P p = pidle;
        if (p != null) {
            pidle = p.link;
            p.link = null;
        } else {
            p = spareP();
        }
        freeTokens = freeTokens - 1;
        p.svStatus(P.RUNNING);
        return p;
    }

    /**
     * The P of the calling carrier lost its token to sysmon: take a free one back (never for a RETIRING P, which
     * must go). Like Go's exitsyscallfast_pidle
     * it wakes sysmon if it sleeps (sysmon sleeps for good once every token is free, and this token may block
     * again). Called by {@code p}'s owner; requires no lock.
     */
    boolean reacquire(P p) {
        lock.lock();
        try {
            if (p.status() != P.BLOCKED || freeTokens == 0) {
                return p.status() == P.RUNNING;
            }
            freeTokens = freeTokens - 1;
            p.svStatus(P.RUNNING);
        } finally {
            lock.unlock();
        }
        sysmon.wake();
        return true;
    }

    /** Moves P {@code p} from {@code from} (RUNNING or SYSCALL) to BLOCKED and frees its token. Any thread. */
    boolean takeToken(P p, int from) {
        lock.lock();
        try {
            if (!p.casStatus(from, P.BLOCKED)) {
                return false;
            }
            freeTokens = freeTokens + 1;
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Go: {@code handoffp}, for a token just taken from {@code p}: start a carrier with a P if work is waiting (in
     * {@code p}'s queue, which it can steal, or the global queue); otherwise the free token waits for the next
     * submission's {@code wakep}. Any thread.
     */
    void handoffp(P p) {
        if (!p.steal.isEmpty() || timers.overdue(System.nanoTime(), 0)) {
            // The work sits in p's ring (or in overdue timers, which a spinning carrier runs), which only stealing can reach: the new carrier must be allowed to spin
            // even when every token is free (findRunnable's spin limit counts busy tokens only).
            xaddNmspinning(1);
            startm(null, true);
        } else if (!runq.isEmpty()) {
            startm(null, false);
        }
    }

    /**
     * Carrier {@code m} is back from a task during which its P lost its token, and no token is free (BLOCKED), or
     * a shrink removed the P (RETIRING): as the P's only owner it moves the P's queue to the global queue, then
     * parks the P as idle (no token) or retires it, and drops it. Called by {@code m} only.
     */
    void dropBlockedP(M m, P p) {
        p.runq.drain();
        long moved;
        lock.lock();
        try {
            if (!P.tokenless(p.status())) { // only the owner leaves BLOCKED/RETIRING towards a token: not here
                throw new IllegalStateException("P" + p.id + " not blocked: " + p);
            }
            moved = putIdle(p);
            m.p = null;
        } finally {
            lock.unlock();
        }
        timers.moved(moved);
        wakep(); // the moved tasks need a carrier with a token
    }

    // ============================================================================================= lifecycle

    /** The scheduler terminated: idle carriers and sysmon exit. Any thread; idempotent. */
    void terminate() {
        terminated = true;
        carriers.unparkAll(); // idle carriers see the flag and exit
        timers.terminate(); // pending timers are dropped; the timer sleeper exits too
        sysmon.stop();
    }

    // ============================================================================================== reporting

    /** Adds every counter of every P, every live M and the shared counters into {@code totals}. Any thread. */
    void addCounters(long[] totals) {
        for (P p : allPs) { // DEAD ones too: totals never go backwards
            p.counters.addTo(totals);
        }
        carriers.addCounters(totals);
        counters.addTo(totals);
        // Puts by threads holding no P are the queue's own count minus those the Ps counted (racy: a snapshot).
        totals[Counter.EXTERNAL_GLOBAL_PUTS.ordinal()] =
                Math.max(0, runq.puts() - totals[Counter.GLOBAL_PUTS.ordinal()]);
        totals[Counter.TIMERS_PENDING.ordinal()] = timers.pending();
        totals[Counter.GOROUTINES_CREATED.ordinal()] += runq.starts(); // the Ps count their own
    }

    /** Every P's schedule-latency histogram merged (Go: /sched/latencies). Any thread; a racy snapshot. */
    LatencyDistribution latency() {
        long[] buckets = new long[SingleWriterHistogram.BUCKETS];
        long sum = 0;
        long max = 0;
        for (P p : allp) {
            p.latency.addTo(buckets);
            sum += p.latency.loSum();
            max = Math.max(max, p.latency.loMax());
        }
        return new LatencyDistribution(buckets, sum, max);
    }

    /** Per P object, its queue length. Any thread. */
    List<Integer> queueLengths() {
        P[] ps = allp;
        Integer[] lens = new Integer[ps.length];
        for (int i = 0; i < ps.length; i++) {
            lens[i] = ps[i].steal.size();
        }
        return List.of(lens);
    }

}
