package dev.goloom.channels.internal;

import dev.goloom.channels.Chan;

import java.util.Objects;

/**
 * The channel internals that {@code dev.goloom.select} needs to run Go's {@code selectgo}: the channel lock, the
 * non-blocking halves of send and receive, and queueing of select waiters. Implemented once, inside
 * {@link Chan}, and handed out through {@link #get()} (the JDK's "shared secrets" pattern), so none of it is
 * public API. This package is exported only to {@code dev.goloom.select}.
 *
 * <p>Lock order: a thread that holds several channel locks took them in increasing {@link #id} order (select's
 * {@code sellock}); a channel appearing in several cases is locked once. Methods marked "caller holds the lock"
 * assert it when assertions are enabled.
 */
public abstract class ChanOps {
    /** {@link #pollRecv}/{@link #pollSend}: the case cannot proceed without blocking. */
    public static final int NOT_READY = 0;
    /** {@link #pollRecv}/{@link #pollSend}: a value was transferred. */
    public static final int READY = 1;
    /** {@link #pollRecv}: closed and drained ({@code ok == false}); {@link #pollSend}: send on a closed channel. */
    public static final int CLOSED = 2;

    private static volatile ChanOps instance;

    /** The implementation; initializes {@link Chan} if needed. */
    public static ChanOps get() {
        ChanOps ops = instance;
        if (ops == null) {
            try {
                Class.forName(Chan.class.getName(), true, Chan.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
            ops = Objects.requireNonNull(instance, "Chan did not install ChanOps");
        }
        return ops;
    }

    /** Called once, by {@link Chan}'s static initializer. */
    public static void install(ChanOps ops) {
        if (instance != null) {
            throw new IllegalStateException("ChanOps already installed");
        }
        instance = ops;
    }

    /** A unique, immutable id: the global lock order (Go sorts by {@code hchan} address). */
    public abstract long id(Chan<?> c);

    /** Takes the channel lock (spins, then yields; never parks). */
    public abstract void lock(Chan<?> c);

    /** Releases the channel lock. */
    public abstract void unlock(Chan<?> c);

    /**
     * The non-blocking part of {@code chanrecv} for a select case. Caller holds the lock. On {@link #READY} the
     * value is in {@code w.elem}; on {@link #CLOSED} {@code w.elem} is null. If a parked sender was served, its
     * thread is stored in {@code w.wakeAfterUnlock}, to be unparked after all locks are released.
     */
    public abstract int pollRecv(Chan<?> c, Waiter w);

    /**
     * The non-blocking part of {@code chansend} for a select case, sending {@code w.elem}. Caller holds the lock.
     * Returns {@link #CLOSED} without side effects if the channel is closed (the caller unlocks, then throws).
     * A served parked receiver's thread goes to {@code w.wakeAfterUnlock}.
     */
    public abstract int pollSend(Chan<?> c, Waiter w);

    /** Queues a select waiter on {@code c}'s receive queue. Caller holds the lock. */
    public abstract void enqueueRecv(Chan<?> c, Waiter w);

    /** Queues a select waiter (with its value in {@code elem}) on {@code c}'s send queue. Caller holds the lock. */
    public abstract void enqueueSend(Chan<?> c, Waiter w);

    /** Go: {@code dequeueSudoG}: unlinks {@code w} from {@code c}'s receive or send queue if still there. Lock held. */
    public abstract void remove(Chan<?> c, Waiter w, boolean send);

    /**
     * Deadlock detection's abort of a plain (non-select) blocked {@code send} or {@code recv}: takes {@code c}'s
     * lock; if {@code w} is still queued, unlinks it and completes it as {@link Waiter.Aborted} with {@code message}
     * (its owner then throws {@code DeadlockException}); unlocks, then unparks the owner. If a partner dequeued
     * {@code w} first, its transfer stands and nothing happens.
     *
     * @return true if {@code w} was withdrawn
     */
    public abstract boolean abort(Chan<?> c, Waiter w, String message);

    /** Number of waiters queued on {@code c} (both queues). Takes the lock; for tests and diagnostics. */
    public abstract int queuedWaiters(Chan<?> c);

    /** The exception a send on a closed channel throws (Go's panic message). */
    public abstract RuntimeException sendOnClosed(Chan<?> c);
}
