package dev.goloom.channels;

import java.time.Instant;
import java.util.concurrent.ScheduledFuture;

/**
 * A periodic timer whose ticks arrive on a channel: Go's {@code time.Ticker}. Made by {@link Chans#tick}.
 *
 * <p>The channel {@link #c()} has a buffer of one; a tick that finds it full is dropped, so a slow receiver sees
 * fewer ticks instead of a backlog (as in Go). {@link #stop()} stops further ticks but, as in Go, does not close
 * the channel (a receiver must not mistake a stopped ticker for a closed channel); {@link #close()} is
 * {@link #stop()} for try-with-resources.
 */
public final class Ticker implements AutoCloseable {
    private final Chan<Instant> c;
    private volatile ScheduledFuture<?> task;

    Ticker(Chan<Instant> c) {
        this.c = c;
    }

    void start(ScheduledFuture<?> task) {
        this.task = task;
    }

    /** The channel the ticks are delivered on (Go: {@code ticker.C}). */
    public ReceiveChannel<Instant> c() {
        return c;
    }

    /** Stops the ticker: no tick is sent after this returns (one already buffered stays receivable). Idempotent. */
    public void stop() {
        ScheduledFuture<?> t = task;
        if (t != null) {
            t.cancel(false);
        }
    }

    /** Whether {@link #stop()} has been called. */
    public boolean isStopped() {
        ScheduledFuture<?> t = task;
        return t != null && t.isCancelled();
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    @Override
    public String toString() {
        return "Ticker[" + c + (isStopped() ? ", stopped]" : "]");
    }
}
