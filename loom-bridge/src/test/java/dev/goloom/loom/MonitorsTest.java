package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code synchronized}, {@code Object.wait/notify/notifyAll} on goloom. Since JDK 24 a virtual thread blocked on
 * a monitor or in {@code Object.wait} unmounts instead of pinning its carrier, so more goroutines than Ps can be
 * blocked there while others keep running on the same 2 carriers.
 */
class MonitorsTest {
    static final int PROCS = 2;
    static GoScheduler s;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("monitors", PROCS);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    private static long counter; // guarded by MonitorsTest.class

    @Test
    void synchronizedContentionCountsEveryIncrement() throws Exception {
        int goroutines = 32, increments = 5_000;
        Goroutines g = new Goroutines(s);
        counter = 0;
        List<Thread> threads = g.goAll(goroutines, i -> {
            for (int k = 0; k < increments; k++) {
                synchronized (MonitorsTest.class) {
                    counter++;
                    if ((k & 255) == 0) {
                        Thread.yield(); // yield while holding the monitor: contenders block on monitor enter
                    }
                }
            }
        });
        Goroutines.joinAll(threads, Duration.ofSeconds(60));
        g.assertClean(goroutines);
        synchronized (MonitorsTest.class) {
            assertThat(counter).isEqualTo((long) goroutines * increments);
        }
    }

