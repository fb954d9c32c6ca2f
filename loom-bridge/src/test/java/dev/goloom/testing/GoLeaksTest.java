package dev.goloom.testing;

import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.WaitReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link GoLeaks} and {@link GoLeakOptions} without JUnit's extension: the check, its interrupt and scheduler-close
 * behaviour, option validation, and what a top function is. Checks look only at this class's schedulers (see
 * GoLeakCheckTest's class comment).
 */
class GoLeaksTest {
    static final String NAME = "goleaks-api";
    static GoScheduler s;
    final Leaker leaks = new Leaker();

    @BeforeAll
    static void scheduler() {
        s = GoScheduler.builder().name(NAME).maxProcs(2).build();
    }

    @AfterAll
    static void close() {
        s.close();
    }

    @AfterEach
    void release() throws InterruptedException {
        Thread.interrupted();
        leaks.releaseAll();
    }

    static GoLeakOptions options() {
        return GoLeakOptions.defaults().schedulers(NAME).ignoreCurrent();
    }

    @Test
    void verifyNoneReturnsWhenTheGoroutinesStartedSinceTheSnapshotEnded() throws InterruptedException {
        Thread older = leaks.leak(s, "older");
        GoLeakOptions options = options().settle(Duration.ofSeconds(60));
        Thread t = leaks.go(s, "short-lived", () -> { });
        assertThat(t.join(Leaker.WAIT)).isTrue();
        GoLeaks.verifyNone(options);
        assertThat(GoLeaks.find(options)).isEmpty();
        assertThat(GoLeaks.snapshotIds()).contains(older.threadId()).doesNotContain(t.threadId());
    }

    @Test
    void verifyNoneThrowsAGoLeakErrorListingEachLeakAndFindReturnsThem() {
        GoLeakOptions options = options().settle(Duration.ofMillis(20));
        Thread a = leaks.leak(s, "leak-a");
        Thread b = leaks.leak(s, "");
        assertThat(GoLeaks.find(options)).extracting(gi -> gi.id()).containsExactly(a.threadId(), b.threadId());
        assertThatThrownBy(() -> GoLeaks.verifyNone(options)).isInstanceOfSatisfying(GoLeakError.class, e -> {
            assertThat(e.leaks()).extracting(gi -> gi.waitReason()).containsOnly(WaitReason.SYNC_WAIT);
            assertThat(e.getMessage()).startsWith("found unexpected goroutines:\n\ngoroutine " + a.threadId()
                    + " \"leak-a\" [sync wait").contains("\ngoroutine " + b.threadId() + " [sync wait")
                    .doesNotContain("interrupted");
        });
        assertThat(GoLeaks.find(options.ignoreIds(List.of(a.threadId(), b.threadId())))).isEmpty();
    }

    @Test
    void anInterruptEndsTheSettleWaitReportsWhatWasFoundAndKeepsTheInterruptStatus() {
        GoLeakOptions options = options().settle(Duration.ofDays(365));
        Thread t = leaks.leak(s, "found-before-the-interrupt");
        Thread.currentThread().interrupt();
        assertThatThrownBy(() -> GoLeaks.verifyNone(options)).isInstanceOf(GoLeakError.class)
                .hasMessageContaining("\"found-before-the-interrupt\" [sync wait")
                .hasMessageContaining("(the wait for them to end was interrupted after ")
                .hasMessageContaining(" ms of the settle time of " + Duration.ofDays(365).toMillis() + " ms)");
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
        assertThat(t.isAlive()).isTrue();
    }

    @Test
    void aSchedulerThatTerminatesDuringTheCheckDropsOutWithItsGoroutines() throws InterruptedException {
        GoScheduler closing = GoScheduler.builder().name("goleaks-closing").maxProcs(1).build();
        GoLeakOptions options = GoLeakOptions.defaults().schedulers("goleaks-closing").ignoreCurrent()
                .settle(Duration.ofSeconds(60));
        CountDownLatch release = leaks.latch();
        Leaker.parked(leaks.go(closing, "on-a-closing-scheduler", release::await));
        AtomicBoolean sawTheWait = new AtomicBoolean();
        Thread releaser = Leaker.releaseDuringTheCheck(Thread.currentThread(), Duration.ofSeconds(30), sawTheWait,
                () -> {
                    release.countDown();
                    closing.close();
                });
        GoLeaks.verifyNone(options);
        assertThat(releaser.join(Leaker.WAIT)).isTrue();
        assertThat(sawTheWait).isTrue();
        assertThat(closing.isTerminated()).isTrue();
    }

    @Test
    void badOptionsAreRefusedNamingTheOptionAndValue() {
        GoLeakOptions d = GoLeakOptions.defaults();
        assertThatThrownBy(() -> d.settle(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("settle: must be >= 0: PT-0.001S");
        assertThatThrownBy(() -> d.ignoreNames("ok", "(")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("ignoreNames: not a regular expression: \"(\"");
        assertThatThrownBy(() -> d.ignoreTopFunctions("run")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ignoreTopFunctions: not of the form Class.method: \"run\"");
        assertThatThrownBy(() -> d.ignoreAnyFunctions("com.example.Main.")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ignoreAnyFunctions: not of the form Class.method: \"com.example.Main.\"");
        assertThatThrownBy(() -> d.schedulers("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schedulers: a name is empty");
        assertThatNullPointerException().isThrownBy(() -> d.settle(null));
        assertThatNullPointerException().isThrownBy(() -> d.ignoreNames((String) null));
        assertThatNullPointerException().isThrownBy(() -> GoLeaks.verifyNone(null));
        assertThat(d.settle(Duration.ZERO).toString()).contains("settle=PT0S", "schedulers=all");
    }

    @Test
    void theTopFunctionIsTheInnermostFrameOutsideTheJdkAndGoloom() {
        StackTraceElement park = frame("java.lang.VirtualThread", "park");
        StackTraceElement chan = frame("dev.goloom.channels.Chan", "recv");
        StackTraceElement mine = frame("com.example.Worker", "loop");
        StackTraceElement testing = frame("dev.goloom.testing.Example", "run");
        StackTraceElement runWorker = frame("java.util.concurrent.ThreadPoolExecutor", "runWorker");
        assertThat(GoLeakOptions.topFunction(List.of(park, chan, mine))).isEqualTo("com.example.Worker.loop");
        assertThat(GoLeakOptions.topFunction(List.of(park, testing))).isEqualTo("dev.goloom.testing.Example.run");
        assertThat(GoLeakOptions.topFunction(List.of(park, runWorker))).isEqualTo("java.lang.VirtualThread.park");
        GoLeakOptions any = GoLeakOptions.defaults()
                .ignoreAnyFunctions("java.util.concurrent.ThreadPoolExecutor.runWorker");
        assertThat(any.ignores(1, "", List.of(park, runWorker))).isTrue();
        assertThat(any.ignores(1, "", List.of())).as("no frames yet: not forgiven by a function").isFalse();
    }

    private static StackTraceElement frame(String cls, String method) {
        return new StackTraceElement(cls, method, null, -1);
    }
}
