package dev.goloom.scheduler.spi;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A coarse clock for the start of goroutine waits (Go: {@code g.waitsince}), cheap enough for every park: reading
 * it is one volatile load of a static field, where {@code System.nanoTime()} costs about 25 ns, as much as a
 * quarter of a channel hand-off. Values are milliseconds on a private monotonic scale (never 0 when known); only
 * differences between them mean anything, through {@link #current()}.
 *
 * <p>How fresh: every sysmon of every goloom scheduler stores the time at the top of each round (every 20 us to
 * 10 ms); a thread that starts a sysmon, or wakes one from its all-idle sleep, stores it too (the goroutines it
 * makes runnable may park before sysmon's first round). While no sysmon is awake (every one in its all-idle sleep)
 * the clock reads {@link #UNKNOWN}, never a stale value: every token is free then, so only a goroutine on a carrier
 * that lost its token (a long file read, say) can park, and goroutine dumps count such a wait from the first dump
 * that sees it. So a known value is at most one sysmon sleep (10 ms) old, plus however long the OS keeps sysmon
 * off a CPU.
 *
 * <h2>Ordering</h2>
 * The awake count is changed by sysmons only, with atomic adds; the time is a volatile field. A sysmon counts
 * itself awake, then stores the time; going to sleep it counts itself out, and the one that brings the count to 0
 * stores {@link #UNKNOWN}, before it publishes that it sleeps, so a waker that sees it asleep stores the time after
 * that. Two sysmons crossing (one counts out to 0 while another counts in and stores the time, then the first
 * stores {@link #UNKNOWN}) leave {@link #UNKNOWN} until the awake one's next round: a moment of unknown, never a
 * stale time while no sysmon runs.
 *
 * <p>Exported to {@code dev.goloom.channels} and {@code dev.goloom.loom} only. {@link #now()} and {@link #current()}
 * may be called from any thread; {@link #tick} by sysmon threads and by threads that start or wake one; the
 * others by sysmon threads only.
 */
public final class WaitClock {
    /** {@link #now()} when no sysmon keeps the clock. */
    public static final long UNKNOWN = 0L;

    private static final long ORIGIN = System.nanoTime();
    private static final AtomicInteger AWAKE = new AtomicInteger();
    /** Milliseconds since {@link #ORIGIN}, plus 1; {@link #UNKNOWN} while no sysmon is awake. */
    private static volatile long now = UNKNOWN;

    private WaitClock() {
    }

    /**
     * The coarse time (at most one sysmon round old), or {@link #UNKNOWN}. Any thread; one volatile load; for the
     * hot path of parking.
     */
    public static long now() {
        return now;
    }

    /** The exact time on the same scale as {@link #now()} (reads {@code System.nanoTime()}). Any thread. */
    public static long current() {
        return toMillis(System.nanoTime());
    }

    /** A {@code System.nanoTime()} value on this clock's scale. */
    public static long toMillis(long nanoTime) {
        return (nanoTime - ORIGIN) / 1_000_000L + 1L;
    }

    /**
     * Stores the time just read: sysmon's round (while counted awake), or a thread starting or waking a sysmon
     * (which counts itself awake right after).
     */
    public static void tick(long nanoTime) {
        now = toMillis(nanoTime);
    }

    /** A sysmon starts or leaves its all-idle sleep. Sysmon threads only. */
    public static void sysmonAwake(long nanoTime) {
        AWAKE.incrementAndGet();
        tick(nanoTime);
    }

    /** A sysmon goes to its all-idle sleep or ends. Sysmon threads only; pairs with {@link #sysmonAwake}. */
    public static void sysmonAsleep() {
        if (AWAKE.decrementAndGet() == 0) {
            now = UNKNOWN;
        }
    }
}
