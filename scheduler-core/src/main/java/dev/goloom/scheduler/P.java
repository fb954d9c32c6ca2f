package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.LocalRunQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A processor: the token a carrier (M) must hold to run goroutines, with its local run queue. Go: {@code type p}.
 *
 * <h2>States</h2>
 * <pre>
 * FROM     -> TO       // cause
 * IDLE     -> RUNNING  // acquirep: an M took it from the idle list (startm, findRunnable's re-check)
 * RUNNING  -> IDLE     // releasep + pidleput: its M found no work anywhere (findRunnable step 12)
 * </pre>
 * While RUNNING only the owner M touches the owner-only fields below; while IDLE the P sits on
 * {@code GoScheduler.pidle} under the scheduler lock and its run queue is empty.
 *
 * <p>Counters are plain fields written only by the owner M (no shared hot counters); {@code stats()} reads them
 * racily with opaque loads, so a snapshot may lag by a few events but never tears.
 */
final class P {
    static final int IDLE = 0;
    static final int RUNNING = 1;

    final int id;
    final LocalRunQueue runq;
    /** Scratch for runqputslow: half the ring plus the new task. Owner only. */
    final Runnable[] spill;
    /** Scratch for globrunqget: up to half the ring. Owner only. */
    final Runnable[] grab;

    /** IDLE or RUNNING. Written by the M that acquires/releases; read by thieves (skip idle victims). */
    volatile int status = IDLE;
    /** Owner M while RUNNING. */
    M m;
    /** Link on the idle-P list. Guarded by the scheduler lock. */
    P link;

    // ---- owner-only scheduling state
    /** Go: p.schedtick. Incremented when a new time slice starts (a task not inherited from runnext). */
    int schedtick;
    /** Inherited (runnext) runs since the last slice check. */
    int inheritRuns;
    /** schedtick value and time at the last slice check (Go: p.sysmontick.schedtick / schedwhen). */
    int checkedTick;
    long checkedWhen;

    // ---- owner-written counters, read by stats() (see class comment)
    long runnextPuts;
    long localPuts;
    long globalPuts;
    long fairnessPolls;
    long globalPolls;
    long steals;
    long tasksStolen;
    long runnextSteals;
    long sliceEnds;
    long yields;
    long tasksRun;

    P(int id, int queueCapacity) {
        this.id = id;
        this.runq = new LocalRunQueue(queueCapacity);
        this.spill = new Runnable[queueCapacity / 2 + 1];
        this.grab = new Runnable[queueCapacity / 2];
    }

    static final VarHandle RUNNEXT_PUTS, LOCAL_PUTS, GLOBAL_PUTS, FAIRNESS_POLLS, GLOBAL_POLLS, STEALS,
            TASKS_STOLEN, RUNNEXT_STEALS, SLICE_ENDS, YIELDS, TASKS_RUN;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            RUNNEXT_PUTS = l.findVarHandle(P.class, "runnextPuts", long.class);
            LOCAL_PUTS = l.findVarHandle(P.class, "localPuts", long.class);
            GLOBAL_PUTS = l.findVarHandle(P.class, "globalPuts", long.class);
            FAIRNESS_POLLS = l.findVarHandle(P.class, "fairnessPolls", long.class);
            GLOBAL_POLLS = l.findVarHandle(P.class, "globalPolls", long.class);
            STEALS = l.findVarHandle(P.class, "steals", long.class);
            TASKS_STOLEN = l.findVarHandle(P.class, "tasksStolen", long.class);
            RUNNEXT_STEALS = l.findVarHandle(P.class, "runnextSteals", long.class);
            SLICE_ENDS = l.findVarHandle(P.class, "sliceEnds", long.class);
            YIELDS = l.findVarHandle(P.class, "yields", long.class);
            TASKS_RUN = l.findVarHandle(P.class, "tasksRun", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Opaque read of one counter field (any thread). */
    long counter(VarHandle h) {
        return (long) h.getOpaque(this);
    }
}
