package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.TaskSupport;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pieces of a goroutine dump that need no running goroutine: the header and duration rules, JSON string
 * escaping, the reason inference from a stack, and a goroutine that ends while a dump reads it. End-to-end dumps:
 * loom-bridge's {@code observe} tests and select's {@code GoroutineDumpChannelsTest}.
 */
class GoroutineDumpFormatTest {
    private static StackTraceElement f(String cls, String method) {
        return new StackTraceElement(cls, method, null, -1);
    }

    private static final StackTraceElement[] PARK_PLUMBING = {
            f("java.lang.VirtualThread", "park"),
            f("java.lang.System$1", "parkVirtualThread"),
            f("java.util.concurrent.locks.LockSupport", "park"),
    };

    private static StackTraceElement[] parkedIn(StackTraceElement... below) {
        StackTraceElement[] s = new StackTraceElement[PARK_PLUMBING.length + below.length];
        System.arraycopy(PARK_PLUMBING, 0, s, 0, PARK_PLUMBING.length);
        System.arraycopy(below, 0, s, PARK_PLUMBING.length, below.length);
        return s;
    }

    @Test
    void durationsPrintSecondsThenWholeMinutesAndNothingUnderASecond() {
        assertThat(GoroutineDump.durationText(-1)).isNull();
        assertThat(GoroutineDump.durationText(999)).isNull();
        assertThat(GoroutineDump.durationText(1_000)).isEqualTo("1 second");
        assertThat(GoroutineDump.durationText(59_999)).isEqualTo("59 seconds");
        assertThat(GoroutineDump.durationText(60_000)).isEqualTo("1 minute");
        assertThat(GoroutineDump.durationText(119_999)).isEqualTo("1 minute");
        assertThat(GoroutineDump.durationText(125_000)).isEqualTo("2 minutes");
    }

    private static GoroutineInfo info(String name, GoroutineState st, WaitReason r, long waitMillis) {
        return new GoroutineInfo(18, name, "s", st, r, waitMillis, false, List.of(), Thread.State.WAITING, null, -1,
                1, false, List.of());
    }

    @Test
    void headersFollowGo() {
        assertThat(info("", GoroutineState.WAITING, WaitReason.CHAN_RECEIVE, 125_000).header())
                .isEqualTo("goroutine 18 [chan receive, 2 minutes]:");
        assertThat(info("worker", GoroutineState.WAITING, WaitReason.SELECT_NO_CASES, 10).header())
                .isEqualTo("goroutine 18 \"worker\" [select (no cases)]:");
        assertThat(info("", GoroutineState.RUNNING, null, -1).header()).isEqualTo("goroutine 18 [running]:");
        assertThat(info("", GoroutineState.RUNNABLE, null, -1).header()).isEqualTo("goroutine 18 [runnable]:");
        assertThat(info("", GoroutineState.SYSCALL, WaitReason.SYSCALL, 3_500).header())
                .isEqualTo("goroutine 18 [syscall, 3 seconds]:");
    }

    @Test
    void jsonStringsAreEscaped() {
        assertThat(DumpJson.str("a\"b\\c\n\t\u0001/é")).isEqualTo("\"a\\\"b\\\\c\\n\\t\\u0001/é\"");
    }

    @Test
    void reasonsAreInferredFromStateBlockerAndTopFrames() {
        assertThat(GoroutineDump.infer(Thread.State.BLOCKED, null, new StackTraceElement[0]))
                .isEqualTo(WaitReason.SYNC_LOCK);
        assertThat(GoroutineDump.infer(Thread.State.TIMED_WAITING, null, new StackTraceElement[]{
                f("java.lang.VirtualThread", "parkNanos"), f("java.lang.VirtualThread", "sleepNanos"),
                f("java.lang.Thread", "sleepNanos"), f("java.lang.Thread", "sleep"), f("app.Main", "run")}))
                .isEqualTo(WaitReason.SLEEP);
        assertThat(GoroutineDump.infer(Thread.State.WAITING, null, new StackTraceElement[]{
                f("java.lang.Object", "wait0"), f("java.lang.Object", "wait"), f("app.Main", "run")}))
                .isEqualTo(WaitReason.SYNC_WAIT);
        StackTraceElement[] aqs = parkedIn(
                f("java.util.concurrent.locks.AbstractQueuedSynchronizer", "acquire"), f("app.Main", "run"));
        assertThat(GoroutineDump.infer(Thread.State.WAITING, new ReentrantLock(), aqs))
                .isEqualTo(WaitReason.SYNC_LOCK);
        assertThat(GoroutineDump.infer(Thread.State.WAITING, new CountDownLatch(1), aqs))
                .isEqualTo(WaitReason.SYNC_WAIT);
        assertThat(GoroutineDump.infer(Thread.State.WAITING, null, parkedIn(
                f("sun.nio.ch.Poller", "poll"), f("sun.nio.ch.NioSocketImpl", "park"), f("app.Main", "run"))))
                .isEqualTo(WaitReason.IO_WAIT);
        assertThat(GoroutineDump.infer(Thread.State.WAITING, "mine", parkedIn(f("app.Main", "run"),
                f("java.util.concurrent.CountDownLatch", "await"))))
                .as("the program's own park, even if a j.u.c frame sits further down")
                .isEqualTo(WaitReason.PARK);
    }

    @Test
    void aGoroutineThatEndedWhileTheDumpReadItIsDone() throws InterruptedException {
        GoScheduler s = GoScheduler.builder().name("dump-done").maxProcs(1).build();
        try {
            Thread ended = Thread.ofPlatform().name("ended").start(() -> { });
            ended.join();
            GoroutineInfo gi = GoroutineDump.inspect(s, ended, new G(ended, Thread.currentThread()), TaskSupport.get());
            assertThat(gi.state()).isEqualTo(GoroutineState.DONE);
            assertThat(gi.waitReason()).isNull();
            assertThat(gi.stack()).isEmpty();
            assertThat(gi.name()).isEqualTo("ended");
            assertThat(gi.creatorId()).isEqualTo(Thread.currentThread().threadId());
        } finally {
            s.close();
        }
    }
}
