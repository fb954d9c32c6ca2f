package dev.goloom.scheduler.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The 4-ary timer heap alone: order, removal from any slot, the earliest-deadline gauge, clear, and moving every
 * timer to another heap (a P removed by setMaxProcs).
 */
class TimerHeapTest {

    private static final class T extends TimerHeap.Node {
        final long when;

        T(long when) {
            this.when = when;
        }
    }

    @Test
    void takesDueTimersInDeadlineOrderAndLeavesTheRest() {
        TimerHeap h = new TimerHeap();
        SplittableRandom rnd = new SplittableRandom(7);
        List<T> all = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            T t = new T(rnd.nextLong(1, 10_000));
            all.add(t);
            h.add(t, t.when);
        }
        assertThat(h.invariantsHold()).isTrue();
        assertThat(h.size()).isEqualTo(1000);
        TimerHeap.Node[] out = new TimerHeap.Node[16];
        List<Long> taken = new ArrayList<>();
        int n;
        while ((n = h.takeDue(5_000, out)) != 0) {
            for (int i = 0; i < n; i++) {
                taken.add(((T) out[i]).when);
                assertThat(out[i].inHeap()).isFalse();
            }
        }
        assertThat(taken).isSorted().allMatch(w -> w <= 5_000);
        assertThat(taken.size() + h.size()).isEqualTo(1000);
        assertThat(h.earliest()).isGreaterThan(5_000);
        assertThat(h.invariantsHold()).isTrue();
    }

    @Test
    void cancelRemovesFromAnySlotExactlyOnce() {
        TimerHeap h = new TimerHeap();
        SplittableRandom rnd = new SplittableRandom(11);
        List<T> all = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            T t = new T(rnd.nextLong(1, 1_000));
            all.add(t);
            h.add(t, t.when);
        }
        int removed = 0;
        for (int i = 0; i < all.size(); i += 3) {
            assertThat(TimerHeap.cancel(all.get(i))).isTrue();
            assertThat(TimerHeap.cancel(all.get(i))).as("second cancel").isFalse();
            removed++;
            assertThat(h.invariantsHold()).isTrue();
        }
        assertThat(h.size()).isEqualTo(500 - removed);
        long min = Long.MAX_VALUE;
        for (int i = 0; i < all.size(); i++) {
            if (i % 3 != 0) {
                min = Math.min(min, all.get(i).when);
            }
        }
        assertThat(h.earliest()).isEqualTo(min);
    }

    @Test
    void addReportsANewEarliestAndRejectsADoubleAdd() {
        TimerHeap h = new TimerHeap();
        assertThat(h.earliest()).isEqualTo(TimerHeap.NONE);
        T a = new T(100);
        assertThat(h.add(a, 100)).isEqualTo(TimerHeap.EARLIEST);
        assertThat(h.add(new T(200), 200)).isEqualTo(TimerHeap.ADDED);
        assertThat(h.add(new T(50), 50)).isEqualTo(TimerHeap.EARLIEST);
        assertThatThrownBy(() -> h.add(a, 10)).isInstanceOf(IllegalStateException.class);
        assertThat(h.earliest()).isEqualTo(50);
    }

    @Test
    void clearDropsEverythingAndCancelThenSaysNo() {
        TimerHeap h = new TimerHeap();
        T a = new T(1);
        h.add(a, 1);
        h.add(new T(2), 2);
        assertThat(h.clear()).isEqualTo(2);
        assertThat(h.size()).isZero();
        assertThat(h.earliest()).isEqualTo(TimerHeap.NONE);
        assertThat(TimerHeap.cancel(a)).isFalse();
        assertThat(h.takeDue(Long.MAX_VALUE - 1, new TimerHeap.Node[4])).isZero();
    }

    @Test
    void moveAllToKeepsEveryDeadlineClosesTheSourceAndCancelFollowsTheNode() {
        TimerHeap from = new TimerHeap();
        TimerHeap to = new TimerHeap();
        SplittableRandom rnd = new SplittableRandom(3);
        List<T> moved = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            T t = new T(rnd.nextLong(1, 10_000));
            moved.add(t);
            from.add(t, t.when);
        }
        for (int i = 0; i < 100; i++) {
            to.add(new T(5_000 + i), 5_000 + i);
        }
        long min = moved.stream().mapToLong(t -> t.when).min().orElseThrow();
        assertThat(from.moveAllTo(to)).isEqualTo(min);
        assertThat(from.size()).isZero();
        assertThat(from.earliest()).isEqualTo(TimerHeap.NONE);
        assertThat(from.isClosed()).isTrue();
        assertThat(from.add(new T(1), 1)).as("add to a closed heap").isEqualTo(TimerHeap.CLOSED);
        assertThat(to.size()).isEqualTo(400);
        assertThat(to.invariantsHold()).isTrue();
        assertThat(to.earliest()).isEqualTo(Math.min(min, 5_000));
        assertThat(TimerHeap.cancel(moved.get(7))).as("cancel finds the node in its new heap").isTrue();
        assertThat(to.size()).isEqualTo(399);
        TimerHeap.Node[] out = new TimerHeap.Node[512];
        assertThat(to.takeDue(Long.MAX_VALUE - 1, out)).isEqualTo(399);
        for (int i = 1; i < 399; i++) {
            assertThat(((T) out[i - 1]).when).isLessThanOrEqualTo(((T) out[i]).when);
        }
        assertThat(from.moveAllTo(to)).as("an empty heap moves nothing").isEqualTo(TimerHeap.NONE);
        from.reopen();
        assertThat(from.add(new T(9), 9)).isEqualTo(TimerHeap.EARLIEST);
        assertThatThrownBy(() -> from.moveAllTo(from)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aCancelRacingAMoveRemovesTheTimerExactlyOnce() throws Exception {
        for (int round = 0; round < 2_000; round++) {
            TimerHeap from = new TimerHeap();
            TimerHeap to = new TimerHeap();
            List<T> all = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                T t = new T(i + 1);
                all.add(t);
                from.add(t, t.when);
            }
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.atomic.AtomicInteger cancelled = new java.util.concurrent.atomic.AtomicInteger();
            Thread canceller = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                for (int i = 0; i < all.size(); i += 2) {
                    if (TimerHeap.cancel(all.get(i))) {
                        cancelled.incrementAndGet();
                    }
                }
            });
            canceller.start();
            go.countDown();
            from.moveAllTo(to);
            canceller.join();
            // Every cancel must succeed, whichever heap held the node at the time; the rest are all in "to".
            assertThat(cancelled.get()).as("round " + round).isEqualTo(8);
            assertThat(from.size() + to.size()).isEqualTo(8);
            assertThat(to.size()).isEqualTo(8);
            assertThat(to.invariantsHold()).isTrue();
        }
    }
}
