package dev.goloom.channels;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A periodic timer whose ticks arrive on a channel: Go's {@code time.Ticker}, with Go 1.23's semantics. Made by
 * {@link Chans#tick}.
 *
 * <ul>
 *   <li><b>Ticks.</b> The channel {@link #c()} has a buffer of one; a tick that finds it full is dropped, so a slow
 *       receiver sees fewer ticks instead of a backlog, and ticks a late carrier missed are skipped (as in Go). On
 *       a goloom goroutine the ticker lives on the scheduler's timer heaps; anywhere else a shared daemon timer
 *       thread fires it.</li>
 *   <li><b>{@link #stop()}</b>: no tick is sent after it returns, and none prepared before it can be received (a
 *       buffered, unreceived tick is discarded). As in Go it does not close the channel (a receiver must not
 *       mistake a stopped ticker for a closed channel). {@link #close()} is {@code stop()} for
 *       try-with-resources.</li>
 *   <li><b>{@link #reset(Duration)}</b>: stops the ticker as {@code stop()} does and restarts it with a new period,
 *       the next tick one period from now.</li>
 *   <li><b>Garbage.</b> A ticker nothing references any more (neither this object nor its channel) is collected
 *       even if never stopped, and its timer entry is then removed.</li>
 *   <li><b>Durations.</b> Zero or negative periods are rejected with an {@link IllegalArgumentException} naming
 *       the value (Go panics); {@code null} with a {@link NullPointerException} naming the parameter; huge
 *       periods saturate.</li>
 *   <li><b>Scheduler shutdown.</b> A ticker started by a goroutine stops ticking if its scheduler terminates
 *       ({@link #reset} from another thread restarts it on the shared timer thread).</li>
 *   <li><b>Interrupts.</b> {@code stop()} and {@code reset()} never block and ignore interrupts.</li>
 * </ul>
 * Instances are thread-safe.
 */
public final class Ticker implements AutoCloseable {
    private final Chan<Instant> c;
    private final TimerState state;

    Ticker(Chan<Instant> c, TimerState state) {
        this.c = c;
        this.state = state;
    }

    /** The channel the ticks are delivered on (Go: {@code ticker.C}). */
    public ReceiveChannel<Instant> c() {
        return c;
    }

    /** Go: {@code ticker.Stop()}. No tick is sent or receivable after this returns. Idempotent. */
    public void stop() {
        state.stop();
    }

    /**
     * Go: {@code ticker.Reset(d)}. Stops the ticker (no stale tick after this returns) and restarts it with
     * period {@code period}, the next tick one period from now.
     *
     * @throws NullPointerException     if {@code period} is null
     * @throws IllegalArgumentException if {@code period} is zero or negative (Go: "non-positive interval for
     *                                  Ticker.Reset")
     */
    public void reset(Duration period) {
        long nanos = Chans.periodNanos(period, "Ticker.reset");
        state.reset(nanos, nanos);
    }

    /** Whether the ticker is stopped ({@link #stop()} called and no {@link #reset} since). */
    public boolean isStopped() {
        return !state.isArmed();
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
