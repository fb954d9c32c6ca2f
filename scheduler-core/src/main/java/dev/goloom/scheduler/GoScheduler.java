package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.GoroutineTable;
import dev.goloom.scheduler.spi.SystemGoroutines;
import dev.goloom.scheduler.spi.TaskSupport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import javax.management.ObjectName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Go's runtime scheduler, as an {@link Executor} for virtual-thread continuations: a fixed number of Ps
 * ({@code maxProcs}, Go's GOMAXPROCS), each with a local run queue and a LIFO {@code runnext} slot, a global queue
 * polled every 61 ticks, work stealing, spinning and idle carrier threads, time slices shared by runnext chains,
 * and a sysmon that hands a blocked carrier's P to another carrier. How it works, for maintainers: the package's
 * "Implementation Overview".
 *
 * <p>Use it through loom-bridge ({@code GoVirtualThreads.ofVirtual(scheduler)}, {@code Go.go(scheduler, task)}):
 * virtual threads built there submit their continuations here. Plain {@link Runnable}s may be executed too; each
 * runs once per call, on a carrier.
 *
 * <h2>Where a submitted task runs</h2>
 * <ul>
 *   <li>Started or unparked by a goroutine of this scheduler: next on the same P ({@code runnext}), so it runs
 *       close to the data its waker just produced (Go: {@code ready}, {@code newproc}). So a goroutine that starts
 *       several others sees the newest start first.</li>
 *   <li>{@code Thread.yield()}: behind everything, on the global queue (Go: {@code Gosched}).</li>
 *   <li>From any other thread (a platform thread, another scheduler's goroutine, the JDK's timer and poller
 *       threads): the global queue, and a carrier is woken if one is free. A goroutine resumed that way is work
 *       already in flight and goes ahead of new goroutines started that way.</li>
 * </ul>
 *
 * <h2>Lifecycle</h2>
 * {@link #shutdown()} stops new goroutines from starting: their {@code Thread.start()} fails with a
 * {@link RejectedExecutionException} naming this scheduler. Continuations of goroutines already started are never
 * rejected (a rejection during {@code unpark} would be thrown at whoever called {@code unpark} and strand the
 * thread), so they run until they end. When the last one ends, the scheduler is terminated and its carriers exit.
 * {@link #close()} does both and waits, like {@code ExecutorService.close()}; if the waiting thread is interrupted,
 * it interrupts every live goroutine ({@link #shutdownNow()}) and goes on waiting.
 *
 * <p>To see what its goroutines do (state, wait reason and time, channels, stack), dump them with
 * {@link Goroutines#dump(GoScheduler)} or {@link Goroutines#snapshot(GoScheduler)}.
 * <h2>Observing it</h2>
 * {@link #stats()} (Go's schedtrace), {@link #metrics()} (Go's {@code /sched/...} metrics and the schedule latency),
 * an MXBean ({@link GoSchedulerMXBean}, registered while the scheduler lives unless {@code jmx(false)}), and JFR
 * events in the "goloom" category ({@code goloom.Handoff}, {@code goloom.StealBatch},
 * {@code goloom.ScheduleLatency}, {@code goloom.SchedulerStats}).
 *
 * <p>Instances are thread-safe. Build one with {@link #builder()}, or use {@link #defaultScheduler()}.
 */
public final class GoScheduler implements Executor, AutoCloseable {
    /** Go's {@code _MaxGomaxprocs}. */
    public static final int MAX_PROCS = SchedulerConfig.MAX_PROCS;

    static final int RUNNING = 0;
    static final int SHUTDOWN = 1;
    static final int TERMINATED = 2;

    private static final AtomicInteger SCHEDULER_IDS = new AtomicInteger();
    private static final VarHandle RUN_STATE;

    static {
        try {
            RUN_STATE = MethodHandles.lookup().findVarHandle(GoScheduler.class, "runState", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        SystemGoroutines.Access.install(new SystemGoroutines.Access() {
            @Override
            protected void startSystem(GoScheduler scheduler, Thread starter) throws InterruptedException {
                scheduler.startSystem(starter);
            }
        });
    }

    private final SchedulerConfig config;
    private final Sched sched;
    private final TaskExceptionHandler exceptionHandler;

    /** Live goroutines: virtual threads started on this scheduler and not yet terminated, with their records. */
    private final GoroutineTable<G> goroutines;
    /** The goroutine leak report ({@link SchedulerConfig.Builder#leakReport}); null while it is off. */
    private final LeakReport leaks;
    /**
     * The goroutine starting system goroutines right now ({@link SystemGoroutines#start}), or null. Read on the
     * start path; written by {@link #startSystem}.
     */
    private volatile Thread systemStarter;
    /** System goroutines started here (never live goroutines; once non-zero, termination keeps the carriers). */
    private final AtomicInteger systemGoroutines = new AtomicInteger();
    /** Orders shutdown against startSystem (a private lock: users may synchronize on the scheduler itself). */
    private final Object systemLock = new Object();
    /** Plain tasks submitted and not yet run. */
    private final AtomicLong plainLive = new AtomicLong();
    /** RUNNING, SHUTDOWN or TERMINATED; only moves forward, by CAS (never a lock: execute must not park). */
    private volatile int runState = RUNNING;
    private final CountDownLatch terminatedLatch = new CountDownLatch(1);
    /** The registered MXBean's name, or null. Set by {@link #create}; cleared once by {@link #detachObservers}. */
    private volatile ObjectName mxBeanName;

    GoScheduler(SchedulerConfig config) {
        this.config = config;
        this.goroutines = new GoroutineTable<>(config.procs);
        this.exceptionHandler = config.exceptionHandler != null ? config.exceptionHandler : this::printUncaught;
        this.sched = new Sched(config, this);
        this.leaks = config.leakReport ? new LeakReport(this, config) : null;
        Goroutines.register(this);
    }

    /** Builds a scheduler and attaches its observers (JFR's periodic event, the MXBean) once it is constructed. */
    static GoScheduler create(SchedulerConfig config) {
        GoScheduler s = new GoScheduler(config);
        if (s.leaks != null) {
            s.leaks.start();
        }
        SchedulerEvents.attach(s);
        if (config.jmx) {
            s.mxBeanName = SchedulerManagement.register(s);
        }
        return s;
    }

    static String nextDefaultName() {
        return "goloom-" + SCHEDULER_IDS.incrementAndGet();
    }

    /** A builder for a new scheduler. */
    public static SchedulerConfig.Builder builder() {
        return new SchedulerConfig.Builder();
    }

    /**
     * The process-wide scheduler used by {@code Go.go(Runnable)}: created on first use, named {@code "goloom"},
     * with {@code maxProcs} from {@code GOMAXPROCS}, then {@code -Dgoloom.maxprocs}, then the container's CPU limit
     * or the number of processors ({@link SchedulerConfig}).
     * It is never terminated by goloom; its carriers are daemon threads.
     *
     * @throws IllegalArgumentException if {@code GOMAXPROCS} or {@code goloom.maxprocs} is not an integer in
     *                                  [1, 1024]
     */
    public static GoScheduler defaultScheduler() {
        return DefaultHolder.INSTANCE;
    }

    private static final class DefaultHolder {
        static final GoScheduler INSTANCE = builder().name("goloom").build();
    }

    /** This scheduler's name (used in carrier thread names and error messages). */
    public String name() {
        return config.name;
    }

    /**
     * The number of Ps now (Go: {@code runtime.GOMAXPROCS(0)}): the configured value until {@link #setMaxProcs}
     * or an automatic update changes it ({@link #config()} keeps the configured one).
     */
    public int maxProcs() {
        return sched.lvProcs();
    }

    /**
     * Where {@link #maxProcs()} came from: one of {@link SchedulerConfig#maxProcsSource()}'s values, or
     * {@link SchedulerConfig#SOURCE_SET} ({@code "setMaxProcs"}) once {@link #setMaxProcs} was called.
     */
    public String maxProcsSource() {
        return sched.procsSource();
    }

    /**
     * Sets the number of Ps (Go: {@code runtime.GOMAXPROCS(n)}) while the scheduler runs, and returns the previous
     * number. No queued goroutine is lost or run twice.
     * <ul>
     *   <li>Growing: the new Ps can run goroutines at once; a carrier is woken if work is queued.</li>
     *   <li>Shrinking: the Ps with the highest ids go away. An idle one goes at once. One a carrier holds loses its
     *       run token at once; the goroutine running there runs on until it parks, yields or ends (it is asked to
     *       yield, see {@code Go.checkpoint()}), then its carrier moves the P's queued goroutines to the global
     *       queue and its timers to a remaining P. Until then more than {@code n} goroutines may run, as when sysmon
     *       moves a blocked carrier's token. A carrier blocked in a system call or pinned keeps its P, which other
     *       carriers may steal from, until the call returns.</li>
     * </ul>
     * Returns without waiting for carriers (it never blocks, parks or reacts to interrupts), so it may be called
     * from a goroutine of this scheduler, even one whose P goes away. Concurrent calls are applied one at a time.
     * The value counts as set explicitly: the automatic updates of a default maxProcs (the container's CPU limit,
     * the processor count) stop for this scheduler, as in Go. {@link #maxProcsSource()} then says
     * {@code "setMaxProcs"}.
     *
     * <p>A shut-down scheduler whose goroutines still run resizes like a running one. A terminated scheduler only
     * records {@code n} (returned by {@link #maxProcs()}, shown by {@link #stats()}): it has nothing left to run and
     * starts no carrier.
     *
     * @param n the number of Ps, 1 to {@link #MAX_PROCS} and at most {@link SchedulerConfig#maxThreads()}
     * @return the number of Ps before this call
     * @throws IllegalArgumentException if {@code n} is out of that range (the message names {@code n})
     */
    public int setMaxProcs(int n) {
        SchedulerConfig.checkProcs(n, "setMaxProcs(int)");
        if (n > config.maxThreads) {
            throw new IllegalArgumentException("maxProcs must be <= maxThreads (" + config.maxThreads + "), got " + n
                    + " (from setMaxProcs(int))");
        }
        return sched.resizer.resize(n, SchedulerConfig.SOURCE_SET, false);
    }

    /** The engine (tests: invariant checks, internal views). */
    Sched sched() {
        return sched;
    }

    /** The settings this scheduler was built with. */
    public SchedulerConfig config() {
        return config;
    }

    /**
     * The name of this scheduler's MXBean in the platform MBean server: {@code dev.goloom:type=Scheduler,name=<name>},
     * or {@code name=<name>#2}, {@code #3}, ... if another live scheduler holds the plain name (quoted with
     * {@link ObjectName#quote} if the name has characters an object name cannot hold). Null if it is not
     * registered: built with {@code jmx(false)} or {@code -Dgoloom.jmx=false}, registration failed, or the
     * scheduler terminated (which unregisters it).
     */
    public ObjectName mxBeanName() {
        return mxBeanName;
    }

    // ================================================================================================ submit

    /**
     * Makes {@code task} runnable. The JDK calls this with a virtual thread's continuation when the thread starts,
     * is unparked, or yields; it can also be used directly with plain tasks, each run once per call.
     * <ul>
     *   <li>Called on a carrier of this scheduler (from the goroutine it is running): the task goes to the
     *       carrier's P {@code runnext} (Go: {@code ready}/{@code newproc}), except for a {@code Thread.yield()}
     *       of the running goroutine, which goes to the global queue (Go: {@code Gosched}).</li>
     *   <li>Called from any other thread: the task goes to the global queue and a carrier is woken; a goroutine
     *       resumed from there (an unpark by a platform thread or by the JDK's timer, poller or monitor threads)
     *       goes ahead of new work in it.</li>
     * </ul>
     * Never blocks or parks (the JDK calls it from pinned virtual threads), and does not react to interrupts.
     *
     * <p>A plain task runs on the carrier thread itself, which is a {@link java.util.concurrent.ForkJoinWorkerThread}
     * (docs/adr/0011): {@code ForkJoinTask.fork()} in it queues the subtask on that carrier, {@code join()} runs it
     * there, and subtasks forked and not joined run on the carrier right after the task. Do not submit to the
     * carrier's {@code getPool()}: it has no threads.
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
        M m = M.current(sched, ts);
        if (m != null) {
            P p = m.p;
            if (p != null) {
                if (kind == TaskSupport.START) {
                    p.counters.inc(Counter.GOROUTINES_CREATED);
                }
                if (task == m.curTask && kind != TaskSupport.RESUME) {
                    // Go: goschedImpl. The running goroutine yielded (or a plain task resubmitted itself):
                    // behind everything, never in runnext.
                    p.counters.inc(Counter.YIELDS);
                    m.preempt = false; // Go: the preempted G yielded
                    sched.globrunqput(p, p.maybeSample(task));
                    return;
                }
                if (kind == TaskSupport.YIELD) {
                    resubmitYielded(p, task);
                    return;
                }
                if (p.runqput(p.maybeSample(task), true)) {
                    sched.wakepAfterRmw();
                } else {
                    sched.wakep();
                }
                return;
            }
        }
        // From a thread goloom does not own. Counted by the queue itself (stats derive the external puts from its
        // total). A resumed goroutine is work in flight: ahead of new work (GlobalRunQueue).
        int period = config.latencySampling;
        if (period != 0 && ThreadLocalRandom.current().nextInt(period) == 0) { // see P.maybeSample
            task = new SampledTask(false).fill(task, System.nanoTime(), SchedulerEvents.latencyBegin());
        }
        if (kind == TaskSupport.RESUME) {
            sched.runq.putResumed(task);
        } else if (kind == TaskSupport.START) {
            sched.runq.putNew(task); // counted under the queue's lock: no shared atomic counter here
        } else {
            sched.runq.put(task);
        }
        sched.wakep();
    }

    /**
     * A goroutine that yielded, resubmitted by another goroutine: the JDK's {@code getStackTrace} (and JVMTI suspend)
     * holds a yielded thread back while it looks, then submits it again from the looking thread. It stays a yielded
     * goroutine (Go: {@code Gosched}): the global queue, not the looker's runnext, where it would wait for the
     * looker to block or for a thief's back-off. The looker keeps running, so wake a carrier for it.
     */
    private void resubmitYielded(P p, Runnable task) {
        sched.globrunqput(p, p.maybeSample(task));
        sched.wakep();
    }

    /** Registers a new goroutine (or plain task) as live, or rejects it if the scheduler is shut down. */
    private void admit(Runnable task, int kind, TaskSupport ts) {
        if (runState != RUNNING) {
            throw rejected(task, ts);
        }
        Thread vt = kind == TaskSupport.START ? ts.threadOf(task) : null;
        if (vt != null && systemStarter != null && systemStarter == Thread.currentThread()) {
            systemGoroutines.incrementAndGet(); // not live: it serves the whole JVM and never ends
            return;
        }
        if (vt != null) {
            Thread starter = Thread.currentThread(); // Go's newproc parent
            goroutines.add(vt.threadId(),
                    leaks == null ? new G(vt, starter) : new G.Watched(vt, starter, this, LeakReport.QUEUE));
        } else {
            plainLive.incrementAndGet();
        }
        // Dekker pair with shutdown(): register, then re-read runState. shutdown() writes runState, then counts
        // live goroutines. Either it sees this registration, or this sees SHUTDOWN and withdraws.
        if (runState != RUNNING) {
            if (vt != null) {
                goroutines.remove(vt.threadId());
            } else {
                plainLive.decrementAndGet();
            }
            tryTerminate(false); // inside execute: must not block (see tryTerminate)
            throw rejected(task, ts);
        }
    }

    private RejectedExecutionException rejected(Runnable task, TaskSupport ts) {
        Thread vt = ts.threadOf(task);
        String what = vt != null ? "goroutine " + vt : "task " + task;
        return new RejectedExecutionException("goloom scheduler '" + config.name + "' is "
                + (runState == TERMINATED ? "terminated" : "shut down") + ": cannot start " + what);
    }

    /** A carrier ran {@code t}'s last segment (or a plain task): it is no longer live. Called on that carrier. */
    void taskExited(Runnable t, TaskSupport ts) {
        Thread vt = ts.threadOf(t);
        if (vt != null) {
            // Removal is exactly-once even if two carriers both see the thread terminated (one ran its last
            // segment, the other returned from an earlier segment late).
            if (goroutines.remove(vt.threadId()) == null) {
                return;
            }
        } else {
            plainLive.decrementAndGet();
        }
        if (runState != RUNNING) {
            tryTerminate();
        }
    }

    /**
     * {@link LeakReport}: the collector freed {@code g}'s thread. Removes it from the live goroutines unless it
     * terminated first; true if it did not (a leak). It counts no more, so a shut-down scheduler may terminate.
     */
    boolean leakCollected(G g) {
        if (goroutines.remove(g.id()) == null) {
            return false;
        }
        if (runState != RUNNING) {
            tryTerminate();
        }
        return true;
    }

    /** The leak report, or null while it is off. */
    LeakReport leakReport() {
        return leaks;
    }

    // ============================================================================================= lifecycle

    /**
     * Stops new goroutines from starting: from now on their {@code Thread.start()} throws
     * {@link RejectedExecutionException}, as does {@link #execute} with a plain task. Goroutines already started
     * keep running (their continuations are always accepted). Does not wait; idempotent; never blocks.
     *
     * <p>A scheduler that hosts the JVM's socket pollers ({@code -Dgoloom.pollers=goloom} puts them on
     * {@link #defaultScheduler()}) shuts down and terminates like any other, but its carriers stay after
     * termination to run the pollers, which every virtual thread's socket I/O needs: daemon threads, idle unless
     * there is socket I/O.
     */
    public void shutdown() {
        synchronized (systemLock) { // against startSystem, which only starts on a running scheduler
            RUN_STATE.compareAndSet(this, RUNNING, SHUTDOWN);
        }
        tryTerminate();
    }

    /** {@link SystemGoroutines#start}: runs {@code starter}; the goroutines it starts are system goroutines. */
    private void startSystem(Thread starter) throws InterruptedException {
        synchronized (systemLock) {
            if (runState != RUNNING) {
                throw new IllegalStateException("goloom scheduler '" + config.name + "' is shut down: it cannot "
                        + "host system goroutines");
            }
            if (systemStarter != null) {
                throw new IllegalStateException("goloom scheduler '" + config.name + "' is already starting system "
                        + "goroutines");
            }
            systemStarter = starter;
        }
        try {
            starter.start();
            starter.join();
        } finally {
            systemStarter = null;
        }
    }

    /**
     * {@link #shutdown()}, then interrupts every live goroutine (plain tasks cannot be interrupted and still run).
     *
     * @return the number of goroutines interrupted
     */
    public int shutdownNow() {
        shutdown();
        int n = 0;
        for (G g : goroutines.values()) {
            Thread t = g.thread();
            if (t != null) { // null: collected, a leak (see LeakReport)
                t.interrupt();
                n++;
            }
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
        if (M.current(sched) != null) {
            throw new IllegalStateException("close() called from a goroutine of goloom scheduler '" + config.name
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

    private void tryTerminate() {
        tryTerminate(true);
    }

    /**
     * Moves SHUTDOWN to TERMINATED once nothing is live, lets the carriers go and detaches the observers. Never
     * parks, except that unregistering the MXBean takes the MBean server's locks for a moment; with
     * {@code mayBlock} false (the caller is inside {@link #execute}, maybe on a pinned virtual thread) a new
     * platform thread does that instead.
     */
    private void tryTerminate(boolean mayBlock) {
        // Once SHUTDOWN, admit() withdraws every new entry, so the table only shrinks and isEmpty() (which sees
        // every entry present for the whole call) cannot read a transient zero.
        if (runState != SHUTDOWN || plainLive.get() != 0 || !goroutines.isEmpty()) {
            return;
        }
        if (!RUN_STATE.compareAndSet(this, SHUTDOWN, TERMINATED)) {
            return;
        }
        Goroutines.unregister(this);
        if (leaks != null) {
            leaks.stop();
        }
        if (systemGoroutines.get() == 0) { // else the carriers stay for the system goroutines (see shutdown())
            sched.terminate(); // first: once close() returns, carriers are told and pending timers dropped
        }
        if (mayBlock) {
            detachObservers(); // before the latch: once close() returns, the MXBean is gone
        } else {
            Thread.ofPlatform().daemon().name(config.name + "-detach").start(this::detachObservers);
        }
        terminatedLatch.countDown();
    }

    /** Unregisters the MXBean and leaves JFR's periodic event. Once; any thread that may block briefly. */
    private void detachObservers() {
        SchedulerEvents.detach(this);
        ObjectName n = mxBeanName;
        if (n != null) {
            mxBeanName = null;
            SchedulerManagement.unregister(n);
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
         *
         * @param task  the plain task that threw
         * @param error what it threw
         */
        void uncaught(Runnable task, Throwable error);
    }

    /** Hands a plain task's exception to the handler; a broken handler must not kill the carrier. */
    void reportUncaught(Runnable t, Throwable e) {
        try {
            exceptionHandler.uncaught(t, e);
        } catch (Throwable ignored) {
            // the carrier survives whatever the handler does
        }
    }

    private void printUncaught(Runnable t, Throwable e) {
        System.err.println("goloom: task " + t + " on scheduler '" + config.name + "' (carrier "
                + Thread.currentThread().getName() + ") threw:");
        e.printStackTrace();
    }

    /** A snapshot of queue lengths, carrier counts and counters. Cheap enough to poll; never blocks. */
    public SchedulerStats stats() {
        long[] totals = new long[Counter.COUNT];
        sched.addCounters(totals);
        return new SchedulerStats(config.name, sched.lvProcs(), sched.procsSource(), sched.lvFreeTokens(),
                sched.carriers.mcount(), sched.carriers.nmidle(),
                sched.lvNmspinning(), sched.carriers.mHighWater(), sched.queueLengths(), sched.runq.size(),
                goroutines.size() + plainLive.get(), totals, runState != RUNNING, runState == TERMINATED);
    }

    /**
     * A snapshot of Go's scheduler metrics ({@code /sched/...}) for this scheduler and its schedule latency. Cheap
     * enough to poll (it walks the Ps and merges their latency histograms; allocates the snapshot); never blocks.
     * See {@link SchedulerMetrics} for what each number counts and how exact it is.
     */
    public SchedulerMetrics metrics() {
        long[] totals = new long[Counter.COUNT];
        sched.addCounters(totals);
        int running = 0;
        int notInGo = 0;
        long runnable = sched.runq.size();
        for (P p : sched.allp()) {
            runnable += p.steal.size();
            int st = p.status();
            M m = p.m;
            if (st != P.IDLE && m != null && (m.loRunSeq() & 1) != 0) { // its carrier is in a task
                if (st == P.RUNNING) {
                    running++;
                } else {
                    notInGo++; // SYSCALL, or BLOCKED: its token was taken while the task runs on
                }
            }
        }
        long live = goroutines.size() + plainLive.get();
        return new SchedulerMetrics(config.name, config.procs, live, totals[Counter.GOROUTINES_CREATED.ordinal()],
                runnable, running, notInGo, sched.carriers.mcount(), sched.latency());
    }

    /**
     * The live goroutines (virtual threads started on this scheduler that have not terminated), in no particular
     * order. A snapshot: it may include a thread that ends while the list is built, or one that has just terminated
     * (its {@code join()} returned) and that its carrier has not removed yet.
     */
    public List<Thread> goroutines() {
        List<G> gs = goroutines.values();
        List<Thread> ts = new ArrayList<>(gs.size());
        for (G g : gs) {
            Thread t = g.thread();
            if (t != null) { // null: collected, a leak about to be reported (see LeakReport)
                ts.add(t);
            }
        }
        return List.copyOf(ts);
    }

    /**
     * The live goroutines' records, for dumps: every goroutine live for the whole call is in it, in no particular
     * order. Any thread.
     */
    List<G> goroutineRecords() {
        return goroutines.values();
    }

    /** The carriers, for dumps. */
    Carriers carriers() {
        return sched.carriers;
    }

    @Override
    public String toString() {
        return "GoScheduler[" + config.name + ", maxProcs=" + sched.lvProcs() + " (" + sched.procsSource() + "), "
                + switch (runState) {
            case RUNNING -> "running";
            case SHUTDOWN -> "shutting down";
            default -> "terminated";
        } + "]";
    }
}