    @Test
    void blockingInsideSynchronizedDoesNotPinTheCarrier() throws Exception {
        // As many goroutines as Ps each hold a monitor and block (latch await) inside it. If that pinned their
        // carriers, the goroutine that releases them could never run.
        Goroutines g = new Goroutines(s);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger blockedInside = new AtomicInteger();
        List<Thread> holders = g.goAll(PROCS * 2, i -> {
            Object own = new Object();
            synchronized (own) {
                blockedInside.incrementAndGet();
                release.await();
            }
        });
        Thread releaser = g.go(() -> {
            while (blockedInside.get() < PROCS * 2) {
                Thread.yield();
            }
            release.countDown();
        });
        Goroutines.joinAll(holders, Duration.ofSeconds(20));
        assertThat(releaser.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(PROCS * 2 + 1);
    }

    @Test
    void moreGoroutinesBlockedOnMonitorEnterThanPsAllGetIn() throws Exception {
        int contenders = 50;
        Goroutines g = new Goroutines(s);
        Object monitor = new Object();
        CountDownLatch ownerIn = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        Thread owner = g.go(() -> {
            synchronized (monitor) {
                ownerIn.countDown();
                release.await(); // unmounts while holding the monitor
            }
        });
        ownerIn.await();
        List<Thread> threads = g.goAll(contenders, i -> {
            synchronized (monitor) {
                entered.incrementAndGet();
            }
        });
        for (Thread t : threads) {
            Goroutines.awaitState(t, Thread.State.BLOCKED, Duration.ofSeconds(20));
        }
        assertThat(entered.get()).isZero();
        // Every P is free although 50 goroutines are blocked: a fresh goroutine runs and releases the owner.
        Thread releaser = g.go(release::countDown);
        assertThat(releaser.join(Duration.ofSeconds(10))).isTrue();
        assertThat(owner.join(Duration.ofSeconds(10))).isTrue();
        Goroutines.joinAll(threads, Duration.ofSeconds(20));
        g.assertClean(contenders + 2);
        assertThat(entered.get()).isEqualTo(contenders);
    }

    @Test
    void notifyAllReleasesMoreWaitersThanPs() throws Exception {
        int waiters = 100;
        Goroutines g = new Goroutines(s);
        Object monitor = new Object();
        int[] waiting = new int[1];       // guarded by monitor
        boolean[] open = new boolean[1];  // guarded by monitor
        long tasksBefore = s.stats().tasksRun();
        List<Thread> threads = g.goAll(waiters, i -> {
            synchronized (monitor) {
                waiting[0]++;
                while (!open[0]) {
                    monitor.wait();
                }
            }
        });
        for (Thread t : threads) {
            Goroutines.awaitState(t, Thread.State.WAITING, Duration.ofSeconds(20));
        }
        // 100 goroutines in Object.wait on 2 Ps; a goroutine still gets a carrier to do the notifyAll.
        Thread notifier = g.go(() -> {
            synchronized (monitor) {
                assertThat(waiting[0]).isEqualTo(waiters);
                open[0] = true;
                monitor.notifyAll();
            }
        });
        assertThat(notifier.join(Duration.ofSeconds(10))).isTrue();
        Goroutines.joinAll(threads, Duration.ofSeconds(20));
        g.assertClean(waiters + 1);
        // each waiter ran at least twice (before and after wait): they were unmounted, not pinned
        assertThat(s.stats().tasksRun() - tasksBefore).isGreaterThanOrEqualTo(2L * waiters + 1);
    }

    @Test
    void notifyWakesWaitersOneAtATimeAndNoneIsLost() throws Exception {
        int waiters = 60;
        Goroutines g = new Goroutines(s);
        Object monitor = new Object();
        int[] tokens = new int[1];   // guarded by monitor
        int[] waiting = new int[1];  // guarded by monitor
        AtomicInteger woken = new AtomicInteger();
        List<Thread> threads = g.goAll(waiters, i -> {
            synchronized (monitor) {
                waiting[0]++;
                while (tokens[0] == 0) {
                    monitor.wait();
                }
                tokens[0]--;
            }
            woken.incrementAndGet();
        });
        Thread notifier = g.go(() -> {
            for (;;) { // wait (by yielding) until every waiter is in wait(), so each notify finds someone
                synchronized (monitor) {
                    if (waiting[0] == waiters) {
                        break;
                    }
                }
                Thread.yield();
            }
            for (int k = 0; k < waiters; k++) {
                synchronized (monitor) {
                    tokens[0]++;
                    monitor.notify();
                }
            }
        });
        assertThat(notifier.join(Duration.ofSeconds(20))).isTrue();
        Goroutines.joinAll(threads, Duration.ofSeconds(20));
        g.assertClean(waiters + 1);
        assertThat(woken.get()).isEqualTo(waiters);
        synchronized (monitor) {
            assertThat(tokens[0]).isZero();
        }
    }

    @Test
    void timedWaitTimesOutWithoutANotify() throws Exception {
        Goroutines g = new Goroutines(s);
        Object monitor = new Object();
        AtomicLong elapsed = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 10; i++) { // more timed waiters than Ps
            threads.add(g.go(() -> {
                long t0 = System.nanoTime();
                synchronized (monitor) {
                    monitor.wait(100);
                }
                elapsed.accumulateAndGet(System.nanoTime() - t0, Math::max);
            }));
        }
        Goroutines.joinAll(threads, Duration.ofSeconds(20));
        g.assertClean(10);
        assertThat(elapsed.get()).isLessThan(TimeUnit.SECONDS.toNanos(10));
    }

    @Test
    void producerConsumerThroughWaitNotifyCountsEveryItem() throws Exception {
        int items = 20_000;
        Goroutines g = new Goroutines(s);
        Object monitor = new Object();
        long[] slot = new long[]{-1}; // one-slot buffer guarded by monitor; -1 = empty
        AtomicLong sum = new AtomicLong();
        Thread producer = g.go(() -> {
            for (long v = 0; v < items; v++) {
                synchronized (monitor) {
                    while (slot[0] != -1) {
                        monitor.wait();
                    }
                    slot[0] = v;
                    monitor.notifyAll();
                }
            }
        });
        Thread consumer = g.go(() -> {
            for (long expected = 0; expected < items; expected++) {
                long v;
                synchronized (monitor) {
                    while (slot[0] == -1) {
                        monitor.wait();
                    }
                    v = slot[0];
                    slot[0] = -1;
                    monitor.notifyAll();
                }
                assertThat(v).isEqualTo(expected); // in order, nothing lost or duplicated
                sum.addAndGet(v);
            }
        });
        Goroutines.joinAll(List.of(producer, consumer), Duration.ofSeconds(60));
        g.assertClean(2);
        assertThat(sum.get()).isEqualTo((long) items * (items - 1) / 2);
    }
}
