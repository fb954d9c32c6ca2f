package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.Carrier;
import dev.goloom.scheduler.spi.Timers;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link GoScheduler#setMaxProcs} with plain tasks: bad input, what it reports, exactly-once delivery of every task
 * and timer while Ps come and go, Ps held by blocked carriers, and terminated schedulers. Every resize is followed by
 * {@code Procresize.check()}, which asserts the resize invariants under the sched lock.
 */
class SetMaxProcsTest {

    private static final long WAIT_S = 60;

    private static void await(CountDownLatch l) throws InterruptedException {
        assertThat(l.await(WAIT_S, TimeUnit.SECONDS)).as("latch released in time").isTrue();
    }

    /** Waits (bounded) for a condition the scheduler reaches by itself; fails naming it. */
    private static void awaitTrue(String what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never became true: " + what);
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    private static void check(GoScheduler s) {
        s.sched().resizer.check();
    }

    @Test
    void badValuesAreRejectedNamingThemAndChangeNothing() {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).maxThreads(8).name("bad").build()) {
            for (int n : new int[] {0, -1, Integer.MIN_VALUE, 1025, Integer.MAX_VALUE}) {
                assertThatThrownBy(() -> s.setMaxProcs(n)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining(String.valueOf(n)).hasMessageContaining("setMaxProcs");
            }
            assertThatThrownBy(() -> s.setMaxProcs(9)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maxThreads (8)").hasMessageContaining("9");
            assertThat(s.maxProcs()).isEqualTo(2);
            assertThat(s.maxProcsSource()).isEqualTo(SchedulerConfig.SOURCE_BUILDER);
        }
    }

    @Test
    void returnsThePreviousValueAndReportsTheNewOneAndItsSource() {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("report").build()) {
            assertThat(s.setMaxProcs(5)).isEqualTo(2);
            assertThat(s.setMaxProcs(3)).isEqualTo(5);
            assertThat(s.setMaxProcs(3)).isEqualTo(3);
            assertThat(s.maxProcs()).isEqualTo(3);
            SchedulerStats st = s.stats();
            assertThat(st.procs()).isEqualTo(3);
            assertThat(st.procsSource()).isEqualTo("setMaxProcs");
            assertThat(st.freeTokens()).as("an idle scheduler has every token free").isEqualTo(3);
            assertThat(st.localQueueLengths()).as("one entry per live P").hasSize(3);
            assertThat(st.schedtrace()).contains("gomaxprocs=3 ");
            assertThat(s.toString()).contains("maxProcs=3 (setMaxProcs)");
            assertThat(s.config().maxProcs()).as("the config keeps what was configured").isEqualTo(2);
            assertThat(s.config().maxProcsSource()).isEqualTo("builder");
            check(s);
        }
    }

