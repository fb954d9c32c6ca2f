package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.Timers;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The per-P timer heaps with plain tasks (a plain task runs on the carrier thread itself, so {@code spi.Timers}
 * puts its timers on that carrier's P): order, exactly-once at scale, cancel, the idle sleeper, sysmon's rescue
 * of a timer whose carrier is blocked, timers from threads goloom does not own, and termination.
 */
class SchedTimersTest {

    private static final long WAIT_S = 30;
    private static final long MS = 1_000_000;

    private static void await(CountDownLatch l) throws InterruptedException {
        assertThat(l.await(WAIT_S, TimeUnit.SECONDS)).as("latch released in time").isTrue();
    }

    private static Sched sched(GoScheduler s) throws ReflectiveOperationException {
        Field f = GoScheduler.class.getDeclaredField("sched");
        f.setAccessible(true);
        return (Sched) f.get(s);
    }

    @Test
    void timersFireInDeadlineOrder() throws Exception {
        // Timer d gets delay d * spacing, added in shuffled order. A deadline is "now + delay" with "now" read
        // inside the add, so deadlines are in d order only if every add happened within one spacing of the first
        // (a carrier descheduled mid-loop breaks that): when the loop took longer, the round says nothing about
        // ordering and is repeated with a wider spacing.
        List<Integer> delays = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            delays.add(i);
        }
        Collections.shuffle(delays, new java.util.Random(3));
        for (int attempt = 0; ; attempt++) {
            long spacing = MS << attempt;
            try (GoScheduler s = GoScheduler.builder().maxProcs(1).name("order").build()) {
                List<Integer> fired = new CopyOnWriteArrayList<>();
                CountDownLatch done = new CountDownLatch(delays.size());
                long[] loopNanos = new long[1];
                s.execute(() -> {
                    long t0 = System.nanoTime();
                    for (int d : delays) {
                        assertThat(Timers.schedule(d * spacing, () -> {
                            fired.add(d);
                            done.countDown();
                        })).isNotNull();
                    }
                    loopNanos[0] = System.nanoTime() - t0;
                });
                await(done);
                if (loopNanos[0] >= spacing && attempt < 8) {
                    continue;
                }
                assertThat(loopNanos[0]).as("adding 40 timers took less than one spacing").isLessThan(spacing);
                assertThat(fired).hasSize(40).isSorted();
                assertThat(s.stats().timersRun()).isGreaterThanOrEqualTo(40);
                assertThat(s.stats().timers()).isZero();
                return;
            }
        }
    }

    @Test
    void oneHundredThousandTimersEachFireExactlyOnce() throws Exception {
        int tasks = 100;
        int per = 1_000;
        int n = tasks * per;
        AtomicIntegerArray runs = new AtomicIntegerArray(n);
        CountDownLatch done = new CountDownLatch(n);
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("many").build()) {
            for (int t = 0; t < tasks; t++) {
                int base = t * per;
                s.execute(() -> {
                    java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
                    for (int i = 0; i < per; i++) {
                        int id = base + i;
                        Timers.schedule(rnd.nextLong(0, 50 * MS), () -> {
                            runs.incrementAndGet(id);
                            done.countDown();
                        });
                    }
                });
            }
            await(done);
            for (int i = 0; i < n; i++) {
                assertThat(runs.get(i)).as("runs of timer %d", i).isEqualTo(1);
            }
            assertThat(s.stats().timersRun()).isGreaterThanOrEqualTo(n);
            assertThat(s.stats().timers()).isZero();
        }
    }

    @Test
    void cancelBeforeFiringRemovesTheTimerAndAfterFiringSaysFalse() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("cancel").build()) {
            AtomicBoolean cancelledRan = new AtomicBoolean();
            CountDownLatch fired = new CountDownLatch(1);
            AtomicReference<Timers.Timer> late = new AtomicReference<>();
            AtomicReference<Boolean> cancelled = new AtomicReference<>();
            CountDownLatch added = new CountDownLatch(1);
            s.execute(() -> {
                Timers.Timer t = Timers.schedule(TimeUnit.HOURS.toNanos(1), () -> cancelledRan.set(true));
                cancelled.set(t.cancel());
                late.set(Timers.schedule(0, fired::countDown));
                added.countDown();
            });
            await(added);
            await(fired);
            assertThat(cancelled.get()).isTrue();
            assertThat(late.get().cancel()).as("cancel after it ran").isFalse();
            assertThat(cancelledRan).isFalse();
            assertThat(s.stats().timers()).isZero();
        }
    }

    @Test
    void aTimerFiresWhileEveryCarrierIsIdle() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("idle").build()) {
            CountDownLatch fired = new CountDownLatch(3);
            s.execute(() -> {
                for (int i = 1; i <= 3; i++) {
                    Timers.schedule(i * 30 * MS, fired::countDown); // the adder returns; carriers go idle
                }
            });
            await(fired);
            assertThat(s.stats().timersRun()).isGreaterThanOrEqualTo(3);
        }
    }

    @Test
    void aTimerAddedByAThreadGoloomDoesNotOwnWakesTheScheduler() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("external").build()) {
            // Let a carrier start, finish and go idle first.
            CountDownLatch warm = new CountDownLatch(1);
            s.execute(warm::countDown);
            await(warm);
            assertThat(Timers.schedule(MS, () -> { })).as("not on goloom: the caller falls back").isNull();
            Sched sched = sched(s);
            CountDownLatch fired = new CountDownLatch(2);
            assertThat(sched.timers.addtimer(null, 20 * MS, fired::countDown, null)).isNotNull();
            assertThat(sched.timers.addtimer(null, 5 * MS, fired::countDown, null)).isNotNull();
            await(fired);
            assertThat(s.stats().timers()).isZero();
        }
    }

    @Test
    void sysmonRescuesATimerWhoseOnlyCarrierIsBlocked() throws Exception {
        // One P; its carrier blocks (a plain task parks the carrier thread itself) waiting for the timer it just
        // added to its own P: only another carrier can run it (sysmon takes the blocked carrier's token).
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).name("blocked").build()) {
            AtomicBoolean released = new AtomicBoolean();
            CountDownLatch done = new CountDownLatch(1);
            s.execute(() -> {
                CountDownLatch timer = new CountDownLatch(1);
                Timers.schedule(5 * MS, timer::countDown);
                try {
                    released.set(timer.await(WAIT_S, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            });
            await(done);
            assertThat(released).as("the timer ran while its P's carrier was blocked").isTrue();
        }
    }

    @Test
    void pendingTimersAreDroppedAtTerminationAndDoNotKeepCarriersAlive() throws Exception {
        GoScheduler s = GoScheduler.builder().maxProcs(2).name("term").build();
        AtomicBoolean ran = new AtomicBoolean();
        AtomicReference<Timers.Timer> pending = new AtomicReference<>();
        CountDownLatch shutdownFired = new CountDownLatch(1);
        CountDownLatch added = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        s.execute(() -> {
            pending.set(Timers.schedule(TimeUnit.HOURS.toNanos(1), () -> ran.set(true)));
            added.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            // Shut down but not terminated (this task is live): timers still work. (The task waits for it: once
            // it ends the scheduler terminates and drops what is pending.)
            Timers.schedule(MS, shutdownFired::countDown);
            try {
                shutdownFired.await(WAIT_S, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await(added);
        s.shutdown();
        release.countDown();
        await(shutdownFired);
        assertThat(s.awaitTermination(java.time.Duration.ofSeconds(WAIT_S))).isTrue();
        assertThat(s.stats().timers()).as("heaps dropped").isZero();
        assertThat(pending.get().cancel()).as("nothing left to cancel").isFalse();
        assertThat(ran).isFalse();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (s.stats().threads() != 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // bounded: carriers exit on termination, including the timer sleeper
            Thread.yield();
        }
        assertThat(s.stats().threads()).as("carriers exited despite a timer due in an hour").isZero();
    }
}
