package dev.goloom.scheduler.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The 4-ary timer heap alone: order, removal from any slot, the earliest-deadline gauge, and clear. */
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
        assertThat(h.add(a, 100)).isTrue();
        assertThat(h.add(new T(200), 200)).isFalse();
        assertThat(h.add(new T(50), 50)).isTrue();
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
}
