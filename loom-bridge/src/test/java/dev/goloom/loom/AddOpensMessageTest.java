package dev.goloom.loom;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without {@code --add-opens java.base/java.lang=ALL-UNNAMED} goloom cannot reach the JDK's virtual-thread hook;
 * it must say so with one message that names the exact flag, not with a raw {@code IllegalAccessException}. Run in
 * child JVMs started without the flag.
 */
class AddOpensMessageTest {
    static final String FLAG = "--add-opens java.base/java.lang=ALL-UNNAMED";

    @Test
    void ofVirtualWithoutTheFlagFailsWithAMessageNamingIt() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of(), "ofVirtual");
        assertThat(r.exitCode()).as("%s", r).isNotZero();
        assertThat(r.stdout()).doesNotContain("STARTED");
        String top = r.stderr().lines().filter(l -> l.startsWith("Exception in thread")).findFirst().orElse("");
        assertThat(top).as("top-level error line in %s", r)
                .startsWith("Exception in thread \"main\" java.lang.IllegalStateException")
                .contains(FLAG)
                .doesNotContain("IllegalAccessException");
        assertThat(GoVirtualThreads.requiredJvmFlag()).isEqualTo(FLAG);
    }

    @Test
    void goWithoutTheFlagFailsWithAMessageNamingItEveryTime() throws Exception {
        // Go.go(Runnable) uses a lazily created default factory; both the first and a later call must name the flag
        // (not ExceptionInInitializerError, then NoClassDefFoundError).
        ChildJvm.Result r = ChildJvm.run(List.of(), "go-twice");
        List<String> attempts = r.stdout().lines().filter(l -> l.startsWith("ATTEMPT")).toList();
        assertThat(attempts).as("%s", r).hasSize(2);
        for (String a : attempts) {
            assertThat(a).as("%s", r).contains("java.lang.IllegalStateException").contains(FLAG);
        }
    }

    @Test
    void withTheFlagTheSameChildRunsAGoroutineOnGoloom() throws Exception {
        // Control: the child set-up is right, only the flag was missing above.
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"), "flag");
        assertThat(r.exitCode()).as("%s", r).isZero();
        assertThat(r.stdout()).as("%s", r).contains("RAN_ON_GOLOOM true");
    }
}
