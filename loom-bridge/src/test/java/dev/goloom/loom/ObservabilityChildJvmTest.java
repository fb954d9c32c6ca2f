package dev.goloom.loom;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** JFR and JMX set up the ways the README tells users to, each in a fresh JVM. */
class ObservabilityChildJvmTest {
    private static final String OPENS = "java.base/java.lang=ALL-UNNAMED";

    @Test
    void buildingASchedulerDoesNotStartJfrAndARecordingStartedLaterGetsItsEvents() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", OPENS), ObservabilityChildPrograms.class, "jfr-late");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).as("%s", r).contains("JFR_INITIALIZED_BY_BUILD false").contains("STATS created=1000");
    }

    /** The README's command line: goloom events are not in the JDK's .jfc files, so their settings take a '+'. */
    @Test
    void startFlightRecordingOnTheCommandLineWithGoloomSettings(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cmdline.jfr");
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", OPENS, "-XX:StartFlightRecording:filename=" + file
                + ",+goloom.ScheduleLatency#threshold=0ms,+goloom.StealBatch#enabled=true"),
                ObservabilityChildPrograms.class, "jfr-cmdline");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).contains("DONE");
        List<RecordedEvent> latencies = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals("goloom.ScheduleLatency"))
                .filter(e -> "cmdline".equals(e.getString("scheduler"))).toList();
        assertThat(latencies).as("threshold 0: every sampled task (all of them here)").hasSizeGreaterThanOrEqualTo(200);
        assertThat(latencies).allSatisfy(e -> assertThat(e.getThread("goroutine")).isNotNull());
    }

    @Test
    void theDefaultSchedulerIsRegisteredUnlessJmxIsTurnedOff() throws Exception {
        ChildJvm.Result on = ChildJvm.run(List.of("--add-opens", OPENS), ObservabilityChildPrograms.class,
                "jmx-names");
        assertThat(on.exitCode()).as("%s", on).isZero();
        assertThat(on.stdout()).contains("DEFAULT_MXBEAN dev.goloom:type=Scheduler,name=goloom")
                .contains("MXBEANS [dev.goloom:type=Scheduler,name=goloom]");
        ChildJvm.Result off = ChildJvm.run(List.of("--add-opens", OPENS, "-Dgoloom.jmx=false"),
                ObservabilityChildPrograms.class, "jmx-names");
        assertThat(off.exitCode()).as("%s", off).isZero();
        assertThat(off.stdout()).contains("DEFAULT_MXBEAN null").contains("MXBEANS []");
    }
}
