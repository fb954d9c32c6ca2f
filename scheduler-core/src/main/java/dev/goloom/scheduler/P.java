package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.GlobalRunQueue;
import dev.goloom.scheduler.internal.LocalRunQueue;
import dev.goloom.scheduler.internal.RunQueueStealer;
import dev.goloom.scheduler.internal.TimerHeap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A processor: the token a carrier (M) must hold to run goroutines, with its local run queue. Go: {@code type p}.
 * Data and the owner's put ({@link #runqput}); the scheduling logic is in {@link M} and {@link Sched}.
 *
 * <h2>Tokens and P objects</h2>
 * At most {@code maxProcs} Ps hold a run token at once (status RUNNING or SYSCALL). When sysmon sees a carrier
 * blocked (or hogging the CPU while work waits), it takes the token away from that carrier's P (status BLOCKED)
 * and gives it to another carrier with another P object (an idle one, or a spare made on demand). The P object
 * itself never changes hands while its carrier runs: the blocked carrier keeps sole ownership of its ring, so
 * whatever it does when it wakes up (readying goroutines into runnext, finishing its task) cannot race another
 * owner. Thieves may take from a BLOCKED P's ring like any busy P's. When its task returns, the carrier gets a
 * token back (status RUNNING) or moves its queue to the global queue and parks the P as idle. Why the token and
 * not the P: docs/adr/0001-run-token-moves-not-the-p.md.
 *
 * <h2>States</h2>
 * <pre>
 * FROM     -&gt; TO       // cause                                                    who, how
 * IDLE     -&gt; RUNNING  // acquirep: startm or findRunnable's re-check took it      under sched lock, with a token
 * RUNNING  -&gt; IDLE     // its M found no work anywhere (findRunnable step 5)        owner, CAS under sched lock
 * RUNNING  -&gt; SYSCALL  // entersyscall (Syscall.blocking)                           owner, CAS
 * SYSCALL  -&gt; RUNNING  // exitsyscall fast path: the token was not taken            owner, CAS
 * RUNNING  -&gt; BLOCKED  // sysmon: carrier blocked, or busy while work waits         sysmon, CAS under sched lock
 * SYSCALL  -&gt; BLOCKED  // sysmon retake (Go: retake), or entersyscallblock           sysmon or owner, CAS under lock
 * BLOCKED  -&gt; RUNNING  // its M is back and a token is free                         owner, under sched lock
 * BLOCKED  -&gt; IDLE     // its M is back, no token free: queue moved to global        owner, under sched lock
 * IDLE     -&gt; DEAD     // setMaxProcs shrank to at most its id (Go: procresize)     resizer, under sched lock
 * RUNNING  -&gt; RETIRING // the same while a carrier holds it: its token is taken     resizer, CAS under sched lock
 * SYSCALL  -&gt; RETIRING //   back at once; the carrier finishes its task, then       resizer, CAS under sched lock
 * BLOCKED  -&gt; RETIRING //   retires the P at its next scheduling point              resizer, CAS under sched lock
 * RETIRING -&gt; DEAD     // its M is back: queue moved to global, timers to a live P   owner, under sched lock
 * RETIRING -&gt; BLOCKED  // setMaxProcs grew past its id before its M came back        resizer, under sched lock
 * DEAD     -&gt; IDLE     // setMaxProcs grew past its id, or a spare was needed        under sched lock
 * </pre>
 * RUNNING and SYSCALL hold a token; IDLE, BLOCKED, RETIRING and DEAD do not. Status changes are CASes (or
 * volatile stores under the sched lock where no CAS can race), so sysmon, the resizer and the owner never both
 * win a transition; the free-token count changes only under the sched lock. Nobody but the resizer leaves
 * RETIRING except its owner retiring it, so the owner's other CASes (RUNNING/SYSCALL, BLOCKED -&gt; RUNNING) fail on
 * it and send the carrier to its scheduling point. A DEAD P is in no run-queue list ({@code Sched.allp()}), owns
 * nothing (its queue and timer heap are empty, the heap closed) and is reused, id and counters included, when the
 * scheduler grows again (Go keeps {@code allp[i]} past {@code gomaxprocs} for the same reason). How resizing
 * works: {@code Sched}, "Resizing".
 *
 * <h2>Who touches what</h2>
 * <ul>
 *   <li>Owner M only: {@link #runq} (the owner handle), {@link #grab}, {@link #rnd}, the slice-check fields,
 *       the latency sampling fields and the counters' and {@link #latency}'s writes.</li>
 *   <li>Anyone: {@link #steal} (the stealer view of the same queue), {@link #timers} (under its own lock),
 *       {@link #status()}, {@link #m}, counter
 *       reads.</li>
 *   <li>Sysmon keeps its own per-P state ({@code Sysmon.Tick}), not here.</li>
 * </ul>
 */
final class P {
    static final int IDLE = 0;
    static final int RUNNING = 1;
    static final int SYSCALL = 2;
    static final int BLOCKED = 3;
    /** No token; its owner must retire it at its next scheduling point (see the state table). */
    static final int RETIRING = 4;
    /** Removed by a shrink; no owner, empty queue, closed timer heap (Go: {@code _Pdead}). */
    static final int DEAD = 5;

    /** The name of a status, for traces. */
    static String statusName(int status) {
        return switch (status) {
            case IDLE -> "idle";
            case RUNNING -> "running";
            case SYSCALL -> "syscall";
            case BLOCKED -> "blocked";
            case RETIRING -> "retiring";
            case DEAD -> "dead";
            default -> "status" + status;
        };
    }

    private static final VarHandle STATUS;
    private static final VarHandle SYSCALLTICK;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATUS = l.findVarHandle(P.class, "status", int.class);
            SYSCALLTICK = l.findVarHandle(P.class, "syscalltick", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int id;
    /** The owner's handle of the local run queue. Owner M only. */
    final LocalRunQueue runq;
    /** The same queue as every other thread sees it. */
    final RunQueueStealer steal;
    /** Scratch for globrunqget: up to half the ring. Owner only. */
    final Runnable[] grab;
    /** Go's randomizeScheduler choices; null unless the scheduler was built with a seed. Owner only. */
    final SplittableRandom rnd;
    /** Go: p.timers. Any thread adds, removes and runs them, under the heap's own lock (see SchedTimers). */
    final TimerHeap timers = new TimerHeap();
    /** Owner-written event counters. */
    final SingleWriterCounters counters = new SingleWriterCounters();
    /** Schedule latencies of the sampled tasks this P's carriers dispatched. Owner writes. */
    final SingleWriterHistogram latency = new SingleWriterHistogram();
    /** Sample 1 in this many submissions on average (0: never). */
    private final int samplePeriod;
    /** Submissions until the next sample. Owner only. */
    private int sampleCountdown;
    /** This P's reusable sample wrapper. Owner claims it (see SampledTask). */
    private final SampledTask spareSample = new SampledTask(true);

    /** See the state table. */
    private volatile int status = IDLE;
    /** Owner M while not IDLE or DEAD (null between startm's pidleget and the M's acquirep). Read by sysmon. */
    volatile M m;
    /** Link on the idle-P list. Guarded by the sched lock. */
    P link;
    /** Go: p.syscalltick. Bumped by the owner at each entersyscall (opaque store); read by sysmon (opaque). */
    private int syscalltick;

    // ---- owner-only scheduling state
    /** Go: p.schedtick. Incremented when a new time slice starts (a task not inherited from runnext). */
    int schedtick;
    /** Inherited (runnext) runs since the last slice check. */
    int inheritRuns;
    /** schedtick value and time at the last slice check (Go: p.sysmontick.schedtick / schedwhen). */
    int checkedTick;
    long checkedWhen;

    P(int id, SchedulerConfig config, GlobalRunQueue overflow) {
        this.id = id;
        this.rnd = config.randomizeSeed != 0 ? new SplittableRandom(config.randomizeSeed * 31 + id) : null;
        this.runq = new LocalRunQueue(config.queueCapacity, overflow, rnd);
        this.steal = runq.stealer();
        this.grab = new Runnable[config.queueCapacity / 2];
        this.samplePeriod = config.latencySampling;
        this.sampleCountdown = samplePeriod == 0 ? Integer.MAX_VALUE : samplePeriod;
    }

    /**
     * A task becomes runnable on this P: returns it, or, for 1 in {@code samplePeriod} submissions, a
     * {@link SampledTask} wrapping it with the time (Go: {@code /sched/latencies}, sampled like Go's 1-in-8
     * goroutine tracking). Owner only; the common case is one decrement.
     */
    Runnable maybeSample(Runnable task) {
        if (--sampleCountdown != 0) {
            return task;
        }
        return sample(task);
    }

    /** {@link #maybeSample}'s slow path: the gap to the next sample is random (mean samplePeriod), never in step
     * with a workload's own period (a ping-pong's two goroutines would otherwise always be sampled alike). */
    private Runnable sample(Runnable task) {
        if (samplePeriod == 0) {
            sampleCountdown = Integer.MAX_VALUE;
            return task;
        }
        sampleCountdown = samplePeriod == 1 ? 1 : ThreadLocalRandom.current().nextInt(1, 2 * samplePeriod);
        SampledTask s = spareSample.claim() ? spareSample : new SampledTask(false);
        return s.fill(task, System.nanoTime(), SchedulerEvents.latencyBegin());
    }

    /** Volatile read of the status (any thread). */
    int status() {
        return status;
    }

    /** True for the statuses of a P that holds no token but still has an owner with a queue: BLOCKED, RETIRING. */
    static boolean tokenless(int status) {
        return status == BLOCKED || status == RETIRING;
    }

    /** A transition that must not race another (see the table). Any thread. */
    boolean casStatus(int expect, int update) {
        return STATUS.compareAndSet(this, expect, update);
    }

    /** A transition no CAS can race: under the sched lock, from IDLE or BLOCKED, whose only mover holds the lock. */
    void svStatus(int update) {
        status = update;
    }

    /** Owner only: a new entersyscall. */
    void incSyscallTick() {
        SYSCALLTICK.setOpaque(this, syscalltick + 1);
    }

    /** Any thread (sysmon). */
    int loSyscallTick() {
        return (int) SYSCALLTICK.getOpaque(this);
    }

    /**
     * Go: {@code runqput}. Owner only. With {@code next}, {@code task} takes the runnext slot and the task it
     * displaces goes to the tail; a full ring spills half of itself to the global queue ({@code runqputslow},
     * inside {@link LocalRunQueue#put}).
     *
     * @return true if {@code task} was published by the runnext exchange, a full fence (then the caller's wakep
     *         needs no fence of its own: {@code Sched.wakepAfterRmw}); false if it went to the ring with a
     *         store-release only (randomized mode, or {@code next == false})
     */
    boolean runqput(Runnable task, boolean next) {
        boolean fenced = false;
        if (next && (rnd == null || rnd.nextBoolean())) { // Go: randomizeScheduler ignores next half the time
            counters.inc(Counter.RUNNEXT_PUTS);
            task = runq.putNext(task);
            fenced = true;
            if (task == null) {
                return true;
            }
        }
        counters.inc(Counter.LOCAL_PUTS);
        int spilled = runq.put(task);
        if (spilled != 0) {
            counters.add(Counter.GLOBAL_PUTS, spilled);
        }
        return fenced;
    }

    @Override
    public String toString() {
        return "P" + id + "[" + statusName(status) + ", queued=" + steal.size() + "]";
    }
}
