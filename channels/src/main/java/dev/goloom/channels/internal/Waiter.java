package dev.goloom.channels.internal;

/**
 * A thread's entry in a channel's wait queue. Go: {@code sudog}.
 *
 * <p>A plain blocking {@code send}/{@code recv} creates one waiter; a select creates one per case and shares a
 * {@link SelectOwner} among them. Fields and who may touch them:
 * <ul>
 *   <li>{@link #thread}, {@link #select}, {@link #caseIndex}: set by the owning thread before the waiter is queued;
 *       read by wakers under the channel lock.</li>
 *   <li>{@link #elem}: for a sender, the value to hand over; for a receiver, the slot the waker fills. Guarded by
 *       the lock of the channel the waiter is queued on (or was, until the transfer).</li>
 *   <li>{@link #next}, {@link #prev}, {@link #queued}: queue links, guarded by that channel's lock; only
 *       {@link WaitQueue} changes them.</li>
 *   <li>{@link #success}: true when a transfer completed, false when the channel was closed; written by the waker
 *       under the channel lock before {@link #completed}.</li>
 *   <li>{@link #completed}: volatile; the waker stores {@code true} (release) after writing {@link #elem} and
 *       {@link #success}, still under the lock; a plain waiter parks until it reads {@code true} (acquire), which
 *       makes the transfer visible to it. A plain waiter is completed iff it is no longer queued, so a waiter
 *       that is interrupted decides under the lock whether to withdraw (still queued) or keep the result. Select
 *       waiters do not use it: their thread waits on the {@link SelectOwner} word and reads results after
 *       re-locking its channels, so wakers leave it alone for them.</li>
 * </ul>
 */
public final class Waiter {
    public Thread thread;
    public Object elem;
    public boolean success;
    public volatile boolean completed;

    /** Non-null for a select case: the arbitration word shared by all waiters of that select. */
    public final SelectOwner select;
    /** The select case this waiter stands for; -1 for a plain send/recv. */
    public final int caseIndex;

    /**
     * Select only: the partner thread a non-blocking transfer served ({@link ChanOps#pollRecv}/{@code pollSend}),
     * which the select thread unparks after releasing all locks (Go's rule: never ready a G under a channel lock).
     */
    public Thread wakeAfterUnlock;

    Waiter next;
    Waiter prev;
    boolean queued;

    /** A waiter for a plain blocking send or receive by the current thread. */
    public Waiter(Object elem) {
        this.thread = Thread.currentThread();
        this.elem = elem;
        this.select = null;
        this.caseIndex = -1;
    }

    /** A reusable waiter for case {@code caseIndex} of a select. */
    public Waiter(SelectOwner select, int caseIndex) {
        this.select = select;
        this.caseIndex = caseIndex;
    }

    /** Whether this waiter is linked into a channel queue. Caller holds that channel's lock. */
    public boolean isQueued() {
        return queued;
    }

    /**
     * Prepares a select waiter for reuse. Caller: the select thread, holding the channel's lock, before enqueueing
     * it (the lock publishes these plain writes to wakers). {@link #completed} is not used by select waiters.
     */
    public void prepare(Thread current, Object elem) {
        this.thread = current;
        this.elem = elem;
        this.success = false;
    }
}
