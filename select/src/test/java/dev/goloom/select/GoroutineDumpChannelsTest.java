package dev.goloom.select;

import dev.goloom.channels.Chan;
import dev.goloom.channels.ChannelInterruptedException;
import dev.goloom.channels.internal.ChanOps;
import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.ChannelRef;
import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.GoroutineInfo;
import dev.goloom.scheduler.GoroutineState;
import dev.goloom.scheduler.Goroutines;
import dev.goloom.scheduler.WaitReason;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import static dev.goloom.channels.testing.TestSupport.WAIT;
import static dev.goloom.channels.testing.TestSupport.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Goroutine dumps of goroutines blocked in channel operations and selects: the reasons, channels and start times
 * that channels and select record when they park (issue #12, item 1), in the snapshot and in the text dump.
 */
class GoroutineDumpChannelsTest {
    private static final ChanOps OPS = ChanOps.get();

    private GoScheduler sched;
    private final List<Thread> started = new ArrayList<>();

    @BeforeEach
    void setUp() {
        sched = GoScheduler.builder().maxProcs(2).name("dump-chan").build();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        sched.shutdownNow(); // interrupts every blocked goroutine
        for (Thread t : started) {
            assertThat(t.join(WAIT)).as("%s ended after interrupt", t).isTrue();
        }
        sched.close();
    }

    private Thread go(String name, Blocking body) {
        Thread t = GoVirtualThreads.ofVirtual(sched).name(name).start(() -> {
            try {
                body.run();
            } catch (InterruptedException | ChannelInterruptedException expected) {
                // the test ends by interrupting every goroutine
            }
        });
        started.add(t);
        return t;
    }

    @FunctionalInterface
    interface Blocking {
        void run() throws InterruptedException;
    }

    /** The goroutine's entry once {@code ready} holds for it; fails after the bounded wait. */
    private GoroutineInfo awaitInfo(Thread t, Predicate<GoroutineInfo> ready) {
        GoroutineInfo[] found = new GoroutineInfo[1];
        awaitTrue("dump entry of " + t, () -> {
            for (GoroutineInfo gi : Goroutines.snapshot(sched)) {
                if (gi.id() == t.threadId() && ready.test(gi)) {
                    found[0] = gi;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    private GoroutineInfo awaitWaiting(Thread t, WaitReason reason) {
        return awaitInfo(t, gi -> gi.state() == GoroutineState.WAITING && gi.waitReason() == reason);
    }

    @Test
    void everyChannelAndSelectWaitShowsItsRecordedReasonAndChannels() throws Exception {
        Chan<Integer> recvOn = Chan.make();
        Chan<Integer> sendOn = Chan.make();
        Chan<Integer> full = Chan.make(1);
        full.send(0);
        Chan<Integer> selRecv = Chan.make();
        Chan<Integer> selSend = Chan.make(2);
        selSend.send(1);
        selSend.send(2);
        Chan<Integer> disabled = Chan.make();
        Chan<Integer> timedRecv = Chan.make();
        Chan<Integer> timedSelect = Chan.make();
        Chan<Integer> ranged = Chan.make();

        Map<Thread, Object[]> expected = new LinkedHashMap<>(); // thread -> {reason, channels...}
        expected.put(go("recv", recvOn::recv), new Object[]{WaitReason.CHAN_RECEIVE, recvOn, false});
        expected.put(go("send", () -> sendOn.send(7)), new Object[]{WaitReason.CHAN_SEND, sendOn, true});
        expected.put(go("send-full", () -> full.send(1)), new Object[]{WaitReason.CHAN_SEND, full, true});
        expected.put(go("select", () -> Select.of().recv(selRecv).send(selSend, 3).select()),
                new Object[]{WaitReason.SELECT, selRecv, false, selSend, true});
        expected.put(go("select-empty", () -> new Select().select()), new Object[]{WaitReason.SELECT_NO_CASES});
        expected.put(go("select-disabled", () -> Select.of().recv(disabled).disable(0).select()),
                new Object[]{WaitReason.SELECT_NO_CASES});
        expected.put(go("timed-recv", () -> timedRecv.tryRecv(Duration.ofHours(1))),
                new Object[]{WaitReason.CHAN_RECEIVE, timedRecv, false});
        expected.put(go("timed-select", () -> Select.of().recv(timedSelect).select(Duration.ofHours(1))),
                new Object[]{WaitReason.SELECT, timedSelect, false});
        expected.put(go("range", () -> {
            for (Integer ignored : ranged) {
                fail("nothing is sent");
            }
        }), new Object[]{WaitReason.CHAN_RECEIVE, ranged, false});

        for (Map.Entry<Thread, Object[]> e : expected.entrySet()) {
            Object[] want = e.getValue();
            GoroutineInfo gi = awaitWaiting(e.getKey(), (WaitReason) want[0]);
            assertThat(gi.name()).isEqualTo(e.getKey().getName());
            assertThat(gi.scheduler()).isEqualTo("dump-chan");
            assertThat(gi.waitObserved()).as("%s: start recorded by the channel, not observed", gi.name()).isFalse();
            assertThat(gi.waitMillis()).isGreaterThanOrEqualTo(0);
            assertThat(gi.parkBlocker()).isNotNull();
            assertThat(gi.carrierId()).isEqualTo(-1); // parked: not mounted
            List<ChannelRef> want2 = new ArrayList<>();
            for (int i = 1; i < want.length; i += 2) {
                Chan<?> c = (Chan<?>) want[i];
                want2.add(new ChannelRef(OPS.id(c), (Boolean) want[i + 1], c.toString()));
            }
            assertThat(gi.channels()).as("%s's channels", gi.name()).containsExactlyInAnyOrderElementsOf(want2);
        }

        String text = Goroutines.dump(sched);
        for (Thread t : expected.keySet()) {
            assertThat(text).containsPattern("(?m)^goroutine " + t.threadId() + " \"" + t.getName() + "\" \\[");
        }
        assertThat(text).contains("\t- waiting to receive from " + recvOn + "\n");
        assertThat(text).contains("\t- waiting to send to " + sendOn + "\n");
        assertThat(text).containsPattern(
                "(?m)^goroutine \\d+ \"select-empty\" \\[select \\(no cases\\)(, \\d+ seconds?)?\\]:$");
        assertThat(text).containsPattern("(?m)^goroutine \\d+ \"recv\" \\[chan receive(, \\d+ seconds?)?\\]:$");
        assertThat(text).containsPattern("(?m)^\tat dev\\.goloom\\.channels\\.Chan\\.recv\\(Chan\\.java:\\d+\\)$");

        String json = Goroutines.dumpJson(sched);
        assertThat(json).contains("{\"id\": \"" + OPS.id(selRecv) + "\", \"direction\": \"receive\", "
                + "\"description\": \"" + selRecv + "\"}");
        assertThat(json).contains("{\"id\": \"" + OPS.id(selSend) + "\", \"direction\": \"send\", \"description\": \""
                + selSend + "\"}");
        assertThat(json).contains("\"waitReason\": \"select (no cases)\"", "\"waitReason\": \"chan send\"",
                "\"waitObserved\": false", "\"container\": \"goloom/dump-chan\"");
    }

    @Test
    void recordedWaitTimeGrowsAndReachesTheTextDump() throws Exception {
        Chan<Integer> never = Chan.make();
        Thread t = go("stuck", never::recv);
        GoroutineInfo first = awaitWaiting(t, WaitReason.CHAN_RECEIVE);
        // Wait for the thing itself: a later dump that sees the same wait as longer, then one past a second.
        GoroutineInfo later = awaitLonger(t, first.waitMillis());
        assertThat(later.waitReason()).isEqualTo(WaitReason.CHAN_RECEIVE);
        assertThat(later.waitObserved()).isFalse();
        GoroutineInfo past = awaitLonger(t, 1_000);
        assertThat(past.header()).matches("goroutine \\d+ \"stuck\" \\[chan receive, \\d+ seconds?\\]:");
    }

    private GoroutineInfo awaitLonger(Thread t, long millis) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (;;) {
            for (GoroutineInfo gi : Goroutines.snapshot(sched)) {
                if (gi.id() == t.threadId() && gi.waitMillis() > millis) {
                    return gi;
                }
            }
            if (System.nanoTime() > deadline) {
                fail("the wait of " + t + " did not grow past " + millis + " ms");
            }
            LockSupport.parkNanos(5_000_000); // a poll of the condition, not a synchronization
        }
    }

    @Test
    void deadlockedPairShowsWhoWaitsOnWhichChannel() {
        Chan<String> ping = Chan.make();
        Chan<String> pong = Chan.make();
        Thread a = go("player-a", () -> {
            ping.send("ball");  // B never receives: it sends too
            pong.recv();
        });
        Thread b = go("player-b", () -> {
            pong.send("ball");
            ping.recv();
        });
        awaitWaiting(a, WaitReason.CHAN_SEND);
        awaitWaiting(b, WaitReason.CHAN_SEND);
        String text = Goroutines.dump(sched);
        assertThat(text).containsPattern("goroutine " + a.threadId() + " \"player-a\" \\[chan send[^\\]]*\\]:\n"
                + "\t- waiting to send to " + Pattern.quote(ping.toString()));
        assertThat(text).containsPattern("goroutine " + b.threadId() + " \"player-b\" \\[chan send[^\\]]*\\]:\n"
                + "\t- waiting to send to " + Pattern.quote(pong.toString()));
    }
}
