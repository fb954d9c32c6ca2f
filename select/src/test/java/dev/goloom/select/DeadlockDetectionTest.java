package dev.goloom.select;

import dev.goloom.channels.Chan;
import dev.goloom.channels.DeadlockException;
import dev.goloom.channels.testing.TestSupport.Body;
import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.DeadlockMode;
import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.GoroutineInfo;
import dev.goloom.scheduler.GoroutineState;
import dev.goloom.scheduler.Goroutines;
import dev.goloom.scheduler.WaitReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import static dev.goloom.channels.testing.TestSupport.WAIT;
import static dev.goloom.channels.testing.TestSupport.join;
import static dev.goloom.channels.testing.TestSupport.waiters;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Deadlock detection (issue #12, item 9), Go's {@code fatal error: all goroutines are asleep - deadlock!}: sysmon
 * reports goroutines that are all asleep on channels ({@code warn}), fails their operations ({@code fail}), and
 * stays quiet while any goroutine sleeps, waits on a latch or in a timed channel wait.
 *
 * <p>Goroutines that must deadlock together are started by one launcher goroutine: while it or any of them runs or
 * is runnable, the detector only looks again later, so it sees them all blocked at once, however slowly this
 * thread runs. "Stays quiet" is measured by the detector's own count of looks ({@code stats().deadlockChecks()}),
 * never by waiting for a while.
 */
class DeadlockDetectionTest {
    private static final String HEADER = "all goroutines are asleep - deadlock!";
    /** Short, so that tests see looks quickly; the checks themselves never depend on it being short. */
    private static final Duration GRACE = Duration.ofMillis(50);

    private final List<GoScheduler> schedulers = new ArrayList<>();
    private final List<Thread> started = new ArrayList<>();
    private final Queue<String> reports = new ConcurrentLinkedQueue<>();
    private final Map<String, Throwable> thrown = new ConcurrentHashMap<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        for (GoScheduler s : schedulers) {
            s.shutdownNow(); // interrupts the goroutines a warn-mode test left blocked
        }
        for (Thread t : started) {
            join(t);
        }
        for (GoScheduler s : schedulers) {
            s.close();
        }
    }

    private GoScheduler scheduler(String name, DeadlockMode mode) {
        GoScheduler s = GoScheduler.builder().name(name).maxProcs(2).deadlock(mode).deadlockGrace(GRACE)
                .deadlockOutput(reports::add).build();
        schedulers.add(s);
        return s;
    }

    /** Starts a goroutine that records what it throws under its name (interrupts at tear-down included). */
    private Thread go(GoScheduler s, String name, Body body) {
        Thread t = GoVirtualThreads.ofVirtual(s).name(name).unstarted(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                thrown.put(name, e);
            }
        });
        synchronized (started) {
            started.add(t);
        }
        t.start();
        return t;
    }

    /** Starts {@code bodies} (name, body, name, body, ...) from one launcher goroutine; returns them in order. */
    private List<Thread> goTogether(GoScheduler s, Object... bodies) throws InterruptedException {
        List<Thread> ts = new ArrayList<>();
        join(go(s, "launcher", () -> {
            for (int i = 0; i < bodies.length; i += 2) {
                ts.add(go(s, (String) bodies[i], (Body) bodies[i + 1]));
            }
        }));
        return ts;
    }

    /** Polls {@code cond} every millisecond (leaving the CPU to sysmon) until true; fails after {@link #WAIT}. */
    private static void await(Supplier<String> what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for: " + what.get());
            }
            LockSupport.parkNanos(1_000_000); // a poll of the condition, not a synchronization
        }
    }

    private static GoroutineInfo awaitWaiting(GoScheduler s, Thread t, WaitReason reason) {
        GoroutineInfo[] found = new GoroutineInfo[1];
        await(() -> t.getName() + " waiting in " + reason + "; dump:\n" + Goroutines.dump(s), () -> {
            for (GoroutineInfo gi : Goroutines.snapshot(s)) {
                if (gi.id() == t.threadId() && gi.state() == GoroutineState.WAITING && gi.waitReason() == reason) {
                    found[0] = gi;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /**
     * Waits for the detector to reach a verdict on the scheduler as it is now (its goroutines must be settled in
     * their waits): a goroutine that runs and ends starts a new idle spell, which the detector looks at once the
     * grace period has passed. Looks that could not decide (a goroutine still runnable) are not counted.
     */
    private void awaitFreshCheck(GoScheduler s) throws InterruptedException {
        long before = s.stats().deadlockChecks();
        join(go(s, "poke", () -> { }));
        await(() -> "a deadlock check after " + before + "; dump:\n" + Goroutines.dump(s),
                () -> s.stats().deadlockChecks() > before);
    }

    private static String waitingLine(String direction, Chan<?> c) {
        return "\n\t- waiting to " + direction + " " + Pattern.quote(c.toString()) + "\n";
    }

    @Test
    void warnReportsATwoGoroutineDeadlockOnceWithBothGoroutines() throws Exception {
        GoScheduler s = scheduler("dl-warn", DeadlockMode.WARN);
        Chan<String> ping = Chan.make();
        Chan<String> pong = Chan.make();
        List<Thread> players = goTogether(s,
                "player-a", (Body) () -> {
                    ping.send("ball"); // B never receives first: it sends too
                    pong.recv();
                },
                "player-b", (Body) () -> {
                    pong.send("ball");
                    ping.recv();
                });
        Thread a = players.get(0);
        Thread b = players.get(1);

        await(() -> "a deadlock report; dump:\n" + Goroutines.dump(s), () -> !reports.isEmpty());
        String report = reports.peek();
        assertThat(report).startsWith(HEADER + " (scheduler dl-warn)\n\nSCHED dl-warn: gomaxprocs=2 ");
        assertThat(report).containsPattern("(?m)^goroutine " + a.threadId() + " \"player-a\" \\[chan send[^\\]]*\\]:"
                + waitingLine("send to", ping));
        assertThat(report).containsPattern("(?m)^goroutine " + b.threadId() + " \"player-b\" \\[chan send[^\\]]*\\]:"
                + waitingLine("send to", pong));
        assertThat(Pattern.compile("(?m)^goroutine ").matcher(report).results().count())
                .as("only the two players live: %s", report).isEqualTo(2);
        assertThat(report).contains("\tat dev.goloom.channels.Chan.send(");

        // Once per deadlock: a goroutine that runs and ends starts a new idle spell, and the next look finds the
        // same two operations blocked: nothing more is printed.
        awaitFreshCheck(s);
        assertThat(reports).hasSize(1);
        assertThat(s.stats().deadlocks()).isEqualTo(1);
        // warn fails nothing: both are still blocked, their waiters still queued.
        assertThat(waiters(ping)).isEqualTo(1);
        assertThat(waiters(pong)).isEqualTo(1);
        assertThat(thrown).isEmpty();
    }

    @Test
    void failMakesEveryBlockedOperationThrowAndLeavesTheChannelsConsistent() throws Exception {
        GoScheduler s = scheduler("dl-fail", DeadlockMode.FAIL);
        Chan<String> ping = Chan.make();
        Chan<String> pong = Chan.make();
        Chan<Integer> full = Chan.make(1);
        full.send(1);
        List<Thread> ts = goTogether(s,
                "player-a", (Body) () -> {
                    ping.send("a");
                    pong.recv();
                },
                "player-b", (Body) () -> {
                    pong.send("b");
                    ping.recv();
                },
                "filler", (Body) () -> full.send(2));
        for (Thread t : ts) {
            join(t);
        }

        String prefix = HEADER + " (scheduler dl-fail): ";
        assertThat(thrown).containsOnlyKeys("player-a", "player-b", "filler");
        assertThat(thrown.get("player-a")).isInstanceOf(DeadlockException.class)
                .hasMessage(prefix + "chan send to " + ping);
        assertThat(thrown.get("player-b")).isInstanceOf(DeadlockException.class)
                .hasMessage(prefix + "chan send to " + pong);
        assertThat(thrown.get("filler")).isInstanceOf(DeadlockException.class)
                .hasMessage(prefix + "chan send to " + full);
        assertThat(reports).hasSize(1);
        assertThat(reports.peek()).startsWith(HEADER + " (scheduler dl-fail)\n\n")
                .contains("\"player-a\" [chan send", "\"player-b\" [chan send", "\"filler\" [chan send");

        // Nothing was transferred, lost or duplicated: the queues are empty, the buffer holds its one element,
        // and a fresh pair exchanges exactly one value (the receiver is started by the sender, so the two are
        // never both blocked for long).
        assertThat(waiters(ping)).isZero();
        assertThat(waiters(pong)).isZero();
        assertThat(waiters(full)).isZero();
        Queue<String> got = new ConcurrentLinkedQueue<>();
        join(go(s, "sender", () -> {
            Thread receiver = go(s, "receiver", () -> got.add(ping.recv()));
            ping.send("x");
            receiver.join();
        }));
        assertThat(got).containsExactly("x");
        assertThat(ping.tryRecv()).isNull();
        assertThat(pong.tryRecv()).isNull();
        assertThat(full.tryRecv()).isEqualTo(1);
        assertThat(full.tryRecv()).isNull();
        assertThat(thrown).doesNotContainKeys("sender", "receiver");
        assertThat(s.stats().deadlocks()).isEqualTo(1);
    }

    @Test
    void aDeadlockedSelectIsReportedAndFailedAsASelect() throws Exception {
        GoScheduler s = scheduler("dl-select", DeadlockMode.FAIL);
        Chan<Integer> in = Chan.make();
        Chan<Integer> out = Chan.make();
        List<Thread> ts = goTogether(s,
                "selector", (Body) () -> Select.of().recv(in).send(out, 1).select(),
                "forever", (Body) () -> new Select().select()); // Go's select {}
        for (Thread t : ts) {
            join(t);
        }

        String prefix = HEADER + " (scheduler dl-select): ";
        assertThat(thrown.get("selector")).isInstanceOf(DeadlockException.class)
                .hasMessage(prefix + "select (chan receive from " + in + ", chan send to " + out + ")");
        assertThat(thrown.get("forever")).isInstanceOf(DeadlockException.class)
                .hasMessage(prefix + "select (no cases)");
        assertThat(reports).hasSize(1);
        String report = reports.peek();
        assertThat(report).containsPattern("(?m)^goroutine " + ts.get(0).threadId()
                + " \"selector\" \\[select[^\\]]*\\]:" + waitingLine("receive from", in).replaceFirst("\n$", "")
                + waitingLine("send to", out));
        assertThat(report).containsPattern("(?m)^goroutine " + ts.get(1).threadId()
                + " \"forever\" \\[select \\(no cases\\)[^\\]]*\\]:$");
        assertThat(waiters(in)).as("the select's waiters were removed").isZero();
        assertThat(waiters(out)).isZero();
        assertThat(in.tryRecv()).isNull();
    }

    @Test
    void staysQuietForASlowButLiveProgram() throws Exception {
        GoScheduler s = scheduler("dl-live", DeadlockMode.FAIL); // fail: a false alarm would break the program
        Chan<Integer> ch = Chan.make();
        Chan<Integer> results = Chan.make(1);
        CountDownLatch gate = new CountDownLatch(1); // held by this thread, outside goloom
        Thread producer = go(s, "producer", () -> {
            for (int i = 1; i <= 3; i++) {
                Thread.sleep(3 * GRACE.toMillis()); // slow: idle spells longer than the grace period
                ch.send(i);
            }
            gate.await();
            ch.send(4);
        });
        Thread consumer = go(s, "consumer", () -> {
            int sum = 0;
            for (int i = 0; i < 4; i++) {
                sum += ch.recv();
            }
            results.send(sum);
        });

        // The consumer waits on the channel, the producer on the latch: not a deadlock of goloom's goroutines.
        awaitWaiting(s, producer, WaitReason.SYNC_WAIT);
        awaitWaiting(s, consumer, WaitReason.CHAN_RECEIVE);
        awaitFreshCheck(s);
        gate.countDown();
        assertThat(results.tryRecv(WAIT)).isEqualTo(10);
        join(producer);
        join(consumer);
        assertThat(thrown).isEmpty();
        assertThat(reports).isEmpty();
        assertThat(s.stats().deadlocks()).isZero();
        assertThat(s.stats().deadlockChecks()).isPositive();
    }

    @Test
    void timedChannelWaitsAreNotDeadlocks() throws Exception {
        GoScheduler s = scheduler("dl-timed", DeadlockMode.FAIL);
        Chan<Integer> a = Chan.make();
        Chan<Integer> b = Chan.make();
        Chan<Integer> c = Chan.make();
        Chan<Integer> d = Chan.make();
        Thread timedSelect = go(s, "timed-select", () -> Select.of().recv(a).send(b, 1).select(Duration.ofHours(1)));
        Thread timedRecv = go(s, "timed-recv", () -> c.tryRecv(Duration.ofHours(1)));
        Thread plain = go(s, "plain-recv", d::recv);

        // Every goroutine is in a channel wait, but two of them have a timer pending: as in Go, not a deadlock.
        awaitWaiting(s, timedSelect, WaitReason.SELECT);
        awaitWaiting(s, timedRecv, WaitReason.CHAN_RECEIVE);
        awaitWaiting(s, plain, WaitReason.CHAN_RECEIVE);
        awaitFreshCheck(s);
        assertThat(reports).isEmpty();
        assertThat(s.stats().deadlocks()).isZero();
        assertThat(thrown).isEmpty();
        assertThat(waiters(a) + waiters(b) + waiters(c) + waiters(d)).isEqualTo(4);
    }
}
