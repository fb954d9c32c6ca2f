package dev.goloom.scheduler;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Go's randomizeScheduler, seeded: runnext puts are ignored half the time, spilled batches are shuffled and runnext
 * is stolen on any pass. Whatever the placement, every task must run exactly once. Tiny rings (4 slots) make every
 * put path busy: runnext displacement, spills of half a ring, steals of half a ring and of runnext.
 */
class RandomizedSchedulerTest {

    private static final long WAIT_S = 60;

    /** A tree of plain tasks, each spawning its children from its carrier (so into runnext and the local ring). */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 7, 20261130, -42})
    void aTreeOfTasksSpawnedFromCarriersRunsEachTaskOnce(long seed) throws Exception {
        final int fanOut = 4;
        final int depth = 8; // 4^0 + ... + 4^8 = 87,381 tasks
        int total = 0;
        for (int d = 0, w = 1; d <= depth; d++, w *= fanOut) {
            total += w;
        }
        AtomicIntegerArray runs = new AtomicIntegerArray(total);
        CountDownLatch all = new CountDownLatch(total);
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).queueCapacity(4).randomizeScheduler(seed)
                .name("random-" + seed).build()) {
            s.execute(new Node(s, 0, 0, depth, fanOut, runs, all));
            assertThat(all.await(WAIT_S, TimeUnit.SECONDS)).as("all %d tasks ran: %s", total, s.stats()).isTrue();
            SchedulerStats st = s.stats();
            assertThat(st.globalPuts()).as("spills reached the global queue").isPositive();
            assertThat(st.localPuts()).as("runnext ignored or displaced into rings").isPositive();
        }
        for (int i = 0; i < total; i++) {
            assertThat(runs.get(i)).as("runs of task %d", i).isEqualTo(1);
        }
    }

    /** Task {@code id} of a complete tree numbered breadth-first: children of i are fanOut*i+1 .. fanOut*i+fanOut. */
    private record Node(GoScheduler s, int id, int level, int depth, int fanOut, AtomicIntegerArray runs,
                        CountDownLatch all) implements Runnable {
        @Override
        public void run() {
            runs.incrementAndGet(id);
            if (level < depth) {
                for (int c = 1; c <= fanOut; c++) {
                    s.execute(new Node(s, fanOut * id + c, level + 1, depth, fanOut, runs, all));
                }
            }
            all.countDown();
        }
    }
}
