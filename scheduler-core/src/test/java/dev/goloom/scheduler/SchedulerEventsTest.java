package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.Carrier;
import jdk.jfr.Configuration;
import jdk.jfr.EventType;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The goloom.* JFR events of the scheduler, recorded with a RecordingStream (or a file) and their fields read. */
class SchedulerEventsTest {

    private static final long WAIT_S = 30;

    /** Takes the next event (bounded wait): the stream delivers them about once a second. */
    private static RecordedEvent next(BlockingQueue<RecordedEvent> q, String what) throws InterruptedException {
        RecordedEvent e = q.poll(WAIT_S, TimeUnit.SECONDS);
        assertThat(e).as("a %s event in time", what).isNotNull();
        return e;
    }

    private static void await(CountDownLatch l) throws InterruptedException {
        assertThat(l.await(WAIT_S, TimeUnit.SECONDS)).as("latch released in time").isTrue();
    }

    /** A stream of the events {@code type} of scheduler {@code scheduler}, queued as they come. */
    private static BlockingQueue<RecordedEvent> collect(RecordingStream rs, String type, String scheduler) {
        BlockingQueue<RecordedEvent> q = new LinkedBlockingQueue<>();
        rs.onEvent(type, e -> {
            if (scheduler.equals(e.getString("scheduler"))) {
                q.add(e);
            }
        });
        return q;
    }

