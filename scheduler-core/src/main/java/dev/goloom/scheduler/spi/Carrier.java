package dev.goloom.scheduler.spi;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;

/**
 * A goloom carrier thread as loom-bridge sees it: the hooks a goroutine calls on the carrier it runs on, for
 * {@code Syscall} (Go's {@code entersyscall}/{@code exitsyscall}) and {@code Go.checkpoint()} (Go's preempt flag).
 * The scheduler's carrier class extends this; nothing else should.
 *
 * <p>Each static method finds the carrier under the calling code (the calling thread itself, or the carrier a
 * calling virtual thread is mounted on) and does nothing if it is not a goloom carrier. Exported only to
 * {@code dev.goloom.loom} and {@code dev.goloom.channels}; the timer hook is reached through {@link Timers}.
 */
public abstract class Carrier extends ForkJoinWorkerThread {
    /**
     * The pool every carrier names as its own, because a {@link ForkJoinWorkerThread} needs one. It has no threads
     * (its factory makes none) and runs nothing; do not submit to it.
     */
    private static final ForkJoinPool NO_POOL = new ForkJoinPool(1, pool -> null, null, false);

    /**
     * @param name the thread's name
     */
    protected Carrier(String name) {
        super(null, NO_POOL, false); // false: no inherited thread locals, as a plain Thread(..., false)
        setName(name);
    }

    /**
     * Called once, first, on this carrier's own thread: marks it as always having queued work in the JDK's eyes.
     *
     * <p>Why: {@code LinkedTransferQueue}, {@code SynchronousQueue} and {@code Exchanger} spin (128
     * {@code Thread.onSpinWait()}) before they park, unless the carrier under the waiting virtual thread is a
     * {@code ForkJoinWorkerThread} with tasks in its queue ({@code ForkJoinWorkerThread.hasKnownQueuedWork}). On
     * goloom the partner such a waiter needs is usually in this P's runnext, so the spin only delays it; a carrier
     * that always shows queued work makes them park at once, as goloom's channels do (docs/adr/0009, 0011).
     */
    protected final void markQueuedWork() {
        QueuedWorkMark.markCurrentCarrier();
    }

    /**
     * Called on this carrier's own thread after a plain task: runs the subtasks that task forked with
     * {@code ForkJoinTask.fork()} and did not join (a plain task runs in this carrier's queue as in a pool).
     */
    protected final void runForkedSubtasks() {
        QueuedWorkMark.runForked();
    }

    /** The goloom carrier under the calling code (a goroutine or a plain task), or null. */
    public static Carrier current() {
        Thread t = Thread.currentThread();
        if (t instanceof Carrier c) {
            return c;
        }
        if (t.isVirtual() && TaskSupport.get().currentCarrier() instanceof Carrier c) {
            return c;
        }
        return null;
    }

    /**
     * Go: {@code entersyscall} / {@code entersyscallblock}. Marks the calling goroutine's P as in a blocking call,
     * so that sysmon may give its run token to another carrier while the call blocks. Pair every {@code true}
     * result with {@link #exitSyscall()} in a {@code finally}, on the same goroutine.
     *
     * @param handOffNow give the token away at once (Go's entersyscallblock), for calls known to block long
     * @return true if the caller runs on a goloom carrier and its P was marked; false otherwise (then do not call
     *         {@link #exitSyscall()})
     */
    public static boolean enterSyscall(boolean handOffNow) {
        Carrier c = current();
        return c != null && c.enterSyscallHere(handOffNow);
    }

    /**
     * Go: {@code exitsyscall}. Keeps the token if sysmon did not take it (fast path), else takes a free one.
     *
     * @return true if the P holds a token again; false if none was free: the P runs on without one until its
     *         task next parks or yields, when the carrier hands the P's queue to the global queue and parks. The
     *         goroutine should then {@code Thread.yield()} (Go: exitsyscall0 queues the G globally).
     */
    public static boolean exitSyscall() {
        Carrier c = current();
        return c != null && c.exitSyscallHere();
    }

    /**
     * True if sysmon asked the goroutine running on the calling carrier to yield (it has run for a whole time
     * slice while other work waits). Cheap: a carrier lookup and one field read. The request is cleared by the
     * yield, or when the carrier runs another task.
     */
    public static boolean preemptRequested() {
        Carrier c = current();
        return c != null && c.preemptRequestedHere();
    }

    /** {@link #enterSyscall} for the goroutine running on this carrier. Called on this carrier only. */
    protected abstract boolean enterSyscallHere(boolean handOffNow);

    /** {@link #exitSyscall} for the goroutine running on this carrier. Called on this carrier only. */
    protected abstract boolean exitSyscallHere();

    /** {@link #preemptRequested} for the goroutine running on this carrier. Called on this carrier only. */
    protected abstract boolean preemptRequestedHere();

    /**
     * {@link Timers#schedule} and {@link Timers#parkNanos} for code running on this carrier: a timer on its P's
     * heap that runs {@code action}, or (if {@code action} is null) unparks {@code unparkee}. Called on this
     * carrier only.
     *
     * @return the timer, or null if the scheduler has terminated
     */
    protected abstract Timers.Timer addTimerHere(long delayNanos, Runnable action, Thread unparkee);
}