    /**
     * Trees of tasks, each readying its children onto its own P (runnext and ring), and timers added from those
     * tasks, while another thread resizes between 1 and 6 Ps as fast as it can. Every task and every timer action
     * must run exactly once: counted per id.
     */
    @Test
    void growAndShrinkWhileTasksSpawnRunsEveryTaskAndTimerExactlyOnce() throws Exception {
        int rounds = 12;
        int roots = 48;
        int depth = 7; // 255 tasks per tree
        int treeSize = (1 << (depth + 1)) - 1;
        for (int round = 0; round < rounds; round++) {
            try (GoScheduler s = GoScheduler.builder().maxProcs(4).name("resize-" + round).build()) {
                int total = roots * treeSize;
                AtomicIntegerArray runs = new AtomicIntegerArray(total);
                AtomicIntegerArray timerRuns = new AtomicIntegerArray(total);
                AtomicInteger timersAdded = new AtomicInteger();
                CountDownLatch tasksDone = new CountDownLatch(total);
                CountDownLatch[] timersDone = {null};
                AtomicInteger timersFired = new AtomicInteger();
                class Node implements Runnable {
                    final int root;
                    final int index; // heap index inside the tree: children 2i+1, 2i+2

                    Node(int root, int index) {
                        this.root = root;
                        this.index = index;
                    }

                    @Override
                    public void run() {
                        int id = root * treeSize + index;
                        runs.incrementAndGet(id);
                        if (index % 5 == 0) { // a timer on this carrier's P, due soon
                            Timers.Timer t = Timers.schedule(TimeUnit.MICROSECONDS.toNanos(index % 300), () -> {
                                timerRuns.incrementAndGet(id);
                                timersFired.incrementAndGet();
                            });
                            assertThat(t).isNotNull();
                            timersAdded.incrementAndGet();
                        }
                        if (index % 64 == 63) { // from a carrier, whose own P may be one that goes away
                            s.setMaxProcs(1 + (id % 6));
                        }
                        if (2 * index + 2 < treeSize) {
                            s.execute(new Node(root, 2 * index + 1));
                            s.execute(new Node(root, 2 * index + 2));
                        }
                        tasksDone.countDown();
                    }
                }
                AtomicReference<Throwable> resizerFailed = new AtomicReference<>();
                CountDownLatch stop = new CountDownLatch(1);
                AtomicInteger resizes = new AtomicInteger();
                long seed = 1234 + round;
                Thread resizer = Thread.ofPlatform().name("resizer").start(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    try {
                        while (stop.getCount() != 0) {
                            s.setMaxProcs(1 + rnd.nextInt(6));
                            check(s);
                            resizes.incrementAndGet();
                            Thread.yield();
                        }
                    } catch (Throwable e) {
                        resizerFailed.set(e);
                    }
                });
                for (int r = 0; r < roots; r++) {
                    s.execute(new Node(r, 0));
                }
                await(tasksDone);
                // The carriers resize from inside the trees (every 64th task); the platform thread must get at least
                // one resize in too, which a loaded machine may not give it before the trees are done: wait for it.
                awaitTrue("the resizer thread resized at least once", () -> resizes.get() > 0);
                stop.countDown();
                resizer.join();
                assertThat(resizerFailed.get()).as("resizer").isNull();
                int added = timersAdded.get();
                awaitTrue("all " + added + " timers fired (fired " + timersFired.get() + ")",
                        () -> timersFired.get() >= added);
                for (int id = 0; id < total; id++) {
                    assertThat(runs.get(id)).as("runs of task " + id).isEqualTo(1);
                    assertThat(timerRuns.get(id)).as("runs of timer " + id).isEqualTo(id % treeSize % 5 == 0 ? 1 : 0);
                }
                assertThat(timersFired.get()).isEqualTo(added);
                check(s);
                assertThat(s.stats().timers()).as("timers pending").isZero();
            }
        }
    }

    /**
     * Every P's carrier is blocked in a task with tasks queued on its P. The scheduler shrinks to 1: the Ps stay
     * with their blocked carriers (RETIRING, tokenless); once released, each carrier moves its queue to the global
     * queue and retires its P, and every queued task runs once on the one P left.
     */
    @Test
    void shrinkToOneWhileEveryPIsBlockedWithQueuedWork() throws Exception {
        int procs = 4;
        int children = 50;
        for (int round = 0; round < 10; round++) {
            try (GoScheduler s = GoScheduler.builder().maxProcs(procs).blockedThreshold(Duration.ofMinutes(10))
                    .name("shrink-blocked-" + round).build()) {
                CountDownLatch release = new CountDownLatch(1);
                AtomicIntegerArray runs = new AtomicIntegerArray(procs * children);
                CountDownLatch childrenDone = new CountDownLatch(procs * children);
                blockEveryP(s, procs, release, blocker -> {
                    for (int c = 0; c < children; c++) {
                        int id = blocker * children + c;
                        s.execute(() -> {
                            runs.incrementAndGet(id);
                            childrenDone.countDown();
                        });
                    }
                });
                List<Integer> lens = s.stats().localQueueLengths();
                assertThat(lens).as("every P has queued work").hasSize(procs).allMatch(n -> n == children);
                assertThat(s.setMaxProcs(1)).isEqualTo(procs);
                check(s);
                assertThat(s.maxProcs()).isEqualTo(1);
                assertThat(s.stats().freeTokens()).as("no token free: P0's carrier still holds it").isZero();
                assertThat(countStatus(s, P.RETIRING)).as("Ps left to their blocked carriers").isEqualTo(procs - 1);
                assertThat(childrenDone.getCount()).as("nothing ran: every carrier is still blocked")
                        .isEqualTo(procs * children);
                release.countDown();
                await(childrenDone);
                for (int id = 0; id < procs * children; id++) {
                    assertThat(runs.get(id)).as("runs of child " + id).isEqualTo(1);
                }
                awaitTrue("the removed Ps were retired by their carriers", () -> s.sched().allp().length == 1);
                check(s);
                for (P p : s.sched().allPs()) {
                    assertThat(p.status()).as("P" + p.id).isIn(p.id == 0 ? P.IDLE : P.DEAD, P.RUNNING);
                }
                assertThat(s.stats().tasksRun()).as("counters of dead Ps still count")
                        .isGreaterThanOrEqualTo(procs * (children + 1L));
            }
        }
    }

    /**
     * Carriers in marked syscalls (one handing its token off at once, Go's entersyscallblock) with queued work,
     * and sysmon free to retake their tokens meanwhile: a shrink to 1 still runs every queued task once and leaves
     * no RETIRING P behind once the calls return.
     */
    @Test
    void shrinkWhileCarriersAreInSyscalls() throws Exception {
        int procs = 3;
        int children = 40;
        for (int round = 0; round < 10; round++) {
            try (GoScheduler s = GoScheduler.builder().maxProcs(procs).name("shrink-syscall-" + round).build()) {
                CountDownLatch release = new CountDownLatch(1);
                CountDownLatch inSyscall = new CountDownLatch(procs);
                AtomicIntegerArray runs = new AtomicIntegerArray(procs * children);
                CountDownLatch childrenDone = new CountDownLatch(procs * children);
                AtomicInteger marked = new AtomicInteger();
                for (int b = 0; b < procs; b++) {
                    int blocker = b;
                    s.execute(() -> {
                        for (int c = 0; c < children; c++) {
                            int id = blocker * children + c;
                            s.execute(() -> {
                                runs.incrementAndGet(id);
                                childrenDone.countDown();
                            });
                        }
                        boolean m = Carrier.enterSyscall(blocker == 0); // Go: entersyscallblock for blocker 0
                        if (m) {
                            marked.incrementAndGet();
                        }
                        inSyscall.countDown();
                        awaitQuietly(release);
                        if (m) {
                            Carrier.exitSyscall();
                        }
                    });
                }
                await(inSyscall);
                s.setMaxProcs(1);
                check(s);
                await(childrenDone); // while the callers are still in their syscalls: stolen from their Ps
                release.countDown();
                for (int id = 0; id < procs * children; id++) {
                    assertThat(runs.get(id)).as("runs of child " + id).isEqualTo(1);
                }
                assertThat(marked.get()).as("syscalls marked").isPositive();
                awaitTrue("no RETIRING P left", () -> countStatus(s, P.RETIRING) == 0);
                check(s);
                assertThat(s.maxProcs()).isEqualTo(1);
            }
        }
    }

    private static int countStatus(GoScheduler s, int status) {
        int n = 0;
        for (P p : s.sched().allp()) {
            n += p.status() == status ? 1 : 0;
        }
        return n;
    }

    /**
     * Runs {@code procs} plain tasks that each wait until all of them hold a carrier (so every P is held and no
     * carrier is left to steal), run {@code then.accept(index)} on their P, and block until {@code release}; returns
     * once every one of them ran {@code then}. Returns the P id each task ran on, by index.
     */
    private static int[] blockEveryP(GoScheduler s, int procs, CountDownLatch release,
                                     java.util.function.IntConsumer then) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(procs);
        CountDownLatch ready = new CountDownLatch(procs);
        int[] pids = new int[procs];
        for (int b = 0; b < procs; b++) {
            int blocker = b;
            s.execute(() -> {
                started.countDown();
                awaitQuietly(started);
                pids[blocker] = ((M) Thread.currentThread()).p.id;
                then.accept(blocker);
                ready.countDown();
                awaitQuietly(release);
            });
        }
        await(ready);
        return pids;
    }

    private static void awaitQuietly(CountDownLatch l) {
        try {
            if (!l.await(WAIT_S, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released in time");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Idle Ps removed at once hand their timers to P0, where they can still be cancelled; Ps held by blocked carriers
     * keep theirs until the carriers come back and retire them, and every one of those timers fires exactly once.
     */
    @Test
    void timersOfRemovedPsMoveToALivePAndStillFire() throws Exception {
        int n = 100;
        try (GoScheduler s = GoScheduler.builder().maxProcs(4).name("timers-idle").build()) {
            Sched sched = s.sched();
            AtomicInteger farRan = new AtomicInteger();
            List<Timers.Timer> far = new ArrayList<>();
            for (int i = 0; i < 4 * n; i++) { // from a thread holding no P: round-robin over P0..P3
                far.add(sched.timers.addtimer(null, TimeUnit.HOURS.toNanos(1), farRan::incrementAndGet, null));
            }
            for (P p : sched.allp()) {
                assertThat(p.timers.size()).as("timers on P" + p.id).isEqualTo(n);
            }
            s.setMaxProcs(1); // every P idle: P1..P3 retired at once
            check(s);
            assertThat(sched.allp()).hasSize(1);
            assertThat(sched.allp()[0].timers.size()).as("every timer now on P0").isEqualTo(4 * n);
            for (P p : sched.allPs()) {
                assertThat(p.timers.isClosed()).as("heap of P" + p.id + " closed").isEqualTo(p.id != 0);
            }
            int cancelled = 0;
            for (Timers.Timer t : far) {
                cancelled += t.cancel() ? 1 : 0;
            }
            assertThat(cancelled).isEqualTo(4 * n);
            assertThat(farRan.get()).isZero();
            assertThat(s.stats().timers()).isZero();
        }
        try (GoScheduler s = GoScheduler.builder().maxProcs(4).blockedThreshold(Duration.ofMinutes(10))
                .name("timers-retiring").build()) {
            Sched sched = s.sched();
            CountDownLatch release = new CountDownLatch(1);
            blockEveryP(s, 4, release, i -> { });
            CountDownLatch fired = new CountDownLatch(4 * n);
            AtomicIntegerArray runs = new AtomicIntegerArray(4 * n);
            for (int i = 0; i < 4 * n; i++) { // due now, but every token is held by a blocked carrier
                int id = i;
                sched.timers.addtimer(null, 0, () -> {
                    runs.incrementAndGet(id);
                    fired.countDown();
                }, null);
            }
            for (P p : sched.allp()) {
                assertThat(p.timers.size()).as("timers on P" + p.id).isEqualTo(n);
            }
            s.setMaxProcs(1);
            check(s);
            assertThat(fired.getCount()).as("nothing could run them yet").isEqualTo(4 * n);
            release.countDown();
            await(fired);
            for (int i = 0; i < 4 * n; i++) {
                assertThat(runs.get(i)).as("runs of timer " + i).isEqualTo(1);
            }
            awaitTrue("only P0 live", () -> sched.allp().length == 1);
            check(s);
            for (P p : sched.allPs()) {
                assertThat(p.timers.size()).as("timers left on P" + p.id).isZero();
            }
        }
    }

    @Test
    void aShutDownSchedulerStillResizesAndATerminatedOneOnlyRecordsTheValue() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("shut").build()) {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch ran = new CountDownLatch(20);
            s.execute(() -> {
                for (int i = 0; i < 20; i++) {
                    s.execute(ran::countDown); // admitted before the shutdown, queued on this P
                }
                running.countDown();
                awaitQuietly(release);
            });
            await(running);
            s.shutdown();
            assertThat(s.setMaxProcs(3)).isEqualTo(2);
            check(s);
            assertThat(s.setMaxProcs(1)).isEqualTo(3);
            check(s);
            release.countDown();
            await(ran);
            assertThat(s.awaitTermination(Duration.ofSeconds(WAIT_S))).isTrue();
            assertThat(s.maxProcs()).isEqualTo(1);
        }
        GoScheduler t = GoScheduler.builder().maxProcs(2).name("terminated").build();
        t.close();
        assertThat(t.isTerminated()).isTrue();
        assertThat(t.setMaxProcs(6)).isEqualTo(2);
        assertThat(t.maxProcs()).isEqualTo(6);
        assertThat(t.stats().procs()).isEqualTo(6);
        assertThat(t.setMaxProcs(1)).isEqualTo(6);
        check(t);
        assertThat(t.stats().threadsHighWater()).as("no carrier started").isZero();
    }
}
