package dev.goloom.loom.observe;

import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.GoroutineInfo;
import dev.goloom.scheduler.GoroutineState;
import dev.goloom.scheduler.Goroutines;
import dev.goloom.scheduler.WaitReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.goloom.loom.observe.GoroutineDumpTest.WAIT;
import static dev.goloom.loom.observe.GoroutineDumpTest.await;
import static dev.goloom.loom.observe.GoroutineDumpTest.awaitInfo;
import static dev.goloom.loom.observe.GoroutineDumpTest.awaitWaiting;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JSON dump parses, carries goloom's fields, and names the fields it shares with the JDK's own JSON thread dump
 * exactly as the JDK does (checked against a real {@code HotSpotDiagnosticMXBean.dumpThreads} JSON dump taken in
 * the same test); and a dump of 10,000 parked goroutines lists every one (issue #12, item 3).
 */
class GoroutineDumpJsonTest {
    /** Fields goloom adds to a thread object (the rest must be the JDK's). */
    static final Set<String> GOLOOM_THREAD_FIELDS = Set.of("scheduler", "goroutineState", "waitReason", "waitMillis",
            "waitSince", "waitObserved", "channels", "createdBy");
    static final Set<String> GOLOOM_CONTAINER_FIELDS = Set.of("scheduler", "maxProcs");

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> arr(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return (List<Object>) o;
    }

    @Test
    void jsonParsesHasGoloomsFieldsAndSharesTheJdkSchema(@TempDir Path dir) throws Exception {
        GoScheduler s = GoScheduler.builder().name("dump-json").maxProcs(2).build();
        AtomicBoolean stop = new AtomicBoolean();
        Thread parked = null;
        Thread sleeper = null;
        Thread spinner = null;
        try {
            parked = GoVirtualThreads.ofVirtual(s).name("with \"quotes\"\tand tab").start(() -> {
                while (!stop.get()) {
                    LockSupport.park("blocker");
                }
            });
            sleeper = GoVirtualThreads.ofVirtual(s).name("sleeper").start(() -> {
                try {
                    Thread.sleep(Duration.ofHours(1));
                } catch (InterruptedException ended) {
                    // by the test
                }
            });
            spinner = GoVirtualThreads.ofVirtual(s).name("spinner").start(() -> {
                while (!stop.get()) {
                    Thread.onSpinWait();
                }
            });
            awaitWaiting(s, parked, WaitReason.PARK);
            awaitWaiting(s, sleeper, WaitReason.SLEEP);
            Thread spinning = spinner;
            awaitInfo(s, spinning, "running", gi -> gi.state() == GoroutineState.RUNNING);

            String json = Goroutines.dumpJson(s);
            Path jdkFile = dir.resolve("jdk.json");
            jdkJsonThreadDump(jdkFile);
            Map<String, Object> jdk = obj(obj(MiniJson.parse(Files.readString(jdkFile))).get("threadDump"));
            Map<String, Object> ours = obj(obj(MiniJson.parse(json)).get("threadDump"));

            // Top level: exactly the JDK's fields.
            assertThat(ours.keySet()).isEqualTo(jdk.keySet());
            assertThat((String) ours.get("processId")).isEqualTo(Long.toString(ProcessHandle.current().pid()));
            Instant.parse((String) ours.get("time"));
            assertThat(ours.get("runtimeVersion")).isEqualTo(Runtime.version().toString());

            // Containers: the JDK's fields plus goloom's.
            Set<String> jdkContainerKeys = new HashSet<>();
            Set<String> jdkThreadKeys = new HashSet<>();
            for (Object c : arr(jdk.get("threadContainers"))) {
                jdkContainerKeys.addAll(obj(c).keySet());
                for (Object t : arr(obj(c).get("threads"))) {
                    jdkThreadKeys.addAll(obj(t).keySet());
                }
            }
            List<Object> containers = arr(ours.get("threadContainers"));
            assertThat(containers).hasSize(1);
            Map<String, Object> c = obj(containers.get(0));
            Set<String> containerKeys = new HashSet<>(c.keySet());
            containerKeys.removeAll(GOLOOM_CONTAINER_FIELDS);
            assertThat(containerKeys).isEqualTo(jdkContainerKeys);
            assertThat(c.get("container")).isEqualTo("goloom/dump-json");
            assertThat(c.get("scheduler")).isEqualTo("dump-json");
            assertThat(c.get("maxProcs")).isEqualTo(2.0);
            List<Object> threads = arr(c.get("threads"));
            assertThat(c.get("threadCount")).isEqualTo(Integer.toString(threads.size()));
            assertThat(threads).hasSize(3);

            // Threads: every field is the JDK's or goloom's; the JDK's have the JDK's types.
            Set<String> ourThreadKeys = new HashSet<>();
            for (Object t : threads) {
                Map<String, Object> th = obj(t);
                ourThreadKeys.addAll(th.keySet());
                assertThat((String) th.get("tid")).matches("\\d+");
                Instant.parse((String) th.get("time"));
                assertThat(th.get("virtual")).isEqualTo(Boolean.TRUE);
                assertThat(Thread.State.valueOf((String) th.get("state"))).isNotNull();
                assertThat(arr(th.get("stack"))).allMatch(f -> f instanceof String);
                assertThat(th.get("scheduler")).isEqualTo("dump-json");
                assertThat((String) th.get("createdBy")).isEqualTo(Long.toString(Thread.currentThread().threadId()));
            }
            Set<String> jdkShared = new HashSet<>(ourThreadKeys);
            jdkShared.removeAll(GOLOOM_THREAD_FIELDS);
            assertThat(jdkThreadKeys).containsAll(jdkShared);
            assertThat(jdkShared).contains("tid", "time", "virtual", "name", "state", "stack", "parkBlocker",
                    "carrier");

            Map<String, Object> p = thread(threads, parked);
            assertThat(p.get("name")).isEqualTo("with \"quotes\"\tand tab");
            assertThat(p.get("goroutineState")).isEqualTo("waiting");
            assertThat(p.get("waitReason")).isEqualTo("park");
            assertThat(obj(p.get("parkBlocker")).get("object")).asString().startsWith("java.lang.String@");
            assertThat((Double) p.get("waitMillis")).isGreaterThanOrEqualTo(0.0);
            Instant.parse((String) p.get("waitSince"));
            assertThat(p.get("waitObserved")).isEqualTo(Boolean.TRUE);
            assertThat(arr(p.get("channels"))).isEmpty();
            assertThat(p).doesNotContainKey("carrier");
            Map<String, Object> sl = thread(threads, sleeper);
            assertThat(sl.get("waitReason")).isEqualTo("sleep");
            assertThat(sl.get("state")).isEqualTo("TIMED_WAITING");
            Map<String, Object> sp = thread(threads, spinner);
            assertThat(sp.get("goroutineState")).isEqualTo("running");
            assertThat(sp).doesNotContainKeys("waitReason", "waitMillis", "channels");
            assertThat((String) sp.get("carrier")).matches("\\d+");

            // The PrintStream form prints the same structure.
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            Goroutines.dumpJson(s, new PrintStream(bytes, true, StandardCharsets.UTF_8));
            Map<String, Object> printed = obj(obj(MiniJson.parse(bytes.toString(StandardCharsets.UTF_8)))
                    .get("threadDump"));
            assertThat(arr(printed.get("threadContainers"))).hasSize(1);
        } finally {
            stop.set(true);
            for (Thread t : new Thread[]{parked, sleeper, spinner}) {
                if (t != null) {
                    t.interrupt();
                    LockSupport.unpark(t);
                    assertThat(t.join(WAIT)).isTrue();
                }
            }
            s.close();
        }
    }

    /**
     * The JDK's own JSON thread dump ({@code HotSpotDiagnosticMXBean.dumpThreads}, what {@code jcmd <pid>
     * Thread.dump_to_file -format=json} writes), reached reflectively: the test sources are compiled into the
     * loom-bridge module, which does not read the management modules.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    static void jdkJsonThreadDump(Path file) throws ReflectiveOperationException {
        Class<?> factory = Class.forName("java.lang.management.ManagementFactory");
        Class<?> bean = Class.forName("com.sun.management.HotSpotDiagnosticMXBean");
        Class<?> format = Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
        Object diag = factory.getMethod("getPlatformMXBean", Class.class).invoke(null, bean);
        bean.getMethod("dumpThreads", String.class, format)
                .invoke(diag, file.toString(), Enum.valueOf((Class) format, "JSON"));
    }

    private static Map<String, Object> thread(List<Object> threads, Thread t) {
        for (Object o : threads) {
            if (obj(o).get("tid").equals(Long.toString(t.threadId()))) {
                return obj(o);
            }
        }
        throw new AssertionError("no entry for " + t);
    }

    @Test
    void aDumpOfTenThousandParkedGoroutinesListsEveryOne() throws Exception {
        int n = 10_000;
        GoScheduler s = GoScheduler.builder().name("dump-10k").maxProcs(2).build();
        CountDownLatch release = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>(n);
        try {
            for (int i = 0; i < n; i++) {
                ts.add(GoVirtualThreads.ofVirtual(s).start(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
            }
            for (Thread t : ts) {
                await(t + " parked", () -> t.getState() == Thread.State.WAITING);
            }
            long t0 = System.nanoTime();
            String text = Goroutines.dump(s);
            long textMs = (System.nanoTime() - t0) / 1_000_000;
            t0 = System.nanoTime();
            String json = Goroutines.dumpJson(s);
            long jsonMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("dump of %d parked goroutines: text %d ms (%d chars), json %d ms (%d chars)%n", n,
                    textMs, text.length(), jsonMs, json.length());

            Set<Long> listed = new HashSet<>();
            Matcher m = Pattern.compile("(?m)^goroutine (\\d+) \\[sync wait(, \\d+ (seconds?|minutes?))?\\]:$")
                    .matcher(text);
            while (m.find()) {
                assertThat(listed.add(Long.parseLong(m.group(1)))).isTrue();
            }
            Set<Long> want = new HashSet<>();
            for (Thread t : ts) {
                want.add(t.threadId());
            }
            assertThat(listed).isEqualTo(want);
            assertThat(Pattern.compile("(?m)^goroutine ").matcher(text).results().count()).isEqualTo(n);

            Map<String, Object> c = obj(arr(obj(obj(MiniJson.parse(json)).get("threadDump"))
                    .get("threadContainers")).get(0));
            assertThat(c.get("threadCount")).isEqualTo(Integer.toString(n));
            Set<Long> inJson = new HashSet<>();
            for (Object t : arr(c.get("threads"))) {
                assertThat(obj(t).get("waitReason")).isEqualTo("sync wait");
                inJson.add(Long.parseLong((String) obj(t).get("tid")));
            }
            assertThat(inJson).isEqualTo(want);
            List<GoroutineInfo> snap = Goroutines.snapshot(s);
            assertThat(snap).hasSize(n);
            assertThat(snap).isSortedAccordingTo(java.util.Comparator.comparingLong(GoroutineInfo::id));
        } finally {
            release.countDown();
            for (Thread t : ts) {
                assertThat(t.join(WAIT)).isTrue();
            }
            s.close();
        }
    }
}
