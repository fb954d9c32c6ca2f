package dev.goloom.loom.observe;

import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.loom.Syscall;
import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.GoroutineInfo;
import dev.goloom.scheduler.GoroutineState;
import dev.goloom.scheduler.Goroutines;
import dev.goloom.scheduler.WaitReason;
import dev.goloom.scheduler.spi.WaitClock;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Goroutine states and inferred wait reasons (issue #12, item 1) and the text dump, for every way a goroutine can
 * block outside goloom's channels: sleep, monitors, locks, conditions, latches, join, socket reads, plain parks;
 * plus running, runnable and syscall goroutines. Channel and select waits: select's GoroutineDumpChannelsTest.
 */
class GoroutineDumpTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    private final List<GoScheduler> schedulers = new ArrayList<>();
    private final List<Thread> started = new ArrayList<>();
    private final List<Runnable> releases = new ArrayList<>();

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Runnable r : releases) {
            r.run();
        }
        for (GoScheduler s : schedulers) {
            s.shutdownNow();
        }
        for (Thread t : started) {
            assertThat(t.join(WAIT)).as("%s ended", t).isTrue();
        }
        for (GoScheduler s : schedulers) {
            s.close();
        }
    }

    private GoScheduler scheduler(String name, int procs, int maxThreads) {
        GoScheduler s = GoScheduler.builder().name(name).maxProcs(procs).maxThreads(maxThreads).build();
        schedulers.add(s);
        return s;
    }

    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    private Thread go(GoScheduler s, String name, Body body) {
        Thread t = GoVirtualThreads.ofVirtual(s).name(name).start(() -> {
            try {
                body.run();
            } catch (Exception endedByTheTest) {
                // interrupts and closed sockets end the blocked goroutines
            }
        });
        started.add(t);
        return t;
    }

    static void await(String what, BooleanSupplier cond) {
        await(() -> what, cond);
    }

    static void await(java.util.function.Supplier<String> what, BooleanSupplier cond) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for: " + what.get());
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }

    static GoroutineInfo awaitInfo(GoScheduler s, Thread t, String what, Predicate<GoroutineInfo> ready) {
        GoroutineInfo[] found = new GoroutineInfo[1];
        await(() -> t.getName() + " " + what + "; last dump:\n" + Goroutines.dump(s), () -> {
            for (GoroutineInfo gi : Goroutines.snapshot(s)) {
                if (gi.id() == t.threadId() && ready.test(gi)) {
                    found[0] = gi;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    static GoroutineInfo awaitWaiting(GoScheduler s, Thread t, WaitReason reason) {
        return awaitInfo(s, t, "waiting in " + reason,
                gi -> gi.state() == GoroutineState.WAITING && gi.waitReason() == reason);
    }

    @Test
    void everyKindOfBlockingOutsideChannelsGetsItsInferredReason() throws Exception {
        GoScheduler s = scheduler("dump-infer", 2, 256);
        Object monitor = new Object();
        CountDownLatch monitorHeld = new CountDownLatch(1);
        CountDownLatch releaseMonitor = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().daemon().start(() -> {
            synchronized (monitor) {
                monitorHeld.countDown();
                try {
                    releaseMonitor.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        releases.add(releaseMonitor::countDown);
        monitorHeld.await();
        ReentrantLock held = new ReentrantLock();
        held.lock(); // by the test thread, released in tearDown
        releases.add(held::unlock);
        ReentrantLock condLock = new ReentrantLock();
        Condition cond = condLock.newCondition();
        Object waitOn = new Object();
        CountDownLatch never = new CountDownLatch(1);
        releases.add(never::countDown);
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        Socket accepted = server.accept();
        releases.add(() -> closeQuietly(client, accepted, server));

        Map<Thread, WaitReason> expected = new LinkedHashMap<>();
        expected.put(go(s, "sleeper", () -> Thread.sleep(Duration.ofHours(1))), WaitReason.SLEEP);
        expected.put(go(s, "monitor", () -> {
            synchronized (monitor) {
                monitor.hashCode();
            }
        }), WaitReason.SYNC_LOCK);
        expected.put(go(s, "lock", held::lock), WaitReason.SYNC_LOCK);
        expected.put(go(s, "condition", () -> {
            condLock.lock();
            try {
                cond.await();
            } finally {
                condLock.unlock();
            }
        }), WaitReason.SYNC_WAIT);
        expected.put(go(s, "object-wait", () -> {
            synchronized (waitOn) {
                waitOn.wait();
            }
        }), WaitReason.SYNC_WAIT);
        expected.put(go(s, "latch", never::await), WaitReason.SYNC_WAIT);
        Thread parked = go(s, "park", () -> {
            while (!Thread.currentThread().isInterrupted()) {
                LockSupport.park();
            }
        });
        expected.put(parked, WaitReason.PARK);
        expected.put(go(s, "park-blocker", () -> {
            while (!Thread.currentThread().isInterrupted()) {
                LockSupport.park("my blocker");
            }
        }), WaitReason.PARK);
        expected.put(go(s, "join", parked::join), WaitReason.SYNC_WAIT);
        InputStream in = accepted.getInputStream();
        expected.put(go(s, "socket-read", in::read), WaitReason.IO_WAIT);

        for (Map.Entry<Thread, WaitReason> e : expected.entrySet()) {
            GoroutineInfo gi = awaitWaiting(s, e.getKey(), e.getValue());
            assertThat(gi.waitObserved()).as("%s: inferred, so timed from the first sighting", gi.name()).isTrue();
            assertThat(gi.waitMillis()).isGreaterThanOrEqualTo(0);
            assertThat(gi.channels()).isEmpty();
            assertThat(gi.scheduler()).isEqualTo("dump-infer");
            assertThat(gi.creatorId()).isEqualTo(Thread.currentThread().threadId());
            assertThat(gi.creatorVirtual()).isFalse();
        }
        assertThat(awaitWaiting(s, expected.keySet().stream().filter(t -> t.getName().equals("monitor"))
                .findFirst().orElseThrow(), WaitReason.SYNC_LOCK).threadState()).isEqualTo(Thread.State.BLOCKED);
        GoroutineInfo withBlocker = Goroutines.snapshot(s).stream().filter(g -> g.name().equals("park-blocker"))
                .findFirst().orElseThrow();
        assertThat(withBlocker.parkBlocker()).startsWith("java.lang.String@");

        String text = Goroutines.dump(s);
        for (Map.Entry<Thread, WaitReason> e : expected.entrySet()) {
            Thread t = e.getKey();
            assertThat(text).containsPattern("(?m)^goroutine " + t.threadId() + " \"" + t.getName() + "\" \\["
                    + java.util.regex.Pattern.quote(e.getValue().text()) + "(, \\d+ (seconds?|minutes?))?\\]:$");
        }
        assertThat(text).contains("\tat java.base/java.lang.Thread.sleep(");
        assertThat(text).containsPattern("(?m)^created by thread " + Thread.currentThread().threadId() + "$");
        holder.interrupt();
    }

    private static void closeQuietly(AutoCloseable... cs) {
        for (AutoCloseable c : cs) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort in tearDown
            }
        }
    }

    @Test
    void runningAndSyscallGoroutinesAreReadFromTheCarriers() {
        GoScheduler s = scheduler("dump-run", 2, 256);
        AtomicBoolean stop = new AtomicBoolean();
        releases.add(() -> stopSpinning(stop));
        Thread spinner = go(s, "spinner", () -> spin(stop));
        Thread inSyscall = go(s, "in-syscall", () -> Syscall.blocking(() -> spin(stop)));
        // Running, and read after its carrier mounted it (a dump taken while the carrier mounts it has no stack yet).
        GoroutineInfo running = awaitInfo(s, spinner, "running with its stack",
                gi -> gi.state() == GoroutineState.RUNNING && !gi.stack().isEmpty());
        assertThat(running.waitReason()).isNull();
        assertThat(running.waitMillis()).isEqualTo(-1);
        assertThat(running.carrierId()).isNotEqualTo(-1);
        assertThat(running.threadState()).isEqualTo(Thread.State.RUNNABLE);
        assertThat(running.stack()).anyMatch(f -> f.getMethodName().equals("spin"));
        // The state and the stack of a goroutine that is running are read one after the other: on a loaded machine a
        // dump can see the syscall state with a stack from just before the call (still linking the lambda). Wait
        // for a dump read after it entered the call.
        GoroutineInfo sys = awaitInfo(s, inSyscall, "in a syscall with its stack",
                gi -> gi.state() == GoroutineState.SYSCALL
                        && gi.stack().stream().anyMatch(f -> f.getClassName().equals(Syscall.class.getName())));
        assertThat(sys.waitReason()).isEqualTo(WaitReason.SYSCALL);
        assertThat(sys.carrierId()).isNotEqualTo(-1).isNotEqualTo(running.carrierId());
        assertThat(sys.stack()).anyMatch(f -> f.getClassName().equals(Syscall.class.getName()));
        assertThat(running.header()).isEqualTo("goroutine " + spinner.threadId() + " \"spinner\" [running]:");
        assertThat(sys.header())
                .matches("goroutine " + inSyscall.threadId() + " \"in-syscall\" \\[syscall(, \\d+ seconds?)?\\]:");
    }

    @Test
    void aQueuedGoroutineIsRunnable() {
        // One P and one carrier: while the hog runs, nothing else can (sysmon has no carrier to hand the P to).
        GoScheduler s = scheduler("dump-runnable", 1, 1);
        AtomicBoolean stop = new AtomicBoolean();
        releases.add(() -> stopSpinning(stop));
        Thread hog = go(s, "hog", () -> spin(stop));
        awaitInfo(s, hog, "running", gi -> gi.state() == GoroutineState.RUNNING);
        Thread queued = go(s, "queued", () -> { });
        GoroutineInfo gi = awaitInfo(s, queued, "listed", g -> true);
        assertThat(gi.state()).isEqualTo(GoroutineState.RUNNABLE);
        assertThat(gi.header()).isEqualTo("goroutine " + queued.threadId() + " \"queued\" [runnable]:");
        assertThat(gi.carrierId()).isEqualTo(-1);
    }

    /** Spins until stopped; no lock (a goroutine blocked on a monitor inside a syscall would leave it). */
    private static void spin(AtomicBoolean stop) {
        while (!stop.get()) {
            Thread.onSpinWait();
        }
    }

    private static void parkUntil(AtomicBoolean stop) {
        while (!stop.get() && !Thread.currentThread().isInterrupted()) {
            LockSupport.park();
        }
    }

    private static void stopSpinning(AtomicBoolean stop) {
        stop.set(true);
    }

    @Test
    void aSyscallThatBeginsAsSysmonWakesFromItsIdleSleepHasARecordedStart() throws Exception {
        GoScheduler s = scheduler("dump-wake", 1, 256);
        go(s, "warm-up", () -> { }).join(); // carriers and sysmon started, then idle
        // Once every sysmon in this JVM is in its all-idle sleep (100 ms after its scheduler's last work), the wait
        // clock reads UNKNOWN. A busy scheduler of another test may keep its sysmon awake: nothing to test then.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (WaitClock.now() != WaitClock.UNKNOWN && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            Thread.yield();
        }
        Assumptions.assumeTrue(WaitClock.now() == WaitClock.UNKNOWN, "another scheduler's sysmon stays awake");
        AtomicBoolean stop = new AtomicBoolean();
        releases.add(() -> stopSpinning(stop));
        Thread t = go(s, "first-after-idle", () -> Syscall.blocking(() -> spin(stop)));
        GoroutineInfo gi = awaitInfo(s, t, "in a syscall", g -> g.state() == GoroutineState.SYSCALL);
        assertThat(gi.waitObserved()).as("the waker of sysmon refreshed the clock").isFalse();
    }

    @Test
    void theMXBeanDumpOperationListsTheSchedulersParkedGoroutine() throws Exception {
        GoScheduler s = scheduler("dump-jmx", 1, 256);
        CountDownLatch never = new CountDownLatch(1);
        releases.add(never::countDown);
        Thread t = go(s, "awaits-latch", never::await);
        awaitWaiting(s, t, WaitReason.SYNC_WAIT);
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        String text = (String) server.invoke(s.mxBeanName(), "dumpGoroutines", null, null);
        assertThat(text).contains("goroutine " + t.threadId() + " \"awaits-latch\" [sync wait")
                .contains("java.util.concurrent.CountDownLatch.await");
        String json = (String) server.invoke(s.mxBeanName(), "dumpGoroutinesJson", null, null);
        assertThat(json).contains("\"tid\": \"" + t.threadId() + "\"").contains("\"waitReason\": \"sync wait\"");
    }

    @Test
    void aTracebackIsTheGoroutinesBlockOfTheTextDump() {
        GoScheduler s = scheduler("dump-traceback", 1, 256);
        CountDownLatch never = new CountDownLatch(1);
        releases.add(never::countDown);
        Thread t = go(s, "traced", never::await);
        GoroutineInfo gi = awaitWaiting(s, t, WaitReason.SYNC_WAIT);
        String tb = gi.traceback();
        assertThat(tb).startsWith(gi.header() + "\n")
                .contains("\tat java.base/java.util.concurrent.CountDownLatch.await(")
                .endsWith("\ncreated by thread " + Thread.currentThread().threadId() + "\n");
        assertThat(tb.lines().filter(l -> l.startsWith("\tat "))).hasSize(gi.stack().size());
        // the same frames as the dump's block (the header's duration may have grown a second meanwhile)
        assertThat(Goroutines.dump(s)).contains(tb.substring(tb.indexOf('\n')));
    }

    @Test
    void anInferredWaitCountsFromItsFirstSightingAndANewWaitStartsOver() throws Exception {
        GoScheduler s = scheduler("dump-since", 2, 256);
        CountDownLatch parkedAgain = new CountDownLatch(1);
        Thread t = go(s, "sleeps-then-parks", () -> {
            try {
                Thread.sleep(Duration.ofHours(1));
            } catch (InterruptedException woken) {
                parkedAgain.countDown();
                while (!Thread.currentThread().isInterrupted()) {
                    LockSupport.park();
                }
            }
        });
        GoroutineInfo first = awaitWaiting(s, t, WaitReason.SLEEP);
        GoroutineInfo grown = awaitInfo(s, t, "sleeping longer", gi -> gi.waitMillis() > first.waitMillis());
        assertThat(grown.waitReason()).isEqualTo(WaitReason.SLEEP);
        GoroutineInfo pastSecond = awaitInfo(s, t, "sleeping a second", gi -> gi.waitMillis() >= 1_000);
        assertThat(pastSecond.header()).matches("goroutine \\d+ \"sleeps-then-parks\" \\[sleep, \\d+ seconds?\\]:");
        t.interrupt();
        parkedAgain.await();
        GoroutineInfo parked = awaitWaiting(s, t, WaitReason.PARK);
        assertThat(parked.waitMillis()).isLessThan(pastSecond.waitMillis()); // a new wait, a new first sighting
    }

    @Test
    void endedGoroutinesAreLeftOutAndEverySchedulerIsListed() throws Exception {
        GoScheduler a = scheduler("dump-a", 1, 256);
        GoScheduler b = scheduler("dump-b", 1, 256);
        Thread done = go(a, "done", () -> { });
        done.join();
        await("done deregistered", () -> !a.goroutines().contains(done));
        AtomicBoolean stop = new AtomicBoolean();
        Thread pa = go(a, "parked-a", () -> parkUntil(stop));
        Thread pb = go(b, "parked-b", () -> parkUntil(stop));
        awaitWaiting(a, pa, WaitReason.PARK);
        awaitWaiting(b, pb, WaitReason.PARK);
        assertThat(Goroutines.schedulers()).contains(a, b);
        String all = Goroutines.dump();
        assertThat(all).contains("SCHED dump-a:", "SCHED dump-b:", "\"parked-a\" [park", "\"parked-b\" [park");
        assertThat(all).doesNotContain("\"done\"");
        assertThat(all.indexOf("SCHED dump-a:")).isLessThan(all.indexOf("SCHED dump-b:")); // oldest first
        assertThat(Goroutines.dump(b)).contains("\"parked-b\"").doesNotContain("\"parked-a\"", "SCHED dump-a:");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        Goroutines.dump(b, new java.io.PrintStream(bytes, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(bytes.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("\"parked-b\" [park");
        stopSpinning(stop);
        LockSupport.unpark(pa);
        LockSupport.unpark(pb);
        pa.join();
        pb.join();
        a.close();
        assertThat(Goroutines.schedulers()).doesNotContain(a).contains(b);
    }
}
