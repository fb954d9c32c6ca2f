package dev.goloom.scheduler.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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

    /** An overflow target that records what a full ring spilled, batch by batch. */
    static final class Spills implements Overflow {
        final List<List<Integer>> batches = new ArrayList<>();

        @Override
        public void putBatch(Runnable[] batch, int n) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(((Task) batch[i]).id());
            }
            batches.add(ids);
        }
    }

    private static final Overflow NO_SPILLS = (batch, n) -> {
        throw new AssertionError("unexpected spill of " + n + " tasks");
    };

    @Test
    void ringIsFifoUpToCapacity() {
        LocalRunQueue q = new LocalRunQueue(4, NO_SPILLS);
        for (int i = 0; i < 4; i++) {
            assertThat(q.put(new Task(i))).as("fits in the ring").isZero();
        }
        assertThat(q.stealer().size()).isEqualTo(4);
        for (int i = 0; i < 4; i++) {
            assertThat(((Task) q.poll()).id()).isEqualTo(i);
        }
        assertThat(q.poll()).isNull();
        assertThat(q.stealer().isEmpty()).isTrue();
    }

    @Test
    void wrapsAroundManyTimes() {
        LocalRunQueue q = new LocalRunQueue(4, NO_SPILLS);
        int next = 0, expect = 0;
        for (int round = 0; round < 1000; round++) {
            for (int i = 0; i < 3; i++) {
                assertThat(q.put(new Task(next++))).isZero();
            }
            for (int i = 0; i < 3; i++) {
                assertThat(((Task) q.poll()).id()).isEqualTo(expect++);
            }
        }
        assertThat(q.stealer().isEmpty()).isTrue();
    }

    @Test
    void runnextIsLifoAndDisplacedTaskIsReturned() {
        LocalRunQueue q = new LocalRunQueue(8, NO_SPILLS);
        assertThat(q.putNext(new Task(1))).isNull();
        Runnable displaced = q.putNext(new Task(2));
        assertThat(((Task) displaced).id()).isEqualTo(1);
        assertThat(q.stealer().size()).as("runnext counts in size").isEqualTo(1);
        assertThat(q.stealer().ringSize()).as("but not in the ring's").isZero();
        assertThat(q.stealer().isEmpty()).isFalse();
        assertThat(((Task) q.pollNext()).id()).isEqualTo(2);
        assertThat(q.pollNext()).isNull();
        assertThat(q.stealer().isEmpty()).isTrue();
    }

    /** Go: runqputslow. A put into a full ring sends its oldest half plus the new task, in order, in one batch. */
    @Test
    void putIntoAFullRingSpillsTheOldestHalfPlusTheNewTask() {
        Spills spills = new Spills();
        LocalRunQueue q = new LocalRunQueue(8, spills);
        for (int i = 0; i < 8; i++) {
            assertThat(q.put(new Task(i))).isZero();
        }
        assertThat(q.put(new Task(8))).as("tasks moved to the overflow target").isEqualTo(5);
        assertThat(spills.batches).containsExactly(List.of(0, 1, 2, 3, 8));
        assertThat(q.stealer().size()).isEqualTo(4);
        for (int i = 4; i < 8; i++) {
            assertThat(((Task) q.poll()).id()).as("the newer half stays").isEqualTo(i);
        }
    }

    /** Go's randomizeScheduler: a spilled batch is shuffled, but holds exactly the same tasks. */
    @Test
    void randomizedSpillShufflesTheBatchButKeepsEveryTask() {
        Spills spills = new Spills();
        LocalRunQueue q = new LocalRunQueue(64, spills, new java.util.SplittableRandom(42));
        for (int i = 0; i <= 64; i++) {
            q.put(new Task(i));
        }
        List<Integer> batch = spills.batches.get(0);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            expected.add(i);
        }
        expected.add(64);
        assertThat(batch).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(batch).as("seed 42 moves something").isNotEqualTo(expected);
    }

    @Test
    void drainMovesRunnextThenTheRingToTheOverflowTarget() {
        Spills spills = new Spills();
        LocalRunQueue q = new LocalRunQueue(4, spills);
        for (int i = 0; i < 4; i++) {
            q.put(new Task(i));
        }
        q.putNext(new Task(9));
        assertThat(q.drain()).isEqualTo(5);
        assertThat(spills.batches.stream().flatMap(List::stream).toList()).containsExactly(9, 0, 1, 2, 3);
        assertThat(q.stealer().isEmpty()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7, 8})
    void stealTakesHalfRoundedUpAndReturnsTheLastOne(int n) {
        LocalRunQueue victim = new LocalRunQueue(8, NO_SPILLS);
        LocalRunQueue thief = new LocalRunQueue(8, NO_SPILLS);
        for (int i = 0; i < n; i++) {
            victim.put(new Task(i));
        }
        StealResult stolen = new StealResult();
        Runnable t = thief.stealFrom(victim.stealer(), false, false, NO_BACKOFF, stolen);
        int expected = n - n / 2;
        assertThat(stolen.moved()).isEqualTo(expected);
        assertThat(stolen.outcome()).isEqualTo(StealResult.Outcome.RING);
        assertThat(((Task) t).id()).as("the last grabbed task is returned to run now").isEqualTo(expected - 1);
        assertThat(thief.stealer().size()).isEqualTo(expected - 1);
        for (int i = 0; i < expected - 1; i++) {
            assertThat(((Task) thief.poll()).id()).isEqualTo(i);
        }
        assertThat(victim.stealer().size()).isEqualTo(n - expected);
        Runnable left = victim.poll();
        if (n - expected > 0) {
            assertThat(((Task) left).id()).as("the victim keeps the newer half").isEqualTo(expected);
        } else {
            assertThat(left).isNull();
        }
    }

    @Test
    void runnextIsStolenOnlyWhenAskedAndRingIsEmpty() {
        LocalRunQueue victim = new LocalRunQueue(8, NO_SPILLS);
        LocalRunQueue thief = new LocalRunQueue(8, NO_SPILLS);
        victim.putNext(new Task(7));
        StealResult stolen = new StealResult();
        assertThat(thief.stealFrom(victim.stealer(), false, true, NO_BACKOFF, stolen))
                .as("runnext left alone before the last pass").isNull();
        assertThat(stolen.outcome()).isEqualTo(StealResult.Outcome.NOTHING);
        Runnable t = thief.stealFrom(victim.stealer(), true, true, () -> LockSupport.parkNanos(3_000), stolen);
        assertThat(((Task) t).id()).isEqualTo(7);
        assertThat(stolen.outcome()).isEqualTo(StealResult.Outcome.RUNNEXT);
        assertThat(stolen.moved()).isEqualTo(1);
        assertThat(victim.stealer().isEmpty()).isTrue();
    }

    /**
     * A runnext that the owner consumes and refills during a thief's back-off is a hand-off chain (a channel
     * ping-pong): the thief must leave it, even though the slot holds the very same task object again (a
     * goroutine's continuation task is one object, so a plain CAS would win on ABA). The back-off here plays the
     * owner's part: it runs the task and readies it again, exactly between the thief's two looks.
     */
    @Test
    void runnextThatTurnsOverDuringTheBackoffIsLeftAlone() {
        LocalRunQueue victim = new LocalRunQueue(8, NO_SPILLS);
        LocalRunQueue thief = new LocalRunQueue(8, NO_SPILLS);
        Task task = new Task(7);
        victim.putNext(task);
        StealResult stolen = new StealResult();
        Runnable ownerRunsItAndReadiesItAgain = () -> {
            assertThat(victim.pollNext()).isSameAs(task);
            assertThat(victim.putNext(task)).isNull();
        };
        assertThat(thief.stealFrom(victim.stealer(), true, true, ownerRunsItAndReadiesItAgain, stolen))
                .as("no steal from a turning-over runnext").isNull();
        assertThat(stolen.outcome()).isEqualTo(StealResult.Outcome.CHAIN_SEEN);
        assertThat(stolen.moved()).isZero();
        assertThat(victim.pollNext()).as("the owner still has its task").isSameAs(task);
        assertThat(thief.stealer().isEmpty()).isTrue();
    }

    /** A runnext that sat still through the back-off (its owner is stuck) is stolen, as in Go. */
    @Test
    void runnextThatSatStillThroughTheBackoffIsStolen() {
        LocalRunQueue victim = new LocalRunQueue(8, NO_SPILLS);
        LocalRunQueue thief = new LocalRunQueue(8, NO_SPILLS);
        victim.putNext(new Task(9));
        StealResult stolen = new StealResult();
        Runnable t = thief.stealFrom(victim.stealer(), true, true, () -> LockSupport.parkNanos(50_000), stolen);
        assertThat(((Task) t).id()).isEqualTo(9);
        assertThat(stolen.outcome()).isEqualTo(StealResult.Outcome.RUNNEXT);
        assertThat(victim.stealer().nextPuts()).isEqualTo(1);
    }

    @Test
    void rejectsCapacityThatIsNotAPowerOfTwo() {
        assertThatThrownBy(() -> new LocalRunQueue(6, NO_SPILLS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("run queue capacity must be a power of two >= 2, got 6");
    }

    /**
     * The owner pushes (ring and runnext) and pops while thieves steal into their own queues and drain them.
     * Every task must be consumed exactly once: by the owner, by a thief, or spilled to the overflow target when
     * the ring is full (runqputslow's half-ring batch, racing the thieves' CAS on head). Small rings reach
     * wrap-around and the full/steal races constantly.
     */
    @ParameterizedTest
    @ValueSource(ints = {4, 256})
    void concurrentStealVersusPopLosesAndDuplicatesNothing(int capacity) throws Exception {
        final int total = Integer.getInteger("goloom.stress.tasks", 2_000_000);
        final int thieves = 2;
        AtomicIntegerArray seen = new AtomicIntegerArray(total);
        AtomicLong spilled = new AtomicLong();
        LocalRunQueue owner = new LocalRunQueue(capacity, (batch, n) -> {
            for (int i = 0; i < n; i++) {
                seen.incrementAndGet(((Task) batch[i]).id());
            }
            spilled.addAndGet(n);
        });
        RunQueueStealer victim = owner.stealer();
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
                LocalRunQueue mine = new LocalRunQueue(capacity, NO_SPILLS);
                StealResult stolen = new StealResult();
                await(start);
                while (!done.get() || !victim.isEmpty()) {
                    Runnable t = mine.stealFrom(victim, true, true, NO_BACKOFF, stolen);
                    if (t != null) {
                        stolenTotal.addAndGet(stolen.moved());
                        if (stolen.outcome() == StealResult.Outcome.RUNNEXT) {
                            runnextStolen.incrementAndGet();
                        }
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
                if (displaced != null) {
                    owner.put(displaced); // a full ring spills to the overflow target, which counts them
                }
            } else {
                owner.put(t);
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
        // The ring still holds tasks (the owner takes one per four puts): let the thieves in before the owner drains
        // it, since a loaded machine may not have run them yet (bounded).
        long stealBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (stolenTotal.get() == 0 && System.nanoTime() - stealBy < 0) {
            Thread.onSpinWait();
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
