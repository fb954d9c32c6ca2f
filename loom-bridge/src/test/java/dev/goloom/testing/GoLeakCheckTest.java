package dev.goloom.testing;

import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.WaitReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.opentest4j.AssertionFailedError;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * {@link GoLeakCheck} (issue #12 item 8): runs small test classes annotated with it through the JUnit Platform's
 * EngineTestKit and looks at how each test ended. The fixture classes are static nested classes, which surefire
 * and the Jupiter engine do not run on their own (only {@code @Nested} inner classes run with their outer class).
 *
 * <p>Fixtures that must pass check only the {@value #CHECKED} scheduler: a goroutine that another test class of
 * this JVM left running could start one of its own meanwhile, and the check cannot tell whose it is.
 */
class GoLeakCheckTest {
    static final String CHECKED = "goleak-checked";
    static final String OTHER = "goleak-other";
    static final String STACKS = "dev.goloom.testing.GoLeakCheckTest$Stacks.";

    static GoScheduler checked;
    static GoScheduler other;
    static final Leaker LEAKS = new Leaker();
    /** Set by the fixtures, read by the tests after the run. */
    static volatile Thread leaked;
    static volatile boolean ran;
    static final AtomicBoolean releasedDuringTheCheck = new AtomicBoolean();
    static volatile Thread releaser;

    @BeforeAll
    static void schedulers() {
        checked = GoScheduler.builder().name(CHECKED).maxProcs(2).build();
        other = GoScheduler.builder().name(OTHER).maxProcs(1).build();
    }

    @AfterAll
    static void closeSchedulers() {
        checked.close();
        other.close();
    }

    @AfterEach
    void releaseTheLeaks() throws InterruptedException {
        LEAKS.releaseAll();
        Thread r = releaser;
        if (r != null) {
            assertThat(r.join(Leaker.WAIT)).isTrue();
        }
        leaked = null;
        ran = false;
        releaser = null;
        releasedDuringTheCheck.set(false);
    }

    /** Runs the fixture's tests; their results by display name ({@code leaks()}), in the order they finished. */
    static Map<String, TestExecutionResult> run(Class<?> fixture) {
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture))
                .execute();
        assertThat(results.containerEvents().failed().count()).as("containers failed").isZero();
        Map<String, TestExecutionResult> out = new LinkedHashMap<>();
        results.testEvents().finished().stream().forEach(e -> out.put(e.getTestDescriptor().getDisplayName(),
                e.getPayload(TestExecutionResult.class).orElseThrow()));
        assertThat(out).as("tests run").isNotEmpty();
        return out;
    }

    static TestExecutionResult only(Class<?> fixture) {
        Map<String, TestExecutionResult> r = run(fixture);
        assertThat(r).hasSize(1);
        return r.values().iterator().next();
    }

    static Throwable failure(TestExecutionResult r) {
        assertThat(r.getStatus()).as("status of %s", r).isEqualTo(TestExecutionResult.Status.FAILED);
        return r.getThrowable().orElseThrow();
    }

    static void assertPassed(TestExecutionResult r) {
        assertThat(r.getStatus()).as("%s", r.getThrowable().map(Throwable::toString).orElse("no throwable"))
                .isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
    }

    // ================================================================================================= leaking

    @GoLeakCheck(settleMillis = 100)
    static class LeaksOnALatch {
        @Test
        void leaks() {
            CountDownLatch never = LEAKS.latch();
            leaked = Leaker.parked(LEAKS.go(checked, "leaky-latch", () -> blockUntilReleased(never)));
        }

        static void blockUntilReleased(CountDownLatch latch) throws InterruptedException {
            latch.await();
        }
    }

    @Test
    void aTestWhoseGoroutineOutlivesItFailsListingItsWaitReasonAndStack() {
        Thread older = LEAKS.leak(checked, "older-than-the-test");
        Throwable t = failure(only(LeaksOnALatch.class));
        assertThat(t).isInstanceOf(GoLeakError.class).isInstanceOf(AssertionError.class);
        String m = t.getMessage();
        System.out.println("GoLeakCheckTest: the failure of LeaksOnALatch.leaks():\n" + m);
        assertThat(m).startsWith("found unexpected goroutines:\n\ngoroutine ")
                .contains("\ngoroutine " + leaked.threadId() + " \"leaky-latch\" [sync wait")
                .contains("\tat java.base/java.util.concurrent.CountDownLatch.await(")
                .contains("\tat " + LeaksOnALatch.class.getName() + ".blockUntilReleased(GoLeakCheckTest.java:")
                .contains("created by thread " + Thread.currentThread().threadId() + "\n")
                .doesNotContain("older-than-the-test", "goroutine " + older.threadId() + " ");
        assertThat(((GoLeakError) t).leaks()).filteredOn(gi -> gi.id() == leaked.threadId()).singleElement()
                .satisfies(gi -> {
                    assertThat(gi.waitReason()).isEqualTo(WaitReason.SYNC_WAIT);
                    assertThat(gi.scheduler()).isEqualTo(CHECKED);
                    assertThat(m).contains(gi.traceback().substring(gi.traceback().indexOf('\n')));
                });
    }

    @GoLeakCheck(settleMillis = 50)
    static class FailsAndLeaks {
        @Test
        void leaks() {
            LEAKS.leak(checked, "left-by-a-failed-test");
            fail("the test's own failure");
        }
    }

    @Test
    void aFailedTestKeepsItsFailureWithTheLeakReportSuppressed() {
        Throwable t = failure(only(FailsAndLeaks.class));
        assertThat(t).isInstanceOf(AssertionFailedError.class).hasMessage("the test's own failure");
        assertThat(t.getSuppressed()).singleElement().isInstanceOf(GoLeakError.class)
                .satisfies(s -> assertThat(s.getMessage()).contains("\"left-by-a-failed-test\" [sync wait"));
    }

    // =================================================================================================== clean

    @GoLeakCheck(schedulers = CHECKED, settleMillis = 60_000)
    static class JoinsItsGoroutines {
        @Test
        void leaks() throws Exception {
            SynchronousQueue<Integer> handoff = new SynchronousQueue<>();
            List<Thread> ts = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                int v = i;
                ts.add(LEAKS.go(checked, "producer-" + i, () -> handoff.put(v)));
                ts.add(LEAKS.go(checked, "consumer-" + i, handoff::take));
            }
            for (Thread t : ts) {
                assertThat(t.join(Leaker.WAIT)).as("%s ended", t).isTrue();
            }
        }
    }

    @Test
    void aTestThatJoinsItsGoroutinesPassesEveryTime() {
        for (int i = 0; i < 20; i++) {
            assertPassed(only(JoinsItsGoroutines.class));
        }
    }

    @GoLeakCheck(schedulers = CHECKED, settleMillis = 60_000)
    static class GoroutineEndsDuringTheCheck {
        @Test
        void leaks() {
            CountDownLatch release = LEAKS.latch();
            LEAKS.go(checked, "ends-during-the-check", release::await);
            releaser = Leaker.releaseDuringTheCheck(Thread.currentThread(), Duration.ofSeconds(30),
                    releasedDuringTheCheck, release::countDown);
        }
    }

    @Test
    void aGoroutineThatEndsDuringTheSettleWaitIsNoLeak() throws InterruptedException {
        assertPassed(only(GoroutineEndsDuringTheCheck.class));
        assertThat(releaser.join(Leaker.WAIT)).isTrue();
        assertThat(releasedDuringTheCheck).as("released while the check waited for it").isTrue();
    }

    // ================================================================================================= ignores

    /** Frames of a known shape: the goroutine's top function is parkedHere, called by callsParkedHere. */
    static final class Stacks {
        static void callsParkedHere(CountDownLatch latch) throws InterruptedException {
            parkedHere(latch);
        }

        static void parkedHere(CountDownLatch latch) throws InterruptedException {
            latch.await();
        }

        static void leak(String name) {
            CountDownLatch never = LEAKS.latch();
            Leaker.parked(LEAKS.go(checked, name, () -> callsParkedHere(never)));
        }
    }

    @GoLeakCheck(schedulers = CHECKED, settleMillis = 50, ignoreNames = "tolerated-\\d+")
    static class LeakIgnoredByName {
        @Test
        void leaks() {
            Stacks.leak("tolerated-1");
        }
    }

    @GoLeakCheck(schedulers = CHECKED, settleMillis = 50, ignoreTopFunctions = STACKS + "parkedHere")
    static class LeakIgnoredByTopFunction {
        @Test
        void leaks() {
            Stacks.leak("parked-here");
        }
    }

    @GoLeakCheck(schedulers = CHECKED, settleMillis = 50, ignoreTopFunctions = STACKS + "callsParkedHere")
    static class NotItsTopFunction {
        @Test
        void leaks() {
            Stacks.leak("parked-here");
        }
    }

    @GoLeakCheck(schedulers = CHECKED, settleMillis = 50, ignoreAnyFunctions = STACKS + "callsParkedHere")
    static class LeakIgnoredByAnyFunction {
        @Test
        void leaks() {
            Stacks.leak("parked-here");
        }
    }

    @Test
    void leaksMatchedByAnIgnoreOptionPassAndOnlyThose() {
        assertPassed(only(LeakIgnoredByName.class));
        assertPassed(only(LeakIgnoredByTopFunction.class));
        assertPassed(only(LeakIgnoredByAnyFunction.class));
        assertThat(failure(only(NotItsTopFunction.class))).isInstanceOf(GoLeakError.class)
                .hasMessageContaining("\"parked-here\" [sync wait");
    }

    @GoLeakCheck(schedulers = CHECKED, settleMillis = 50)
    static class LeakOnAnUncheckedScheduler {
        @Test
        void leaks() {
            LEAKS.leak(other, "on-the-other-scheduler");
        }
    }

    @GoLeakCheck(settleMillis = 50)
    static class LeakOnAnyScheduler {
        @Test
        void leaks() {
            LEAKS.leak(other, "on-the-other-scheduler");
        }
    }

    @Test
    void onlyTheNamedSchedulersAreCheckedWhenSchedulersAreNamed() {
        assertPassed(only(LeakOnAnUncheckedScheduler.class));
        assertThat(failure(only(LeakOnAnyScheduler.class))).isInstanceOf(GoLeakError.class)
                .hasMessageContaining("\"on-the-other-scheduler\" [sync wait");
    }

    // ============================================================================== where the annotation sits

    @GoLeakCheck(schedulers = CHECKED, settleMillis = 50)
    static class MethodAnnotationReplacesTheClasses {
        @Test
        @GoLeakCheck(schedulers = CHECKED, settleMillis = 50, ignoreNames = "tolerated")
        void toleratedByItsOwnAnnotation() {
            LEAKS.leak(checked, "tolerated");
        }

        @Test
        void checkedByTheClassAnnotation() {
            LEAKS.leak(checked, "tolerated");
        }
    }

    @GoLeakCheck(schedulers = CHECKED, settleMillis = 50)
    static class EnclosingClassAnnotated {
        @Nested
        class Inner {
            @Test
            void leaks() {
                LEAKS.leak(checked, "leaked-by-a-nested-test");
            }
        }
    }

    @Test
    void aMethodAnnotationReplacesItsClassesAndNestedClassesInheritTheCheck() {
        Map<String, TestExecutionResult> r = run(MethodAnnotationReplacesTheClasses.class);
        assertPassed(r.get("toleratedByItsOwnAnnotation()"));
        assertThat(failure(r.get("checkedByTheClassAnnotation()"))).hasMessageContaining("\"tolerated\" [sync wait");
        assertThat(failure(only(EnclosingClassAnnotated.class)))
                .hasMessageContaining("\"leaked-by-a-nested-test\" [sync wait");
    }

    // ========================================================================================= bad attributes

    @GoLeakCheck(settleMillis = -1)
    static class NegativeSettle {
        @BeforeEach
        void setUp() {
            ran = true;
        }

        @Test
        void leaks() {
            ran = true;
        }
    }

    @GoLeakCheck(ignoreNames = "[")
    static class NotARegex {
        @Test
        void leaks() {
            ran = true;
        }
    }

    @Test
    void badAttributesFailTheTestBeforeItRunsNamingTheAttributeAndValue() {
        assertThat(failure(only(NegativeSettle.class))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("@GoLeakCheck settleMillis: must be >= 0: -1, on class ")
                .hasMessageContaining("NegativeSettle");
        assertThat(ran).as("@BeforeEach or the test ran").isFalse();
        assertThat(failure(only(NotARegex.class))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("@GoLeakCheck ignoreNames: not a regular expression: \"[\"");
        assertThat(ran).isFalse();
    }
}
