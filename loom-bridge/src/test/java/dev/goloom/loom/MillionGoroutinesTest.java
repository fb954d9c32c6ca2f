package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.SchedulerStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One million goroutines started and joined on goloom, none lost and none run twice. Count configurable with
 * {@code -Dgoloom.test.goroutines=N}.
 */
class MillionGoroutinesTest {
    static final int N = Integer.getInteger("goloom.test.goroutines", 1_000_000);
    static final int BATCH = 10_000;
    static GoScheduler s;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("million", 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    @Test
    void oneMillionGoroutinesStartedFromPlatformAndGoroutinesAllRunOnceOnGoloom() throws Exception {
        AtomicIntegerArray ran = new AtomicIntegerArray(N);
        AtomicInteger offGoloom = new AtomicInteger();
        AtomicInteger launcherErrors = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Throwable> firstError = new java.util.concurrent.atomic.AtomicReference<>();
        SchedulerStats before = s.stats();
        // Half are started from this platform thread (global queue), half by launcher goroutines (runnext path).
        int half = N / 2;
        int launchers = 4;
        Thread[] launcherThreads = new Thread[launchers];
        for (int l = 0; l < launchers; l++) {
            int from = half + l * (N - half) / launchers;
            int to = half + (l + 1) * (N - half) / launchers;
            launcherThreads[l] = Go.go(s, () -> {
                try {
                    startAndJoin(from, to, ran, offGoloom);
                } catch (Throwable e) {
                    launcherErrors.incrementAndGet();
                    firstError.compareAndSet(null, e);
                }
            });
        }
        try {
            startAndJoin(0, half, ran, offGoloom);
        } catch (Throwable e) {
            launcherErrors.incrementAndGet();
            firstError.compareAndSet(null, e);
        }
        for (Thread t : launcherThreads) {
            assertThat(t.join(Duration.ofSeconds(90))).isTrue();
        }
        assertThat(launcherErrors.get()).as("launchers that failed; first: %s", firstError.get()).isZero();
        int missing = 0, twice = 0;
        for (int i = 0; i < N; i++) {
            int c = ran.get(i);
            if (c == 0) {
                missing++;
            } else if (c > 1) {
                twice++;
            }
        }
        assertThat(missing).as("goroutines that never ran").isZero();
        assertThat(twice).as("goroutines that ran more than once").isZero();
        assertThat(offGoloom.get()).as("goroutines that ran off goloom").isZero();
        SchedulerStats after = s.stats();
        assertThat(after.tasksRun() - before.tasksRun()).isGreaterThanOrEqualTo(N + launchers);
        assertThat(after.runnextPuts() - before.runnextPuts()).as("starts from goroutines use runnext").isPositive();
        assertThat(after.globalPuts() - before.globalPuts()).as("starts from a platform thread go global")
                .isGreaterThanOrEqualTo(half);
    }

    private static void startAndJoin(int from, int to, AtomicIntegerArray ran, AtomicInteger offGoloom)
            throws InterruptedException {
        Thread.Builder.OfVirtual b = GoVirtualThreads.ofVirtual(s);
        Thread[] batch = new Thread[BATCH];
        for (int start = from; start < to; start += BATCH) {
            int n = Math.min(BATCH, to - start);
            for (int k = 0; k < n; k++) {
                int id = start + k;
                batch[k] = b.start(() -> {
                    if ((id & 1023) == 0 && !Goroutines.runsOn(s)) { // toString() is costly: sample
                        offGoloom.incrementAndGet();
                    }
                    ran.incrementAndGet(id);
                });
            }
            for (int k = 0; k < n; k++) {
                if (!batch[k].join(Duration.ofSeconds(20))) {
                    throw new AssertionError("goroutine " + (start + k) + " did not end: " + s.stats().schedtrace());
                }
                batch[k] = null;
            }
        }
    }
}
