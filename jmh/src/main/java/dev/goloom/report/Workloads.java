package dev.goloom.report;

import dev.goloom.jmh.support.Baton;
import dev.goloom.report.Workload.Twin;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;

/**
 * The main job's workloads: the anchor workloads of {@code bench/go/main.go} ported to Java with the same
 * parameters and units, plus {@code parkpingpong}, the LockSupport round trip that {@code ParkPingPongBenchmark}
 * also measures (no Go twin: Go has no user-level park). Each body runs in a virtual thread of the side under test,
 * as the Go functions run in the main goroutine, and times only what the Go function times.
 *
 * <p>Workloads that need goloom channels or select are registered in {@link ChannelWorkloads}; the {@code http}
 * workload (a real server, req/s) in {@link HttpWorkload}.
 */
final class Workloads {
    private Workloads() {
    }

    private static final String NO_QUEUE_PARK = "no queue to swap: the workload is LockSupport itself, and the JDK "
            + "column already runs it on the JDK's scheduler";
    private static final String NO_QUEUE_SPAWN = "no channel to swap: the workload starts threads and counts down a "
            + "CountDownLatch, and the JDK column already runs it on the JDK's scheduler";

    /** Every workload, in report order. */
    static List<Workload> all() {
        return List.of(
                ChannelWorkloads.pingpong(),
                ChannelWorkloads.selectpingpong(),
                ChannelWorkloads.buffered(),
                ChannelWorkloads.fanin(),
                new Workload("parkpingpong", "ns/roundtrip", 1_000_000, 100_000, false,
                        "two virtual threads hand a baton back and forth with LockSupport.park/unpark (no queue: "
                                + "no j.u.c or jox twin)", Workloads::parkPingPong,
                        Twin.none(NO_QUEUE_PARK), Twin.none(NO_QUEUE_PARK)),
                new Workload("spawn", "ns/goroutine", 1_000_000, 100_000, true,
                        "start n virtual threads that count down a latch, wait for all of them (no channel: no "
                                + "j.u.c or jox twin)", Workloads::spawn,
                        Twin.none(NO_QUEUE_SPAWN), Twin.none(NO_QUEUE_SPAWN)),
                ChannelWorkloads.skynet(),
                ChannelWorkloads.sieve(),
                ChannelWorkloads.parked(),
                HttpWorkload.http());
    }

    // ------------------------------------------------------------------------------------------ parkpingpong

    static double parkPingPong(ThreadFactory threads, int n) throws InterruptedException {
        Baton baton = new Baton();
        Thread main = Thread.currentThread();
        Thread echo = threads.newThread(() -> {
            for (int i = 0; i < n; i++) {
                baton.await(1);
                baton.pass(0, main);
            }
        });
        echo.start();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            baton.pass(1, echo);
            baton.await(0);
        }
        long elapsed = System.nanoTime() - t0;
        echo.join();
        return (double) elapsed / n;
    }

    // ------------------------------------------------------------------------------------------------- spawn

    /** Go: {@code spawn}. The latch plays the WaitGroup. */
    static double spawn(ThreadFactory threads, int n) throws InterruptedException {
        CountDownLatch wg = new CountDownLatch(n);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            threads.newThread(wg::countDown).start();
        }
        wg.await();
        return (double) (System.nanoTime() - t0) / n;
    }

    // ------------------------------------------------------------------------------------------------ parked

    /**
     * Go: {@code parked}. Heap bytes per virtual thread blocked in a wait: the thread object, its continuation,
     * its stack chunk (a parked virtual thread's stack lives on the heap, where Go's lives in StackInuse), and the
     * wait's own node. Measured as used heap after a full GC, before and after starting {@code n} blocked threads.
     * {@code block} is how one thread waits; {@code release} ends every wait.
     */
    static double parked(ThreadFactory threads, int n, Runnable block, Runnable release)
            throws InterruptedException {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long before = usedAfterGc(mem);
        CountDownLatch started = new CountDownLatch(n);
        CountDownLatch ended = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            threads.newThread(() -> {
                started.countDown();
                block.run();
                ended.countDown();
            }).start();
        }
        started.await();
        long after = usedAfterGc(mem);
        release.run();
        ended.await(); // not measured: the next round starts from a clean heap
        return (double) (after - before) / n;
    }

    private static long usedAfterGc(MemoryMXBean mem) {
        // Two collections: the first may leave objects whose finalization or reference processing frees more.
        System.gc();
        System.gc();
        return mem.getHeapMemoryUsage().getUsed();
    }
}
