package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ThreadLocal} and {@code InheritableThreadLocal} belong to the goroutine, not to its carrier. */
class ThreadLocalTest {
    static GoScheduler s;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("tls", 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    private static final ThreadLocal<Integer> LOCAL = new ThreadLocal<>();
    private static final InheritableThreadLocal<String> INHERITED = new InheritableThreadLocal<>() {
        @Override
        protected String childValue(String parent) {
            return parent == null ? null : parent + "/child";
        }
    };

    @Test
    void eachGoroutineSeesOnlyItsOwnThreadLocalAcrossRemounts() throws Exception {
        int n = 2_000;
        Goroutines g = new Goroutines(s);
        List<Thread> threads = g.goAll(n, i -> {
            // carriers are reused by many goroutines: a fresh goroutine never sees another one's value
            assertThat(LOCAL.get()).isNull();
            LOCAL.set(i);
            for (int k = 0; k < 5; k++) {
                Thread.yield();   // unmount; may come back on the other carrier
                Thread.sleep(1);
                assertThat(LOCAL.get()).isEqualTo(i);
            }
            LOCAL.remove();
            assertThat(LOCAL.get()).isNull();
        });
        Goroutines.joinAll(threads, Duration.ofSeconds(60));
        g.assertClean(n);
    }

    @Test
    void inheritableThreadLocalFlowsFromPlatformThreadAndFromParentGoroutine() throws Exception {
        Goroutines g = new Goroutines(s);
        AtomicReference<String> inFirst = new AtomicReference<>();
        AtomicReference<String> inChild = new AtomicReference<>();
        AtomicReference<String> parentAfterChild = new AtomicReference<>();
        INHERITED.set("main");
        try {
            Thread t = g.go(() -> {
                inFirst.set(INHERITED.get());
                INHERITED.set("parent");
                Thread child = g.go(() -> {
                    inChild.set(INHERITED.get());
                    INHERITED.set("changed by child");
                });
                assertThat(child.join(Duration.ofSeconds(10))).isTrue();
                parentAfterChild.set(INHERITED.get());
            });
            assertThat(t.join(Duration.ofSeconds(10))).isTrue();
            g.assertClean(2);
            assertThat(inFirst.get()).isEqualTo("main/child");
            assertThat(inChild.get()).isEqualTo("parent/child");
            assertThat(parentAfterChild.get()).as("a child's set does not leak to its parent").isEqualTo("parent");
            assertThat(INHERITED.get()).isEqualTo("main");
        } finally {
            INHERITED.remove();
        }
    }

    @Test
    void builderCanTurnOffInheritance() throws Exception {
        Goroutines g = new Goroutines(s);
        AtomicReference<String> seen = new AtomicReference<>("unset");
        INHERITED.set("main");
        try {
            Thread t = GoVirtualThreads.ofVirtual(s).inheritInheritableThreadLocals(false)
                    .start(g.wrap(() -> seen.set(INHERITED.get())));
            assertThat(t.join(Duration.ofSeconds(10))).isTrue();
            g.assertClean(1);
            assertThat(seen.get()).isNull();
        } finally {
            INHERITED.remove();
        }
    }
}
