package dev.goloom.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A test-and-test-and-set lock that never parks. Go: {@code sched.lock}, a runtime mutex.
 *
 * <p>It guards the scheduler's idle-P and idle-M lists, its token count and the global run queue, whose critical
 * sections are a handful of field writes. It must not park because it is taken inside {@code GoScheduler.execute},
 * which the JDK calls from virtual threads pinned to their carrier: parking there would park the carrier itself.
 * Waiters spin briefly and then {@link Thread#yield()} (a platform-thread yield: the callers are carriers or
 * platform threads; a pinned virtual thread's yield does not unmount it either).
 *
 * <p>Not reentrant. Any thread may call any method; {@link #unlock()} only by the holder.
 *
 * <p>Memory ordering: {@link #lock()} acquires with a CAS (volatile semantics), {@link #unlock()} releases with a
 * volatile store of 0 that the next locker's CAS reads, so a critical section happens-before the next one.
 */
public final class SpinLock {
    private static final int SPINS_BEFORE_YIELD = 64;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(SpinLock.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** 0 free, 1 held. Changed by CAS (lock) and volatile store (unlock). */
    private volatile int state;
    /** The holder, for {@link #isHeldByCurrentThread()}; written only by the holder. */
    private volatile Thread holder;

    /** Takes the lock, spinning (then yielding the platform thread) until it is free. Never parks. */
    public void lock() {
        if (!STATE.compareAndSet(this, 0, 1)) {
            lockSlow();
        }
        holder = Thread.currentThread();
    }

    private void lockSlow() {
        int spins = 0;
        for (;;) {
            if (state == 0 && STATE.compareAndSet(this, 0, 1)) { // test, then test-and-set
                return;
            }
            if (++spins < SPINS_BEFORE_YIELD) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }

    /** Takes the lock if it is free, without waiting. */
    public boolean tryLock() {
        if (state == 0 && STATE.compareAndSet(this, 0, 1)) {
            holder = Thread.currentThread();
            return true;
        }
        return false;
    }

    /**
     * Releases the lock. Holder only.
     *
     * @throws IllegalMonitorStateException if the calling thread does not hold the lock
     */
    public void unlock() {
        if (holder != Thread.currentThread()) {
            throw new IllegalMonitorStateException("SpinLock not held by " + Thread.currentThread());
        }
        holder = null;
        state = 0; // volatile store: publishes the critical section to the next locker's CAS
    }

    /** For {@code assert lock.isHeldByCurrentThread()} at the top of methods that require the lock. */
    public boolean isHeldByCurrentThread() {
        return state == 1 && holder == Thread.currentThread();
    }

    /** True if some thread holds the lock (a racy snapshot, for tests and diagnostics). */
    public boolean isLocked() {
        return state == 1;
    }
}
