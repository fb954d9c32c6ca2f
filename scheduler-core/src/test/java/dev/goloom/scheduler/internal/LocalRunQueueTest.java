package dev.goloom.scheduler.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalRunQueueTest {

    private static final Runnable NO_BACKOFF = () -> { };

    /** A task that is only an id. */
    record Task(int id) implements Runnable {
        @Override
        public void run() {
        }
    }

    @Test
    void ringIsFifoAndReportsFullAtCapacity() {
        LocalRunQueue q = new LocalRunQueue(4);
        for (int i = 0; i < 4; i++) {
            assertThat(q.offer(new Task(i))).isTrue();
        }
        assertThat(q.offer(new Task(99))).as("a full ring refuses (caller spills: runqputslow)").isFalse();
        assertThat(q.size()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(((Task) q.poll()).id()).isEqualTo(i);
        }
        assertThat(q.poll()).isNull();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void wrapsAroundManyTimes() {
        LocalRunQueue q = new LocalRunQueue(4);
        int next = 0, expect = 0;
        for (int round = 0; round < 1000; round++) {
            for (int i = 0; i < 3; i++) {
                assertThat(q.offer(new Task(next++))).isTrue();
            }
            for (int i = 0; i < 3; i++) {
                assertThat(((Task) q.poll()).id()).isEqualTo(expect++);
            }
        }
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void runnextIsLifoAndDisplacedTaskIsReturned() {
        LocalRunQueue q = new LocalRunQueue(8);
        assertThat(q.putNext(new Task(1))).isNull();
        Runnable displaced = q.putNext(new Task(2));
        assertThat(((Task) displaced).id()).isEqualTo(1);
        assertThat(q.size()).as("runnext counts in size").isEqualTo(1);
        assertThat(q.isEmpty()).isFalse();
        assertThat(((Task) q.pollNext()).id()).isEqualTo(2);
        assertThat(q.pollNext()).isNull();
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void grabHalfClaimsTheOldestHalfOfAFullRing() {
        LocalRunQueue q = new LocalRunQueue(8);
        for (int i = 0; i < 8; i++) {
            q.offer(new Task(i));
        }
        Runnable[] batch = new Runnable[5];
        assertThat(q.grabHalf(batch)).isEqualTo(4);
        assertThat(batch).extracting(r -> r == null ? -1 : ((Task) r).id()).containsExactly(0, 1, 2, 3, -1);
        assertThat(q.size()).isEqualTo(4);
        assertThat(((Task) q.poll()).id()).isEqualTo(4);
        assertThat(q.grabHalf(batch)).as("not full: nothing to spill").isZero();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 8})
    void stealTakesHalfRoundedUpAndReturnsTheLastOne(int n) {
        LocalRunQueue victim = new LocalRunQueue(8);
        LocalRunQueue thief = new LocalRunQueue(8);
        for (int i = 0; i < n; i++) {
            victim.offer(new Task(i));
        }
        int[] stolen = new int[2];
        Runnable t = victim.stealInto(thief, false, false, NO_BACKOFF, stolen);
        int expected = n - n / 2;
        assertThat(stolen[0]).isEqualTo(expected);
        assertThat(stolen[1]).isZero();
        assertThat(((Task) t).id()).as("the last grabbed task is returned to run now").isEqualTo(expected - 1);
        assertThat(thief.size()).isEqualTo(expected - 1);
        for (int i = 0; i < expected - 1; i++) {
            assertThat(((Task) thief.poll()).id()).isEqualTo(i);
        }
        assertThat(victim.size()).isEqualTo(n - expected);
        Runnable left = victim.poll();
        if (n - expected > 0) {
            assertThat(((Task) left).id()).as("the victim keeps the newer half").isEqualTo(expected);
        } else {
            assertThat(left).isNull();
        }
    }

    @Test
    void runnextIsStolenOnlyWhenAskedAndRingIsEmpty() {
        LocalRunQueue victim = new LocalRunQueue(8);
        LocalRunQueue thief = new LocalRunQueue(8);
        victim.putNext(new Task(7));
        int[] stolen = new int[2];
        assertThat(victim.stealInto(thief, false, true, NO_BACKOFF, stolen))
                .as("runnext left alone before the last pass").isNull();
        Runnable t = victim.stealInto(thief, true, true, () -> LockSupport.parkNanos(3_000), stolen);
        assertThat(((Task) t).id()).isEqualTo(7);
        assertThat(stolen).containsExactly(1, 1);
        assertThat(victim.isEmpty()).isTrue();
    }

    /**
     * A runnext that the owner consumes and refills during a thief's back-off is a hand-off chain (a channel
     * ping-pong): the thief must leave it, even though the slot holds the very same task object again (a
     * goroutine's continuation task is one object, so a plain CAS would win on ABA). The back-off here plays the
     * owner's part: it runs the task and readies it again, exactly between the thief's two looks.
     */
    @Test
    void runnextThatTurnsOverDuringTheBackoffIsLeftAlone() {
        LocalRunQueue victim = new LocalRunQueue(8);
        LocalRunQueue thief = new LocalRunQueue(8);
        Task task = new Task(7);
        victim.putNext(task);
        int[] stolen = new int[2];
        Runnable ownerRunsItAndReadiesItAgain = () -> {
            assertThat(victim.pollNext()).isSameAs(task);
            assertThat(victim.putNext(task)).isNull();
        };
        assertThat(victim.stealInto(thief, true, true, ownerRunsItAndReadiesItAgain, stolen))
                .as("no steal from a turning-over runnext").isNull();
        assertThat(stolen).containsExactly(0, -1);
        assertThat(victim.pollNext()).as("the owner still has its task").isSameAs(task);
        assertThat(thief.isEmpty()).isTrue();
    }

    /** A runnext that sat still through the back-off (its owner is stuck) is stolen, as in Go. */
    @Test
    void runnextThatSatStillThroughTheBackoffIsStolen() {
        LocalRunQueue victim = new LocalRunQueue(8);
        LocalRunQueue thief = new LocalRunQueue(8);
        victim.putNext(new Task(9));
        int[] stolen = new int[2];
        Runnable t = victim.stealInto(thief, true, true, () -> LockSupport.parkNanos(50_000), stolen);
        assertThat(((Task) t).id()).isEqualTo(9);
        assertThat(stolen).containsExactly(1, 1);
        assertThat(victim.nextPuts()).isEqualTo(1);
    }

    @Test
    void rejectsCapacityThatIsNotAPowerOfTwo() {
        assertThatThrownBy(() -> new LocalRunQueue(6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("run queue capacity must be a power of two >= 2, got 6");
    }

    /**
     * The owner pushes (ring and runnext) and pops while thieves steal into their own queues and drain them.
     * Every task must be consumed exactly once: by the owner, by a thief, or handed back as "spilled" when the
     * ring is full (what runqputslow would move to the global queue). Small rings reach wrap-around and the
     * full/steal races constantly.
     */
    @ParameterizedTest
    @ValueSource(ints = {4, 256})
    void concurrentStealVersusPopLosesAndDuplicatesNothing(int capacity) throws Exception {
        final int total = Integer.getInteger("goloom.stress.tasks", 2_000_000);
        final int thieves = 2;
        LocalRunQueue owner = new LocalRunQueue(capacity);
        AtomicIntegerArray seen = new AtomicIntegerArray(total);
        AtomicBoolean done = new AtomicBoolean();
        AtomicLong stolenTotal = new AtomicLong();
        AtomicLong runnextStolen = new AtomicLong();
        Task[] tasks = new Task[total];
        for (int i = 0; i < total; i++) {
            tasks[i] = new Task(i);
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < thieves; k++) {
            Thread th = new Thread(() -> {
                LocalRunQueue mine = new LocalRunQueue(capacity);
                int[] stolen = new int[2];
                await(start);
                while (!done.get() || !owner.isEmpty()) {
                    Runnable t = owner.stealInto(mine, true, true, NO_BACKOFF, stolen);
                    if (t != null) {
                        stolenTotal.addAndGet(stolen[0]);
                        runnextStolen.addAndGet(stolen[1]);
                        seen.incrementAndGet(((Task) t).id());
                        Runnable r;
                        while ((r = mine.poll()) != null) {
                            seen.incrementAndGet(((Task) r).id());
                        }
                    } else {
                        Thread.onSpinWait();
                    }
                }
            }, "thief-" + k);
            threads.add(th);
            th.start();
        }
        start.countDown();
        int next = 0;
        long iter = 0;
        while (next < total) {
            Task t = tasks[next++];
            if ((iter++ & 7) == 0) {
                Runnable displaced = owner.putNext(t);
                if (displaced != null && !owner.offer(displaced)) {
                    seen.incrementAndGet(((Task) displaced).id()); // spilled
                }
            } else if (!owner.offer(t)) {
                seen.incrementAndGet(t.id()); // spilled
            }
            if ((iter & 3) == 0) {
                Runnable r = owner.pollNext();
                if (r == null) {
                    r = owner.poll();
                }
                if (r != null) {
                    seen.incrementAndGet(((Task) r).id());
                }
            }
        }
        // owner drains what is left, racing the thieves
        Runnable r;
        while ((r = owner.pollNext()) != null || (r = owner.poll()) != null) {
            seen.incrementAndGet(((Task) r).id());
        }
        done.set(true);
        for (Thread th : threads) {
            th.join(60_000);
            assertThat(th.isAlive()).isFalse();
        }
        int lost = 0, dup = 0;
        for (int i = 0; i < total; i++) {
            int c = seen.get(i);
            if (c == 0) {
                lost++;
            } else if (c > 1) {
                dup++;
            }
        }
        assertThat(lost).as("tasks lost").isZero();
        assertThat(dup).as("tasks consumed twice").isZero();
        assertThat(stolenTotal.get()).as("thieves actually stole").isPositive();
    }

    private static void await(CountDownLatch l) {
        try {
            l.await();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
