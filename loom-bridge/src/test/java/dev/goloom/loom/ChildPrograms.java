package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** Programs that tests run in a child JVM ({@link ChildJvm}) because they need a fresh JVM. */
public final class ChildPrograms {
    private ChildPrograms() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "ofVirtual" -> {
                // Let the failure escape main: the JVM prints it as the top-level error.
                GoScheduler s = GoScheduler.builder().maxProcs(1).name("probe").build();
                GoVirtualThreads.ofVirtual(s).start(() -> { }).join();
                System.out.println("STARTED");
            }
            case "go-twice" -> {
                for (int i = 1; i <= 2; i++) {
                    try {
                        Go.go(() -> { }).join();
                        System.out.println("ATTEMPT " + i + " STARTED");
                    } catch (Throwable e) {
                        System.out.println("ATTEMPT " + i + " " + e.getClass().getName() + ": " + e.getMessage());
                    }
                }
            }
            case "flag" -> {
                GoScheduler s = GoScheduler.builder().maxProcs(1).name("probe").build();
                boolean[] on = new boolean[1];
                GoVirtualThreads.ofVirtual(s).start(() -> on[0] = Goroutines.runsOn(s)).join();
                s.close();
                System.out.println("RAN_ON_GOLOOM " + on[0]);
            }
            case "socket-then-close" -> socketThenClose();
            case "sysmon-oom" -> sysmonSurvivesOutOfMemory(args[1]);
            default -> throw new IllegalArgumentException("unknown child program " + args[0]);
        }
    }

    /**
     * The first blocking socket operation of a virtual thread in this JVM happens in a goroutine; afterwards the
     * scheduler must still terminate (the JDK's I/O poller threads must not become its goroutines).
     */
    private static void socketThenClose() throws Exception {
        GoScheduler s = GoScheduler.builder().maxProcs(2).name("io").build();
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            server.setSoTimeout(20_000);
            Thread echo = Go.go(s, () -> {
                try (Socket c = server.accept()) {
                    c.setSoTimeout(20_000);
                    int b = c.getInputStream().read();
                    c.getOutputStream().write(b);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            int[] got = {-1};
            Thread client = Go.go(s, () -> {
                try (Socket c = new Socket(loopback, server.getLocalPort())) {
                    c.setSoTimeout(20_000);
                    OutputStream out = c.getOutputStream();
                    InputStream in = c.getInputStream();
                    out.write(42);
                    got[0] = in.read();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            System.out.println("JOINED " + (echo.join(Duration.ofSeconds(20)) && client.join(Duration.ofSeconds(20))));
            System.out.println("ECHOED " + got[0]);
        }
        s.shutdown();
        boolean terminated = s.awaitTermination(Duration.ofSeconds(10));
        System.out.println("TERMINATED " + terminated);
        System.out.println("LIVE " + s.goroutines().stream().map(Thread::getName).sorted().toList());
        System.exit(0); // carriers are daemons, but do not let a stuck scheduler keep the child alive
    }

    /**
     * Run with a small heap. A goroutine computes (its carrier is stuck in one task, so sysmon samples it, which
     * allocates) while a platform thread keeps the heap full: sysmon's rounds fail with OutOfMemoryError. Then the
     * heap is freed, a goroutine blocks the only P's carrier in a FIFO open, and 100 short goroutines must still run:
     * only a living sysmon can hand the blocked carrier's token to another carrier.
     */
    private static void sysmonSurvivesOutOfMemory(String fifo) throws Exception {
        GoScheduler s = GoScheduler.builder().maxProcs(1).name("oom").build();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread hog = Go.go(s, () -> {
            while (!stop.get()) {
                Thread.onSpinWait(); // no allocation: the heap is about to be full
            }
        });
        java.util.List<Object> hoard = new java.util.ArrayList<>(1 << 20);
        long ooms = 0;
        int chunk = 1 << 16;
        while (chunk > 0) { // fill: halve the chunk at each failure, down to single words
            try {
                hoard.add(new long[chunk]);
            } catch (OutOfMemoryError e) {
                ooms++;
                chunk /= 2;
            }
        }
        long holdUntil = System.nanoTime() + 1_500_000_000L;
        while (System.nanoTime() < holdUntil) { // hold: whatever GC frees is taken again at once
            try {
                hoard.add(new long[1]);
            } catch (OutOfMemoryError e) {
                ooms++;
            }
        }
        int hoarded = hoard.size();
        hoard = null;
        stop.set(true);
        System.gc();
        long failures = s.stats().sysmonFailures();
        System.out.println("OOMS " + ooms + " HOARD " + hoarded + " PREEMPTS " + s.stats().preemptRequests());
        System.out.println("HOG " + hog.join(Duration.ofSeconds(20)));
        Thread blocker = Go.go(s, () -> {
            try (java.io.FileInputStream in = new java.io.FileInputStream(fifo)) { // blocks the carrier in open
                in.read();
            } catch (java.io.IOException e) {
                throw new RuntimeException(e);
            }
        });
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(100);
        for (int i = 0; i < 100; i++) {
            Go.go(s, done::countDown);
        }
        boolean ran = done.await(20, java.util.concurrent.TimeUnit.SECONDS);
        try (java.io.FileOutputStream out = new java.io.FileOutputStream(fifo)) { // releases the blocker
            out.write(1);
        }
        System.out.println("BLOCKER " + blocker.join(Duration.ofSeconds(20)));
        System.out.println("SYSMON_FAILURES " + failures);
        System.out.println("SHORT_RAN " + ran);
        System.out.println("STATS " + s.stats().schedtrace() + " handoffsBlocked=" + s.stats().handoffsBlocked());
        System.exit(0);
    }
}
