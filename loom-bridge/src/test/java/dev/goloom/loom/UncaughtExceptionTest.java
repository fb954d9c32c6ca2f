package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** An exception escaping a goroutine reaches the thread's handler; goloom's carriers keep working. */
class UncaughtExceptionTest {
    static GoScheduler s;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("uncaught", 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    @Test
    void uncaughtExceptionsReachTheHandlerAndTheSchedulerKeepsRunning() throws Exception {
        int n = 200;
        Map<Thread, Throwable> reported = new ConcurrentHashMap<>();
        AtomicInteger onGoloom = new AtomicInteger();
        Thread.Builder.OfVirtual b = GoVirtualThreads.ofVirtual(s).name("thrower-", 0)
                .uncaughtExceptionHandler((t, e) -> {
                    if (Goroutines.runsOn(s)) {
                        onGoloom.incrementAndGet(); // the handler runs in the dying goroutine itself
                    }
                    reported.put(t, e);
                });
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            threads.add(b.start(() -> {
                if (id % 2 == 0) {
                    Thread.yield(); // throw from a later continuation segment, too
                }
                if (id % 3 == 0) {
                    throw new AssertionError("error " + id);
                }
                throw new IllegalStateException("boom " + id);
            }));
        }
        Goroutines.joinAll(threads, Duration.ofSeconds(30));
        assertThat(reported).hasSize(n);
        for (int i = 0; i < n; i++) {
            Throwable e = reported.get(threads.get(i));
            assertThat(e).as("reported for thread %s", i).isNotNull();
            assertThat(e.getMessage()).endsWith(" " + i);
        }
        assertThat(onGoloom.get()).isEqualTo(n);
        int carriersBefore = Goroutines.liveCarriers(s).size();

        // the scheduler is unharmed: new goroutines run, on the same carriers
        Goroutines g = new Goroutines(s);
        Goroutines.joinAll(g.goAll(1_000, i -> Thread.yield()), Duration.ofSeconds(30));
        g.assertClean(1_000);
        assertThat(carriersBefore).isBetween(1, s.maxProcs() + 2); // nobody replaced dead carriers en masse
        // a thread's last segment is deregistered just after it terminated (join may return a moment earlier)
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (s.stats().liveGoroutines() != 0) {
            assertThat(System.nanoTime()).as("live goroutines drop to 0: %s", s.stats().schedtrace())
                    .isLessThan(deadline);
            Thread.yield();
        }
    }

    @Test
    void defaultHandlerOfTheThreadGroupIsUsedWithoutAPerThreadHandler() throws Exception {
        // A goroutine with no handler of its own delegates to Thread.getDefaultUncaughtExceptionHandler().
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Map<Thread, Throwable> reported = new ConcurrentHashMap<>();
        Thread.setDefaultUncaughtExceptionHandler(reported::put);
        try {
            Thread t = Go.go(s, () -> {
                throw new UnsupportedOperationException("no handler");
            });
            assertThat(t.join(Duration.ofSeconds(10))).isTrue();
            assertThat(reported.get(t)).isInstanceOf(UnsupportedOperationException.class).hasMessage("no handler");
        } finally {
            Thread.setDefaultUncaughtExceptionHandler(previous);
        }
    }
}
