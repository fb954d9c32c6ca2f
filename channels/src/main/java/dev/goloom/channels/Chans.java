package dev.goloom.channels;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Timers as channels: Go's {@code time.After} and {@code time.Tick}/{@code time.NewTicker}.
 *
 * <p>Timers fire on one shared daemon platform thread ("goloom-timer") that only does a non-blocking send of the
 * current {@link Instant}; it never runs user code and never blocks, so one thread serves any number of timers.
 */
public final class Chans {
    private Chans() {
    }

    /** Lazily started; daemon, so it never keeps the JVM alive. */
    private static final class Timers {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "goloom-timer");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true); // stopped tickers do not pile up in the delay queue
            return e;
        }
    }

    /**
     * A channel that receives the current time once, after {@code delay}: Go's {@code time.After(d)}. The channel
     * has a buffer of one, so the timer never blocks and the value waits until received; it is never closed. A
     * zero or negative delay fires at once.
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
        Chan<Instant> c = Chan.make(1);
        long nanos = saturatedNanos(delay);
        if (nanos <= 0) {
            c.trySend(Instant.now());
        } else {
            Timers.EXECUTOR.schedule(() -> c.trySend(Instant.now()), nanos, TimeUnit.NANOSECONDS);
        }
        return c;
    }

    /**
     * A ticker that sends the current time every {@code period}: Go's {@code time.NewTicker(d)} (and, ignoring the
     * returned {@link Ticker#stop()}, {@code time.Tick(d)}). Ticks a slow receiver cannot take are dropped. Stop the
     * ticker when done, or it keeps firing.
     *
     * @throws NullPointerException     if {@code period} is null
     * @throws IllegalArgumentException if {@code period} is zero or negative (Go: "non-positive interval for
     *                                  NewTicker")
     */
    public static Ticker tick(Duration period) {
        Objects.requireNonNull(period, "period");
        if (period.isZero() || period.isNegative()) {
            throw new IllegalArgumentException("tick period must be > 0, got " + period);
        }
        long nanos = saturatedNanos(period);
        Chan<Instant> c = Chan.make(1);
        Ticker ticker = new Ticker(c);
        ticker.start(Timers.EXECUTOR.scheduleAtFixedRate(() -> c.trySend(Instant.now()), nanos, nanos,
                TimeUnit.NANOSECONDS));
        return ticker;
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
