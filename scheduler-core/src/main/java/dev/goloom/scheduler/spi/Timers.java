package dev.goloom.scheduler.spi;

import java.util.concurrent.locks.LockSupport;

/**
 * The scheduler's timers as channels and loom-bridge see them (Go: {@code time.go}'s {@code addtimer} /
 * {@code timer.stop} as used by {@code time.NewTimer} and {@code time.Sleep}). Called on a goloom goroutine (or a
 * plain task on a goloom carrier), a timer goes on the heap of the P the caller runs on, and a carrier runs it
 * from its scheduling loop; anywhere else {@link #schedule} returns null so that the caller uses its own timer
 * thread, and {@link #parkNanos} is {@link LockSupport#parkNanos(Object, long)}.
 *
 * <p>Actions run on a carrier, outside every lock, and must be tiny and never block: a {@code trySend}, an
 * {@code unpark}. A goroutine an action unparks goes to the running carrier's P ({@code runnext}), or to the
 * global queue if the carrier holds no P. An action that throws is reported like a plain task's exception and
 * the carrier goes on.
 *
 * <p>Termination: a timer still pending when its scheduler terminates never runs (the heaps are dropped, and
 * {@link Timer#cancel()} then returns false); pending timers neither keep a terminated scheduler's carriers alive
 * nor delay their exit. (A terminated scheduler runs no goroutine, so no goloom caller can add one later.)
 *
 * <p>Exported only to {@code dev.goloom.channels} and {@code dev.goloom.loom}. Every method is safe on any thread.
 */
public final class Timers {
    private Timers() {
    }

    /** A scheduled action (Go: a {@code timer} in a P's heap). */
    public interface Timer {
        /**
         * Go: {@code timer.stop}'s result. Removes the timer if it has not been taken to run.
         *
         * @return true if this call removed it (the action will not run); false if it already ran, is about to
         *         run (a carrier took it), was cancelled before, or was dropped with a terminated scheduler
         */
        boolean cancel();
    }

    /**
     * Runs {@code action} once, on a carrier of the calling goroutine's scheduler, at least {@code delayNanos}
     * from now (a non-positive delay: at the carrier's next look). Go: {@code addtimer} on the current P.
     *
     * @return the timer, or null if the caller is not on a goloom carrier (nor a goroutine on one) or its
     *         scheduler has terminated: then schedule it elsewhere
     * @throws NullPointerException if {@code action} is null
     */
    public static Timer schedule(long delayNanos, Runnable action) {
        if (action == null) {
            throw new NullPointerException("action");
        }
        Carrier c = Carrier.current();
        return c == null ? null : c.addTimerHere(delayNanos, action, null);
    }

    /**
     * {@link LockSupport#parkNanos(Object, long)} whose wake-up comes from the scheduler's timers: on a goloom
     * goroutine it arms a timer that unparks the caller, parks untimed, and cancels the timer on return; anywhere
     * else (platform threads, carriers themselves, the JDK's virtual threads) it is {@code LockSupport.parkNanos}.
     * Like {@code parkNanos} it may return early (unpark, interrupt, or spuriously) and callers loop on their own
     * condition; a timer that fires just as the caller was woken otherwise leaves a stray unpark permit, which
     * makes the caller's next park return at once (a spurious wake-up, which park's contract allows).
     *
     * <p>A goroutine pinned to its carrier (a native frame on its stack) parks the carrier itself, which then
     * cannot run its own P's timers: another carrier runs them (a spinning one, the timer-sleeping one, or one
     * that sysmon starts once it sees the pinned carrier blocked), so such a wake-up can come late by up to
     * sysmon's blocked threshold.
     *
     * @param blocker the synchronization object responsible for the park (as in {@code LockSupport})
     * @param nanos   the longest wait; non-positive: returns at once
     */
    public static void parkNanos(Object blocker, long nanos) {
        if (nanos <= 0) {
            return;
        }
        Thread me = Thread.currentThread();
        Carrier c = me.isVirtual() ? Carrier.current() : null;
        Timer t = c == null ? null : c.addTimerHere(nanos, null, me);
        if (t == null) {
            LockSupport.parkNanos(blocker, nanos);
            return;
        }
        LockSupport.park(blocker);
        t.cancel();
    }

    /** True if the calling code runs on a goloom carrier (a goroutine or a plain task), so timers go there. */
    public static boolean onGoloom() {
        return Carrier.current() != null;
    }
}
