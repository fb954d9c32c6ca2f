package dev.goloom.channels;

import dev.goloom.channels.testing.Failures;
import dev.goloom.channels.testing.Runner;
import dev.goloom.channels.testing.TestSupport;
import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Channel timers with Go 1.23 semantics (no stale value after stop/reset; unreferenced timers collected), on
 * goloom (the scheduler's per-P timers) and off it (the shared timer thread).
 */
class TimerChannelsTest {

    private static final int ITERATIONS = TestSupport.intProp("goloom.timers.iterations", 2_000);

    /** Runs {@code body} in one thread of {@code runner} and rethrows what it threw. */
    private static void runIn(Runner runner, ThrowingRunnable body) throws Exception {
        Failures f = new Failures();
        Thread t = runner.start(f.wrap(body::run));
        TestSupport.join(t, f);
        f.check();
    }

    private static void runOn(GoScheduler s, ThrowingRunnable body) throws Exception {
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = GoVirtualThreads.ofVirtual(s).start(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                error.set(e);
            }
        });
        TestSupport.join(t);
        if (error.get() instanceof Exception e) {
            throw e;
        } else if (error.get() instanceof Error e) {
            throw e;
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Busy-waits up to {@code micros} (races the timer thread or carrier without parking). */
    private static void spinMicros(long micros) {
        long end = System.nanoTime() + micros * 1_000;
        while (System.nanoTime() < end) {
            Thread.onSpinWait();
        }
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void stopRacingTheFiringLeavesNoStaleValue(Runner runner) throws Exception {
        runIn(runner, () -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            List<Timer> timers = new ArrayList<>(ITERATIONS);
            for (int i = 0; i < ITERATIONS; i++) {
                Timer t = Chans.newTimer(Duration.ofNanos(rnd.nextLong(0, 100_000)));
                spinMicros(rnd.nextLong(0, 100));
                // Nobody received, so stop always stops it (a fired value is discarded, as Go 1.23's unbuffered
                // timer channels behave).
                assertThat(t.stop()).as("stop #%d", i).isTrue();
                assertThat(t.c().tryRecv()).as("value after stop #%d", i).isNull();
                assertThat(t.stop()).as("second stop").isFalse();
                timers.add(t);
            }
            Chans.after(Duration.ofMillis(5)).recv(); // every deadline above has passed
            for (Timer t : timers) {
                assertThat(t.c().tryRecv()).as("late stale value").isNull();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void resetRacingTheFiringLeavesNoStaleValue(Runner runner) throws Exception {
        runIn(runner, () -> {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            List<Timer> timers = new ArrayList<>(ITERATIONS);
            for (int i = 0; i < ITERATIONS; i++) {
                Timer t = Chans.newTimer(Duration.ofNanos(rnd.nextLong(0, 100_000)));
                spinMicros(rnd.nextLong(0, 100));
                assertThat(t.reset(Duration.ofHours(1))).as("reset #%d of a pending timer", i).isTrue();
                assertThat(t.c().tryRecv()).as("value after reset #%d", i).isNull();
                timers.add(t);
            }
            Chans.after(Duration.ofMillis(5)).recv();
            for (Timer t : timers) {
                assertThat(t.c().tryRecv()).as("late stale value").isNull();
                assertThat(t.stop()).as("still pending after the reset").isTrue();
            }
            // reset(0) fires at once, exactly once.
            Timer t = Chans.newTimer(Duration.ofHours(1));
            assertThat(t.reset(Duration.ZERO)).isTrue();
            assertThat(t.c().tryRecv()).isNotNull();
            assertThat(t.reset(Duration.ofMillis(1))).as("its value was received").isFalse();
            Instant v = t.c().recv();
            assertThat(v).isNotNull();
            assertThat(t.stop()).isFalse();
        });
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void afterFiresOnceAndTickerTicksUntilStopped(Runner runner) throws Exception {
        runIn(runner, () -> {
            ReceiveChannel<Instant> a = Chans.after(Duration.ofMillis(2));
            assertThat(a.recv()).isNotNull();
            assertThat(a.tryRecv()).isNull();
            try (Ticker tk = Chans.tick(Duration.ofMillis(1))) {
                for (int i = 0; i < 5; i++) {
                    assertThat(tk.c().recv()).isNotNull();
                }
                tk.stop();
                assertThat(tk.isStopped()).isTrue();
                assertThat(tk.c().tryRecv()).as("no tick after stop").isNull();
                Chans.after(Duration.ofMillis(5)).recv();
                assertThat(tk.c().tryRecv()).as("no late tick after stop").isNull();
                tk.reset(Duration.ofMillis(1));
                assertThat(tk.c().recv()).as("ticks again after reset").isNotNull();
            }
        });
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void timedTryRecvAndTrySendTimeOut(Runner runner) throws Exception {
        runIn(runner, () -> {
            Chan<Integer> c = Chan.make(1);
            long t0 = System.nanoTime();
            assertThat(c.tryRecv(Duration.ofMillis(20))).isNull();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
            c.send(1);
            t0 = System.nanoTime();
            assertThat(c.trySend(2, Duration.ofMillis(20))).isFalse();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(20).toNanos());
            assertThat(c.recv()).isEqualTo(1);
        });
    }

    @Test
    void onGoloomTimedWaitsAndTimersUseTheSchedulersTimers() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("chan-timers").build()) {
            long before = s.stats().timersRun();
            runOn(s, () -> {
                Chan<Integer> c = Chan.make();
                assertThat(c.tryRecv(Duration.ofMillis(10))).isNull();
                assertThat(c.trySend(1, Duration.ofMillis(10))).isFalse();
                assertThat(Chans.after(Duration.ofMillis(1)).recv()).isNotNull();
                Timer t = Chans.newTimer(Duration.ofMillis(1));
                assertThat(t.c().recv()).isNotNull();
            });
            assertThat(s.stats().timersRun() - before)
                    .as("two timed waits and two timer channels fired by carriers").isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void anUnreferencedNeverStoppedTimerIsCollected() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("gc").build()) {
            AtomicReference<WeakReference<Timer>> timer = new AtomicReference<>();
            AtomicReference<WeakReference<ReceiveChannel<Instant>>> chan = new AtomicReference<>();
            runOn(s, () -> {
                Timer t = Chans.newTimer(Duration.ofHours(1));
                timer.set(new WeakReference<>(t));
                chan.set(new WeakReference<>(t.c()));
            });
            assertThat(s.stats().timers()).isEqualTo(1);
            for (int i = 0; i < 50 && (timer.get().get() != null || chan.get().get() != null); i++) {
                System.gc();
            }
            assertThat(timer.get().get()).as("timer collected").isNull();
            assertThat(chan.get().get()).as("channel collected").isNull();
            // Its heap entry goes once the cleared reference is processed (at the next timer armed anywhere).
            for (int i = 0; i < 50 && s.stats().timers() != 0; i++) {
                System.gc();
                Chans.newTimer(Duration.ofHours(1)).stop();
            }
            assertThat(s.stats().timers()).isZero();
        }
    }

    @Test
    void afterInALoopDoesNotGrowTheHeaps() throws Exception {
        int n = 100_000;
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("after-loop").build()) {
            runOn(s, () -> {
                for (int i = 0; i < n; i++) {
                    Chans.after(Duration.ofHours(1)); // like a select loop whose timeout never wins
                }
            });
            for (int i = 0; i < 50 && s.stats().timers() > 1_000; i++) {
                System.gc();
                runOn(s, () -> Chans.after(Duration.ofHours(1))); // arming a timer purges collected ones
            }
            assertThat(s.stats().timers()).as("pending timers after %d unreferenced afters", n)
                    .isLessThanOrEqualTo(1_000);
        }
    }

    @Test
    void badDurationsAreRejectedNamingTheValue() {
        assertThatThrownBy(() -> Chans.tick(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT0S");
        assertThatThrownBy(() -> Chans.tick(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("PT-1S");
        try (Ticker tk = Chans.tick(Duration.ofHours(1))) {
            assertThatThrownBy(() -> tk.reset(Duration.ofMillis(-5))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("PT-0.005S");
            assertThatThrownBy(() -> tk.reset(null)).isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("period");
        }
        assertThatThrownBy(() -> Chans.newTimer(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("delay");
        assertThatThrownBy(() -> Chans.after(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("delay");
        Timer t = Chans.newTimer(Duration.ofSeconds(Long.MAX_VALUE)); // saturates: never fires
        assertThatThrownBy(() -> t.reset(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("d");
        assertThat(t.stop()).isTrue();
        Timer past = Chans.newTimer(Duration.ofSeconds(-3)); // Go: fires at once
        assertThat(past.c().tryRecv()).isNotNull();
    }

    @Test
    void timersOfATerminatedSchedulerNeverFireButStopAndResetStillWork() throws Exception {
        GoScheduler s = GoScheduler.builder().maxProcs(1).name("terminated-timers").build();
        AtomicReference<Timer> timer = new AtomicReference<>();
        runOn(s, () -> timer.set(Chans.newTimer(Duration.ofHours(1))));
        s.close();
        assertThat(s.stats().timers()).isZero();
        Timer t = timer.get();
        assertThat(t.reset(Duration.ofMillis(1))).as("it was pending when the scheduler dropped it").isTrue();
        assertThat(t.c().recv()).as("re-armed on the shared timer thread").isNotNull();
    }
}
