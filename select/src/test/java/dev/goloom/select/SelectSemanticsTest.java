package dev.goloom.select;

import dev.goloom.channels.Chan;
import dev.goloom.channels.ChannelClosedException;
import dev.goloom.channels.Chans;
import dev.goloom.channels.testing.Failures;
import dev.goloom.channels.testing.Runner;
import dev.goloom.channels.testing.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static dev.goloom.channels.testing.TestSupport.awaitWaiters;
import static dev.goloom.channels.testing.TestSupport.join;
import static dev.goloom.channels.testing.TestSupport.waiters;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * One test per rule of Go's select semantics: random choice among ready cases, one winner, no waiter left behind,
 * closed and nil cases, empty, timed and default selects, interrupt clean-up.
 */
class SelectSemanticsTest {

    private static void assertNoWaiters(Chan<?>... cs) {
        for (Chan<?> c : cs) {
            assertThat(waiters(c)).as("waiters left on %s", c).isZero();
        }
    }

    // ------------------------------------------------------------------ ready cases

    @Test
    void readyReceiveCaseRunsItsHandlerAndReturnsItsIndex() throws Exception {
        Chan<String> a = Chan.make(1);
        Chan<String> b = Chan.make(1);
        b.send("hi");
        AtomicReference<String> got = new AtomicReference<>();
        int chosen = Select.of().recv(a, v -> got.set("a" + v)).recv(b, v -> got.set(v)).select();
        assertThat(chosen).isEqualTo(1);
        assertThat(got.get()).isEqualTo("hi");
        assertNoWaiters(a, b);
    }

    @Test
    void readySendCaseSendsAndRunsItsHandler() throws Exception {
        Chan<Integer> full = Chan.make(1);
        full.send(0);
        Chan<Integer> room = Chan.make(1);
        AtomicInteger sent = new AtomicInteger();
        int chosen = Select.of().send(full, 1, sent::incrementAndGet).send(room, 2, () -> sent.addAndGet(10))
                .select();
        assertThat(chosen).isEqualTo(1);
        assertThat(sent).hasValue(10);
        assertThat(room.recv()).isEqualTo(2);
        assertThat(full.len()).isEqualTo(1);
    }

    @Test
    void readyCasesAreChosenUniformlyAtRandom() throws Exception {
        int channels = 4;
        int selects = 100_000;
        List<Chan<Integer>> cs = new ArrayList<>();
        Select sel = new Select();
        int[] wins = new int[channels];
        for (int i = 0; i < channels; i++) {
            Chan<Integer> c = Chan.make(1);
            c.send(i);
            cs.add(c);
            sel.recv(c, v -> {
                wins[v]++;
                cs.get(v).trySend(v); // keep it always ready
            });
        }
        for (int n = 0; n < selects; n++) {
            sel.select();
        }
        for (int i = 0; i < channels; i++) {
            assertThat((double) wins[i] / selects).as("share of case %d", i).isCloseTo(0.25, within(0.01));
        }
    }

    // ------------------------------------------------------------------ default

    @Test
    void defaultRunsOnlyWhenNoCaseIsReady() throws Exception {
        Chan<Integer> a = Chan.make();
        Chan<Integer> b = Chan.make(1);
        AtomicInteger defaults = new AtomicInteger();
        Select sel = Select.of().recv(a).send(b, 5).onDefault(defaults::incrementAndGet);
        assertThat(sel.select()).as("b has room").isEqualTo(1);
        assertThat(sel.select()).as("b full, a has no sender").isEqualTo(Select.DEFAULT);
        assertThat(defaults).hasValue(1);
        assertThatThrownBy(() -> sel.onDefault(null)).isInstanceOf(IllegalStateException.class);
        assertNoWaiters(a, b);
    }

