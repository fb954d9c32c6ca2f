package dev.goloom.channels;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A one-shot timer whose expiry arrives on a channel: Go's {@code time.Timer}, with Go 1.23's semantics. Made by
 * {@link Chans#newTimer(Duration)}.
 *
 * <ul>
 *   <li><b>Firing.</b> When the timer expires, the current {@link Instant} is sent on {@link #c()} (buffer of one;
 *       a firing never blocks). On a goloom goroutine the timer lives on the scheduler's per-P timer heap and a
 *       carrier fires it; anywhere else a shared daemon timer thread does.</li>
 *   <li><b>{@link #stop()}</b>: afterwards nothing more is sent, and no value prepared before the call can be
 *       received from {@code c()} (one fired but not yet received is discarded). Returns true if the call stopped
 *       the timer, false if its value had already been received or it was already stopped.</li>
 *   <li><b>{@link #reset(Duration)}</b>: stops the timer as {@link #stop()} does (same guarantee: no stale value
 *       after it returns) and arms it again for the new duration. Returns what {@link #stop()} would have.</li>
 *   <li><b>Garbage.</b> A timer that nothing references any more (neither this object nor its channel) is
 *       garbage-collected even if never stopped, and its entry leaves the timer heap once the collector has
 *       cleared it: {@code Chans.after(d)} in a loop does not leak.</li>
 *   <li><b>Durations.</b> Zero or negative: the timer fires at once (the value is receivable when the call
 *       returns). Larger than about 292 years: saturates (never fires in practice). {@code null}:
 *       {@link NullPointerException} naming the parameter.</li>
 *   <li><b>Scheduler shutdown.</b> A timer armed by a goroutine lives on that goroutine's scheduler. It keeps
 *       working while the scheduler is shut down but still running goroutines; if the scheduler terminates
 *       first, the timer never fires (its heap is dropped). {@code stop()} and {@code reset()} still work, and a
 *       reset from a thread that is not a goloom goroutine re-arms it on the shared timer thread.</li>
 *   <li><b>Interrupts.</b> {@code stop()} and {@code reset()} never block and ignore interrupts; receiving from
 *       {@code c()} is an ordinary channel receive (interruptible).</li>
 * </ul>
 * Unlike Go 1.23, whose timer channels report {@code cap == 0}, {@code c().cap()} is 1; the no-stale-value
 * guarantee is the same. Instances are thread-safe.
 */
public final class Timer {
    private final Chan<Instant> c;
    private final TimerState state;

    Timer(Chan<Instant> c, TimerState state) {
        this.c = c;
        this.state = state;
    }

    /** The channel the expiry is delivered on (Go: {@code timer.C}). */
    public ReceiveChannel<Instant> c() {
        return c;
    }

    /**
     * Go: {@code timer.Stop()}. Stops the timer; no value prepared before this call can be received afterwards.
     *
     * @return true if this call stopped the timer (it had not fired, or it had fired but nobody received the
     *         value, which is now discarded); false if it was already stopped or its value was received
     */
    public boolean stop() {
        return state.stop();
    }

    /**
     * Go: {@code timer.Reset(d)}. Stops the timer (no stale value after this returns) and arms it to fire after
     * {@code d}; zero or negative fires at once.
     *
     * @return true if the timer was pending (as {@link #stop()} would have returned)
     * @throws NullPointerException if {@code d} is null
     */
    public boolean reset(Duration d) {
        Objects.requireNonNull(d, "d");
        return state.reset(Chans.saturatedNanos(d), 0);
    }

    @Override
    public String toString() {
        return "Timer[" + c + (state.isArmed() ? ", armed]" : ", stopped or fired]");
    }
}
