package dev.goloom.scheduler;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Deadlock detection's settings ({@code -Dgoloom.deadlock}, {@code -Dgoloom.deadlockGrace}, the builder) and its
 * sysmon side with plain tasks; deadlocks of goroutines on channels are in select's DeadlockDetectionTest.
 */
class DeadlockConfigTest {
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    @Test
    void offByDefaultWithAOneSecondGrace() {
        try (GoScheduler s = GoScheduler.builder().name("dl-default").maxProcs(1).build()) {
            assertThat(s.config().deadlock()).isEqualTo(DeadlockMode.OFF);
            assertThat(s.config().deadlockGrace()).isEqualTo(Duration.ofSeconds(1));
            assertThat(s.config().toString()).doesNotContain("deadlock");
        }
    }

    @Test
    void propertiesSetTheModeAndGraceAndTheBuilderWins() {
        try {
            System.setProperty("goloom.deadlock", " Warn ");
            System.setProperty("goloom.deadlockGrace", "250ms");
            try (GoScheduler s = GoScheduler.builder().name("dl-props").maxProcs(1).build()) {
                assertThat(s.config().deadlock()).isEqualTo(DeadlockMode.WARN);
                assertThat(s.config().deadlockGrace()).isEqualTo(Duration.ofMillis(250));
                assertThat(s.config().toString()).contains("deadlock=warn after PT0.25S");
            }
            try (GoScheduler s = GoScheduler.builder().name("dl-builder").maxProcs(1).deadlock(DeadlockMode.FAIL)
                    .deadlockGrace(Duration.ofSeconds(2)).build()) {
                assertThat(s.config().deadlock()).isEqualTo(DeadlockMode.FAIL);
                assertThat(s.config().deadlockGrace()).isEqualTo(Duration.ofSeconds(2));
            }
            System.setProperty("goloom.deadlock", "panic");
            assertThatThrownBy(() -> GoScheduler.builder().maxProcs(1).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("goloom.deadlock must be off, warn or fail, got 'panic'");
            System.setProperty("goloom.deadlock", "off");
            System.setProperty("goloom.deadlockGrace", "soon");
            assertThatThrownBy(() -> GoScheduler.builder().maxProcs(1).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("goloom.deadlockGrace must be a duration like 10ms, 500us or 1s, got 'soon'");
        } finally {
            System.clearProperty("goloom.deadlock");
            System.clearProperty("goloom.deadlockGrace");
        }
    }

    @Test
    void builderRejectsBadValuesNamingThem() {
        assertThatThrownBy(() -> GoScheduler.builder().deadlockGrace(Duration.ofNanos(999_999)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("deadlockGrace must be >= 1ms, got PT0.000999999S");
        assertThatThrownBy(() -> GoScheduler.builder().deadlockGrace(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("deadlockGrace must be >= 1ms, got null");
        assertThatThrownBy(() -> GoScheduler.builder().deadlock(null))
                .isInstanceOf(NullPointerException.class).hasMessage("mode");
        assertThatThrownBy(() -> GoScheduler.builder().deadlockOutput(null))
                .isInstanceOf(NullPointerException.class).hasMessage("output");
    }

    /**
     * With a grace period longer than sysmon's stay awake before its all-idle sleep, the look still happens (the
     * sleep ends when it is due); a scheduler without goroutines is idle, not deadlocked; and each idle spell gets
     * one look.
     */
    @Test
    void sysmonLooksOncePerIdleSpellEvenFromItsIdleSleep() throws InterruptedException {
        Duration grace = Duration.ofNanos(3 * Sysmon.DEEP_SLEEP_AFTER_NANOS);
        StringBuilder out = new StringBuilder();
        try (GoScheduler s = GoScheduler.builder().name("dl-idle").maxProcs(2).deadlock(DeadlockMode.FAIL)
                .deadlockGrace(grace).deadlockOutput(out::append).build()) {
            runTask(s);
            awaitChecks(s, 1);
            runTask(s); // a new spell
            awaitChecks(s, 2);
            assertThat(s.stats().deadlocks()).isZero();
            assertThat(out).isEmpty();
        }
    }

    private static void runTask(GoScheduler s) throws InterruptedException {
        CountDownLatch ran = new CountDownLatch(1);
        s.execute(ran::countDown);
        assertThat(ran.await(30, TimeUnit.SECONDS)).as("task ran").isTrue();
    }

    private static void awaitChecks(GoScheduler s, long n) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (s.stats().deadlockChecks() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never " + n + " deadlock checks: " + s.stats().deadlockChecks());
            }
            LockSupport.parkNanos(1_000_000); // a poll of the condition, not a synchronization
        }
    }
}
