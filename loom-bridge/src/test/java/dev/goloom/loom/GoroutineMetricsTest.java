package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.SchedulerMetrics;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link GoScheduler#metrics()} with goroutines: Go's /sched counts move as goroutines start, park and run. */
class GoroutineMetricsTest {

    private static final long WAIT_S = 30;

    /** Polls until {@code ok} holds (bounded): waits for the state itself. */
    private static SchedulerMetrics awaitMetrics(GoScheduler s, Predicate<SchedulerMetrics> ok, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        SchedulerMetrics m = s.metrics();
        while (!ok.test(m)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never " + what + ": " + m);
            }
            Thread.onSpinWait();
            m = s.metrics();
        }
        return m;
    }

    private static void joinAll(List<Thread> ts) throws InterruptedException {
        for (Thread t : ts) {
            assertThat(t.join(java.time.Duration.ofSeconds(WAIT_S))).as("%s ended", t).isTrue();
        }
    }

    /** Starts from a platform thread (global queue) and from goroutines (runnext) are all counted, once. */
    @Test
    void goroutinesCreatedCountsEveryStartFromAnyThread() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("metrics-created").build()) {
            for (int round = 1; round <= 5; round++) {
                List<Thread> parents = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    parents.add(Go.go(s, () -> {
                        Thread child = Go.go(s, () -> { });
                        try {
                            child.join();
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }));
                }
                joinAll(parents);
                assertThat(s.metrics().goroutinesCreated()).isEqualTo(200L * round);
                awaitMetrics(s, m -> m.goroutines() == 0, "goroutines == 0 after the joins");
            }
        }
    }

    /**
     * 50 goroutines parked on a latch are waiting, not runnable or running; released, each is resumed once, and
     * with every submission sampled each start and each resume has a schedule latency.
     */
    @Test
    void parkedGoroutinesAreWaitingAndEachStartAndResumeIsTimed() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).latencySampling(1).name("metrics-waiting").build()) {
            CountDownLatch release = new CountDownLatch(1);
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ts.add(Go.go(s, () -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            SchedulerMetrics m = awaitMetrics(s, x -> x.waiting() == 50 && x.running() == 0 && x.runnable() == 0,
                    "50 waiting");
            assertThat(m.goroutines()).isEqualTo(50);
            assertThat(m.goroutinesCreated()).isEqualTo(50);
            assertThat(m.notInGo()).isZero();
            release.countDown();
            joinAll(ts);
            m = awaitMetrics(s, x -> x.goroutines() == 0, "all ended");
            assertThat(m.waiting()).isZero();
            assertThat(m.scheduleLatency().count()).as("one per start and one per resume, at least")
                    .isGreaterThanOrEqualTo(100).isEqualTo(s.stats().tasksRun());
        }
    }

    /**
     * Two goroutines computing on two Ps are running; one in {@code Syscall.blocking} is not in Go. The spinning
     * goroutines are told to stop in a {@code finally}: a failed assertion must fail the test, not leave
     * {@code close()} waiting for them forever (a loaded run once hung here for 10 minutes).
     */
    @Test
    void computingGoroutinesAreRunningAndOneInASyscallIsNotInGo() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean leave = new AtomicBoolean();
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("metrics-running").build()) {
            try {
                List<Thread> ts = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    ts.add(Go.go(s, () -> {
                        while (!stop.get()) {
                            Thread.onSpinWait();
                        }
                    }));
                }
                SchedulerMetrics m = awaitMetrics(s, x -> x.running() == 2, "2 running");
                assertThat(m.notInGo()).isZero();
                assertThat(m.waiting()).isZero();
                stop.set(true);
                joinAll(ts);
                // join() returns once a goroutine has terminated; its carrier counts it out a moment later (Go's
                // NumGoroutine right after wg.Wait() has the same window). Wait for that, don't race it.
                awaitMetrics(s, x -> x.goroutines() == 0 && x.running() == 0, "the computing goroutines gone");

                Thread sys = Go.go(s, () -> Syscall.blocking(() -> {
                    while (!leave.get()) {
                        Thread.onSpinWait();
                    }
                }));
                // One snapshot reads the counts one after another, so it may catch the goroutine both just before
                // its syscall (running) and in it (not in Go): wait for the settled state, which must come.
                m = awaitMetrics(s, x -> x.notInGo() == 1 && x.running() == 0, "1 not in Go and none running");
                assertThat(m.goroutines()).isEqualTo(1);
                leave.set(true);
                joinAll(List.of(sys));
                awaitMetrics(s, x -> x.notInGo() == 0 && x.goroutines() == 0, "the syscall goroutine gone");
            } finally {
                stop.set(true);
                leave.set(true);
            }
        }
    }
}
