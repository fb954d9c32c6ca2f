package dev.goloom.scheduler.internal;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test-and-test-and-set lock that never parks. Go: {@code sched.lock}, a runtime mutex.
 *
 * <p>Used only for the scheduler's idle-P and idle-M lists, whose critical sections are a few field writes. It
 * must not park because it is taken inside {@code GoScheduler.execute}, which the JDK calls from virtual threads
 * pinned to their carrier: parking there would park the carrier itself. Waiters spin briefly and then
 * {@link Thread#yield()} (a platform-thread yield: the callers are carriers or platform threads).
 */
public final class SpinLock extends AtomicInteger {
    private static final long serialVersionUID = 1L;
    private static final int SPINS_BEFORE_YIELD = 64;

    private transient volatile Thread holder;

    public void lock() {
        if (!compareAndSet(0, 1)) {
            lockSlow();
        }
        holder = Thread.currentThread();
    }

    private void lockSlow() {
        int spins = 0;
        for (;;) {
            if (get() == 0 && compareAndSet(0, 1)) {
                return;
            }
            if (++spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    public void unlock() {
        holder = null;
        set(0); // volatile store: publishes the critical section to the next locker's CAS
    }

    /** For {@code assert lock.isHeldByCurrentThread()} at the top of methods that require the lock. */
    public boolean isHeldByCurrentThread() {
        return get() == 1 && holder == Thread.currentThread();
    }
}
