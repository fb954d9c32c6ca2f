package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code Thread.yield()} of goroutines: Go's {@code Gosched}, the yielder goes behind everyone else. */
class YieldTest {
    static GoScheduler s;
    static GoScheduler single;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("yield", 2);
        single = Goroutines.newScheduler("yield1", 1);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
        Goroutines.closeScheduler(single);
    }

    @Test
    void manyGoroutinesYieldingInALoopAllFinishAndYieldsAreCounted() throws Exception {
        int n = 100, yieldsEach = 1_000;
        Goroutines g = new Goroutines(s);
        long before = s.stats().yields();
        AtomicInteger total = new AtomicInteger();
        List<Thread> threads = g.goAll(n, i -> {
            for (int k = 0; k < yieldsEach; k++) {
                Thread.yield();
                total.incrementAndGet();
            }
        });
        Goroutines.joinAll(threads, Duration.ofSeconds(60));
        g.assertClean(n);
        assertThat(total.get()).isEqualTo(n * yieldsEach);
        // every yield of an unpinned virtual thread resubmits it from its own carrier: goloom counts it
        assertThat(s.stats().yields() - before).isGreaterThanOrEqualTo((long) n * yieldsEach);
    }

    @Test
    void yieldLetsEveryOtherGoroutineRunOnOneP() throws Exception {
        // One P, a spin-yield barrier: each goroutine checks in, then yields until all have checked in. If a
        // yielder were put back in runnext (or in front), it would spin forever and the others would never start.
        int n = 20;
        Goroutines g = new Goroutines(single);
        AtomicInteger arrived = new AtomicInteger();
        long before = single.stats().yields();
        List<Thread> threads = g.goAll(n, i -> {
            arrived.incrementAndGet();
            while (arrived.get() < n) {
                Thread.yield();
            }
        });
        Goroutines.joinAll(threads, Duration.ofSeconds(30));
        g.assertClean(n);
        assertThat(single.stats().yields() - before).isPositive();
    }

    @Test
    void yieldingGoroutineDoesNotStarveAGoroutineItStartedOnOneP() throws Exception {
        Goroutines g = new Goroutines(single);
        AtomicInteger flag = new AtomicInteger();
        Thread parent = g.go(() -> {
            Thread child = g.go(() -> flag.set(1)); // lands in runnext of the only P
            while (flag.get() == 0) {
                Thread.yield();
            }
            assertThat(child.join(Duration.ofSeconds(10))).isTrue();
        });
        assertThat(parent.join(Duration.ofSeconds(20))).isTrue();
        g.assertClean(2);
    }
}
