package dev.goloom.channels.internal;

import dev.goloom.channels.Chan;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The per-select arbitration word shared by all of one select's {@link Waiter}s. Go: {@code g.selectDone} plus
 * {@code g.param}.
 *
 * <p>A blocked select has one waiter queued on every channel of its cases, each guarded by a different channel
 * lock, so two wakers (say, a sender on {@code a} and the closer of {@code b}) can each dequeue one of its waiters
 * at the same moment. Exactly one of them may complete a transfer: the one whose {@link #tryWin} CAS succeeds. The
 * select thread itself competes in the same CAS with {@link #tryCancel} when it is interrupted or times out.
 *
 * <h2>States</h2>
 * <pre>
 * WAITING   -> WON        // tryWin: a waker, holding the lock of the winner's channel, before it transfers
 * WAITING   -> CANCELLED  // tryCancel: the select thread (interrupt or timeout), before it dequeues its waiters
 * WAITING   -> ABORTED    // abort: sysmon found the select deadlocked (-Dgoloom.deadlock=fail)
 * WON/CANCELLED/ABORTED -> WAITING // reset: the select thread, holding the locks of all its channels, before
 *                                  // enqueueing (or, for a select without cases, before parking)
 * </pre>
 * ABORTED is CANCELLED decided by another thread: no waker can win any more, so nothing is transferred; the select
 * thread dequeues its waiters as for a cancel and throws {@code DeadlockException} with {@link #abortMessage()}.
 * In state WON the winner's transfer is complete once the winner's channel lock has been released; the select
 * thread therefore reads the result only after re-locking its channels (Go's pass 3).
 *
 * <p>Owned by one select at a time: a prepared select reuses its owner, never concurrently.
 */
public final class SelectOwner {
    public static final int WAITING = 0;
    public static final int WON = 1;
    public static final int CANCELLED = 2;
    public static final int ABORTED = 3;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SelectOwner.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The selecting thread; written by it before enqueueing, read by wakers under a channel lock. */
    public Thread thread;

    // What the select waits on, for goroutine dumps (GoroutineWaits): plain fields written by the select thread
    // before it parks with this owner as the park blocker, read racily by dumping threads (which bound-check).
    /** Go: {@code g.waitsince}: start of the current wait ({@link GoroutineWaits#now()}). */
    private long waitSince;
    /** The wait is a select without enabled cases (Go's {@code select {}}). */
    private boolean noCases;
    /** The waiters of the enabled cases: {@code waiters[order[k]]} for {@code k < n}. */
    private Waiter[] waiters;
    private int[] order;
    private int n;

    /** Accessed through {@link #STATE}: CAS by wakers and the select thread; volatile read in the park loop. */
    @SuppressWarnings("unused")
    private volatile int state;

    /**
     * The waiter whose waker won; written right after a successful {@link #tryWin} under that waiter's channel
     * lock, read by the select thread after it re-locked all its channels (the lock is the happens-before edge).
     */
    private Waiter winner;

    /**
     * Why {@link #abort} ended the wait. Written (volatile) before abort's CAS, read by the select thread after it
     * saw ABORTED; a failed abort may leave its message here, which no one reads until a later abort succeeds and
     * replaces it.
     */
    private volatile String abortMessage;

    /** Go: {@code sgp.g.selectDone.CompareAndSwap(0, 1)} in {@code dequeue}. Caller holds {@code w}'s channel lock. */
    public boolean tryWin(Waiter w) {
        if (STATE.compareAndSet(this, WAITING, WON)) {
            winner = w;
            return true;
        }
        return false;
    }

    /** The select thread gives up waiting (interrupt, timeout). False if a waker already won. */
    public boolean tryCancel() {
        return STATE.compareAndSet(this, WAITING, CANCELLED);
    }

    /**
     * Deadlock detection's abort (sysmon, {@code -Dgoloom.deadlock=fail}): ends a waiting select as deadlocked and
     * unparks its thread, which then throws {@code DeadlockException} with {@code message}. False if a waker won
     * (or the thread cancelled) first: the select completes normally. Wakers need no lock for this: they must win
     * the same CAS before they transfer anything.
     */
    public boolean abort(String message) {
        abortMessage = message; // before the CAS (a volatile write): visible to whoever reads ABORTED
        if (!STATE.compareAndSet(this, WAITING, ABORTED)) {
            return false;
        }
        LockSupport.unpark(thread);
        return true;
    }

    /** The message of the {@link #abort} that ended the wait. The select thread, after it read ABORTED. */
    public String abortMessage() {
        return abortMessage;
    }

    /** Volatile read; the select thread's park-loop condition. */
    public int state() {
        return state;
    }

    /** The winning waiter, or null. Only for the select thread, after re-locking its channels. */
    public Waiter winner() {
        return winner;
    }

    /**
     * Records what the coming park waits on, for dumps: the cases {@code waiters[order[k]]}, {@code k < n}. The
     * select thread, before it parks.
     */
    public void waitingOn(Waiter[] waiters, int[] order, int n) {
        this.waiters = waiters;
        this.order = order;
        this.n = n;
        this.noCases = false;
        this.waitSince = GoroutineWaits.now();
    }

    /** Records that the coming park is a select without enabled cases. The select thread, before it parks. */
    public void waitingOnNothing() {
        this.n = 0;
        this.noCases = true;
        this.waitSince = GoroutineWaits.now();
    }

    /** Start of the recorded wait (racy read, for dumps). */
    long waitSince() {
        return waitSince;
    }

    /** True if the recorded wait has no cases (racy read, for dumps). */
    boolean noCases() {
        return noCases;
    }

    /**
     * The recorded wait's cases as (channel, send) pairs, in lock order; a racy read for dumps that skips what
     * does not hold together.
     */
    void forEachCase(java.util.function.BiConsumer<Chan<?>, Boolean> action) {
        Waiter[] ws = waiters;
        int[] ord = order;
        int count = n;
        if (ws == null || ord == null) {
            return;
        }
        for (int k = 0; k < Math.min(count, ord.length); k++) {
            int i = ord[k];
            Waiter w = i >= 0 && i < ws.length ? ws[i] : null;
            if (w != null && w.chan != null) {
                action.accept(w.chan, w.send);
            }
        }
    }

    /**
     * Back to WAITING for the next select. The select thread, holding all its channels' locks (none for a select
     * without cases).
     */
    public void reset(Thread current) {
        thread = current;
        winner = null;
        STATE.setRelease(this, WAITING); // published to wakers by the channel unlocks that follow
    }
}
