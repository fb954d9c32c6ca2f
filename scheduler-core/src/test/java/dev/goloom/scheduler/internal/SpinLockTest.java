package dev.goloom.scheduler.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Go's sched.lock as goloom has it: mutual exclusion without ever parking. */
class SpinLockTest {

    @Test
    void tracksItsHolder() throws Exception {
        SpinLock lock = new SpinLock();
        assertThat(lock.isLocked()).isFalse();
        lock.lock();
        assertThat(lock.isHeldByCurrentThread()).isTrue();
        Thread other = new Thread(() -> {
            assertThat(lock.isHeldByCurrentThread()).isFalse();
            assertThat(lock.tryLock()).as("tryLock of a held lock").isFalse();
        });
        other.start();
        other.join();
        lock.unlock();
        assertThat(lock.isLocked()).isFalse();
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
    }

    @Test
    void unlockByANonHolderIsRefused() throws Exception {
        SpinLock lock = new SpinLock();
        assertThatThrownBy(lock::unlock).isInstanceOf(IllegalMonitorStateException.class);
        lock.lock();
        Throwable[] seen = new Throwable[1];
        Thread other = new Thread(() -> {
            try {
                lock.unlock();
            } catch (Throwable t) {
                seen[0] = t;
            }
        });
        other.start();
        other.join();
        assertThat(seen[0]).isInstanceOf(IllegalMonitorStateException.class);
        assertThat(lock.isHeldByCurrentThread()).as("still held by its owner").isTrue();
        lock.unlock();
    }

    /**
     * Threads increment a plain counter under the lock: without mutual exclusion (or without the release/acquire
     * pair publishing each critical section) increments would be lost.
     */
    @Test
    void excludesAndPublishesAcrossManyThreads() throws Exception {
        SpinLock lock = new SpinLock();
        int[] counter = new int[1];
        final int threads = 4;
        final int each = 200_000;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            ts.add(new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                for (int i = 0; i < each; i++) {
                    lock.lock();
                    try {
                        if (inside.incrementAndGet() != 1) {
                            overlaps.incrementAndGet();
                        }
                        counter[0]++;
                        inside.decrementAndGet();
                    } finally {
                        lock.unlock();
                    }
                }
            }));
        }
        ts.forEach(Thread::start);
        start.countDown();
        for (Thread t : ts) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(t.isAlive()).isFalse();
        }
        assertThat(overlaps.get()).as("critical sections that overlapped").isZero();
        assertThat(counter[0]).isEqualTo(threads * each);
    }

    /**
     * The reason it exists: a virtual thread pinned to its carrier that waits for the lock must not park (parking
     * a pinned thread parks the carrier). A virtual thread pinned by synchronized waits while another holds the
     * lock; its state never becomes WAITING or TIMED_WAITING (a parked thread's state) while it waits.
     */
    @Test
    void aPinnedVirtualThreadWaitingForTheLockNeverParks() throws Exception {
        SpinLock lock = new SpinLock();
        lock.lock();
        CountDownLatch waiting = new CountDownLatch(1);
        Object monitor = new Object();
        Thread vt = Thread.ofVirtual().start(() -> {
            synchronized (monitor) {
                waiting.countDown();
                lock.lock();
                lock.unlock();
            }
        });
        assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        while (System.nanoTime() < end) {
            Thread.State s = vt.getState();
            assertThat(s).as("state of the waiting virtual thread")
                    .isNotIn(Thread.State.WAITING, Thread.State.TIMED_WAITING);
        }
        lock.unlock();
        assertThat(vt.join(java.time.Duration.ofSeconds(30))).isTrue();
    }
}
