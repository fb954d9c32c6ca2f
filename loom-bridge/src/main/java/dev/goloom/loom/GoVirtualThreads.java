package dev.goloom.loom;

import dev.goloom.loom.internal.JdkAccess;
import dev.goloom.scheduler.GoScheduler;

import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * Virtual threads that run on a {@link GoScheduler}: the drop-in for {@link Thread#ofVirtual()}.
 *
 * <pre>{@code
 * GoScheduler sched = GoScheduler.builder().maxProcs(4).build();
 * Thread t = GoVirtualThreads.ofVirtual(sched).name("worker-", 0).start(() -> work());
 * }</pre>
 *
 * Threads built here are ordinary {@link Thread}s with {@code isVirtual() == true}; everything the JDK promises
 * for virtual threads holds (sleep, join, park/unpark, locks, {@code synchronized}, {@code Object.wait},
 * interrupts, socket I/O, thread locals). A virtual thread started <em>from</em> a goroutine with plain
 * {@code Thread.ofVirtual()} inherits its parent's scheduler, so library code that creates virtual threads also
 * runs on goloom.
 *
 * <p>Requires the JVM flag {@code --add-opens java.base/java.lang=dev.goloom.loom} (module path) or
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} (class path); without it every method here throws an
 * {@link IllegalStateException} whose message is the exact flag to add.
 */
public final class GoVirtualThreads {
    private GoVirtualThreads() {
    }

    /**
     * A builder for virtual threads that run on {@code scheduler}. Like {@code Thread.ofVirtual()}, a builder is
     * not thread-safe; its {@link Thread.Builder#factory() factory()} is.
     *
     * <p>If the scheduler is shut down, {@code start()} of a thread built here throws
     * {@link java.util.concurrent.RejectedExecutionException} and the thread never runs.
     *
     * @throws NullPointerException  if {@code scheduler} is null
     * @throws IllegalStateException if {@code java.lang} is not opened to goloom (the message names the flag)
     */
    public static Thread.Builder.OfVirtual ofVirtual(GoScheduler scheduler) {
        Objects.requireNonNull(scheduler, "scheduler");
        return JdkAccess.newBuilder(scheduler);
    }

    /** A thread-safe factory of unstarted virtual threads on {@code scheduler}. See {@link #ofVirtual}. */
    public static ThreadFactory factory(GoScheduler scheduler) {
        return ofVirtual(scheduler).factory();
    }

    /**
     * Like {@link Executors#newVirtualThreadPerTaskExecutor()}: each task runs in a new virtual thread on
     * {@code scheduler}. Closing the executor waits for its tasks; it does not shut the scheduler down.
     */
    public static ExecutorService newThreadPerTaskExecutor(GoScheduler scheduler) {
        return Executors.newThreadPerTaskExecutor(factory(scheduler));
    }

    /**
     * Checks that goloom can run virtual threads in this JVM.
     *
     * @throws IllegalStateException naming the missing {@code --add-opens} flag
     */
    public static void checkAccess() {
        JdkAccess.check();
    }

    /** The JVM flag goloom needs, for example {@code --add-opens java.base/java.lang=ALL-UNNAMED}. */
    public static String requiredJvmFlag() {
        return JdkAccess.ADD_OPENS_FLAG;
    }
}
