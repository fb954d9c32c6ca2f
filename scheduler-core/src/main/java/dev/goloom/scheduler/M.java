package dev.goloom.scheduler;

/**
 * A carrier: the platform thread that runs goroutines while it holds a P. Go: {@code type m}.
 *
 * <h2>States</h2>
 * <pre>
 * FROM              -> TO                 // cause
 * (new)             -> RUNNING with P     // newm: started by startm with a P in nextp
 * RUNNING with P    -> SPINNING with P    // findRunnable: local and global queues empty, allowed to spin
 * SPINNING with P   -> RUNNING with P     // found work (resetspinning wakes another M)
 * RUNNING/SPINNING  -> IDLE (no P)        // releasep + stopm: parked on the idle-M list
 * IDLE              -> RUNNING/SPINNING   // startm popped it and handed it a P through nextp
 * RUNNING with P    -> RUNNING, P tokenless // sysmon took its P's token (carrier blocked, or busy with work
 *                                           // waiting); it finishes its task, then takes a token back or
 *                                           // moves its queue to the global queue and parks (IDLE)
 * IDLE              -> (exited)           // keep-alive expired while still on the idle list, or termination
 * </pre>
 * Only the M itself changes {@link #p}, {@link #spinning} and {@link #curTask}; the one cross-thread hand-off is
 * {@link #nextp}, written by {@code startm} after it removed this M from the idle list under the scheduler lock,
 * then {@code LockSupport.unpark}.
 */
final class M extends Thread {
    final GoScheduler sched;
    final int mid;

    /** The P this M holds, or null. Owner only. */
    P p;
    /** Go: m.nextp. A P handed over by startm; the volatile write happens-before the M's read after unpark. */
    volatile P nextp;
    /** Go: m.spinning. Set by startm before the hand-off, otherwise owner only. */
    boolean spinning;
    /** Set with nextp by startm: the M was woken to look for work. */
    volatile boolean startSpinning;
    /** Task being run right now (to recognise a resubmission of itself from afterYield). Owner only. */
    Runnable curTask;
    /**
     * Incremented when a task starts and when it ends (odd while running one). Owner writes with opaque stores
     * (no fence on the hot path); sysmon reads it with opaque loads to see a carrier stuck in one task.
     */
    int runSeq;
    /** Go: gp.preempt for the goroutine running here. Set by sysmon; cleared at each task start and by a yield. */
    volatile boolean preempt;
    /** Go: inheritTime returned by runqget. Owner only. */
    boolean inheritTime;
    /** Link on the idle-M list. Guarded by the scheduler lock. */
    M link;
    /** True while on the idle-M list. Guarded by the scheduler lock. */
    boolean idle;

    /** Set by stealWork when a busy P was seen running a hand-off chain (see findRunnable). Owner only. */
    boolean sawHandoffChain;
    /** Scratch for stealWork's hand-off watch: runnext put stamps per P. Owner only; resized if procs differ. */
    int[] seenPuts = new int[0];

    /** Scratch for stealInto's count; owner only (avoids allocating a result object per steal). */
    final int[] stolen = new int[2];

    /** Parks and unparks of this M (written by itself, read racily by stats). */
    volatile long parks;
    volatile long unparks;

    static final java.lang.invoke.VarHandle RUN_SEQ;

    static {
        try {
            RUN_SEQ = java.lang.invoke.MethodHandles.lookup().findVarHandle(M.class, "runSeq", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    M(GoScheduler sched, int mid, P initial, boolean spinning) {
        super(null, null, sched.name() + "-m" + mid, 0, false);
        this.sched = sched;
        this.mid = mid;
        this.nextp = initial;
        this.startSpinning = spinning;
        setDaemon(true);
    }

    @Override
    public void run() {
        sched.mstart(this);
    }
}