    @Test
    void oneCaseWithDefaultIsTheNonBlockingOperation() throws Exception {
        Chan<Integer> c = Chan.make(1);
        Select recv = Select.of().recv(c).onDefault(null);
        Select send = Select.of().send(c, 9).onDefault(null);
        assertThat(recv.select()).isEqualTo(Select.DEFAULT);
        assertThat(send.select()).isEqualTo(0);
        assertThat(send.select()).isEqualTo(Select.DEFAULT);
        assertThat(recv.select()).isEqualTo(0);
        assertThat(recv.<Integer>received()).isEqualTo(9);
        c.close();
        assertThat(recv.select()).as("closed channel: the receive case is ready").isEqualTo(0);
        assertThat(recv.<Integer>received()).isNull();
        assertThatThrownBy(send::select).isInstanceOf(ChannelClosedException.class)
                .hasMessageStartingWith("send on closed channel");
    }

    // ------------------------------------------------------------------ closed channels

    @Test
    void receiveCaseOnClosedChannelIsReadyWithNull() throws Exception {
        Chan<Integer> open = Chan.make();
        Chan<Integer> closed = Chan.make();
        closed.close();
        AtomicReference<Object> got = new AtomicReference<>("unset");
        int chosen = Select.of().recv(open).recv(closed, got::set).select();
        assertThat(chosen).isEqualTo(1);
        assertThat(got.get()).isNull();
        assertNoWaiters(open, closed);
    }

