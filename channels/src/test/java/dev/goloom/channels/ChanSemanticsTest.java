package dev.goloom.channels;

import dev.goloom.channels.testing.Failures;
import dev.goloom.channels.testing.Runner;
import dev.goloom.channels.testing.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.goloom.channels.testing.TestSupport.awaitTrue;
import static dev.goloom.channels.testing.TestSupport.awaitWaiters;
import static dev.goloom.channels.testing.TestSupport.join;
import static dev.goloom.channels.testing.TestSupport.waiters;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One test per rule of the Go spec and runtime/chan.go. */
class ChanSemanticsTest {

    // ------------------------------------------------------------------ make, len, cap

    @Test
    void makeRejectsNegativeCapacityNamingIt() {
        assertThatThrownBy(() -> Chan.make(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capacity must be >= 0, got -1");
    }

    @Test
    void lenAndCapFollowTheBuffer() throws InterruptedException {
        Chan<Integer> unbuffered = Chan.make();
        assertThat(unbuffered.cap()).isZero();
        assertThat(unbuffered.len()).isZero();

        Chan<Integer> c = Chan.make(3);
        assertThat(c.cap()).isEqualTo(3);
        c.send(1);
        c.send(2);
        assertThat(c.len()).isEqualTo(2);
        c.recv();
        assertThat(c.len()).isEqualTo(1);
        c.close();
        assertThat(c.len()).as("close keeps buffered elements").isEqualTo(1);
        assertThat(c.cap()).isEqualTo(3);
    }

    // ------------------------------------------------------------------ null elements

    @Test
    void nullElementsAreRejectedAtSend() {
        Chan<String> c = Chan.make(1);
        assertThatThrownBy(() -> c.send(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> c.trySend(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> c.trySend(null, Duration.ofMillis(1))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> c.trySend("x", null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThatThrownBy(() -> c.tryRecv(null)).isInstanceOf(NullPointerException.class).hasMessage("timeout");
        assertThat(c.len()).isZero();
    }

    // ------------------------------------------------------------------ FIFO

    @Test
    void bufferedChannelIsFifoAcrossWrapAround() throws InterruptedException {
        Chan<Integer> c = Chan.make(4);
        int next = 0;
        for (int round = 0; round < 10; round++) {
            for (int i = 0; i < 3; i++) {
                c.send(round * 3 + i);
            }
            for (int i = 0; i < 3; i++) {
                assertThat(c.recv()).isEqualTo(next++);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void eachSendersValuesArriveInItsOrder(Runner runner) throws Exception {
        for (int cap : new int[] {0, 1, 8}) {
            Chan<long[]> c = Chan.make(cap);
            int senders = 4;
            int perSender = 2_000;
            Failures f = new Failures();
            List<Thread> ts = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                int id = s;
                ts.add(runner.start(f.wrap(() -> {
                    for (int i = 0; i < perSender; i++) {
                        c.send(new long[] {id, i});
                    }
                })));
            }
            int[] last = {-1, -1, -1, -1};
            for (int n = 0; n < senders * perSender; n++) {
                long[] v = c.recv();
                assertThat(v[1]).as("sender %d order", v[0]).isEqualTo(last[(int) v[0]] + 1);
                last[(int) v[0]] = (int) v[1];
            }
            for (Thread t : ts) {
                join(t);
            }
            f.check();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2})
    void blockedSendersAreServedInArrivalOrder(int cap) throws Exception {
        Chan<Integer> c = Chan.make(cap);
        for (int i = 0; i < cap; i++) {
            c.send(-1 - i);
        }
        Failures f = new Failures();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int v = i;
            ts.add(Runner.JDK_VIRTUAL.start(f.wrap(() -> c.send(v))));
            awaitWaiters(c, i + 1); // queue them one at a time so arrival order is known
        }
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 5 + cap; i++) {
            got.add(c.recv());
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < cap; i++) {
            expected.add(-1 - i);
        }
        expected.addAll(List.of(0, 1, 2, 3, 4));
        assertThat(got).as("buffer first, then waiting senders in FIFO order (full-buffer rotate)")
                .isEqualTo(expected);
        for (Thread t : ts) {
            join(t);
        }
        f.check();
        assertThat(waiters(c)).isZero();
    }

    @Test
    void blockedReceiversAreServedInArrivalOrder() throws Exception {
        Chan<Integer> c = Chan.make();
        Failures f = new Failures();
        int[] got = new int[5];
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            int slot = i;
            ts.add(Runner.JDK_VIRTUAL.start(f.wrap(() -> got[slot] = c.recv())));
            awaitWaiters(c, i + 1);
        }
        for (int i = 0; i < 5; i++) {
            c.send(100 + i);
        }
        for (Thread t : ts) {
            join(t);
        }
        f.check();
        assertThat(got).containsExactly(100, 101, 102, 103, 104);
    }

    // ------------------------------------------------------------------ unbuffered rendezvous

    @Test
    void zeroCapacityTryOpsNeedAPartner() throws Exception {
        Chan<String> c = Chan.make();
        assertThat(c.trySend("x")).as("no receiver waiting").isFalse();
        assertThat(c.tryRecv()).as("no sender waiting").isNull();
        assertThat(c.isClosed()).isFalse();

        AtomicReference<String> got = new AtomicReference<>();
        Thread r = Runner.JDK_VIRTUAL.start(() -> {
            try {
                got.set(c.recv());
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        awaitWaiters(c, 1);
        assertThat(c.trySend("hello")).as("a parked receiver makes trySend succeed").isTrue();
        join(r);
        assertThat(got.get()).isEqualTo("hello");

        Thread s = Runner.JDK_VIRTUAL.start(() -> {
            try {
                c.send("world");
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        awaitWaiters(c, 1);
        assertThat(c.tryRecv()).as("a parked sender makes tryRecv succeed").isEqualTo("world");
        join(s);
    }

    /** Fields read by the rendezvous test; deliberately plain (not volatile). */
    static final class Box {
        int beforeSend;
        int beforeRecv;
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void unbufferedHandOffSynchronizesBothWays(Runner runner) throws Exception {
        // Go memory model: a send is synchronized before the completion of the matching receive, and on an
        // unbuffered channel the receive is synchronized before the completion of the send. Both sides write a
        // plain field before their operation and read the other's after it.
        Chan<Integer> c = Chan.make();
        Box shared = new Box();
        int rounds = 5_000;
        Failures f = new Failures();
        Thread receiver = runner.start(f.wrap(() -> {
            for (int i = 1; i <= rounds; i++) {
                shared.beforeRecv = i;
                int v = c.recv();
                if (shared.beforeSend < v) {
                    throw new AssertionError("receiver missed the sender's write: " + shared.beforeSend + " < " + v);
                }
            }
        }));
        for (int i = 1; i <= rounds; i++) {
            shared.beforeSend = i;
            c.send(i);
            assertThat(shared.beforeRecv).as("sender sees the receiver's write").isGreaterThanOrEqualTo(i);
        }
        join(receiver);
        f.check();
    }

    @Test
    void unbufferedSendDoesNotCompleteBeforeAReceiverTakesTheValue() throws Exception {
        Chan<Integer> c = Chan.make();
        CountDownLatch sent = new CountDownLatch(1);
        Thread s = Runner.JDK_VIRTUAL.start(() -> {
            try {
                c.send(7);
                sent.countDown();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        });
        awaitWaiters(c, 1);
        assertThat(sent.getCount()).as("sender still blocked without a receiver").isEqualTo(1);
        assertThat(c.recv()).isEqualTo(7);
        assertThat(sent.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        join(s);
    }

    // ------------------------------------------------------------------ close rules

    @Test
    void sendOnClosedChannelThrowsNamingTheOperation() {
        Chan<Integer> c = Chan.make(1);
        c.close();
        assertThat(c.isClosed()).isTrue();
        assertThatThrownBy(() -> c.send(1)).isInstanceOf(ChannelClosedException.class)
                .hasMessageStartingWith("send on closed channel");
        assertThatThrownBy(() -> c.trySend(1)).as("select-with-default send on closed panics in Go too")
                .isInstanceOf(ChannelClosedException.class).hasMessageStartingWith("send on closed channel");
        assertThatThrownBy(() -> c.trySend(1, Duration.ofMillis(5))).isInstanceOf(ChannelClosedException.class);
    }

    @Test
    void closeOfClosedChannelThrowsNamingTheOperation() {
        Chan<Integer> c = Chan.make();
        c.close();
        assertThatThrownBy(c::close).isInstanceOf(ChannelClosedException.class)
                .hasMessageStartingWith("close of closed channel");
    }

    @Test
    void receiveFromClosedChannelDrainsBufferThenGivesClosedResult() throws Exception {
        Chan<Integer> c = Chan.make(3);
        c.send(1);
        c.send(2);
        c.close();
        assertThat(c.recv()).isEqualTo(1);
        assertThat(c.tryRecv()).isEqualTo(2);
        assertThat(c.recv()).as("closed and drained: ok == false").isNull();
        assertThat(c.recv()).as("and again, without blocking").isNull();
        assertThat(c.tryRecv()).isNull();
        assertThat(c.tryRecv(Duration.ofSeconds(10))).as("timed recv does not wait on a closed channel").isNull();
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void closeWakesEveryReceiverWithClosedResultAndEverySenderWithException(Runner runner) throws Exception {
        Chan<Integer> rc = Chan.make();
        Chan<Integer> sc = Chan.make();
        AtomicInteger closedResults = new AtomicInteger();
        AtomicInteger sendFailures = new AtomicInteger();
        Failures f = new Failures();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ts.add(runner.start(f.wrap(() -> {
                if (rc.recv() == null) {
                    closedResults.incrementAndGet();
                }
            })));
            ts.add(runner.start(f.wrap(() -> {
                try {
                    sc.send(1);
                } catch (ChannelClosedException e) {
                    assertThat(e).hasMessageStartingWith("send on closed channel");
                    sendFailures.incrementAndGet();
                }
            })));
        }
        awaitWaiters(rc, 5);
        awaitWaiters(sc, 5);
        rc.close();
        sc.close();
        for (Thread t : ts) {
            join(t);
        }
        f.check();
        assertThat(closedResults).hasValue(5);
        assertThat(sendFailures).hasValue(5);
        assertThat(waiters(rc)).isZero();
        assertThat(waiters(sc)).isZero();
    }

    // ------------------------------------------------------------------ range

    @ParameterizedTest
    @EnumSource(Runner.class)
    void rangeEndsWhenClosedAndDrained(Runner runner) throws Exception {
        Chan<Integer> c = Chan.make(2);
        Failures f = new Failures();
        Thread producer = runner.start(f.wrap(() -> {
            for (int i = 0; i < 100; i++) {
                c.send(i);
            }
            c.close();
        }));
        List<Integer> got = new ArrayList<>();
        for (Integer v : c) {
            got.add(v);
        }
        join(producer);
        f.check();
        assertThat(got).hasSize(100).isSorted();
        Iterator<Integer> it = c.iterator();
        assertThat(it.hasNext()).isFalse();
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
    }

    @Test
    void rangeInterruptedThrowsUncheckedWrapperAndKeepsInterruptStatus() throws Exception {
        Chan<Integer> c = Chan.make();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> flag = new AtomicReference<>();
        Thread t = Runner.JDK_VIRTUAL.start(() -> {
            try {
                for (Integer ignored : c) {
                    throw new AssertionError("no element expected");
                }
            } catch (ChannelInterruptedException e) {
                thrown.set(e);
                flag.set(Thread.currentThread().isInterrupted());
            }
        });
        awaitWaiters(c, 1);
        t.interrupt();
        join(t);
        assertThat(thrown.get()).isInstanceOf(ChannelInterruptedException.class)
                .hasCauseInstanceOf(InterruptedException.class);
        assertThat(flag.get()).isTrue();
        assertThat(waiters(c)).isZero();
    }

    // ------------------------------------------------------------------ interrupts

    @ParameterizedTest
    @EnumSource(Runner.class)
    void interruptedReceiverThrowsAndLeavesNoWaiter(Runner runner) throws Exception {
        Chan<Integer> c = Chan.make();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = runner.start(() -> {
            try {
                c.recv();
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        awaitWaiters(c, 1);
        t.interrupt();
        join(t);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class).hasMessageContaining("recv");
        assertThat(waiters(c)).isZero();
        assertThat(c.trySend(1)).as("no receiver left behind to take it").isFalse();
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void interruptedSenderThrowsAndItsValueIsNotDelivered(Runner runner) throws Exception {
        Chan<Integer> c = Chan.make(1);
        c.send(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = runner.start(() -> {
            try {
                c.send(2);
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        awaitWaiters(c, 1);
        t.interrupt();
        join(t);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class).hasMessageContaining("send");
        assertThat(waiters(c)).isZero();
        assertThat(c.recv()).isEqualTo(1);
        assertThat(c.tryRecv()).as("the interrupted send delivered nothing").isNull();
    }

    @Test
    void alreadyInterruptedThreadCompletesNonBlockingOperationsAndKeepsItsStatus() throws Exception {
        Chan<Integer> c = Chan.make(1);
        Thread.currentThread().interrupt();
        try {
            c.send(1); // room in the buffer: no waiting, so no InterruptedException
            assertThat(c.recv()).isEqualTo(1);
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            assertThatThrownBy(c::recv).as("would block: interrupt is honoured")
                    .isInstanceOf(InterruptedException.class);
            assertThat(Thread.currentThread().isInterrupted()).as("InterruptedException clears the status").isFalse();
        } finally {
            Thread.interrupted();
        }
        assertThat(waiters(c)).isZero();
    }

    // ------------------------------------------------------------------ timeouts

    @Test
    void timedReceiveTimesOutWithNullAndLeavesNoWaiter() throws Exception {
        Chan<Integer> c = Chan.make();
        long t0 = System.nanoTime();
        assertThat(c.tryRecv(Duration.ofMillis(50))).isNull();
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(Duration.ofMillis(50).toNanos());
        assertThat(c.isClosed()).as("null with isClosed() == false means timeout").isFalse();
        assertThat(waiters(c)).isZero();
    }

    @Test
    void timedSendTimesOutWithFalseAndLeavesNoWaiter() throws Exception {
        Chan<Integer> c = Chan.make();
        assertThat(c.trySend(1, Duration.ofMillis(20))).isFalse();
        assertThat(waiters(c)).isZero();
        assertThat(c.trySend(1, Duration.ZERO)).isFalse();
        assertThat(c.trySend(1, Duration.ofSeconds(-1))).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void timedOperationsSucceedWhenAPartnerArrives(Runner runner) throws Exception {
        Chan<Integer> c = Chan.make();
        Failures f = new Failures();
        Thread t = runner.start(f.wrap(() -> assertThat(c.trySend(42, TestSupport.WAIT)).isTrue()));
        assertThat(c.tryRecv(TestSupport.WAIT)).isEqualTo(42);
        join(t);
        f.check();
    }

    @ParameterizedTest
    @EnumSource(Runner.class)
    void closeWakesTimedWaiters(Runner runner) throws Exception {
        Chan<Integer> c = Chan.make();
        AtomicReference<Object> got = new AtomicReference<>("unset");
        Thread t = runner.start(() -> {
            try {
                got.set(c.tryRecv(TestSupport.WAIT));
            } catch (InterruptedException e) {
                got.set(e);
            }
        });
        awaitWaiters(c, 1);
        c.close();
        join(t);
        assertThat(got.get()).isNull();
    }

    // ------------------------------------------------------------------ timers

    @Test
    void afterDeliversOneInstantAfterTheDelay() throws Exception {
        java.time.Instant start = java.time.Instant.now();
        ReceiveChannel<java.time.Instant> c = Chans.after(Duration.ofMillis(30));
        java.time.Instant fired = c.tryRecv(TestSupport.WAIT);
        assertThat(fired).isNotNull();
        assertThat(Duration.between(start, fired)).isGreaterThanOrEqualTo(Duration.ofMillis(29));
        assertThat(c.cap()).isEqualTo(1);
        assertThat(c.isClosed()).as("time.After's channel is never closed").isFalse();
        assertThat(Chans.after(Duration.ZERO).tryRecv()).as("zero delay is ready at once").isNotNull();
    }

    @Test
    void tickerTicksUntilStopped() throws Exception {
        assertThatThrownBy(() -> Chans.tick(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tick period must be > 0");
        try (Ticker t = Chans.tick(Duration.ofMillis(5))) {
            for (int i = 0; i < 3; i++) {
                assertThat(t.c().tryRecv(TestSupport.WAIT)).isNotNull();
            }
            t.stop();
            assertThat(t.isStopped()).isTrue();
            t.c().tryRecv(); // at most one tick was buffered before stop
            assertThat(t.c().tryRecv(Duration.ofMillis(100))).as("no tick after stop").isNull();
        }
    }

    @Test
    void slowTickReceiverSeesDroppedTicksNotABacklog() throws Exception {
        try (Ticker t = Chans.tick(Duration.ofMillis(1))) {
            awaitTrue("first tick buffered", () -> t.c().len() == 1);
            // the timer keeps firing, but the buffer of one never grows
            assertThat(t.c().tryRecv(Duration.ofMillis(20))).isNotNull();
            assertThat(t.c().len()).isLessThanOrEqualTo(1);
        }
    }

    @Test
    void toStringNamesTheChannel() {
        Chan<Integer> c = Chan.make(2);
        assertThat(c.toString()).startsWith("Chan#").contains("cap=2");
        c.close();
        assertThat(c.toString()).contains("closed");
    }
}
