package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code java.util.concurrent.locks} (ReentrantLock, Condition) and other j.u.c blocking on goloom. */
class LocksTest {
    static GoScheduler s;
    static final int ROUNDS = Integer.getInteger("goloom.stress.rounds", 1);

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("locks", 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    private static long plainCounter; // guarded by the lock under test

    @Test
    void reentrantLockContentionCountsEveryIncrement() throws Exception {
        int goroutines = 32, increments = 5_000;
        for (int round = 0; round < ROUNDS; round++) {
            Goroutines g = new Goroutines(s);
            ReentrantLock lock = new ReentrantLock();
            plainCounter = 0;
            List<Thread> threads = g.goAll(goroutines, i -> {
                for (int k = 0; k < increments; k++) {
                    lock.lock();
                    try {
                        plainCounter++;
                        if ((k & 255) == 0) {
                            Thread.yield(); // give up the carrier while holding the lock: others must queue
                        }
                    } finally {
                        lock.unlock();
                    }
                }
            });
            Goroutines.joinAll(threads, Duration.ofSeconds(60));
            g.assertClean(goroutines);
            lock.lock();
            try {
                assertThat(plainCounter).isEqualTo((long) goroutines * increments);
            } finally {
                lock.unlock();
            }
        }
    }

    @Test
    void fairReentrantLockAndTryLockWithTimeout() throws Exception {
        Goroutines g = new Goroutines(s);
        ReentrantLock lock = new ReentrantLock(true);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = g.go(() -> {
            lock.lock();
            try {
                held.countDown();
                release.await();
            } finally {
                lock.unlock();
            }
        });
        held.await();
        java.util.concurrent.atomic.AtomicBoolean timedOut = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean gotLater = new java.util.concurrent.atomic.AtomicBoolean();
        Thread tryer = g.go(() -> {
            timedOut.set(!lock.tryLock(50, TimeUnit.MILLISECONDS));
            release.countDown();
            if (lock.tryLock(10, TimeUnit.SECONDS)) {
                gotLater.set(true);
                lock.unlock();
            }
        });
        Goroutines.joinAll(List.of(holder, tryer), Duration.ofSeconds(20));
        g.assertClean(2);
        assertThat(timedOut.get()).as("tryLock timed out while the lock was held").isTrue();
        assertThat(gotLater.get()).as("tryLock succeeded after release").isTrue();
    }

    @Test
    void conditionBoundedBufferDeliversEveryItemExactlyOnce() throws Exception {
        int producers = 8, consumers = 8, perProducer = 5_000, capacity = 4;
        int total = producers * perProducer;
        Goroutines g = new Goroutines(s);
        ReentrantLock lock = new ReentrantLock();
        Condition notFull = lock.newCondition();
        Condition notEmpty = lock.newCondition();
        int[] buf = new int[capacity];
        int[] state = new int[3]; // head, tail, count (guarded by lock)
        AtomicIntegerArray seen = new AtomicIntegerArray(total);
        List<Thread> threads = new ArrayList<>();
        threads.addAll(g.goAll(producers, p -> {
            for (int k = 0; k < perProducer; k++) {
                int item = p * perProducer + k;
                lock.lock();
                try {
                    while (state[2] == capacity) {
                        notFull.await();
                    }
                    buf[state[1]] = item;
                    state[1] = (state[1] + 1) % capacity;
                    state[2]++;
                    notEmpty.signal();
                } finally {
                    lock.unlock();
                }
            }
        }));
        threads.addAll(g.goAll(consumers, c -> {
            for (int k = 0; k < total / consumers; k++) {
                int item;
                lock.lock();
                try {
                    while (state[2] == 0) {
                        notEmpty.await();
                    }
                    item = buf[state[0]];
                    state[0] = (state[0] + 1) % capacity;
                    state[2]--;
                    notFull.signal();
                } finally {
                    lock.unlock();
                }
                seen.incrementAndGet(item);
            }
        }));
        Goroutines.joinAll(threads, Duration.ofSeconds(60));
        g.assertClean(producers + consumers);
        for (int i = 0; i < total; i++) {
            assertThat(seen.get(i)).as("times item %s was consumed", i).isEqualTo(1);
        }
    }

    @Test
    void conditionSignalAllWakesMoreWaitersThanPs() throws Exception {
        int waiters = 100;
        Goroutines g = new Goroutines(s);
        ReentrantLock lock = new ReentrantLock();
        Condition cond = lock.newCondition();
        int[] waiting = new int[1];
        boolean[] open = new boolean[1];
        List<Thread> threads = g.goAll(waiters, i -> {
            lock.lock();
            try {
                waiting[0]++;
                while (!open[0]) {
                    cond.await();
                }
            } finally {
                lock.unlock();
            }
        });
        // Another goroutine (2 Ps, 100 waiters) opens the gate once every waiter is inside await().
        Thread opener = g.go(() -> {
            for (;;) {
                lock.lock();
                try {
                    if (waiting[0] == waiters) { // each waiter counted itself and released the lock only in await
                        open[0] = true;
                        cond.signalAll();
                        return;
                    }
                } finally {
                    lock.unlock();
                }
                Thread.yield();
            }
        });
        assertThat(opener.join(Duration.ofSeconds(20))).isTrue();
        Goroutines.joinAll(threads, Duration.ofSeconds(20));
        g.assertClean(waiters + 1);
    }

    @Test
    void semaphoreLimitsConcurrencyAcrossGoroutines() throws Exception {
        int n = 1_000, permits = 3;
        Goroutines g = new Goroutines(s);
        Semaphore sem = new Semaphore(permits);
        java.util.concurrent.atomic.AtomicInteger inside = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger maxInside = new java.util.concurrent.atomic.AtomicInteger();
        List<Thread> threads = g.goAll(n, i -> {
            sem.acquire();
            try {
                int now = inside.incrementAndGet();
                maxInside.accumulateAndGet(now, Math::max);
                Thread.yield();
                inside.decrementAndGet();
            } finally {
                sem.release();
            }
        });
        Goroutines.joinAll(threads, Duration.ofSeconds(30));
        g.assertClean(n);
        assertThat(maxInside.get()).isBetween(1, permits);
        assertThat(sem.availablePermits()).isEqualTo(permits);
    }
}
