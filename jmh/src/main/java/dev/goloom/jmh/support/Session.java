package dev.goloom.jmh.support;

import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.SchedulerStats;

import dev.goloom.loom.GoVirtualThreads;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;

/**
 * One open {@link Side}: the virtual threads of a benchmark trial or of a main-job workload, and on the goloom side
 * the scheduler behind them, which {@link #close()} shuts down within a bounded time.
 */
public final class Session implements AutoCloseable {
    /** How long {@link #close()} waits for the goroutines after shutdown before it interrupts them. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    /** How long it then waits for the interrupted goroutines before it fails. */
    private static final Duration CLOSE_WAIT_AFTER_INTERRUPT = Duration.ofSeconds(5);

    private final Side side;
    private final ThreadFactory threads;
    private final GoScheduler scheduler;
    /** False for {@link GoScheduler#defaultScheduler()}, which lives as long as the JVM: close leaves it running. */
    private final boolean owned;

    Session(Side side, ThreadFactory threads, GoScheduler scheduler) {
        this(side, threads, scheduler, true);
    }

    Session(Side side, ThreadFactory threads, GoScheduler scheduler, boolean owned) {
        this.side = side;
        this.threads = threads;
        this.scheduler = scheduler;
        this.owned = owned;
    }

    /** The side this session runs on. */
    public Side side() {
        return side;
    }

    /** Makes unstarted virtual threads of this side (thread-safe). */
    public ThreadFactory threads() {
        return threads;
    }

    /**
     * A new executor that runs each task in a new virtual thread of this side, the executor a server is given:
     * {@code GoVirtualThreads.newThreadPerTaskExecutor(scheduler)} on goloom, {@code
     * Executors.newVirtualThreadPerTaskExecutor()} on the JDK side. Closing it waits for its tasks; it does not close
     * this session.
     */
    public ExecutorService newThreadPerTaskExecutor() {
        return scheduler == null ? Executors.newVirtualThreadPerTaskExecutor()
                : GoVirtualThreads.newThreadPerTaskExecutor(scheduler);
    }

    /** The goloom scheduler's stats, or null on the JDK side. */
    public SchedulerStats stats() {
        return scheduler == null ? null : scheduler.stats();
    }

    /** The goloom scheduler's schedtrace line for error messages, or "" on the JDK side. */
    public String trace() {
        return scheduler == null ? "" : " [" + scheduler.stats().schedtrace() + "]";
    }

    /** A thread body that may be interrupted, as channel operations may. */
    @FunctionalInterface
    public interface Body {
        void run() throws InterruptedException;
    }

    /**
     * Starts a thread of this side running {@code body}; an interrupt inside it (never expected in a benchmark)
     * becomes an unchecked failure.
     */
    public Thread start(Body body) {
        Thread t = threads.newThread(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        return t;
    }

    /** Joins {@code t}, turning an interrupt (never expected in a benchmark) into an unchecked failure. */
    public static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("benchmark thread interrupted while joining " + t, e);
        }
    }

    /** For a JMH trial's tear-down: prints the goloom scheduler's schedtrace line (JDK side: nothing), then closes. */
    public void reportAndClose() {
        if (scheduler != null) {
            System.out.println();
            System.out.println(scheduler.stats().schedtrace());
        }
        close();
    }

    /**
     * Shuts the goloom scheduler down and waits for its goroutines, like {@link GoScheduler#close()}, but for a
     * bounded time: a goroutine that never ends (a workload that failed half-way, or a scheduler bug) must not hang
     * the job. Nothing to do for the JDK side.
     *
     * @throws IllegalStateException with the scheduler's stats if it did not terminate in time
     */
    @Override
    public void close() {
        if (scheduler == null || !owned) {
            return;
        }
        scheduler.shutdown();
        try {
            if (scheduler.awaitTermination(CLOSE_WAIT)) {
                return;
            }
            scheduler.shutdownNow();
            if (scheduler.awaitTermination(CLOSE_WAIT_AFTER_INTERRUPT)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("goloom scheduler '" + scheduler.name() + "' did not terminate within "
                + CLOSE_WAIT.toSeconds() + " s of shutdown: " + scheduler.stats().schedtrace());
    }
}
