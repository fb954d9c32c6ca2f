package dev.goloom.loom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * sysmon survives an OutOfMemoryError thrown in its own rounds while the heap is full, and hands off a blocked
 * carrier afterwards. Runs in a child JVM with a small heap ({@link ChildPrograms}, "sysmon-oom").
 */
class SysmonOutOfMemoryTest {

    @Test
    void sysmonKeepsHandingOffAfterAnOutOfMemoryError(@TempDir Path dir) throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mk.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(mk.exitValue()).as("mkfifo exit code").isZero();
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx32m",
                "-XX:+UseSerialGC", "-XX:-UseGCOverheadLimit", "-Xss512k"), "sysmon-oom " + fifo);
        assertThat(r.stdout()).as("%s", r)
                .contains("HOG true")
                .contains("SHORT_RAN true")
                .contains("BLOCKER true")
                .doesNotContain("SYSMON_FAILURES 0");
        assertThat(r.stderr()).as("no thread died of an uncaught error: %s", r)
                .doesNotContain("Exception in thread").doesNotContain("thrown from the UncaughtExceptionHandler");
    }
}
