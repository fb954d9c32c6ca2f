package dev.goloom.loom.scheduling;

import dev.goloom.loom.Go;
import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.loom.Syscall;
import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.spi.Timers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code GoScheduler.setMaxProcs} with real goroutines: resizing while goroutines ping-pong, spawn, sleep and yield
 * (every message and every goroutine counted), and shrinking while one goroutine's carrier is in a marked syscall
 * and another's is pinned.
 */
class SetMaxProcsGoroutinesTest {

    private static final long WAIT_S = 60;

    private static void joinAll(List<Thread> threads) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        for (Thread t : threads) {
            long left = Math.max(1, deadline - System.nanoTime());
            assertThat(t.join(Duration.ofNanos(left))).as("%s ended in time", t).isTrue();
        }
    }

    /**
     * Pairs of goroutines ping-pong numbered messages through {@link SynchronousQueue}s (runnext hand-offs), other
     * goroutines start children that sleep and yield, and a platform thread and a goroutine both resize the
     * scheduler between 1 and 6 Ps the whole time. Every message must arrive once and in order, every child must
     * run exactly once, and every goroutine must end.
     */
    @Test
    void growAndShrinkWhileGoroutinesPingPongAndSpawn() throws Exception {
        int rounds = 4;
        int pairs = 16;
        int messages = 2_000;
        int spawners = 8;
        int childrenEach = 250;
        for (int round = 0; round < rounds; round++) {
            try (GoScheduler s = GoScheduler.builder().maxProcs(4).name("resize-go-" + round).build()) {
                Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
                Thread.Builder.OfVirtual vt = GoVirtualThreads.ofVirtual(s)
                        .uncaughtExceptionHandler((t, e) -> errors.add(e));
                List<Thread> all = new ArrayList<>();
                AtomicLong delivered = new AtomicLong();
                for (int p = 0; p < pairs; p++) {
                    SynchronousQueue<Integer> ping = new SynchronousQueue<>();
                    SynchronousQueue<Integer> pong = new SynchronousQueue<>();
                    all.add(vt.start(() -> {
                        try {
                            for (int i = 0; i < messages; i++) {
                                ping.put(i);
                                int back = pong.take();
                                if (back != i) {
                                    throw new AssertionError("pong " + back + ", expected " + i);
                                }
                                delivered.incrementAndGet();
                            }
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }));
                    all.add(vt.start(() -> {
                        try {
                            for (int i = 0; i < messages; i++) {
                                int got = ping.take();
                                if (got != i) {
                                    throw new AssertionError("ping " + got + ", expected " + i);
                                }
                                pong.put(got);
                                delivered.incrementAndGet();
                            }
                        } catch (InterruptedException e) {
                            throw new AssertionError(e);
                        }
                    }));
                }
                AtomicIntegerArray ran = new AtomicIntegerArray(spawners * childrenEach);
                Queue<Thread> childThreads = new ConcurrentLinkedQueue<>();
                for (int sp = 0; sp < spawners; sp++) {
                    int spawner = sp;
                    all.add(vt.start(() -> {
                        for (int c = 0; c < childrenEach; c++) {
                            int id = spawner * childrenEach + c;
                            childThreads.add(vt.start(() -> {
                                ran.incrementAndGet(id);
                                if (id % 7 == 0) {
                                    Thread.yield(); // to the global queue
                                }
                                if (id % 11 == 0) {
                                    Timers.parkNanos(ran, 200_000); // a goloom timer on this goroutine's P
                                }
                            }));
                        }
                    }));
                }
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger resizes = new AtomicInteger();
                long seed = 99 + round;
                Thread resizer = Thread.ofPlatform().name("resizer").start(() -> {
                    SplittableRandom rnd = new SplittableRandom(seed);
                    while (!stop.get()) {
                        s.setMaxProcs(1 + rnd.nextInt(6));
                        resizes.incrementAndGet();
                        Thread.yield();
                    }
                });
                Thread goroutineResizer = vt.start(() -> { // from a goroutine, whose own P may go away
                    SplittableRandom rnd = new SplittableRandom(seed * 31);
                    while (!stop.get()) {
                        s.setMaxProcs(1 + rnd.nextInt(6));
                        Thread.yield();
                    }
                });
                try { // a failed assertion must not leave the resizers running and close() waiting for them
                    joinAll(all);
                    List<Thread> kids = new ArrayList<>(childThreads);
                    assertThat(kids).hasSize(spawners * childrenEach);
                    joinAll(kids);
                    // The platform resizer must get at least one resize in, which a loaded machine may not give it
                    // before the goroutines are done: wait for it (bounded) rather than assert it happened.
                    long resizedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
                    while (resizes.get() == 0) {
                        assertThat(System.nanoTime() - resizedBy).as("the platform resizer resized in time")
                                .isNegative();
                        Thread.onSpinWait();
                        Thread.yield();
                    }
                } finally {
                    stop.set(true);
                }
                resizer.join();
                joinAll(List.of(goroutineResizer));
                assertThat(errors).as("goroutines that threw").isEmpty();
                assertThat(delivered.get()).isEqualTo(2L * pairs * messages);
                for (int id = 0; id < spawners * childrenEach; id++) {
                    assertThat(ran.get(id)).as("runs of child " + id).isEqualTo(1);
                }
                assertThat(resizes.get()).as("resizes by the platform thread").isPositive();
                LiveGoroutines.awaitNone(s); // the joined goroutines leave the registry just after join()
            }
        }
    }

    /** Releases {@link PinnedInit}'s initializer (outside that class: touching it would wait for the initializer). */
    private static final CountDownLatch PINNED_RELEASE = new CountDownLatch(1);

    /** The P of a goroutine blocked in a class initializer: its carrier stays mounted (pinned) while it waits. */
    private static final class PinnedInit {
        static {
            try {
                PINNED_RELEASE.await();
            } catch (InterruptedException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        static void touch() {
        }
    }

    private static Path mkfifo(Path dir, String name) throws Exception {
        Path p = dir.resolve(name);
        Process pr = new ProcessBuilder("mkfifo", p.toString()).inheritIO().start();
        assertThat(pr.waitFor(WAIT_S, TimeUnit.SECONDS)).isTrue();
        assertThat(pr.exitValue()).as("mkfifo exit code").isZero();
        return p;
    }

    private static void awaitInFrame(Thread t, String frame) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (System.nanoTime() < deadline) {
            if (Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getMethodName().contains(frame))) {
                return;
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        throw new AssertionError(t + " never reached " + frame + ": " + Arrays.toString(t.getStackTrace()));
    }

    /**
     * Three Ps: one goroutine blocks in a marked syscall (a FIFO open inside {@code Syscall.blocking}), another is
     * pinned (parked in a class initializer), each after starting children onto its own P and arming a timer there.
     * Shrinking to 1 while both are stuck must not strand their queued children or timers, new goroutines keep
     * running, and both stuck goroutines finish once released.
     */
    @Test
    void shrinkWhileOneCarrierIsInASyscallAndAnotherIsPinned(@TempDir Path dir) throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(3).name("shrink-stuck").build()) {
            Path fifo = mkfifo(dir, "syscall");
            int children = 100;
            CountDownLatch childrenRan = new CountDownLatch(2 * children);
            CountDownLatch timersFired = new CountDownLatch(2);
            AtomicIntegerArray runs = new AtomicIntegerArray(2 * children);
            CountDownLatch armed = new CountDownLatch(2);
            Thread inSyscall = Go.go(s, () -> {
                queueChildrenAndTimer(s, 0, children, runs, childrenRan, timersFired);
                armed.countDown();
                Syscall.blocking(() -> {
                    try (FileInputStream in = new FileInputStream(fifo.toFile())) { // blocks in open
                        in.read();
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
            });
            Thread pinned = Go.go(s, () -> {
                queueChildrenAndTimer(s, 1, children, runs, childrenRan, timersFired);
                armed.countDown();
                PinnedInit.touch(); // parks in <clinit>, pinned
            });
            assertThat(armed.await(WAIT_S, TimeUnit.SECONDS)).isTrue();
            awaitInFrame(inSyscall, "open");
            awaitInFrame(pinned, "<clinit>");
            awaitParked(pinned);
            assertThat(pinned.toString()).as("pinned: still mounted on a carrier while parked")
                    .containsPattern("@shrink-stuck-m\\d+");

            assertThat(s.setMaxProcs(1)).isEqualTo(3);
            assertThat(s.maxProcs()).isEqualTo(1);
            assertThat(s.stats().procs()).isEqualTo(1);

            // With both stuck, the one P left (or a spare sysmon hands its token to) runs everything else.
            assertThat(childrenRan.await(WAIT_S, TimeUnit.SECONDS)).as("queued children ran").isTrue();
            assertThat(timersFired.await(WAIT_S, TimeUnit.SECONDS)).as("their timers fired").isTrue();
            CountDownLatch fresh = new CountDownLatch(200);
            for (int i = 0; i < 200; i++) {
                Go.go(s, fresh::countDown);
            }
            assertThat(fresh.await(WAIT_S, TimeUnit.SECONDS)).as("new goroutines ran").isTrue();
            assertThat(inSyscall.isAlive() && pinned.isAlive()).as("both still stuck meanwhile").isTrue();

            try (FileOutputStream out = new FileOutputStream(fifo.toFile())) {
                out.write(1);
            }
            PINNED_RELEASE.countDown();
            joinAll(List.of(inSyscall, pinned));
            for (int i = 0; i < 2 * children; i++) {
                assertThat(runs.get(i)).as("runs of child " + i).isEqualTo(1);
            }
            assertThat(s.maxProcs()).isEqualTo(1);
            assertThat(s.stats().freeTokens()).isBetween(0, 1);
            LiveGoroutines.awaitNone(s); // the joined goroutines leave the registry just after join()
        }
    }

    private static void queueChildrenAndTimer(GoScheduler s, int which, int children, AtomicIntegerArray runs,
                                              CountDownLatch childrenRan, CountDownLatch timersFired) {
        assertThat(Timers.schedule(TimeUnit.MILLISECONDS.toNanos(20), timersFired::countDown)).isNotNull();
        for (int c = 0; c < children; c++) {
            int id = which * children + c;
            Go.go(s, () -> { // runnext, then the ring, of this goroutine's P
                runs.incrementAndGet(id);
                childrenRan.countDown();
            });
        }
    }

    /** Waits (bounded) until {@code t} is WAITING: parked, not about to park. */
    private static void awaitParked(Thread t) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
        while (t.getState() != Thread.State.WAITING) {
            assertThat(System.nanoTime() - deadline).as("%s parked in time (now %s)", t, t.getState()).isNegative();
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
