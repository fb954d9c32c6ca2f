package dev.goloom.scheduler;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The automatic maxProcs: sysmon re-reads the default (here a fake source) and resizes while the value is
 * automatic, never after an explicit value; and the two properties that turn the container default and the
 * updates off.
 */
class MaxProcsUpdateTest {

    private static final long WAIT_S = 60;

    /** A default that the test changes, signalling every read sysmon makes. */
    private static final class FakeDefault implements Supplier<SchedulerConfig.ProcsDefault> {
        final AtomicReference<SchedulerConfig.ProcsDefault> value;
        final Semaphore reads = new Semaphore(0);

        FakeDefault(int procs, String source) {
            value = new AtomicReference<>(new SchedulerConfig.ProcsDefault(procs, source));
        }

        @Override
        public SchedulerConfig.ProcsDefault get() {
            SchedulerConfig.ProcsDefault v = value.get();
            reads.release();
            return v;
        }

        /**
         * Sets the value, then waits for three more reads: the second began after the set, so it saw the new value,
         * and the third began after the second's resize finished (one sysmon thread does both in turn).
         */
        void setAndAwaitApplied(int procs, String source) throws InterruptedException {
            value.set(new SchedulerConfig.ProcsDefault(procs, source));
            reads.drainPermits();
            assertThat(reads.tryAcquire(3, WAIT_S, TimeUnit.SECONDS)).as("sysmon kept reading").isTrue();
        }
    }

    private static void awaitQuietly(CountDownLatch l) {
        try {
            if (!l.await(WAIT_S, TimeUnit.SECONDS)) {
                throw new AssertionError("latch not released in time");
            }
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void sysmonFollowsAnAutomaticDefaultUntilAValueIsSetExplicitly() throws Exception {
        FakeDefault fake = new FakeDefault(2, "cgroup");
        try (GoScheduler s = GoScheduler.builder().defaultMaxProcs(fake, Duration.ofMillis(2))
                .blockedThreshold(Duration.ofMinutes(10)).name("update").build()) {
            assertThat(s.maxProcs()).isEqualTo(2);
            assertThat(s.maxProcsSource()).isEqualTo("cgroup");
            assertThat(s.config().maxProcsSource()).isEqualTo("cgroup");
            // A carrier blocked in a task holds a token, so sysmon runs its rounds (it sleeps for good when all
            // tokens are free); the blocked threshold keeps it from taking that token.
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            s.execute(() -> {
                started.countDown();
                awaitQuietly(release);
            });
            assertThat(started.await(WAIT_S, TimeUnit.SECONDS)).isTrue();

            fake.setAndAwaitApplied(3, "cgroup"); // the quota grew
            assertThat(s.maxProcs()).isEqualTo(3);
            assertThat(s.stats().procs()).isEqualTo(3);
            assertThat(s.stats().procsSource()).isEqualTo("cgroup");
            s.sched().resizer.check();

            fake.setAndAwaitApplied(1, "availableProcessors"); // the limit went away on a 1-CPU machine
            assertThat(s.maxProcs()).isEqualTo(1);
            assertThat(s.maxProcsSource()).isEqualTo("availableProcessors");
            s.sched().resizer.check();

            assertThat(s.setMaxProcs(2)).isEqualTo(1);
            fake.value.set(new SchedulerConfig.ProcsDefault(4, "cgroup"));
            s.sched().resizer.update(); // what sysmon would call: it must leave an explicit value alone
            assertThat(s.maxProcs()).isEqualTo(2);
            assertThat(s.maxProcsSource()).isEqualTo("setMaxProcs");
            assertThat(s.config().maxProcs()).as("the config keeps the value built with").isEqualTo(2);
            release.countDown();
        }
    }

    @Test
    void aConfiguredValueIsNeverUpdated() {
        FakeDefault fake = new FakeDefault(4, "cgroup");
        try (GoScheduler s = GoScheduler.builder().maxProcs(3).defaultMaxProcs(fake, Duration.ofMillis(2))
                .name("configured").build()) {
            assertThat(fake.reads.availablePermits()).as("a configured value reads no default").isZero();
            s.sched().resizer.update();
            assertThat(s.maxProcs()).isEqualTo(3);
            assertThat(s.maxProcsSource()).isEqualTo("builder");
        }
    }

    @Test
    void aBrokenDefaultSourceLeavesTheValueAlone() {
        FakeDefault fake = new FakeDefault(2, "cgroup");
        try (GoScheduler s = GoScheduler.builder().defaultMaxProcs(fake, Duration.ofMillis(2)).name("broken")
                .build()) {
            fake.value.set(null); // a source returning nothing
            s.sched().resizer.update();
            assertThat(s.maxProcs()).isEqualTo(2);
            GoScheduler t = GoScheduler.builder().defaultMaxProcs(() -> {
                throw new IllegalStateException("cannot read");
            }, Duration.ofMillis(2)).name("throws").maxProcs(2).build();
            t.sched().resizer.update(); // a source that throws: no change, no exception
            assertThat(t.maxProcs()).isEqualTo(2);
            t.close();
        }
    }

    @Test
    void propertiesTurnTheContainerDefaultAndTheUpdatesOff() {
        Assumptions.assumeTrue(System.getenv("GOMAXPROCS") == null && System.getProperty("goloom.maxprocs") == null,
                "maxProcs configured from outside");
        try {
            System.setProperty("goloom.updatemaxprocs", "false");
            System.setProperty("goloom.containermaxprocs", "false");
            try (GoScheduler s = GoScheduler.builder().name("props-off").build()) {
                assertThat(s.config().procsUpdateNanos).isZero();
                assertThat(s.maxProcsSource()).isEqualTo("availableProcessors");
                assertThat(s.maxProcs()).isEqualTo(Runtime.getRuntime().availableProcessors());
            }
            System.setProperty("goloom.updatemaxprocs", "true");
            System.clearProperty("goloom.containermaxprocs");
            try (GoScheduler s = GoScheduler.builder().name("props-on").build()) {
                assertThat(s.config().procsUpdateNanos).isEqualTo(TimeUnit.SECONDS.toNanos(1));
                assertThat(s.maxProcsSource()).isIn("cgroup", "availableProcessors");
            }
            System.setProperty("goloom.containermaxprocs", "sometimes");
            assertThatThrownBy(() -> GoScheduler.builder().build()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("goloom.containermaxprocs").hasMessageContaining("sometimes");
            System.clearProperty("goloom.containermaxprocs");
            System.setProperty("goloom.updatemaxprocs", "0");
            assertThatThrownBy(() -> GoScheduler.builder().build()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("goloom.updatemaxprocs").hasMessageContaining("'0'");
        } finally {
            System.clearProperty("goloom.updatemaxprocs");
            System.clearProperty("goloom.containermaxprocs");
        }
    }

    @Test
    void builderKnobRejectsBadValues() {
        assertThatThrownBy(() -> GoScheduler.builder().defaultMaxProcs(() -> null, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    }
}
