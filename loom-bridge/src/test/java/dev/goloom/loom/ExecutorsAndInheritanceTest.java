package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Thread-per-task executors and factories on goloom, and scheduler inheritance: a virtual thread created with
 * plain {@code Thread.ofVirtual()} (or by library code) inside a goroutine runs on the goroutine's scheduler.
 */
class ExecutorsAndInheritanceTest {
    static GoScheduler s;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("exec", 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    @Test
    void goloomThreadPerTaskExecutorRunsManyTasksEachOnceOnGoloom() throws Exception {
        int n = 20_000;
        AtomicIntegerArray ran = new AtomicIntegerArray(n);
        AtomicInteger offGoloom = new AtomicInteger();
        long before = s.stats().tasksRun();
        List<Future<Integer>> futures = new ArrayList<>(n);
        try (ExecutorService ex = GoVirtualThreads.newThreadPerTaskExecutor(s)) {
            for (int i = 0; i < n; i++) {
                int id = i;
                futures.add(ex.submit(() -> {
                    if (!Goroutines.runsOn(s)) {
                        offGoloom.incrementAndGet();
                    }
                    if (id % 100 == 0) {
                        Thread.sleep(1);
                    }
                    ran.incrementAndGet(id);
                    return id;
                }));
            }
        } // close() waits for every task
        for (int i = 0; i < n; i++) {
            assertThat(futures.get(i).state()).isEqualTo(Future.State.SUCCESS);
            assertThat(futures.get(i).resultNow()).isEqualTo(i);
            assertThat(ran.get(i)).as("runs of task %s", i).isEqualTo(1);
        }
        assertThat(offGoloom.get()).isZero();
        assertThat(s.stats().tasksRun() - before).isGreaterThanOrEqualTo(n);
        assertThat(s.isShutdown()).as("closing the executor does not shut the scheduler down").isFalse();
    }

    @Test
    void jdkThreadPerTaskExecutorWithGoloomFactoryAndInvokeAll() throws Exception {
        int n = 5_000;
        ThreadFactory factory = GoVirtualThreads.factory(s);
        List<Callable<Boolean>> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tasks.add(() -> {
                Thread.yield();
                return Goroutines.runsOn(s);
            });
        }
        try (ExecutorService ex = Executors.newThreadPerTaskExecutor(factory)) {
            List<Future<Boolean>> results = ex.invokeAll(tasks, 60, TimeUnit.SECONDS);
            assertThat(results).hasSize(n).allSatisfy(f -> assertThat(f.resultNow()).isTrue());
        }
        Thread t = factory.newThread(() -> { });
        assertThat(t.isVirtual()).isTrue();
        assertThat(t.getState()).isEqualTo(Thread.State.NEW);
    }

    @Test
    void plainThreadOfVirtualInsideAGoroutineInheritsTheGoloomScheduler() throws Exception {
        Goroutines g = new Goroutines(s);
        int depth = 5;
        AtomicInteger onGoloom = new AtomicInteger();
        AtomicInteger levels = new AtomicInteger();
        Thread root = g.go(() -> spawnNested(depth, onGoloom, levels));
        assertThat(root.join(Duration.ofSeconds(20))).isTrue();
        g.assertClean(1);
        assertThat(levels.get()).isEqualTo(depth);
        assertThat(onGoloom.get()).as("nested plain virtual threads on goloom").isEqualTo(depth);
    }

    private static void spawnNested(int left, AtomicInteger onGoloom, AtomicInteger levels)
            throws InterruptedException {
        if (left == 0) {
            return;
        }
        AtomicReference<Throwable> err = new AtomicReference<>();
        Runnable body = () -> {
            levels.incrementAndGet();
            if (Goroutines.runsOn(s)) {
                onGoloom.incrementAndGet();
            }
            try {
                spawnNested(left - 1, onGoloom, levels);
            } catch (Throwable e) {
                err.set(e);
            }
        };
        // alternate the JDK's ways of making a virtual thread with no scheduler given
        Thread child = (left % 2 == 0) ? Thread.ofVirtual().start(body) : Thread.startVirtualThread(body);
        assertThat(child.join(Duration.ofSeconds(10))).isTrue();
        assertThat(err.get()).isNull();
    }

    @Test
    void jdkVirtualThreadPerTaskExecutorCreatedInsideAGoroutineRunsOnGoloom() throws Exception {
        Goroutines g = new Goroutines(s);
        int n = 1_000;
        AtomicInteger onGoloom = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        Thread t = g.go(() -> {
            // library code that knows nothing about goloom
            try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
                for (int i = 0; i < n; i++) {
                    ex.execute(() -> {
                        ran.incrementAndGet();
                        if (Goroutines.runsOn(s)) {
                            onGoloom.incrementAndGet();
                        }
                    });
                }
            }
        });
        assertThat(t.join(Duration.ofSeconds(30))).isTrue();
        g.assertClean(1);
        assertThat(ran.get()).isEqualTo(n);
        assertThat(onGoloom.get()).isEqualTo(n);
    }

    @Test
    void virtualThreadsStartedFromAPlatformThreadStayOnTheJdkScheduler() throws Exception {
        // control for the inheritance tests: the check really tells the two schedulers apart
        AtomicReference<Boolean> on = new AtomicReference<>();
        AtomicReference<String> carrier = new AtomicReference<>();
        Thread t = Thread.ofVirtual().start(() -> {
            on.set(Goroutines.runsOn(s));
            carrier.set(Goroutines.carrierName());
        });
        assertThat(t.join(Duration.ofSeconds(10))).isTrue();
        assertThat(on.get()).isFalse();
        assertThat(carrier.get()).startsWith("ForkJoinPool");
    }

    @Test
    void builderOptionsAreHonoured() throws Exception {
        AtomicReference<String> name = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        Thread.Builder.OfVirtual b = GoVirtualThreads.ofVirtual(s).name("worker-", 7);
        for (int i = 0; i < 3; i++) {
            threads.add(b.start(() -> name.set(Thread.currentThread().getName())));
        }
        Goroutines.joinAll(threads, Duration.ofSeconds(10));
        assertThat(threads).extracting(Thread::getName).containsExactly("worker-7", "worker-8", "worker-9");
        assertThat(threads).allSatisfy(t -> assertThat(t.isVirtual()).isTrue());
        assertThat(threads).allSatisfy(t -> assertThat(t.isDaemon()).isTrue());
    }
}
