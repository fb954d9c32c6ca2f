package dev.goloom.loom;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code -Dgoloom.schedtrace=<ms>} and {@code -Dgoloom.scheddetail=true}: Go's GODEBUG scheduler traces. */
class SchedtraceTest {
    private static final String OPENS = "java.base/java.lang=ALL-UNNAMED";

    @Test
    void schedtracePrintsALinePerIntervalWithTheElapsedTime() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", OPENS, "-Dgoloom.schedtrace=50"), "schedtrace");
        assertThat(r.exitCode()).as("%s", r).isZero();
        List<String> lines = r.stderr().lines().filter(l -> l.startsWith("SCHED ")).toList();
        assertThat(lines).as("%s", r).hasSizeGreaterThanOrEqualTo(2);
        assertThat(lines).allSatisfy(l -> assertThat(l).matches("SCHED \\d+ms traced: gomaxprocs=2 idleprocs=\\d.*"));
        assertThat(r.stderr()).as("no detail lines without scheddetail").doesNotContain("  P0: status=");
    }

    @Test
    void scheddetailAddsALinePerPAndPerCarrier() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", OPENS, "-Dgoloom.schedtrace=50",
                "-Dgoloom.scheddetail=true"), "schedtrace");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stderr()).as("%s", r).containsPattern("(?m)^  P0: status=\\w+ schedtick=\\d+ m=-?\\d+ runqsize=\\d+")
                .containsPattern("(?m)^  P1: status=")
                .containsPattern("(?m)^  M\\d+: p=-?\\d+ curg=(true|false) spinning=(true|false)");
    }

    @Test
    void aBadSchedtraceValueIsRejectedNamingIt() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", OPENS, "-Dgoloom.schedtrace=often"), "schedtrace");
        assertThat(r.exitCode()).as("%s", r).isNotZero();
        assertThat(r.stderr()).as("%s", r).contains("goloom.schedtrace must be an integer, got 'often'");
    }
}
