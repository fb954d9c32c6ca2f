package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.Carrier;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link GoScheduler#metrics()} with plain tasks: the goroutine gauges and the sampled schedule latency
 * (goroutine counts with virtual threads are in loom-bridge's GoroutineMetricsTest).
 */
class SchedulerMetricsTest {

    private static final long WAIT_S = 30;

    private static void await(CountDownLatch l) throws InterruptedException {
        assertThat(l.await(WAIT_S, TimeUnit.SECONDS)).as("latch released in time").isTrue();
    }

    /** Polls {@code s.metrics()} until {@code ok} holds (bounded): waits for the state itself, never a time. */
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

    /**
     * With every submission sampled, every queue path carries wrapped tasks (external puts, runnext, the local
     * ring and its spills, yields to the global queue, steals): each task still runs exactly as often as it was
     * submitted, and exactly one latency is recorded per run.
     */
    @Test
    void everyTaskRunsExactlyOnceWhenEverySubmissionIsSampled() throws Exception {
        int parents = 2_000;
        int children = 5;
        int yields = 3;
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).latencySampling(1).name("sampled-all").build()) {
            for (int round = 0; round < 10; round++) {
                AtomicIntegerArray runs = new AtomicIntegerArray(parents * (children + 1));
                CountDownLatch done = new CountDownLatch(parents * (children + 1));
                long tasksBefore = s.stats().tasksRun();
                long latencyBefore = s.metrics().scheduleLatency().count();
                for (int p = 0; p < parents; p++) {
                    int pid = p * (children + 1);
                    s.execute(() -> { // external: global queue
                        runs.incrementAndGet(pid);
                        for (int c = 1; c <= children; c++) {
                            int cid = pid + c;
                            s.execute(new Runnable() { // on a carrier: runnext, ring, spills
                                int left = yields;

                                @Override
                                public void run() {
                                    if (left-- > 0) {
                                        s.execute(this); // a resubmission of itself: Gosched, global queue
                                        return;
                                    }
                                    runs.incrementAndGet(cid);
                                    done.countDown();
                                }
                            });
                        }
                        done.countDown();
                    });
                }
                await(done);
                for (int i = 0; i < runs.length(); i++) {
                    assertThat(runs.get(i)).as("task %d ran once", i).isEqualTo(1);
                }
                long tasks = s.stats().tasksRun() - tasksBefore;
                assertThat(tasks).isEqualTo((long) parents * (1 + children * (1 + yields)));
                assertThat(s.metrics().scheduleLatency().count() - latencyBefore).as("one latency per run")
                        .isEqualTo(tasks);
            }
        }
    }

    /**
     * A task queued behind a carrier that holds the only P (sysmon told to leave it alone) waits until the carrier
     * is free: its latency is at least that wait and at most the time until it ran.
     */
    @Test
    void aTaskQueuedBehindABusyPHasThatWaitAsItsScheduleLatency() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).latencySampling(1)
                .blockedThreshold(Duration.ofMinutes(5)).name("latency").build()) {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch ran = new CountDownLatch(1);
            s.execute(() -> {
                holding.countDown();
                try {
                    release.await(); // blocks the carrier (a plain task on a platform thread)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await(holding);
            // A's own latency includes starting the first carrier thread: measure B's alone, as an interval.
            LatencyDistribution before = s.metrics().scheduleLatency();
            AtomicLong ranAt = new AtomicLong();
            long t0 = System.nanoTime();
            s.execute(() -> {
                ranAt.set(System.nanoTime());
                ran.countDown();
            });
            long submitted = System.nanoTime(); // the task became runnable between t0 and here
            long held = TimeUnit.MILLISECONDS.toNanos(30);
            while (System.nanoTime() - submitted < held) { // the quantity under test: how long the P stays taken
                Thread.onSpinWait();
            }
            assertThat(ran.getCount()).as("the queued task waits for the P").isOne();
            release.countDown();
            await(ran);
            assertThat(s.metrics().scheduleLatency().count()).isEqualTo(2);
            LatencyDistribution d = s.metrics().scheduleLatency().since(before);
            assertThat(d.count()).isOne();
            // An interval's max is the upper end of its top bucket: at most 1/16 above the value itself.
            assertThat(d.maxNanos()).isBetween(held, (ranAt.get() - t0) * 17 / 16);
            assertThat(d.p50Nanos()).isEqualTo(d.maxNanos());
        }
    }

    @Test
    void samplingOffMeasuresNothingAndTheDefaultMeasuresAboutOneInSixtyFour() throws Exception {
        int n = 64_000;
        try (GoScheduler off = GoScheduler.builder().maxProcs(2).latencySampling(0).name("sampling-off").build();
             GoScheduler dflt = GoScheduler.builder().maxProcs(2).name("sampling-default").build()) {
            assertThat(dflt.config().latencySampling()).isEqualTo(SchedulerConfig.DEFAULT_LATENCY_SAMPLING);
            for (GoScheduler s : new GoScheduler[] {off, dflt}) {
                CountDownLatch done = new CountDownLatch(2 * n);
                for (int i = 0; i < n; i++) {
                    s.execute(done::countDown); // external
                }
                s.execute(() -> {
                    for (int i = 0; i < n; i++) {
                        s.execute(done::countDown); // from a carrier
                    }
                });
                await(done);
            }
            assertThat(off.metrics().scheduleLatency().count()).isZero();
            // 2n + 1 submissions at 1 in 64 on average: about 2,000 samples (the gaps are random, so a band).
            assertThat(dflt.metrics().scheduleLatency().count()).isBetween(1_400L, 2_800L);
        }
        assertThatThrownBy(() -> GoScheduler.builder().latencySampling(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("latencySampling must be >= 0, got -1");
    }

    /**
     * maxProcs 1, sysmon's blocked threshold out of reach: a task holding the P is running, five tasks behind it
     * are runnable; once it marks a syscall, sysmon retakes the token for the queued work and the task counts as
     * not in Go until it returns.
     */
    @Test
    void runnableRunningAndNotInGoCountTasksWhereTheyAre() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).latencySampling(0)
                .blockedThreshold(Duration.ofMinutes(5)).name("gauges").build()) {
            AtomicBoolean enterSyscall = new AtomicBoolean();
            AtomicBoolean leave = new AtomicBoolean();
            CountDownLatch finished = new CountDownLatch(1);
            try { // a failed assertion must fail the test, not leave close() waiting for the spinning task
                s.execute(() -> {
                    while (!enterSyscall.get()) {
                        Thread.onSpinWait();
                    }
                    boolean marked = Carrier.enterSyscall(false);
                    while (!leave.get()) {
                        Thread.onSpinWait();
                    }
                    if (marked) {
                        Carrier.exitSyscall();
                    }
                    finished.countDown();
                });
                awaitMetrics(s, m -> m.running() == 1, "running == 1");
                CountDownLatch queued = new CountDownLatch(5);
                for (int i = 0; i < 5; i++) {
                    s.execute(queued::countDown);
                }
                SchedulerMetrics m = s.metrics();
                assertThat(m.runnable()).isEqualTo(5);
                assertThat(m.running()).isEqualTo(1);
                assertThat(m.notInGo()).isZero();
                assertThat(m.goroutines()).isEqualTo(6);
                assertThat(m.waiting()).isZero();
                assertThat(m.gomaxprocs()).isEqualTo(1);
                assertThat(m.threads()).isEqualTo(1);

                enterSyscall.set(true);
                await(queued); // sysmon retook the token from the syscall and another carrier ran them
                // One snapshot reads the counts one after another: wait for the settled state rather than race it.
                m = awaitMetrics(s, x -> x.goroutines() == 1 && x.notInGo() == 1 && x.running() == 0
                        && x.runnable() == 0, "only the syscall task left");
                assertThat(m.threads()).isGreaterThanOrEqualTo(2);
                assertThat(m.toString()).startsWith("METRICS gauges: gomaxprocs=1 goroutines=1 created=0 runnable=0 "
                        + "running=0 waiting=0 not-in-go=1 threads=");
                leave.set(true);
                await(finished);
                awaitMetrics(s, x -> x.goroutines() == 0 && x.notInGo() == 0 && x.running() == 0, "all done");
            } finally {
                enterSyscall.set(true);
                leave.set(true);
            }
        }
    }
}