    @Test
    void sendCaseOnClosedChannelThrows() {
        Chan<Integer> open = Chan.make();
        Chan<Integer> closed = Chan.make(5);
        closed.close();
        assertThatThrownBy(() -> Select.of().recv(open).send(closed, 1).select())
                .isInstanceOf(ChannelClosedException.class).hasMessageStartingWith("send on closed channel");
        assertNoWaiters(open, closed);
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void blockedSelectWakesOnCloseOfAReceiveCaseOrThrowsForASendCase(Runner runner) throws Exception {
        Chan<Integer> r = Chan.make();
        Chan<Integer> s = Chan.make();
        Chan<Integer> other = Chan.make();
        AtomicReference<Object> got = new AtomicReference<>("unset");
        Thread t = runner.start(() -> {
            try {
                got.set(Select.of().recv(other).recv(r).select());
            } catch (Throwable e) {
                got.set(e);
            }
        });
        awaitWaiters(r, 1);
        r.close();
        join(t);
        assertThat(got.get()).isEqualTo(1);

        Thread t2 = runner.start(() -> {
            try {
                got.set(Select.of().recv(other).send(s, 1).select());
            } catch (Throwable e) {
                got.set(e);
            }
        });
        awaitWaiters(s, 1);
        s.close();
        join(t2);
        assertThat(got.get()).isInstanceOf(ChannelClosedException.class);
        assertNoWaiters(r, s, other);
    }

    // ------------------------------------------------------------------ nil cases

    @Test
    void nullChannelCaseNeverProceeds() throws Exception {
        Chan<Integer> ready = Chan.make(1);
        ready.send(1);
        assertThat(Select.of().recv(null).onDefault(null).select()).isEqualTo(Select.DEFAULT);
        assertThat(Select.of().send(null, 1).recv(ready).select()).isEqualTo(1);
        assertThat(Select.of().recv(null).select(Duration.ofMillis(10))).isEqualTo(Select.TIMED_OUT);
    }

    @Test
    void disabledCaseActsAsNilChannelUntilEnabled() throws Exception {
        Chan<Integer> a = Chan.make(1);
        a.send(1);
        Select sel = Select.of().recv(a).onDefault(null);
        sel.disable(0);
        assertThat(sel.select()).isEqualTo(Select.DEFAULT);
        sel.enable(0);
        assertThat(sel.select()).isZero();
        assertThatThrownBy(() -> sel.disable(3)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void emptySelectBlocksUntilInterrupted(Runner runner) throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicInteger started = new AtomicInteger();
        Thread t = runner.start(() -> {
            try {
                started.incrementAndGet();
                new Select().select();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        TestSupport.awaitTrue("select started", () -> started.get() == 1);
        assertThat(t.isAlive()).isTrue();
        t.interrupt();
        join(t);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    // ------------------------------------------------------------------ timeouts

    @Test
    void afterChannelCaseTimesOut() throws Exception {
        Chan<Integer> never = Chan.make();
        AtomicInteger timeouts = new AtomicInteger();
        int chosen = Select.of().recv(never).recv(Chans.after(Duration.ofMillis(20)), t -> timeouts.incrementAndGet())
                .select();
        assertThat(chosen).isEqualTo(1);
        assertThat(timeouts).hasValue(1);
        assertNoWaiters(never);
    }

    @Test
    void timedSelectReturnsTimedOutAndLeavesNoWaiter() throws Exception {
        Chan<Integer> a = Chan.make();
        Chan<Integer> b = Chan.make();
        long t0 = System.nanoTime();
        assertThat(Select.of().recv(a).send(b, 1).select(Duration.ofMillis(30))).isEqualTo(Select.TIMED_OUT);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(30).toNanos());
        assertThat(Select.of().recv(a).select(Duration.ZERO)).isEqualTo(Select.TIMED_OUT);
        assertNoWaiters(a, b);
        assertThat(b.tryRecv()).as("the timed-out send delivered nothing").isNull();
    }

    // ------------------------------------------------------------------ blocking path

    @ParameterizedTest
    @EnumSource(Runner.class)
    void blockedSelectIsCompletedByAnySenderAndLeavesNoWaiterBehind(Runner runner) throws Exception {
        Chan<Integer> a = Chan.make();
        Chan<Integer> b = Chan.make(2);
        Chan<Integer> c = Chan.make();
        for (int round = 0; round < 30; round++) {
            AtomicReference<Object> got = new AtomicReference<>();
            Select sel = Select.of().recv(a).recv(b).recv(c);
            Thread t = runner.start(() -> {
                try {
                    int i = sel.select();
                    got.set(i + ":" + sel.received());
                } catch (Throwable e) {
                    got.set(e);
                }
            });
            awaitWaiters(a, 1);
            awaitWaiters(b, 1);
            awaitWaiters(c, 1);
            Chan<Integer> target = round % 3 == 0 ? a : round % 3 == 1 ? b : c;
            target.send(round);
            join(t);
            assertThat(got.get()).isEqualTo((round % 3) + ":" + round);
            assertNoWaiters(a, b, c);
        }
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void blockedSendCaseCompletesWhenAReceiverArrives(Runner runner) throws Exception {
        Chan<Integer> out = Chan.make();
        Chan<Integer> quit = Chan.make();
        AtomicInteger sent = new AtomicInteger();
        AtomicReference<Object> got = new AtomicReference<>();
        Thread t = runner.start(() -> {
            try {
                got.set(Select.of().send(out, 42, sent::incrementAndGet).recv(quit).select());
            } catch (Throwable e) {
                got.set(e);
            }
        });
        awaitWaiters(out, 1);
        assertThat(out.recv()).isEqualTo(42);
        join(t);
        assertThat(got.get()).isEqualTo(0);
        assertThat(sent).hasValue(1);
        assertNoWaiters(out, quit);
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void exactlyOneCaseWinsWhenSeveralBecomeReadyAtOnce(Runner runner) throws Exception {
        for (int round = 0; round < 200; round++) {
            Chan<Integer> a = Chan.make();
            Chan<Integer> b = Chan.make();
            Failures f = new Failures();
            AtomicReference<Integer> selected = new AtomicReference<>();
            Thread sel = runner.start(f.wrap(() -> {
                Select s = Select.of().recv(a).recv(b);
                s.select();
                selected.set(s.received());
            }));
            awaitWaiters(a, 1);
            awaitWaiters(b, 1);
            // Two senders race to complete the same select through different channels.
            AtomicInteger delivered = new AtomicInteger();
            Thread sa = runner.start(f.wrap(() -> {
                if (a.trySend(1, TestSupport.WAIT)) {
                    delivered.incrementAndGet();
                }
            }));
            Thread sb = runner.start(f.wrap(() -> {
                if (b.trySend(2, TestSupport.WAIT)) {
                    delivered.incrementAndGet();
                }
            }));
            join(sel);
            // The loser is still blocked (as a plain sender): drain it.
            TestSupport.awaitTrue("loser queued", () -> waiters(a) + waiters(b) == 1);
            Integer other = waiters(a) == 1 ? a.recv() : b.recv();
            join(sa);
            join(sb);
            f.check();
            assertThat(delivered).hasValue(2);
            assertThat(List.of(selected.get(), other)).containsExactlyInAnyOrder(1, 2);
            assertNoWaiters(a, b);
        }
    }

    @Test
    void sameChannelInSeveralCasesIsLockedOnce() throws Exception {
        Chan<Integer> c = Chan.make(1);
        Select sel = Select.of().send(c, 1).recv(c).recv(c);
        assertThat(sel.select()).as("only the send can proceed on an empty buffer").isZero();
        int second = sel.select(); // full buffer: only the receives can proceed
        assertThat(second).isIn(1, 2);
        assertThat(sel.<Integer>received()).isEqualTo(1);
        assertNoWaiters(c);
    }

    // ------------------------------------------------------------------ interrupts

    @ParameterizedTest
    @EnumSource(Runner.class)
    void interruptRemovesEveryWaiterAndConsumesNothing(Runner runner) throws Exception {
        Chan<Integer> a = Chan.make();
        Chan<Integer> full = Chan.make(1);
        full.send(7);
        Chan<Integer> b = Chan.make();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicInteger handlerRuns = new AtomicInteger();
        Thread t = runner.start(() -> {
            try {
                Select.of().recv(a, v -> handlerRuns.incrementAndGet()).send(full, 8, handlerRuns::incrementAndGet)
                        .send(b, 9, handlerRuns::incrementAndGet).select();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        awaitWaiters(a, 1);
        awaitWaiters(full, 1);
        awaitWaiters(b, 1);
        t.interrupt();
        join(t);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class).hasMessageContaining("select");
        assertThat(handlerRuns).hasValue(0);
        assertNoWaiters(a, full, b);
        assertThat(full.recv()).isEqualTo(7);
        assertThat(full.tryRecv()).as("the interrupted send delivered nothing").isNull();
        assertThat(b.tryRecv()).isNull();
    }

    @Test
    void sendValueSupplierIsEvaluatedOncePerSelect() throws Exception {
        Chan<Integer> c = Chan.make(10);
        AtomicInteger calls = new AtomicInteger();
        Select sel = Select.of().sendFrom(c, calls::incrementAndGet, null);
        for (int i = 0; i < 3; i++) {
            sel.select();
        }
        assertThat(calls).hasValue(3);
        assertThat(List.of(c.recv(), c.recv(), c.recv())).containsExactly(1, 2, 3);
        assertThatThrownBy(() -> Select.of().sendFrom(c, () -> null, null).select())
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Select.of().send(c, null)).isInstanceOf(NullPointerException.class);
    }

    // ------------------------------------------------------------------ send expressions

    /**
     * Go evaluates every send case's channel and value expressions exactly once on entering the select, in source
     * order, nil-channel cases included. A prepared select's {@code sendFrom} suppliers stand for those
     * expressions: each is called once per {@code select()}, in case order, whether its case is enabled, disabled
     * or on a null channel, and whether several, one or no case is enabled (the default, the one-case fast path and
     * the no-case path included), before any channel lock is taken. The cases are added in the reverse of their
     * channels' id order, so case order and lock order disagree. Runs on its own thread so that a supplier called
     * under a channel lock (it takes every lock of the select, through {@code waiters}) shows up as a bounded-join
     * failure instead of a hang.
     */
    @Test
    void everySendSupplierIsCalledOncePerSelectInCaseOrderDisabledCasesIncluded() throws Exception {
        Failures f = new Failures();
        Thread t = Runner.PLATFORM.start(f.wrap(SelectSemanticsTest::supplierRounds));
        join(t, f);
        f.check();
    }

    private static void supplierRounds() throws Exception {
        Chan<Integer> low = Chan.make(1); // channel ids increase in creation order
        Chan<Integer> mid = Chan.make(1);
        Chan<Integer> high = Chan.make(1);
        Chan<Integer> never = Chan.make(); // a receive case nobody sends to
        List<Chan<Integer>> all = List.of(low, mid, high, never);
        List<Integer> calls = new ArrayList<>();
        int[] round = {0};
        Select sel = new Select()
                .sendFrom(high, logged(calls, 0, round, all), null) // case 0
                .recv(never)                                         // case 1
                .sendFrom(mid, logged(calls, 2, round, all), null)   // case 2
                .sendFrom(null, logged(calls, 3, round, all), null)  // case 3: nil channel, never proceeds
                .sendFrom(low, logged(calls, 4, round, all), null)   // case 4
                .onDefault(null);
        List<Chan<Integer>> chanOfCase = Arrays.asList(high, null, mid, null, low);
        int[] toggled = {0, 1, 2, 4};
        int rounds = 16 * 200; // every enabled/disabled combination of cases 0, 1, 2 and 4, 200 times each
        int[] wins = new int[5];
        int defaults = 0;
        for (int r = 0; r < rounds; r++) {
            int mask = 15 - r % 16; // round 0: all enabled
            boolean anySend = false;
            for (int b = 0; b < toggled.length; b++) {
                int i = toggled[b];
                if ((mask & (1 << b)) != 0) {
                    sel.enable(i);
                    anySend |= i != 1;
                } else {
                    sel.disable(i);
                }
            }
            round[0] = r;
            calls.clear();
            int chosen = sel.select();
            assertThat(calls).as("suppliers called in round %d (enabled mask %s)", r, Integer.toBinaryString(mask))
                    .containsExactly(0, 2, 3, 4);
            if (!anySend) {
                assertThat(chosen).as("round %d: no send case enabled", r).isEqualTo(Select.DEFAULT);
                defaults++;
            } else {
                assertThat(chosen).as("round %d", r).isIn(0, 2, 4);
                assertThat(mask & (1 << (chosen == 4 ? 3 : chosen))).as("round %d: chosen case enabled", r)
                        .isNotZero();
                wins[chosen]++;
                // The value sent is the one this round's supplier computed.
                assertThat(chanOfCase.get(chosen).tryRecv()).as("round %d", r).isEqualTo(r * 10 + chosen);
            }
            for (Chan<Integer> c : List.of(low, mid, high)) {
                assertThat(c.len()).as("round %d: only the chosen case sent", r).isZero();
            }
        }
        assertThat(defaults).isEqualTo(rounds / 16 * 2); // masks with none of cases 0, 2, 4
        assertThat(wins[0] + wins[2] + wins[4]).isEqualTo(rounds - defaults);
        assertNoWaiters(low, mid, high, never);

        // No enabled case and no default: a timed select times out, still after calling every supplier.
        Chan<Integer> unbuffered = Chan.make();
        Select none = new Select()
                .sendFrom(unbuffered, logged(calls, 0, round, all), null)
                .sendFrom(null, logged(calls, 1, round, all), null)
                .disable(0);
        for (int r = 0; r < 100; r++) {
            calls.clear();
            assertThat(none.select(Duration.ZERO)).isEqualTo(Select.TIMED_OUT);
            assertThat(calls).as("no enabled case, round %d", r).containsExactly(0, 1);
        }

        // A select that blocks: a partner selecting over both channels arrives before or after it parks. The k-th
        // value received is the k-th select's, computed by that select's own supplier calls.
        Chan<Integer> a = Chan.make();
        Chan<Integer> b = Chan.make();
        int blocking = 300;
        int[] got = new int[blocking];
        Failures f = new Failures();
        Thread partner = Runner.PLATFORM.start(f.wrap(() -> {
            Select recv = Select.of().recv(a).recv(b);
            for (int k = 0; k < blocking; k++) {
                recv.select();
                got[k] = recv.<Integer>received();
            }
        }));
        Select blocked = new Select()
                .sendFrom(b, logged(calls, 0, round, List.of(a, b)), null) // b was made after a: higher id
                .sendFrom(null, logged(calls, 1, round, List.of(a, b)), null)
                .sendFrom(a, logged(calls, 2, round, List.of(a, b)), null);
        int[] chosenBlocked = new int[blocking];
        for (int k = 0; k < blocking; k++) {
            round[0] = k;
            calls.clear();
            chosenBlocked[k] = blocked.select();
            assertThat(calls).as("blocking select %d", k).containsExactly(0, 1, 2);
        }
        join(partner, f);
        f.check();
        for (int k = 0; k < blocking; k++) {
            assertThat(chosenBlocked[k]).isIn(0, 2);
            assertThat(got[k]).as("value of blocking select %d", k).isEqualTo(k * 10 + chosenBlocked[k]);
        }
        assertNoWaiters(a, b);
    }

    /**
     * A supplier for case {@code i} that logs its call, checks that no lock of {@code locks} is held (taking each
     * one would spin forever if this thread held it), and returns {@code round * 10 + i}.
     */
    private static Supplier<Integer> logged(List<Integer> calls, int i, int[] round, List<Chan<Integer>> locks) {
        return () -> {
            for (Chan<Integer> c : locks) {
                waiters(c);
            }
            calls.add(i);
            return round[0] * 10 + i;
        };
    }

    // ------------------------------------------------------------------ cases on one channel

    /**
     * Go's {@code TestPseudoRandomSend}, on the path where the select blocks first: three send cases on one
     * unbuffered channel (and a receive case on another channel between them) are queued on that channel, and a
     * receiver that arrives afterwards takes the head of the queue. Go permutes cases on one channel through its
     * lock-order sort seeded with the random poll order; goloom shuffles them uniformly, so each of the three
     * cases must be at the head in about a third of the trials.
     *
     * <p>Band: with a uniform shuffle, the head count of each case is Binomial(n = 3000, p = 1/3): mean 1000,
     * standard deviation sqrt(3000 * 1/3 * 2/3) = 25.8. Accepting [820, 1180] (+/-180, about 7 sigma): by
     * Hoeffding, P(|X - 1000| >= 180) <= 2 exp(-2 * 180^2 / 3000) = 2 exp(-21.6) < 1e-9 per case, so under
     * 3e-9 for the three cases of one run and under 1e-8 for the three runners. Scheduling and load change only
     * when the receiver arrives, never the queue order, which the receiver reads only after all three waiters are
     * queued. A case order kept every time puts all 3000 on one case.
     */
    @ParameterizedTest
    @EnumSource(Runner.class)
    void sendCasesOnOneChannelAreQueuedInRandomOrder(Runner runner) throws Exception {
        int trials = 3000;
        Chan<Integer> c = Chan.make();
        Chan<Integer> other = Chan.make();
        int[] trial = {0};
        int[] caseOfPosition = {0, 2, 3};
        Select sel = new Select()
                .sendFrom(c, () -> trial[0] * 3, null)      // case 0: position 0 on c
                .recv(other)                                 // case 1
                .sendFrom(c, () -> trial[0] * 3 + 1, null)  // case 2: position 1
                .sendFrom(c, () -> trial[0] * 3 + 2, null); // case 3: position 2
        int[] chosen = new int[trials];
        Failures f = new Failures();
        Thread selector = runner.start(f.wrap(() -> {
            for (int i = 0; i < trials; i++) {
                trial[0] = i;
                chosen[i] = sel.select();
            }
        }));
        int[] received = new int[trials];
        int[] head = new int[3];
        for (int i = 0; i < trials; i++) {
            awaitWaiters(c, 3); // select i is parked with its three waiters on c; the receive takes the head
            Integer v = c.recv();
            assertThat(v / 3).as("trial of the value received").isEqualTo(i);
            received[i] = v;
            head[v % 3]++;
        }
        join(selector, f);
        f.check();
        for (int i = 0; i < trials; i++) {
            assertThat(chosen[i]).as("case chosen in trial %d", i).isEqualTo(caseOfPosition[received[i] % 3]);
        }
        assertThat(head[0] + head[1] + head[2]).isEqualTo(trials);
        for (int p = 0; p < 3; p++) {
            assertThat(head[p]).as("trials taken by case %d (head counts %s)", caseOfPosition[p],
                    Arrays.toString(head)).isBetween(820, 1180);
        }
        assertNoWaiters(c, other);
        assertThat(c.tryRecv()).isNull();
    }

    @Test
    void toStringListsTheCases() {
        Chan<Integer> c = Chan.make();
        assertThat(Select.of().recv(c).send(null, 1).onDefault(null).toString())
                .contains("0: recv Chan#").contains("1: send nil").endsWith("default]");
    }
}
