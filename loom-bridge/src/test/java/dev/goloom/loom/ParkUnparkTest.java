package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code LockSupport.park/unpark/parkNanos} of virtual threads running on goloom. */
class ParkUnparkTest {
    static GoScheduler s;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("park", 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    @Test
    void parkedGoroutineIsWaitingUntilUnparkedByAPlatformThread() throws Exception {
        Goroutines g = new Goroutines(s);
        AtomicBoolean go = new AtomicBoolean();
        AtomicInteger wakeups = new AtomicInteger();
        Thread t = g.go(() -> {
            while (!go.get()) {
                LockSupport.park();
                wakeups.incrementAndGet();
            }
        });
        Goroutines.awaitState(t, Thread.State.WAITING, Duration.ofSeconds(10));
        go.set(true);
        LockSupport.unpark(t);
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(1);
        assertThat(wakeups.get()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void unparkBeforeParkLeavesAPermit() throws Exception {
        Goroutines g = new Goroutines(s);
        Thread t = g.go(() -> {
            LockSupport.unpark(Thread.currentThread());
            LockSupport.park(); // consumes the permit: returns at once
        });
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(1);
    }

    @Test
    void pingPongBetweenTwoGoroutinesCountsEveryRound() throws Exception {
        int rounds = Integer.getInteger("goloom.test.pingpong.rounds", 100_000);
        Goroutines g = new Goroutines(s);
        AtomicInteger turn = new AtomicInteger(); // even: ping's turn, odd: pong's turn
        Thread[] pair = new Thread[2];
        AtomicInteger pingRounds = new AtomicInteger();
        AtomicInteger pongRounds = new AtomicInteger();
        long runnextBefore = s.stats().runnextPuts();
        CountDownLatch both = new CountDownLatch(1); // both threads exist (pair[] written) before either starts
        pair[0] = g.go(() -> {
            both.await();
            for (int i = 0; i < rounds; i++) {
                while ((turn.get() & 1) != 0) {
                    LockSupport.park();
                }
                pingRounds.incrementAndGet();
                turn.incrementAndGet();
                LockSupport.unpark(pair[1]);
            }
        });
        pair[1] = g.go(() -> {
            both.await();
            for (int i = 0; i < rounds; i++) {
                while ((turn.get() & 1) == 0) {
                    LockSupport.park();
                }
                pongRounds.incrementAndGet();
                turn.incrementAndGet();
                LockSupport.unpark(pair[0]);
            }
        });
        both.countDown();
        Goroutines.joinAll(List.of(pair[0], pair[1]), Duration.ofSeconds(60));
        g.assertClean(2);
        assertThat(pingRounds.get()).isEqualTo(rounds);
        assertThat(pongRounds.get()).isEqualTo(rounds);
        assertThat(turn.get()).isEqualTo(2 * rounds);
        // an unpark from a goroutine readies the other one through its P's runnext slot
        assertThat(s.stats().runnextPuts() - runnextBefore).isPositive();
    }

    @Test
    void parkNanosTimesOutWithoutAnUnpark() throws Exception {
        Goroutines g = new Goroutines(s);
        AtomicLong elapsed = new AtomicLong();
        Thread t = g.go(() -> {
            long t0 = System.nanoTime();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            elapsed.set(System.nanoTime() - t0);
        });
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(1);
        assertThat(elapsed.get()).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100))
                .isLessThan(TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void parkUntilDeadlineTimesOut() throws Exception {
        Goroutines g = new Goroutines(s);
        AtomicLong late = new AtomicLong(-1);
        Thread t = g.go(() -> {
            long deadline = System.currentTimeMillis() + 50;
            LockSupport.parkUntil(deadline);
            late.set(System.currentTimeMillis() - deadline);
        });
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(1);
        assertThat(late.get()).isBetween(-2L, 5_000L); // millisecond clock: allow its rounding
    }

    @Test
    void parkNanosReturnsEarlyWhenUnparked() throws Exception {
        Goroutines g = new Goroutines(s);
        AtomicBoolean go = new AtomicBoolean();
        AtomicLong elapsed = new AtomicLong();
        Thread t = g.go(() -> {
            long t0 = System.nanoTime();
            while (!go.get()) {
                LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(60));
            }
            elapsed.set(System.nanoTime() - t0);
        });
        Goroutines.awaitState(t, Thread.State.TIMED_WAITING, Duration.ofSeconds(10));
        go.set(true);
        LockSupport.unpark(t);
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        g.assertClean(1);
        assertThat(elapsed.get()).isLessThan(TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void manyParkedGoroutinesMoreThanPsAllWakeUp() throws Exception {
        int n = 5_000;
        Goroutines g = new Goroutines(s);
        AtomicBoolean go = new AtomicBoolean();
        AtomicInteger parked = new AtomicInteger();
        List<Thread> threads = g.goAll(n, i -> {
            parked.incrementAndGet();
            while (!go.get()) {
                LockSupport.park();
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (parked.get() < n) {
            assertThat(System.nanoTime()).as("all %s goroutines started", n).isLessThan(deadline);
            Thread.yield();
        }
        go.set(true);
        // unpark half from this platform thread (global queue), half from a goroutine (runnext path)
        Thread waker = g.go(() -> {
            for (int i = 0; i < n; i += 2) {
                LockSupport.unpark(threads.get(i));
            }
        });
        for (int i = 1; i < n; i += 2) {
            LockSupport.unpark(threads.get(i));
        }
        assertThat(waker.join(Duration.ofSeconds(20))).isTrue();
        Goroutines.joinAll(threads, Duration.ofSeconds(30));
        g.assertClean(n + 1);
    }
}
