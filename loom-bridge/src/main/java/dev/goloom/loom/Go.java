package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.spi.Carrier;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;

/**
 * Go's {@code go} statement: {@code Go.go(() -> work())} is {@code go work()}.
 *
 * <p>Each call starts a new virtual thread (a goroutine) on a {@link GoScheduler}. Started from a goroutine, the
 * new one goes to its carrier's {@code runnext} slot and runs next on the same P, as in Go; started from any
 * other thread, it goes to the scheduler's global queue.
 */
public final class Go {
    private Go() {
    }

    private static final class DefaultFactory {
        static final ThreadFactory INSTANCE = GoVirtualThreads.factory(GoScheduler.defaultScheduler());
    }

    /**
     * Starts {@code task} as a goroutine on {@link GoScheduler#defaultScheduler()}.
     *
     * @return the started virtual thread (join it, interrupt it, or ignore it)
     * @throws NullPointerException  if {@code task} is null
     * @throws IllegalStateException if {@code java.lang} is not opened to goloom (the message names the flag)
     */
    public static Thread go(Runnable task) {
        Objects.requireNonNull(task, "task");
        GoVirtualThreads.checkAccess(); // before DefaultFactory: its initialiser must not fail
        Thread t = DefaultFactory.INSTANCE.newThread(task);
        t.start();
        return t;
    }

    /**
     * A cooperative preemption point. The JVM cannot preempt a running continuation asynchronously (Go injects a
     * call with a signal; the JVM has no equivalent for virtual threads), so a goroutine that computes for a long
     * time without parking holds its carrier. goloom's sysmon notices such a goroutine after one time slice
     * (10 ms), sets its preempt flag, and, if other work waits, moves the P's token to another carrier so that the
     * waiting work runs anyway (the OS then shares the cores between the carriers). Calling {@code checkpoint()} in
     * long loops lets the goroutine step aside properly: when the flag is set it yields ({@code Thread.yield()}, Go's
     * {@code Gosched}); otherwise it costs a carrier lookup and one field read.
     *
     * <p>Outside a goloom goroutine it does nothing.
     */
    public static void checkpoint() {
        if (Carrier.preemptRequested()) {
            Thread.yield();
        }
    }

    /**
     * Starts {@code task} as a goroutine on {@code scheduler}.
     *
     * @return the started virtual thread
     * @throws NullPointerException                            if an argument is null
     * @throws java.util.concurrent.RejectedExecutionException if {@code scheduler} is shut down
     * @throws IllegalStateException                           if {@code java.lang} is not opened to goloom
     */
    public static Thread go(GoScheduler scheduler, Runnable task) {
        Objects.requireNonNull(scheduler, "scheduler");
        Objects.requireNonNull(task, "task");
        return GoVirtualThreads.ofVirtual(scheduler).start(task);
    }
}
