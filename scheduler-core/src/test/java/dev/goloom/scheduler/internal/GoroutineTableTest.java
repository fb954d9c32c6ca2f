package dev.goloom.scheduler.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GoroutineTableTest {

    /** Random adds and removes against a HashMap: every lookup, size and snapshot agrees, across many resizes. */
    @Test
    void agreesWithAMapUnderRandomAddsAndRemoves() {
        SplittableRandom rnd = new SplittableRandom(42);
        for (int round = 0; round < 20; round++) {
            GoroutineTable<String> table = new GoroutineTable<>(1 + rnd.nextInt(8));
            Map<Long, String> model = new HashMap<>();
            List<Long> present = new ArrayList<>();
            long next = 1 + rnd.nextInt(1000);
            for (int op = 0; op < 20_000; op++) {
                if (present.isEmpty() || rnd.nextInt(100) < 55) {
                    // Sequential ids (how the JDK hands them out) with random gaps, so probe runs form and wrap.
                    long id = next;
                    next += 1 + (rnd.nextInt(10) == 0 ? rnd.nextInt(5_000) : 0);
                    table.add(id, "g" + id);
                    model.put(id, "g" + id);
                    present.add(id);
                } else {
                    int k = rnd.nextInt(present.size());
                    long id = present.get(k);
                    present.set(k, present.get(present.size() - 1));
                    present.remove(present.size() - 1);
                    assertThat(table.remove(id)).isEqualTo(model.remove(id));
                    assertThat(table.remove(id)).as("a second remove of %d", id).isNull();
                }
                if (op % 997 == 0) {
                    assertThat(table.size()).isEqualTo(model.size());
                    List<String> values = table.values();
                    assertThat(values).hasSize(model.size());
                    assertThat(new HashSet<>(values)).isEqualTo(new HashSet<>(model.values()));
                }
            }
            for (long id : present) {
                assertThat(table.remove(id)).isEqualTo("g" + id);
            }
            assertThat(table.isEmpty()).isTrue();
            assertThat(table.values()).isEmpty();
        }
    }

    /** Starts and exits on many threads at once: every entry added once and removed exactly once. */
    @Test
    void concurrentAddsAndRacingRemovesCountEveryEntryOnce() throws Exception {
        int threads = 4;
        int perThread = 50_000;
        GoroutineTable<Long> table = new GoroutineTable<>(2);
        AtomicLong ids = new AtomicLong(1);
        AtomicLong removedByMe = new AtomicLong();
        AtomicLong removedByOther = new AtomicLong();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        // Pairs of threads race to remove the same ids (a goroutine seen ending by two carriers).
        long[] shared = new long[perThread];
        for (int i = 0; i < perThread; i++) {
            shared[i] = ids.getAndIncrement();
            table.add(shared[i], shared[i]);
        }
        for (int t = 0; t < threads; t++) {
            workers.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                for (int i = 0; i < perThread; i++) {
                    long id = ids.getAndIncrement();
                    table.add(id, id);
                    assertThat(table.remove(id)).isEqualTo(id);
                    Long v = table.remove(shared[i]);
                    if (v != null) {
                        assertThat(v).isEqualTo(shared[i]);
                        removedByOther.incrementAndGet();
                    }
                    removedByMe.incrementAndGet();
                }
            }));
        }
        for (Thread w : workers) {
            w.join(TimeUnit.SECONDS.toMillis(60));
            assertThat(w.isAlive()).isFalse();
        }
        assertThat(removedByMe.get()).isEqualTo((long) threads * perThread);
        assertThat(removedByOther.get()).as("each shared id removed by exactly one thread").isEqualTo(perThread);
        assertThat(table.isEmpty()).isTrue();
        assertThat(table.size()).isZero();
    }

    /** The termination check's guarantee: an entry present for the whole call is never missed. */
    @Test
    void isEmptyNeverMissesAnEntryPresentForTheWholeCall() throws Exception {
        GoroutineTable<Long> table = new GoroutineTable<>(1);
        table.add(Long.MAX_VALUE / 3, 0L); // stays for the whole test
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger falseEmpty = new AtomicInteger();
        CountDownLatch churning = new CountDownLatch(2);
        List<Thread> churn = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            long base = 1 + t * 1_000_000_000L;
            churn.add(Thread.ofPlatform().start(() -> {
                churning.countDown();
                long id = base;
                while (!stop.get()) {
                    table.add(id, id); // grows some stripes, then empties them again
                    if ((id & 255) == 0) {
                        for (long j = id - 255; j <= id; j++) {
                            table.remove(j);
                        }
                    }
                    id++;
                }
            }));
        }
        assertThat(churning.await(30, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 200_000; i++) {
            if (table.isEmpty()) {
                falseEmpty.incrementAndGet();
            }
        }
        stop.set(true);
        for (Thread t : churn) {
            t.join();
        }
        assertThat(falseEmpty.get()).isZero();
        assertThat(table.values()).contains(0L);
    }

    @Test
    void badInputNamesItself() {
        GoroutineTable<String> table = new GoroutineTable<>(1);
        assertThatThrownBy(() -> new GoroutineTable<String>(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("procs must be >= 1, got 0");
        assertThatThrownBy(() -> table.add(0, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got id 0");
        assertThatThrownBy(() -> table.add(7, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("value null");
        table.add(7, "x");
        assertThatThrownBy(() -> table.add(7, "y")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("goroutine 7 is already registered");
        assertThat(table.remove(8)).isNull();
        assertThat(table.remove(7)).isEqualTo("x");
    }
}
