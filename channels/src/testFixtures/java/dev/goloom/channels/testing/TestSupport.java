package dev.goloom.channels.testing;

import dev.goloom.channels.Chan;
import dev.goloom.channels.internal.ChanOps;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.fail;

/** Bounded waits (never sleeps as synchronization) and white-box queue inspection. */
public final class TestSupport {
    private TestSupport() {
    }

    public static final Duration WAIT = Duration.ofSeconds(30);

    /** Number of waiters queued on {@code c} (both queues). */
    public static int waiters(Chan<?> c) {
        return ChanOps.get().queuedWaiters(c);
    }

    /** Polls {@code cond} (yielding) until true; fails after {@link #WAIT}. */
    public static void awaitTrue(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for: " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    public static void awaitWaiters(Chan<?> c, int n) {
        awaitTrue(n + " waiter(s) queued on " + c, () -> waiters(c) == n);
    }

    public static void join(Thread t) throws InterruptedException {
        // Trust join's answer, not a later isAlive(): a platform thread is TERMINATED (join returns true) a moment
        // before HotSpot clears what isAlive() reads, and a loaded machine can deschedule it in between.
        if (!t.join(WAIT)) {
            StringBuilder sb = new StringBuilder("thread did not finish: " + t);
            for (StackTraceElement e : t.getStackTrace()) {
                sb.append("\n\tat ").append(e);
            }
            sb.append("\n").append(Runner.goloomTrace());
            fail(sb.toString());
        }
    }

    /** Like {@link #join(Thread)}, but a hang report also carries the workers' recorded failures. */
    public static void join(Thread t, Failures f) throws InterruptedException {
        try {
            join(t);
        } catch (AssertionError hang) {
            try {
                f.check();
            } catch (AssertionError workerFailure) {
                hang.addSuppressed(workerFailure);
            }
            throw hang;
        }
    }

    public static int intProp(String name, int def) {
        return Integer.getInteger(name, def);
    }

    /** Runnable that may throw; failures are recorded and rethrown by {@link Failures#check()}. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }
}
