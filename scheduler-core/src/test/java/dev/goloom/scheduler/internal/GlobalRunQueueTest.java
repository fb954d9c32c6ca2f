package dev.goloom.scheduler.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Go's sched.runq: a FIFO with batch put and take, growing without bound. */
class GlobalRunQueueTest {

    record Task(int id) implements Runnable {
        @Override
        public void run() {
        }
    }

    private static List<Integer> take(GlobalRunQueue q, int max) {
        Runnable[] out = new Runnable[max];
        int n = q.take(out, max);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(((Task) out[i]).id());
        }
        return ids;
    }

    @Test
    void isFifoAcrossSinglePutsAndBatches() {
        GlobalRunQueue q = new GlobalRunQueue(4);
        q.put(new Task(0));
        q.putBatch(new Runnable[] {new Task(1), new Task(2), new Task(3), null}, 3);
        q.put(new Task(4));
        assertThat(q.size()).isEqualTo(5);
        assertThat(take(q, 2)).containsExactly(0, 1);
        assertThat(take(q, 10)).as("take stops at the size").containsExactly(2, 3, 4);
        assertThat(q.isEmpty()).isTrue();
        assertThat(take(q, 3)).isEmpty();
    }

    @Test
    void resumedTasksGoAheadOfFreshOnesInTheirOwnOrder() {
        GlobalRunQueue q = new GlobalRunQueue(4);
        q.put(new Task(0));
        q.put(new Task(1));
        q.putResumed(new Task(100));
        q.put(new Task(2));
        q.putResumed(new Task(101));
        assertThat(q.size()).isEqualTo(5);
        assertThat(q.puts()).isEqualTo(5);
        assertThat(take(q, 3)).containsExactly(100, 101, 0);
        assertThat(take(q, 10)).containsExactly(1, 2);
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void freshTasksAreNotStarvedByAStreamOfResumedOnes() {
        GlobalRunQueue q = new GlobalRunQueue(4);
        q.put(new Task(0));
        int takesBeforeFresh = -1;
        for (int i = 0; i < 100 && takesBeforeFresh < 0; i++) {
            q.putResumed(new Task(100 + i)); // one resumed task always waiting
            q.putResumed(new Task(200 + i));
            List<Integer> got = take(q, 1);
            if (got.contains(0)) {
                takesBeforeFresh = i;
            }
        }
        assertThat(takesBeforeFresh).as("takes served before the waiting fresh task")
                .isEqualTo(GlobalRunQueue.RESUMED_STREAK);
    }

    @Test
    void growsPastItsInitialCapacityKeepingOrderAcrossTheWrap() {
        GlobalRunQueue q = new GlobalRunQueue(4);
        q.put(new Task(-2));
        q.put(new Task(-1));
        assertThat(take(q, 2)).containsExactly(-2, -1); // head is now mid-ring: the next puts wrap
        Runnable[] batch = new Runnable[1000];
        for (int i = 0; i < 1000; i++) {
            batch[i] = new Task(i);
        }
        q.putBatch(batch, 1000);
        assertThat(q.size()).isEqualTo(1000);
        List<Integer> all = take(q, 1000);
        assertThat(all).hasSize(1000);
        for (int i = 0; i < 1000; i++) {
            assertThat(all.get(i)).isEqualTo(i);
        }
    }

    @Test
    void takeClearsItsSlotsSoFinishedTasksAreNotRetained() throws Exception {
        GlobalRunQueue q = new GlobalRunQueue(2);
        java.lang.ref.WeakReference<Runnable> ref;
        {
            Runnable r = new Task(1);
            ref = new java.lang.ref.WeakReference<>(r);
            q.put(r);
            Runnable[] out = new Runnable[1];
            assertThat(q.take(out, 1)).isEqualTo(1);
            out[0] = null;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ref.get() != null && System.nanoTime() < deadline) {
            System.gc();
            Thread.onSpinWait();
        }
        assertThat(ref.get()).as("task collected after take").isNull();
    }

    @Test
    void rejectsABadInitialCapacity() {
        assertThatThrownBy(() -> new GlobalRunQueue(3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("initial capacity must be a power of two >= 2, got 3");
    }

    /** Producers (single and batch puts) and consumers (batch takes) at once: every task exactly once. */
    @Test
    void concurrentPutsAndTakesLoseAndDuplicateNothing() throws Exception {
        final int producers = 3;
        final int perProducer = Integer.getInteger("goloom.stress.tasks", 2_000_000) / 10;
        final int total = producers * perProducer;
        GlobalRunQueue q = new GlobalRunQueue(2);
        AtomicIntegerArray seen = new AtomicIntegerArray(total);
        AtomicLong taken = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < producers; k++) {
            final int base = k * perProducer;
            final boolean batches = k % 2 == 0;
            threads.add(new Thread(() -> {
                awaitQuietly(start);
                Runnable[] batch = new Runnable[7];
                int n = 0;
                for (int i = 0; i < perProducer; i++) {
                    Task t = new Task(base + i);
                    if (!batches) {
                        q.put(t);
                        continue;
                    }
                    batch[n++] = t;
                    if (n == batch.length) {
                        q.putBatch(batch, n);
                        n = 0;
                    }
                }
                if (n > 0) {
                    q.putBatch(batch, n);
                }
            }, "producer-" + k));
        }
        for (int k = 0; k < 2; k++) {
            threads.add(new Thread(() -> {
                awaitQuietly(start);
                Runnable[] out = new Runnable[5];
                while (taken.get() < total) {
                    int n = q.take(out, out.length);
                    for (int i = 0; i < n; i++) {
                        seen.incrementAndGet(((Task) out[i]).id());
                    }
                    taken.addAndGet(n);
                    if (n == 0) {
                        Thread.onSpinWait();
                    }
                }
            }, "consumer-" + k));
        }
        threads.forEach(Thread::start);
        start.countDown();
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(t.isAlive()).as(t.getName() + " finished").isFalse();
        }
        assertThat(taken.get()).isEqualTo(total);
        for (int i = 0; i < total; i++) {
            assertThat(seen.get(i)).as("task %d taken", i).isEqualTo(1);
        }
        assertThat(q.isEmpty()).isTrue();
    }

    private static void awaitQuietly(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
