package dev.goloom.channels.internal;

import dev.goloom.channels.Chan;

/**
 * A thread's entry in a channel's wait queue. Go: {@code sudog}.
 *
 * <p>A plain blocking {@code send}/{@code recv} creates one waiter and parks with it as the
 * {@code LockSupport.park} blocker, so that goroutine dumps find the operation, channel and start of the wait
 * ({@link GoroutineWaits}); a select creates one per case and shares a {@link SelectOwner} among them (which is
 * then the blocker). Fields and who may touch them:
 * <ul>
 *   <li>{@link #chan}, {@link #send}, {@link #since}: final; for dumps, which read them racily through the
 *       blocker.</li>
 *   <li>{@link #thread}, {@link #select}, {@link #caseIndex}: set by the owning thread before the waiter is queued;
 *       read by wakers under the channel lock.</li>
 *   <li>{@link #elem}: for a sender, the value to hand over; for a receiver, the slot the waker fills. Guarded by
 *       the lock of the channel the waiter is queued on (or was, until the transfer).</li>
 *   <li>{@link #next}, {@link #prev}, {@link #queued}: queue links, guarded by that channel's lock; only
 *       {@link WaitQueue} changes them.</li>
 *   <li>{@link #success}: true when a transfer completed, false when the channel was closed or the wait was
 *       aborted as deadlocked ({@link #elem} then holds an {@link Aborted}); written by the waker under the channel
 *       lock before {@link #completed}.</li>
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
    /** The channel this waiter waits on: for a select case, the channel the case was added with (maybe null). */
    public final Chan<?> chan;
    /** True for a send, false for a receive. */
    public final boolean send;
    /** Go: {@code g.waitsince}. Start of a plain waiter's wait ({@link GoroutineWaits#now()}); 0 for select cases. */
    public final long since;
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

    /**
     * What {@link #elem} holds, with {@link #success} false, when deadlock detection withdrew a plain waiter
     * ({@link ChanOps#abort}): the owner throws {@code DeadlockException} with this message. Told apart from an
     * element by {@link #success} being false (a waiter woken by close has a null {@link #elem}).
     *
     * @param message the exception's message
     */
    public record Aborted(String message) {
    }

    /** A waiter for a plain blocking send (with {@code elem}) or receive on {@code chan} by the current thread. */
    public Waiter(Chan<?> chan, Object elem, boolean send) {
        this.thread = Thread.currentThread();
        this.chan = chan;
        this.send = send;
        this.since = GoroutineWaits.now();
        this.elem = elem;
        this.select = null;
        this.caseIndex = -1;
    }

    /** A reusable waiter for case {@code caseIndex} of a select, a send or receive on {@code chan}. */
    public Waiter(SelectOwner select, int caseIndex, Chan<?> chan, boolean send) {
        this.select = select;
        this.caseIndex = caseIndex;
        this.chan = chan;
        this.send = send;
        this.since = 0L;
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
