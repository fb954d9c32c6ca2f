package dev.goloom.loom.scheduling;

import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.Goroutines;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.fail;

/** Waits for a scheduler's goroutines to leave its registry. */
final class LiveGoroutines {
    private LiveGoroutines() {
    }

    /**
     * Waits (bounded, 30 s) until {@code s} counts no live goroutine. A joined goroutine is not yet gone: {@code join()}
     * returns once the thread is terminated, and its carrier removes it from the registry only after its last segment
     * returns, which on a loaded machine can be a while later. Fails with a goroutine dump if some stay.
     */
    static void awaitNone(GoScheduler s) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (s.stats().liveGoroutines() != 0) {
            if (System.nanoTime() - deadline > 0) {
                fail("goroutines still live after 30 s:\n" + Goroutines.dump(s));
            }
            LockSupport.parkNanos(1_000_000L); // polls the registry, bounded above
        }
    }
}
