package dev.goloom.channels.internal;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Where channel timers and timed waits get their wake-ups: on a goloom goroutine (or a plain task on a goloom
 * carrier) from the scheduler's per-P timer heaps ({@code dev.goloom.scheduler.spi.Timers}), anywhere else from
 * one shared daemon platform thread ("goloom-timer") and {@link LockSupport#parkNanos(Object, long)}.
 *
 * <p>scheduler-core is an optional dependency of channels ({@code requires static}, Maven {@code optional}):
 * channels work without it on platform threads and the JDK's virtual threads. Whether it is there is checked
 * once, when this class initialises; only then is the nested {@code OnGoloom} class, the one that names
 * scheduler classes, ever loaded, so class-path users without scheduler-core never see a
 * {@link NoClassDefFoundError}.
 *
 * <p>Exported to {@code dev.goloom.select} only. Every method may be called from any thread and never blocks
 * (except the parks).
 */
public final class TimerSupport {
    private TimerSupport() {
    }

    /** True if scheduler-core's timer SPI is present and readable (checked once). */
    private static final boolean SCHEDULER_PRESENT = detect();

    private static boolean detect() {
        try {
            Class.forName("dev.goloom.scheduler.spi.Timers", true, TimerSupport.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError absent) {
            return false;
        }
    }

    /** Lazily started; daemon, so it never keeps the JVM alive. */
    private static final class Fallback {
        static final ScheduledThreadPoolExecutor EXECUTOR = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "goloom-timer");
                t.setDaemon(true);
                return t;
            });
            e.setRemoveOnCancelPolicy(true); // cancelled timers do not pile up in the delay queue
            return e;
        }
    }

    /** The only code that names scheduler classes; loaded only if {@link #SCHEDULER_PRESENT}. */
    private static final class OnGoloom {
        static Object schedule(long delayNanos, Runnable action) {
            return dev.goloom.scheduler.spi.Timers.schedule(delayNanos, action);
        }

        static boolean cancel(Object handle) {
            return ((dev.goloom.scheduler.spi.Timers.Timer) handle).cancel();
        }

        static void parkNanos(Object blocker, long nanos) {
            dev.goloom.scheduler.spi.Timers.parkNanos(blocker, nanos);
        }

        static boolean onGoloom() {
            return dev.goloom.scheduler.spi.Timers.onGoloom();
        }
    }

    /**
     * Runs {@code action} once after {@code delayNanos} (at once if not positive): on the calling goroutine's
     * goloom scheduler, else on the shared timer thread. The action must be tiny and must not block.
     *
     * @return a handle for {@link #cancel(Object)}
     */
    public static Object schedule(long delayNanos, Runnable action) {
        if (SCHEDULER_PRESENT) {
            Object t = OnGoloom.schedule(delayNanos, action);
            if (t != null) {
                return t;
            }
        }
        return Fallback.EXECUTOR.schedule(action, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    /**
     * Cancels a timer from {@link #schedule}.
     *
     * @return true if this call removed it before it ran
     */
    public static boolean cancel(Object handle) {
        if (handle instanceof Future<?> f) {
            return f.cancel(false);
        }
        return OnGoloom.cancel(handle); // not a Future: only the scheduler makes those
    }

    /**
     * {@link LockSupport#parkNanos(Object, long)}, woken by the scheduler's timer on a goloom goroutine. May return
     * early or spuriously, like {@code parkNanos}: callers loop on their own condition.
     */
    public static void parkNanos(Object blocker, long nanos) {
        if (SCHEDULER_PRESENT) {
            OnGoloom.parkNanos(blocker, nanos);
        } else {
            LockSupport.parkNanos(blocker, nanos);
        }
    }

    /** True if scheduler-core is present and readable (checked once, when this class initialised). */
    static boolean schedulerPresent() {
        return SCHEDULER_PRESENT;
    }

    /** True if timers scheduled by the calling code go to a goloom scheduler. */
    public static boolean onGoloom() {
        return SCHEDULER_PRESENT && OnGoloom.onGoloom();
    }
}