    /**
     * One P; each time a task holds it in a different way while another task waits: blocked on a latch (the plain
     * task blocks its carrier), spinning (a CPU hog), and blocked inside a marked syscall. sysmon hands the token
     * on each time, with the reason.
     */
    @Test
    void handoffEventsCarryTheReasonThePTheCarrierAndTheTimeInTheTask() throws Exception {
        try (RecordingStream rs = new RecordingStream();
             GoScheduler s = GoScheduler.builder().maxProcs(1).name("jfr-handoff").build()) {
            rs.enable("goloom.Handoff");
            BlockingQueue<RecordedEvent> handoffs = collect(rs, "goloom.Handoff", "jfr-handoff");
            rs.startAsync();
            for (String reason : List.of("blocked", "busy", "syscall")) {
                CountDownLatch release = new CountDownLatch(1);
                CountDownLatch holding = new CountDownLatch(1);
                CountDownLatch done = new CountDownLatch(2);
                s.execute(() -> {
                    holding.countDown();
                    boolean marked = reason.equals("syscall") && Carrier.enterSyscall(false);
                    try {
                        if (reason.equals("busy")) {
                            while (release.getCount() != 0) {
                                Thread.onSpinWait();
                            }
                        } else {
                            release.await();
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        if (marked) {
                            Carrier.exitSyscall();
                        }
                        done.countDown();
                    }
                });
                await(holding);
                s.execute(done::countDown); // waits for the P: what sysmon hands the token on for
                RecordedEvent e = next(handoffs, reason + " hand-off");
                release.countDown();
                await(done);
                assertThat(e.getString("reason")).isEqualTo(reason);
                // P objects: the original, or a spare a previous hand-off made (the token moves, not the P)
                assertThat(e.getInt("proc")).isBetween(0, s.stats().localQueueLengths().size() - 1);
                assertThat(e.getThread("carrier").getJavaName()).startsWith("jfr-handoff-m");
                if (!reason.equals("syscall")) {
                    assertThat(e.getDuration("inTask")).as("past the blocked threshold")
                            .isGreaterThanOrEqualTo(s.config().blockedThreshold());
                }
                assertThat(e.getEventType().getCategoryNames()).containsExactly("goloom");
            }
        }
    }

    /** StealBatch is off by default; enabled, a carrier stealing from a busy P reports the batch. */
    @Test
    void stealBatchEventsReportThiefVictimAndSize() throws Exception {
        try (RecordingStream rs = new RecordingStream();
             GoScheduler s = GoScheduler.builder().maxProcs(2).name("jfr-steal").build()) {
            rs.enable("goloom.StealBatch");
            BlockingQueue<RecordedEvent> steals = collect(rs, "goloom.StealBatch", "jfr-steal");
            rs.startAsync();
            int n = 64;
            CountDownLatch done = new CountDownLatch(n);
            AtomicBoolean ranElsewhere = new AtomicBoolean();
            s.execute(() -> {
                Thread producer = Thread.currentThread();
                for (int i = 0; i < n; i++) {
                    s.execute(() -> { // this P's runnext and ring
                        if (Thread.currentThread() != producer) {
                            ranElsewhere.set(true);
                        }
                        done.countDown();
                    });
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
                while (!ranElsewhere.get() && System.nanoTime() < deadline) {
                    Thread.onSpinWait(); // hold this P until the other carrier has stolen
                }
            });
            await(done);
            assertThat(ranElsewhere).as("a task was stolen").isTrue();
            RecordedEvent e = next(steals, "steal batch");
            assertThat(e.getInt("size")).isBetween(1, n);
            assertThat(e.getInt("thief")).isNotEqualTo(e.getInt("victim"));
            assertThat(s.stats().steals()).isPositive();
        }
    }

    /** With the JDK's default settings (goloom's events are not in them), each event's annotations decide. */
    @Test
    void theDefaultSettingsRecordAllButStealBatches() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).name("jfr-defaults").build();
             Recording r = new Recording(Configuration.getConfiguration("default"))) {
            r.start();
            assertThat(EventType.getEventType(SchedulerEvents.StealBatchEvent.class).isEnabled()).isFalse();
            assertThat(EventType.getEventType(SchedulerEvents.HandoffEvent.class).isEnabled()).isTrue();
            EventType latency = EventType.getEventType(SchedulerEvents.ScheduleLatencyEvent.class);
            assertThat(latency.isEnabled()).isTrue();
            assertThat(latency.getSettingDescriptors()).anySatisfy(d -> {
                assertThat(d.getName()).isEqualTo("threshold");
                assertThat(d.getDefaultValue()).isEqualTo("10 ms");
            });
            assertThat(EventType.getEventType(SchedulerEvents.SchedulerStatsEvent.class).isEnabled()).isTrue();
        }
    }

    /**
     * A task queued behind a carrier that holds the only P waits well past a 20 ms threshold; tasks that start at
     * once stay under it and are not recorded. The event's duration is the wait.
     */
    @Test
    void scheduleLatencyEventsReportWaitsOverTheThresholdOnly(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("latency.jfr");
        long held = TimeUnit.MILLISECONDS.toNanos(60);
        try (Recording r = new Recording();
             GoScheduler s = GoScheduler.builder().maxProcs(1).latencySampling(1)
                     .blockedThreshold(Duration.ofMinutes(5)).name("jfr-latency").build()) {
            r.enable("goloom.ScheduleLatency").withThreshold(Duration.ofMillis(20));
            r.start();
            CountDownLatch quick = new CountDownLatch(100);
            for (int i = 0; i < 100; i++) {
                s.execute(quick::countDown);
            }
            await(quick);
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch late = new CountDownLatch(1);
            s.execute(() -> {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await(holding);
            s.execute(late::countDown);
            long submitted = System.nanoTime();
            while (System.nanoTime() - submitted < held) { // the quantity under test: how long the P stays taken
                Thread.onSpinWait();
            }
            release.countDown();
            await(late);
            r.stop();
            r.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("goloom.ScheduleLatency"))
                .filter(e -> "jfr-latency".equals(e.getString("scheduler"))).toList();
        assertThat(events).as("only the task that waited").hasSize(1);
        RecordedEvent e = events.get(0);
        assertThat(e.getDuration()).isGreaterThanOrEqualTo(Duration.ofNanos(held));
        assertThat(e.getInt("proc")).isZero();
        assertThat(e.getThread().getJavaName()).as("committed by the carrier").startsWith("jfr-latency-m");
        assertThat(e.getThread("goroutine")).as("a plain task").isNull();
    }

    /** The periodic event: one per live scheduler per period, with the metrics and the interval's latency. */
    @Test
    void schedulerStatsEventsArePeriodicPerScheduler() throws Exception {
        try (RecordingStream rs = new RecordingStream();
             GoScheduler s = GoScheduler.builder().maxProcs(2).latencySampling(1).name("jfr-stats").build()) {
            rs.enable("goloom.SchedulerStats").withPeriod(Duration.ofMillis(100));
            AtomicReference<RecordedEvent> withLatency = new AtomicReference<>();
            CountDownLatch seen = new CountDownLatch(1);
            rs.onEvent("goloom.SchedulerStats", e -> {
                if ("jfr-stats".equals(e.getString("scheduler")) && e.getLong("latencySamples") > 0
                        && withLatency.compareAndSet(null, e)) {
                    seen.countDown();
                }
            });
            rs.startAsync();
            CountDownLatch done = new CountDownLatch(500);
            for (int i = 0; i < 500; i++) {
                s.execute(done::countDown);
            }
            await(done);
            await(seen);
            RecordedEvent e = withLatency.get();
            assertThat(e.getInt("maxProcs")).isEqualTo(2);
            assertThat(e.getLong("tasksRun")).isBetween(1L, 500L);
            assertThat(e.getLong("latencySamples")).isBetween(1L, 500L);
            assertThat(e.getDuration("latencyP50")).isLessThanOrEqualTo(e.getDuration("latencyP99"));
            assertThat(e.getDuration("latencyP99")).isLessThanOrEqualTo(e.getDuration("latencyMax"));
            assertThat(e.getInt("threads")).isPositive(); // carriers: more than maxProcs if sysmon handed a P on
            assertThat(e.getLong("goroutinesCreated")).isZero(); // plain tasks
        }
    }
}
