package dev.goloom.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A test-and-test-and-set lock that never parks. Go: {@code sched.lock}, a runtime mutex.
 *
 * <p>It guards the scheduler's idle-P and idle-M lists, its token count and the global run queue, whose critical
 * sections are a handful of field writes. It must not park because it is taken inside {@code GoScheduler.execute},
 * which the JDK calls from virtual threads pinned to their carrier: parking there would park the carrier itself.
 * Waiters look at it a few times, far apart, and then {@link Thread#yield()} (a platform-thread yield: the callers
 * are carriers or platform threads; a pinned virtual thread's yield does not unmount it either).
 *
 * <p>Not reentrant. Any thread may call any method; {@link #unlock()} only by the holder.
 *
 * <p>Memory ordering: {@link #lock()} acquires with a CAS (volatile semantics), {@link #unlock()} releases with a
 * volatile store of 0 that the next locker's CAS reads, so a critical section happens-before the next one.
 */
public final class SpinLock {
    /** Go: {@code active_spin}. */
    private static final int ACTIVE_SPIN = 4;
    /** Go: {@code active_spin_cnt}. */
    private static final int ACTIVE_SPIN_HINTS = 30;
    /** Go: {@code ncpu > 1}; on one processor the holder cannot run while we spin. */
    private static final int SPINS = Runtime.getRuntime().availableProcessors() > 1 ? ACTIVE_SPIN : 0;
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

    /**
     * Go: {@code lock2}'s spin. Up to {@value #ACTIVE_SPIN} looks, {@value #ACTIVE_SPIN_HINTS} spin-wait hints apart
     * (none on one processor), then a yield and a look, and again. Looking after every hint would pull the lock's
     * cache line from the holder mid-critical-section (docs/adr/0012, measured on the channels' lock).
     */
    private void lockSlow() {
        for (;;) {
            for (int look = 0; look < SPINS; look++) {
                for (int i = 0; i < ACTIVE_SPIN_HINTS; i++) {
                    Thread.onSpinWait();
                }
                if (tryLockOnce()) {
                    return;
                }
            }
            Thread.yield();
            if (tryLockOnce()) {
                return;
            }
        }
    }

    /** Test, then test-and-set. */
    private boolean tryLockOnce() {
        return state == 0 && STATE.compareAndSet(this, 0, 1);
    }

    /** Takes the lock if it is free, without waiting. */
    public boolean tryLock() {
        if (tryLockOnce()) {
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
