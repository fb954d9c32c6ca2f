package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** {@code Thread.sleep} and {@code Thread.join} of virtual threads running on goloom. */
class SleepAndJoinTest {
    static GoScheduler s;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("sleepjoin", 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    @Test
    void goroutineSleepsAreSpreadOverAtLeastFourJdkTimerQueues() throws Exception {
        // The JDK times a goroutine's sleep in one of its timer queues for custom schedulers, one unparker thread
        // each; its default on a small machine is one. goloom asks for at least 4 when it loads. Needs a fresh JVM.
        // The JDK picks the queue by the id of the thread that arms the timer, the carrier (the goroutine has
        // unmounted by then), so how many of them get used depends on the carriers' ids: between 1 and 4 here.
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"),
                "sleep-timer-queues");
        int cpus = Runtime.getRuntime().availableProcessors();
        int jdkDefault = Math.max(Integer.highestOneBit(cpus / 4), 1); // the child has the same CPUs
        assertThat(r.stdout()).as("%s", r).doesNotContain("NOT_JOINED")
                .contains(jdkDefault < 4 ? "TIMER_QUEUES 4" : "TIMER_QUEUES null")
                .containsPattern("UNPARKERS [1-4]\\b");
        assertThat(r.exitCode()).as("%s", r).isZero();
    }

    @Test
    void aTimerQueueCountTheUserSetIsKept() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Djdk.virtualThreadScheduler.timerQueues=1"), "sleep-timer-queues");
        assertThat(r.stdout()).as("%s", r).doesNotContain("NOT_JOINED")
                .contains("TIMER_QUEUES 1").contains("UNPARKERS 1");
        assertThat(r.exitCode()).as("%s", r).isZero();
    }

    @Test
    void sleepLastsAtLeastItsDurationAndNotMuchLonger() throws Exception {
        Goroutines g = new Goroutines(s);
        long before = s.stats().tasksRun();
        AtomicLong elapsed = new AtomicLong();
        Thread t = g.go(() -> {
            long t0 = System.nanoTime();
            Thread.sleep(200);
            elapsed.set(System.nanoTime() - t0);
        });
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(1);
        assertThat(elapsed.get()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200))
                .isLessThan(TimeUnit.SECONDS.toNanos(5));
        // the sleep unmounted the goroutine, so it ran at least twice: start and wake-up
        assertThat(s.stats().tasksRun() - before).isGreaterThanOrEqualTo(2);
    }

    @Test
    void sleepWithDurationOverload() throws Exception {
        Goroutines g = new Goroutines(s);
        AtomicLong elapsed = new AtomicLong();
        Thread t = g.go(() -> {
            long t0 = System.nanoTime();
            Thread.sleep(Duration.ofMillis(50));
            elapsed.set(System.nanoTime() - t0);
        });
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(1);
        assertThat(elapsed.get()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
    }

    @Test
    void manyConcurrentSleepersAllCompleteAndSleepInParallel() throws Exception {
        int n = Integer.getInteger("goloom.test.sleepers", 10_000);
        Goroutines g = new Goroutines(s);
        AtomicInteger woke = new AtomicInteger();
        long t0 = System.nanoTime();
        List<Thread> threads = g.goAll(n, i -> {
            Thread.sleep(50 + i % 50);
            woke.incrementAndGet();
        });
        Goroutines.joinAll(threads, Duration.ofSeconds(60));
        long total = System.nanoTime() - t0;
        g.assertClean(n);
        assertThat(woke.get()).isEqualTo(n);
        // Run one after another they would take n * 75 ms on average (12.5 minutes for 10k); on 2 Ps that do not
        // pin during sleep they overlap.
        assertThat(total).isLessThan(TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void sleepingGoroutinesDoNotHoldTheirCarriers() throws Exception {
        // 2 Ps, 2 long sleepers: if sleeping pinned a carrier, the third goroutine could never run.
        Goroutines g = new Goroutines(s);
        CountDownLatch wake = new CountDownLatch(1);
        Thread a = g.go(() -> {
            while (!wake.await(0, TimeUnit.SECONDS)) {
                Thread.sleep(5);
            }
        });
        Thread b = g.go(() -> {
            while (!wake.await(0, TimeUnit.SECONDS)) {
                Thread.sleep(5);
            }
        });
        Thread c = g.go(wake::countDown);
        Goroutines.joinAll(List.of(a, b, c), Duration.ofSeconds(10));
        g.assertClean(3);
    }

    @Test
    void joinWithTimeoutReturnsFalseWhileAliveAndTrueOnceEnded() throws Exception {
        Goroutines g = new Goroutines(s);
        CountDownLatch release = new CountDownLatch(1);
        Thread t = g.go(release::await);
        assertThat(t.join(Duration.ofMillis(50))).isFalse();
        assertThat(t.isAlive()).isTrue();
        release.countDown();
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        assertThat(t.isAlive()).isFalse();
        assertThat(t.getState()).isEqualTo(Thread.State.TERMINATED);
        g.assertClean(1);
    }

    @Test
    void joinWithoutTimeoutFromAPlatformThread() {
        Goroutines g = new Goroutines(s);
        CountDownLatch started = new CountDownLatch(1);
        AtomicInteger done = new AtomicInteger();
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            Thread t = g.go(() -> {
                started.countDown();
                Thread.sleep(20);
                done.incrementAndGet();
            });
            started.await();
            t.join();
            assertThat(done.get()).isEqualTo(1); // join happens-after everything the thread did
        });
        g.assertClean(1);
    }

    @Test
    void goroutinesJoinOtherGoroutinesWithAndWithoutTimeout() throws Exception {
        Goroutines g = new Goroutines(s);
        int n = 200;
        AtomicInteger childrenDone = new AtomicInteger();
        AtomicInteger timedOut = new AtomicInteger();
        CountDownLatch releaseBlocked = new CountDownLatch(1);
        Thread blocked = g.go(releaseBlocked::await);
        List<Thread> parents = g.goAll(n, i -> {
            Thread child = g.go(() -> {
                Thread.sleep(1 + i % 10);
                childrenDone.incrementAndGet();
            });
            if (i % 2 == 0) {
                child.join();
            } else {
                assertThat(child.join(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(child.isAlive()).isFalse();
            // a timed join on a goroutine that cannot end yet times out
            if (!blocked.join(Duration.ofMillis(1))) {
                timedOut.incrementAndGet();
            }
        });
        Goroutines.joinAll(parents, Duration.ofSeconds(30));
        releaseBlocked.countDown();
        assertThat(blocked.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(2 * n + 1);
        assertThat(childrenDone.get()).isEqualTo(n);
        assertThat(timedOut.get()).isEqualTo(n);
    }
}
