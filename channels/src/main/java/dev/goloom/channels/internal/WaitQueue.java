package dev.goloom.channels.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A FIFO doubly linked list of {@link Waiter}s: a channel's {@code recvq} or {@code sendq}. Go: {@code waitq}.
 *
 * <p>Every method must be called with the owning channel's lock held; nothing here is thread-safe on its own.
 * {@link #first} is also read without the lock, only as a racy "is anyone waiting" hint by the non-blocking fast
 * paths (Go's {@code full}/{@code empty}), through {@link #isEmptyHint()}.
 */
public final class WaitQueue {
    private static final VarHandle FIRST;

    static {
        try {
            FIRST = MethodHandles.lookup().findVarHandle(WaitQueue.class, "first", Waiter.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Written plainly under the channel lock; read under it, or racily through {@link #isEmptyHint()}. */
    private Waiter first;
    private Waiter last;
    private int size;

    /** Go: {@code waitq.enqueue}. Appends at the tail. */
    public void enqueue(Waiter w) {
        assert !w.queued : "waiter already queued";
        w.next = null;
        w.prev = last;
        if (last == null) {
            first = w;
        } else {
            last.next = w;
        }
        last = w;
        w.queued = true;
        size++;
    }

    /**
     * Go: {@code waitq.dequeue}. Unlinks and returns the first waiter that may be completed now: a plain waiter,
     * or a select waiter whose {@link SelectOwner#tryWin} CAS this call won. Select waiters whose select already
     * finished (won elsewhere or cancelled) are unlinked and skipped. Returns null if none is left.
     */
    public Waiter dequeue() {
        for (;;) {
            Waiter w = first;
            if (w == null) {
                return null;
            }
            unlink(w);
            SelectOwner s = w.select;
            if (s == null || s.tryWin(w)) {
                return w;
            }
        }
    }

    /** Go: {@code waitq.dequeueSudoG}. Unlinks {@code w} if it is still queued here; no-op otherwise. */
    public void remove(Waiter w) {
        if (w.queued) {
            unlink(w);
        }
    }

    private void unlink(Waiter w) {
        Waiter p = w.prev;
        Waiter n = w.next;
        if (p == null) {
            first = n;
        } else {
            p.next = n;
        }
        if (n == null) {
            last = p;
        } else {
            n.prev = p;
        }
        w.next = null;
        w.prev = null;
        w.queued = false;
        size--;
    }

    /**
     * Racy hint for the lock-free fast paths (any thread, no lock): an opaque read of the head, which may be
     * stale. Callers only use it to fail fast where a stale answer is indistinguishable from an earlier call.
     */
    public boolean isEmptyHint() {
        return FIRST.getOpaque(this) == null;
    }

    /** Number of queued waiters, including dead select waiters not yet skipped. Caller holds the lock. */
    public int size() {
        return size;
    }
}
