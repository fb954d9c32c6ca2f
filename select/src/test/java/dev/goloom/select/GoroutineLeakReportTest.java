package dev.goloom.select;

import dev.goloom.channels.Chan;
import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.GoroutineInfo;
import dev.goloom.scheduler.GoroutineState;
import dev.goloom.scheduler.Goroutines;
import dev.goloom.scheduler.WaitReason;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The goroutine leak report ({@code leakReport}, Go 1.26's {@code goroutineleak} profile): a goroutine blocked on
 * a channel that nothing reachable refers to is freed by the collector and reported with its wait and stack; one
 * blocked on a channel that live code still holds is not. The report needs {@code -Djdk.trackAllThreads=false},
 * which is JVM-wide, so the leaking program runs in a child JVM ({@link LeakProgram}).
 */
class GoroutineLeakReportTest {
    @Test
    void aGoroutineBlockedOnAChannelNothingCanReachIsReportedOnceCollectedAndNoLongerCounts() throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-opens")) {
                cmd.add(a);
            }
        }
        cmd.addAll(List.of("-Djdk.trackAllThreads=false", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                LeakProgram.class.getName()));
        Path out = Files.createTempFile("goloom-leak", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean ended = p.waitFor(120, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            String text = Files.readString(out, StandardCharsets.UTF_8);
            assertThat(ended).as("the child JVM ended within 120 s:\n%s", text).isTrue();
            assertThat(p.exitValue()).as("child exit code; output:\n%s", text).isZero();

            String leakyId = value(text, "LEAKY_ID");
            String heldId = value(text, "HELD_ID");
            assertThat(value(text, "LEAKED_IDS")).as(text).isEqualTo("[" + leakyId + "]"); // not the held one
            assertThat(value(text, "LEAKED_REASON")).as(text).isEqualTo("chan receive");
            assertThat(value(text, "STATS_LEAKED")).as(text).isEqualTo("1");
            assertThat(value(text, "LIVE_AFTER_LEAK")).as(text).isEqualTo("[" + heldId + "]");
            assertThat(value(text, "TERMINATED_WHILE_HELD_WAITS")).as(text).isEqualTo("false");
            assertThat(value(text, "TERMINATED")).as(text).isEqualTo("true");
            assertThat(value(text, "REPORTS")).as(text).isEqualTo("1");
            String report = text.substring(text.indexOf("REPORT-BEGIN\n") + 13, text.indexOf("REPORT-END"));
            assertThat(report)
                    .startsWith("goroutine leak (scheduler leaky-app): goroutine " + leakyId + " can never run again")
                    .contains("\ngoroutine " + leakyId + " \"leaky\" [chan receive")
                    .containsPattern("\n\t- waiting to receive from Chan#\\d+\\[cap=0\\]\n")
                    .contains("\tat " + LeakProgram.class.getName() + ".leakyBody(")
                    .contains("\ncreated by thread ")
                    .doesNotContain("\"held\"");
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void theReportIsRefusedWhileTheJdkHoldsEveryVirtualThreadNamingTheFlag() {
        assumeTrue(System.getProperty("jdk.trackAllThreads") == null, "this JVM runs with the JDK's default");
        assertThatThrownBy(() -> GoScheduler.builder().name("leaks-refused").leakReport(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-Djdk.trackAllThreads=false")
                .hasMessageContaining("got jdk.trackAllThreads=null");
        assertThat(Goroutines.schedulers()).noneMatch(s -> s.name().equals("leaks-refused"));
    }

    @Test
    void aBadScanIntervalIsRejectedNamingIt() {
        assertThatThrownBy(() -> GoScheduler.builder().leakScanInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("leakScanInterval must be >= 1ms, got PT0S");
    }

    @Test
    void offByDefault() throws Exception {
        try (GoScheduler s = GoScheduler.builder().name("leaks-off").maxProcs(1).build()) {
            assertThat(s.config().leakReport()).isFalse();
            GoVirtualThreads.ofVirtual(s).start(() -> { }).join();
            assertThat(Goroutines.leaked(s)).isEmpty();
            assertThat(s.stats().leakScans()).isZero();
        }
    }

    private static String value(String text, String key) {
        for (String line : text.split("\n")) {
            if (line.startsWith(key + " ")) {
                return line.substring(key.length() + 1).trim();
            }
        }
        throw new AssertionError("no line " + key + " in:\n" + text);
    }

    /**
     * Run in a child JVM with {@code -Djdk.trackAllThreads=false}: one goroutine blocked on a channel only it
     * refers to ("leaky"), one on a channel {@code main} holds ("held"); waits for the leak report's scan to record
     * both, shuts the scheduler down, collects garbage until the report names a leak, prints what it found, then
     * releases "held" and waits for the scheduler to terminate.
     */
    public static final class LeakProgram {
        private static final long BOUND_NANOS = TimeUnit.SECONDS.toNanos(60);

        public static void main(String[] args) throws Exception {
            Queue<String> reports = new ConcurrentLinkedQueue<>();
            GoScheduler s = GoScheduler.builder().name("leaky-app").maxProcs(2).leakReport(true)
                    .leakScanInterval(Duration.ofMillis(10)).leakOutput(reports::add).build();
            Chan<String> kept = Chan.make();
            Thread held = GoVirtualThreads.ofVirtual(s).name("held").start(() -> leakyBody(kept));
            long leakyId = startLeaky(s);
            awaitRecorded(s, leakyId);
            awaitRecorded(s, held.threadId());
            s.shutdown();
            long deadline = System.nanoTime() + BOUND_NANOS;
            while (Goroutines.leaked(s).isEmpty()) {
                if (System.nanoTime() - deadline > 0) {
                    System.out.println("no leak reported within 60 s; dump:\n" + Goroutines.dump(s));
                    System.exit(2);
                }
                System.gc();
                LockSupport.parkNanos(20_000_000L); // polls the collector's outcome, bounded above
            }
            List<GoroutineInfo> leaked = Goroutines.leaked(s);
            System.out.println("LEAKY_ID " + leakyId);
            System.out.println("HELD_ID " + held.threadId());
            System.out.println("LEAKED_IDS " + leaked.stream().map(GoroutineInfo::id).toList());
            System.out.println("LEAKED_REASON " + leaked.get(0).waitReason().text());
            System.out.println("STATS_LEAKED " + s.stats().leakedGoroutines());
            System.out.println("LIVE_AFTER_LEAK " + s.goroutines().stream().map(Thread::threadId).toList());
            System.out.println("TERMINATED_WHILE_HELD_WAITS " + s.isTerminated());
            kept.send("bye");
            held.join();
            System.out.println("TERMINATED " + s.awaitTermination(Duration.ofSeconds(60)));
            System.out.println("REPORTS " + reports.size());
            System.out.println("REPORT-BEGIN\n" + reports.peek() + "REPORT-END");
        }

        /** Starts "leaky" on a channel that nothing else refers to; keeps nothing of it but its id. */
        private static long startLeaky(GoScheduler s) {
            Chan<String> lost = Chan.make();
            return GoVirtualThreads.ofVirtual(s).name("leaky").start(() -> leakyBody(lost)).threadId();
        }

        static void leakyBody(Chan<String> c) {
            try {
                c.recv();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Waits until the goroutine waits in a receive and two more scans have passed (the record is taken). */
        private static void awaitRecorded(GoScheduler s, long id) {
            long deadline = System.nanoTime() + BOUND_NANOS;
            while (!receiving(s, id)) {
                check(deadline, "goroutine " + id + " receiving", s);
                LockSupport.parkNanos(1_000_000L);
            }
            long scans = s.stats().leakScans();
            while (s.stats().leakScans() < scans + 3) {
                check(deadline, "three leak scans", s);
                LockSupport.parkNanos(1_000_000L);
            }
        }

        private static boolean receiving(GoScheduler s, long id) {
            for (GoroutineInfo gi : Goroutines.snapshot(s)) {
                if (gi.id() == id && gi.state() == GoroutineState.WAITING && gi.waitReason() == WaitReason.CHAN_RECEIVE) {
                    return true;
                }
            }
            return false;
        }

        private static void check(long deadline, String what, GoScheduler s) {
            if (System.nanoTime() - deadline > 0) {
                System.out.println("timed out waiting for " + what + "; dump:\n" + Goroutines.dump(s));
                System.exit(3);
            }
        }
    }
}
