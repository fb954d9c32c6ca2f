package dev.goloom.channels.internal;

import java.lang.invoke.VarHandle;

/**
 * The contended path of the channels' never-parking locks (a channel's lock, a timer's lock). Go:
 * {@code lock2} in {@code lock_futex.go}, up to the point where Go would put the thread to sleep.
 *
 * <p>The lock is an {@code int} field, 0 when free and 1 when held, taken with a compare-and-set and released by its
 * holder with a release store; a critical section is a few field writes and never parks, yields or calls user
 * code. After a failed compare-and-set the caller comes here:
 * <ol>
 *   <li><b>Active spin</b> (only with more than one processor): up to {@value #ACTIVE_SPIN} looks at the field,
 *       {@value #ACTIVE_SPIN_HINTS} {@link Thread#onSpinWait()} hints apart (Go: {@code active_spin},
 *       {@code active_spin_cnt}, {@code procyield}). The gap is the point: a waiter that reads the field on every
 *       hint pulls the cache line away from the holder in the middle of its critical section, so both cores pay a
 *       line transfer on every operation. Spaced looks let the holder finish, and often take the lock again, at
 *       single-core speed.</li>
 *   <li><b>Yield</b>, then start over (Go: {@code osyield}; where Go then sleeps on a futex, these locks never
 *       park). A virtual thread yields its carrier to other goroutines; a platform thread, or a virtual thread
 *       pinned to its carrier, yields the processor.</li>
 * </ol>
 * docs/adr/0012-channel-lock-spins-like-go.md has the measurements behind the shape and the constants.
 *
 * <p>Memory ordering: the successful compare-and-set has volatile semantics and pairs with the holder's release
 * store, so each critical section happens-before the next one. The looks in between are opaque reads: a hint only.
 */
public final class SpinLocks {
    /** Go: {@code active_spin}, looks at a taken lock before the caller yields. */
    static final int ACTIVE_SPIN = 4;
    /** Go: {@code active_spin_cnt}, spin-wait hints between two looks. */
    static final int ACTIVE_SPIN_HINTS = 30;
    /** Go: {@code ncpu > 1}; on one processor the holder cannot run while we spin, so we yield at once. */
    private static final int SPINS = Runtime.getRuntime().availableProcessors() > 1 ? ACTIVE_SPIN : 0;

    private SpinLocks() {
    }

    /**
     * Takes the lock in {@code owner}'s field that {@code lock} names (a {@code VarHandle} for an {@code int} field
     * of {@code owner}'s class), after the caller's compare-and-set from 0 to 1 failed; returns holding it. Any
     * thread may call it; a caller that already holds this lock spins forever (the locks are not reentrant).
     * Interrupts are ignored: the wait is for a holder that never blocks.
     */
    public static void acquireContended(VarHandle lock, Object owner) {
        for (;;) {
            for (int look = 0; look < SPINS; look++) {
                for (int i = 0; i < ACTIVE_SPIN_HINTS; i++) {
                    Thread.onSpinWait();
                }
                if (tryAcquire(lock, owner)) {
                    return;
                }
            }
            Thread.yield();
            if (tryAcquire(lock, owner)) {
                return;
            }
        }
    }

    /** Test, then test-and-set: the compare-and-set only when an opaque read saw the lock free. */
    private static boolean tryAcquire(VarHandle lock, Object owner) {
        return (int) lock.getOpaque(owner) == 0 && lock.compareAndSet(owner, 0, 1);
    }
}
