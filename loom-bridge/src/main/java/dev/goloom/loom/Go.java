package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;

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
        Thread t = DefaultFactory.INSTANCE.newThread(task);
        t.start();
        return t;
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
