package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import jdk.jfr.FlightRecorder;
import jdk.jfr.consumer.RecordingStream;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Programs for {@link ObservabilityChildJvmTest}: JFR and JMX as a fresh JVM sees them. */
public final class ObservabilityChildPrograms {
    private ObservabilityChildPrograms() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "jfr-late" -> jfrStartedAfterTheScheduler();
            case "jfr-cmdline" -> {
                // Run with -XX:StartFlightRecording: JFR is up before the first scheduler is built.
                try (GoScheduler s = GoScheduler.builder().maxProcs(2).latencySampling(1).name("cmdline").build()) {
                    for (int i = 0; i < 200; i++) {
                        Go.go(s, () -> { }).join();
                    }
                }
                System.out.println("DONE");
            }
            case "jmx-names" -> {
                GoScheduler d = GoScheduler.defaultScheduler();
                Go.go(() -> { }).join();
                System.out.println("DEFAULT_MXBEAN " + d.mxBeanName());
                System.out.println("MXBEANS " + ManagementFactory.getPlatformMBeanServer()
                        .queryNames(new ObjectName("dev.goloom:*"), null));
            }
            default -> throw new IllegalArgumentException("unknown child program " + args[0]);
        }
    }

    /**
     * Builds a scheduler and runs goroutines with JFR not started (building one must not start it: JFR's start-up
     * costs hundreds of milliseconds), then starts a recording and waits for the scheduler's periodic event.
     */
    private static void jfrStartedAfterTheScheduler() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("late").build()) {
            for (int i = 0; i < 1_000; i++) {
                Go.go(s, () -> { }).join();
            }
            System.out.println("JFR_INITIALIZED_BY_BUILD " + FlightRecorder.isInitialized());
            try (RecordingStream rs = new RecordingStream()) {
                rs.enable("goloom.SchedulerStats").withPeriod(Duration.ofMillis(50));
                CountDownLatch got = new CountDownLatch(1);
                AtomicLong created = new AtomicLong(-1);
                rs.onEvent("goloom.SchedulerStats", e -> {
                    if ("late".equals(e.getString("scheduler")) && created.compareAndSet(-1, e.getLong("goroutinesCreated"))) {
                        got.countDown();
                    }
                });
                rs.startAsync();
                System.out.println(got.await(30, TimeUnit.SECONDS) ? "STATS created=" + created.get() : "NO_EVENT");
            }
        }
    }
}
