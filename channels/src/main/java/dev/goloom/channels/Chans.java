package dev.goloom.channels;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Timers as channels: Go's {@code time.After}, {@code time.NewTimer} and {@code time.NewTicker}, with Go 1.23's
 * semantics (no stale value after {@code Stop}/{@code Reset}; unreferenced timers are garbage-collected).
 *
 * <p>Called on a goloom goroutine, a timer goes on the scheduler's per-P timer heap and a carrier fires it from its
 * scheduling loop, as Go's runtime does ({@code SchedulerStats.timersRun()} counts them); anywhere else (platform
 * threads, the JDK's virtual threads, or without scheduler-core on the class path) one shared daemon platform
 * thread ("goloom-timer") fires it. A firing only does a non-blocking send of the current {@link Instant}: it
 * never runs user code and never blocks.
 */
public final class Chans {
    private Chans() {
    }

    /**
     * A channel that receives the current time once, after {@code delay}: Go's {@code time.After(d)}, the same as
     * {@code newTimer(delay).c()}. The channel has a buffer of one and is never closed. A zero or negative delay
     * fires at once. Garbage-collected with its timer if nobody keeps the channel, so a {@code select} loop that
     * makes a new one per round does not leak.
     *
     * <pre>{@code
     * // Go: select { case r := <-results: use(r); case <-time.After(time.Second): timeout() }
     * Select.of().recv(results, r -> use(r)).recv(Chans.after(Duration.ofSeconds(1)), t -> timeout()).select();
     * }</pre>
     *
     * @throws NullPointerException if {@code delay} is null
     */
    public static ReceiveChannel<Instant> after(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        return newTimer(delay).c();
    }

    /**
     * A timer that sends the current time on its channel once, after {@code delay}: Go's {@code time.NewTimer(d)}.
     * Stop and reset it with Go 1.23's guarantees; see {@link Timer}. A zero or negative delay fires at once (the
     * value is receivable when this returns); a delay too large for a {@code long} of nanoseconds saturates.
     *
     * <pre>{@code
     * Timer t = Chans.newTimer(Duration.ofMillis(50));
     * ...
     * boolean stopped = t.stop();             // false: it fired and its value was received already
     * t.reset(Duration.ofMillis(50));          // no stale value can arrive after this returns
     * }</pre>
     *
     * @throws NullPointerException if {@code delay} is null
     */
    public static Timer newTimer(Duration delay) {
        Objects.requireNonNull(delay, "delay");
        Chan<Instant> c = Chan.make(1);
        TimerState state = new TimerState(c);
        state.reset(saturatedNanos(delay), 0);
        return new Timer(c, state);
    }

    /**
     * A ticker that sends the current time every {@code period}: Go's {@code time.NewTicker(d)} (and, ignoring the
     * returned {@link Ticker#stop()}, {@code time.Tick(d)}). Ticks a slow receiver cannot take are dropped. A ticker
     * nobody references any more is garbage-collected; stop it when done to stop it at once.
     *
     * @throws NullPointerException     if {@code period} is null
     * @throws IllegalArgumentException if {@code period} is zero or negative (Go: "non-positive interval for
     *                                  NewTicker")
     */
    public static Ticker tick(Duration period) {
        long nanos = periodNanos(period, "tick");
        Chan<Instant> c = Chan.make(1);
        TimerState state = new TimerState(c);
        state.reset(nanos, nanos);
        return new Ticker(c, state);
    }

    /** A positive period in nanoseconds (saturated), or the exception Go's panic becomes. */
    static long periodNanos(Duration period, String op) {
        Objects.requireNonNull(period, "period");
        if (period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException(op + " period must be > 0, got " + period);
        }
        return saturatedNanos(period);
    }

    static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
