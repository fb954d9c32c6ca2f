package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.LocalRunQueue;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A processor: the token a carrier (M) must hold to run goroutines, with its local run queue. Go: {@code type p}.
 *
 * <h2>Tokens and P objects</h2>
 * At most {@code maxProcs} Ps hold a run token at once (status RUNNING or SYSCALL). When sysmon sees a carrier
 * blocked (or hogging the CPU while work waits), it takes the token away from that carrier's P (status BLOCKED)
 * and gives it to another carrier with another P object (an idle one, or a spare made on demand). The P object
 * itself never changes hands while its carrier runs: the blocked carrier keeps sole ownership of its ring, so
 * whatever it does when it wakes up (readying goroutines into runnext, finishing its task) cannot race another
 * owner. Thieves may take from a BLOCKED P's ring like any busy P's. When its task returns, the carrier gets a
 * token back (status RUNNING) or moves its queue to the global queue and parks the P as idle. Go instead moves
 * the P itself ({@code handoffp}), which it can do because its syscall paths are bracketed by
 * {@code entersyscall}/{@code exitsyscall}; a carrier blocked in arbitrary JDK code is not.
 *
 * <h2>States</h2>
 * <pre>
 * FROM     -> TO       // cause                                                    who, how
 * IDLE     -> RUNNING  // acquirep: startm or findRunnable's re-check took it      under sched lock, with a token
 * RUNNING  -> IDLE     // its M found no work anywhere (findRunnable step 5)        owner, CAS under sched lock
 * RUNNING  -> SYSCALL  // entersyscall (Syscall.blocking)                           owner, CAS
 * SYSCALL  -> RUNNING  // exitsyscall fast path: the token was not taken            owner, CAS
 * RUNNING  -> BLOCKED  // sysmon: carrier blocked, or busy while work waits         sysmon, CAS under sched lock
 * SYSCALL  -> BLOCKED  // sysmon retake (Go: retake), or entersyscallblock           sysmon or owner, CAS under lock
 * BLOCKED  -> RUNNING  // its M is back and a token is free                         owner, under sched lock
 * BLOCKED  -> IDLE     // its M is back, no token free: queue moved to global        owner, under sched lock
 * </pre>
 * RUNNING and SYSCALL hold a token; IDLE and BLOCKED do not. Status changes are CASes, so sysmon and the owner
 * never both win a transition; token counts ({@code npidle}) change only under the scheduler lock.
 *
 * <p>Counters are plain fields written only by the owner M (no shared hot counters); {@code stats()} reads them
 * racily with opaque loads, so a snapshot may lag by a few events.
 */
final class P {
    static final int IDLE = 0;
    static final int RUNNING = 1;
    static final int SYSCALL = 2;
    static final int BLOCKED = 3;

    final int id;
    final LocalRunQueue runq;
    /** Scratch for runqputslow: half the ring plus the new task. Owner only. */
    final Runnable[] spill;
    /** Scratch for globrunqget: up to half the ring. Owner only. */
    final Runnable[] grab;

    /** See the state table. Changed by CAS ({@link #casStatus}); read by thieves and sysmon. */
    volatile int status = IDLE;
    /** Owner M while not IDLE. Read by sysmon. */
    volatile M m;
    /** Link on the idle-P list. Guarded by the scheduler lock. */
    P link;
    /** Go: p.syscalltick. Bumped by the owner at each entersyscall (opaque store); read by sysmon. */
    int syscalltick;

    // ---- sysmon-only state (Go: p.sysmontick)
    int sysSyscallTick = -1;
    long sysSyscallWhen;
    int sysSeq = -1;
    long sysWhen;
    long sysCpu = -1;
    boolean sysPreempted;

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
    long handoffWatches;
    long sliceEnds;
    long yields;
    long tasksRun;
    long syscallFastReacquires;

    P(int id, int queueCapacity) {
        this.id = id;
        this.runq = new LocalRunQueue(queueCapacity);
        this.spill = new Runnable[queueCapacity / 2 + 1];
        this.grab = new Runnable[queueCapacity / 2];
    }

    static final VarHandle RUNNEXT_PUTS, LOCAL_PUTS, GLOBAL_PUTS, FAIRNESS_POLLS, GLOBAL_POLLS, STEALS,
            TASKS_STOLEN, RUNNEXT_STEALS, HANDOFF_WATCHES, SLICE_ENDS, YIELDS, TASKS_RUN, SYSCALL_FAST, STATUS,
            SYSCALLTICK;

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
            HANDOFF_WATCHES = l.findVarHandle(P.class, "handoffWatches", long.class);
            SLICE_ENDS = l.findVarHandle(P.class, "sliceEnds", long.class);
            YIELDS = l.findVarHandle(P.class, "yields", long.class);
            TASKS_RUN = l.findVarHandle(P.class, "tasksRun", long.class);
            SYSCALL_FAST = l.findVarHandle(P.class, "syscallFastReacquires", long.class);
            STATUS = l.findVarHandle(P.class, "status", int.class);
            SYSCALLTICK = l.findVarHandle(P.class, "syscalltick", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    boolean casStatus(int expect, int update) {
        return STATUS.compareAndSet(this, expect, update);
    }

    /** Opaque read of one counter field (any thread). */
    long counter(VarHandle h) {
        return (long) h.getOpaque(this);
    }
}
