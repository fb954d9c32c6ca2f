package dev.goloom.jmh.server;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The executor a server gets, wrapping the side's thread-per-task executor to measure each task's start delay: the
 * time from the server's own thread (HttpServer's dispatcher, Jetty's selector) calling {@code execute} to the new
 * virtual thread running the task's first line. That is the part of a request's latency the scheduler owns: the
 * queueing and wake-up of an external submission. Recording costs one {@code nanoTime} on each side and a
 * lock-free {@link Recorder} update.
 */
final class StartDelayExecutor extends AbstractExecutorService {
    private final ExecutorService inner;
    private final Recorder delays = new Recorder(3);
    private Histogram reuse;

    StartDelayExecutor(ExecutorService inner) {
        this.inner = inner;
    }

    @Override
    public void execute(Runnable task) {
        long submitted = System.nanoTime();
        inner.execute(() -> {
            delays.recordValue(Math.max(0, System.nanoTime() - submitted));
            task.run();
        });
    }

    /** The delays recorded since the last call (nanoseconds), and a fresh interval. Not thread-safe itself. */
    Histogram interval() {
        reuse = delays.getIntervalHistogram(reuse);
        return reuse;
    }

    /** One line for an interval: p50, p99, p99.9 and max start delay, in microseconds. */
    static String summary(Histogram h) {
        if (h.getTotalCount() == 0) {
            return "start delay: no tasks";
        }
        return String.format(Locale.ROOT, "start delay (execute -> handler runs): p50 %.0f us, p99 %.0f us, "
                        + "p99.9 %.0f us, max %.0f us over %,d tasks",
                h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                h.getValueAtPercentile(99.9) / 1e3, h.getMaxValue() / 1e3, h.getTotalCount());
    }

    @Override
    public void shutdown() {
        inner.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return inner.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return inner.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return inner.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return inner.awaitTermination(timeout, unit);
    }
}
