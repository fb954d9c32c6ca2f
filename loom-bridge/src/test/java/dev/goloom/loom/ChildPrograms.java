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
            case "sleep-timer-queues" -> {
                // 64 goroutines (consecutive thread ids, so every queue) each sleep a few times; then the JDK's
                // unparker threads, one per timer queue, are counted.
                try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("sleepers").build()) {
                    java.util.List<Thread> sleepers = new java.util.ArrayList<>();
                    for (int i = 0; i < 64; i++) {
                        sleepers.add(Go.go(s, () -> {
                            for (int k = 0; k < 3; k++) {
                                try {
                                    Thread.sleep(1);
                                } catch (InterruptedException e) {
                                    throw new RuntimeException(e);
                                }
                            }
                        }));
                    }
                    for (Thread t : sleepers) {
                        if (!t.join(Duration.ofSeconds(20))) {
                            System.out.println("NOT_JOINED " + t);
                        }
                    }
                }
                System.out.println("TIMER_QUEUES " + System.getProperty("jdk.virtualThreadScheduler.timerQueues"));
                System.out.println("UNPARKERS " + Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().equals("VirtualThread-unparker")).count());
            }
            case "lazy-system-pollers" -> {
                // With -Djdk.pollerMode=1: goroutines that do no socket I/O start no poller thread; the first
                // socket I/O (from goroutines) starts the JDK's platform poller threads, and socketThenClose checks
                // that it works and that no poller became a goroutine.
                GoScheduler probe = GoScheduler.builder().maxProcs(2).name("no-io").build();
                Go.go(probe, () -> { }).join();
                probe.close();
                System.out.println("BEFORE_IO " + pollerThreads());
                socketThenClose(() -> System.out.println("AFTER_IO " + pollerThreads()));
            }
            case "socket-io-after-close" -> socketIoAfterClose();
            case "hosted-pollers" -> hostedPollers();
            case "schedtrace" -> {
                // Runs work until sysmon, tracing every 50 ms, has printed three lines (however slow a loaded
                // machine makes it; a minute at most), then exits. Counts the lines sysmon writes to System.err.
                java.io.PrintStream err = System.err;
                java.util.concurrent.atomic.AtomicInteger lines = new java.util.concurrent.atomic.AtomicInteger();
                System.setErr(new java.io.PrintStream(new java.io.OutputStream() {
                    private final StringBuilder line = new StringBuilder();

                    @Override
                    public synchronized void write(int b) {
                        err.write(b);
                        if (b == '\n') {
                            if (line.indexOf("SCHED ") == 0) {
                                lines.incrementAndGet();
                            }
                            line.setLength(0);
                        } else if (line.length() < 16) {
                            line.append((char) b);
                        }
                    }
                }, true));
                try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("traced").build()) {
                    long end = System.nanoTime() + 60_000_000_000L;
                    while (lines.get() < 3 && System.nanoTime() < end) {
                        Go.go(s, () -> { }).join();
                    }
                }
                System.out.println("DONE");
            }
            case "sysmon-oom" -> sysmonSurvivesOutOfMemory(args[1]);
            default -> throw new IllegalArgumentException("unknown child program " + args[0]);
        }
    }

    /** Names of the live threads whose name says they are the JDK's socket pollers, sorted. */
    private static java.util.List<String> pollerThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.contains("Poller")).sorted().toList();
    }

    /**
     * The first blocking socket operation of a virtual thread in this JVM happens in a goroutine; afterwards the
     * scheduler must still terminate (the JDK's I/O poller threads must not become its goroutines).
     */
    private static void socketThenClose() throws Exception {
        socketThenClose(() -> { });
    }

    private static void socketThenClose(Runnable afterIo) throws Exception {
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
        afterIo.run();
        s.shutdown();
        boolean terminated = s.awaitTermination(Duration.ofSeconds(10));
        System.out.println("TERMINATED " + terminated);
        System.out.println("LIVE " + s.goroutines().stream().map(Thread::getName).sorted().toList());
        System.exit(0); // carriers are daemons, but do not let a stuck scheduler keep the child alive
    }

    /**
     * Socket I/O after a scheduler that did socket I/O has terminated. Prints one line per step, {@code STEP ok} or
     * {@code STEP FAILED: why}:
     * <ol>
     *   <li>{@code FIRST_IO}: the JVM's first blocking socket I/O of a virtual thread, an echo between goroutines of
     *       scheduler A, starts the JDK's poller threads.</li>
     *   <li>{@code PENDING_PARKED}: a plain JDK virtual thread blocks in a socket read (a poller registration is
     *       live while A closes); {@code PENDING}, after every other step: that read gets the byte written then.</li>
     *   <li>{@code CLOSED}: A's {@code close()} returns (within 20 s, waited for from a platform thread) and
     *       {@code isTerminated()}; then {@code LIVE_A} lists A's goroutines (none expected).</li>
     *   <li>{@code OTHER_SCHEDULER}, {@code JDK_VIRTUAL}, {@code PLATFORM}: the same echo with both ends in
     *       goroutines of a new scheduler B, in {@code Thread.ofVirtual()} threads, in platform threads; then
     *       {@code B_CLOSED}.</li>
     * </ol>
     */
    private static void socketIoAfterClose() throws Exception {
        GoScheduler a = GoScheduler.builder().maxProcs(2).name("io-a").build();
        report("FIRST_IO", () -> echo(GoVirtualThreads.ofVirtual(a).factory()));

        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 1, loopback);
             Socket writer = new Socket(loopback, server.getLocalPort());
             Socket reader = server.accept()) {
            reader.setSoTimeout(20_000);
            int[] pendingGot = {-2};
            Thread pending = Thread.ofVirtual().name("pending-reader").start(() -> {
                try {
                    pendingGot[0] = reader.getInputStream().read();
                } catch (java.io.IOException e) {
                    pendingGot[0] = -3;
                }
            });
            // Parked in read() with a timeout: TIMED_WAITING, its socket registered with a poller.
            report("PENDING_PARKED", () -> awaitParked(pending, Duration.ofSeconds(10)) ? null
                    : "the reader is " + pending.getState());

            Thread closer = Thread.ofPlatform().name("closer").start(a::close);
            boolean closed = closer.join(Duration.ofSeconds(20));
            report("CLOSED", () -> closed && a.isTerminated() ? null
                    : "close() returned: " + closed + ", isTerminated: " + a.isTerminated() + " "
                    + a.stats().schedtrace());
            System.out.println("LIVE_A " + a.goroutines().stream().map(Thread::getName).sorted().toList());

            GoScheduler b = GoScheduler.builder().maxProcs(2).name("io-b").build();
            report("OTHER_SCHEDULER", () -> echo(GoVirtualThreads.ofVirtual(b).factory()));
            report("JDK_VIRTUAL", () -> echo(Thread.ofVirtual().factory()));
            report("PLATFORM", () -> echo(Thread.ofPlatform().daemon().factory()));
            b.shutdown();
            report("B_CLOSED", () -> b.awaitTermination(Duration.ofSeconds(20)) ? null
                    : "not terminated: " + b.stats().schedtrace());

            writer.getOutputStream().write(99);
            report("PENDING", () -> pending.join(Duration.ofSeconds(20)) && pendingGot[0] == 99 ? null
                    : "the virtual thread blocked in read across the close got " + pendingGot[0] + ", alive: "
                    + pending.isAlive());
        }
        System.exit(0); // carriers are daemons, but do not let a stuck scheduler keep the child alive
    }

    /**
     * Run with {@code -Dgoloom.pollers=goloom}: the JDK's sub-pollers become system goroutines of the default
     * scheduler. Socket I/O must work for its goroutines, for another goloom scheduler's (which still closes and
     * terminates), for JDK virtual threads and for platform threads; the default scheduler lists no poller among
     * its goroutines, shuts down and terminates, and socket I/O of every other kind of thread goes on after that.
     */
    private static void hostedPollers() throws Exception {
        GoScheduler d = GoScheduler.defaultScheduler();
        report("DEFAULT", () -> echo(GoVirtualThreads.ofVirtual(d).factory()));
        GoScheduler b = GoScheduler.builder().maxProcs(2).name("io-b").build();
        report("OTHER_SCHEDULER", () -> echo(GoVirtualThreads.ofVirtual(b).factory()));
        report("JDK_VIRTUAL", () -> echo(Thread.ofVirtual().factory()));
        report("PLATFORM", () -> echo(Thread.ofPlatform().daemon().factory()));
        report("B_CLOSED", () -> {
            Thread closer = Thread.ofPlatform().name("closer").start(b::close);
            return closer.join(Duration.ofSeconds(20)) && b.isTerminated() ? null
                    : "not terminated: " + b.stats().schedtrace();
        });
        report("DEFAULT_AGAIN", () -> echo(GoVirtualThreads.ofVirtual(d).factory()));
        // Go's runtime hides its system goroutines from its goroutine count; so does goloom. The echo joined its
        // goroutines, but a carrier removes a goroutine from the registry only after its last segment returns (on a
        // loaded machine, a while after join() saw it terminate): wait for them to leave, bounded, so that whatever
        // is still listed after that is a poller (or another goroutine that never ends).
        long leaveBy = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!d.goroutines().isEmpty() && System.nanoTime() - leaveBy < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L); // polls the registry, bounded above
        }
        System.out.println("DEFAULT_LIVE " + d.goroutines().stream().map(Thread::getName).sorted().toList());
        report("DEFAULT_TERMINATED", () -> {
            Thread closer = Thread.ofPlatform().name("closer").start(d::close);
            return closer.join(Duration.ofSeconds(20)) && d.isTerminated() ? null
                    : "not terminated: " + d.stats().schedtrace();
        });
        GoScheduler c = GoScheduler.builder().maxProcs(2).name("io-c").build();
        report("AFTER_OTHER_SCHEDULER", () -> echo(GoVirtualThreads.ofVirtual(c).factory()));
        report("AFTER_JDK_VIRTUAL", () -> echo(Thread.ofVirtual().factory()));
        report("AFTER_PLATFORM", () -> echo(Thread.ofPlatform().daemon().factory()));
        System.exit(0);
    }

    /** A step of a child program: returns null if it worked, else why not. */
    @FunctionalInterface
    private interface Step {
        String run() throws Exception;
    }

    private static void report(String step, Step body) {
        String problem;
        try {
            problem = body.run();
        } catch (Throwable e) {
            problem = e.toString();
        }
        System.out.println(step + (problem == null ? " ok" : " FAILED: " + problem));
    }

    /**
     * 8 loopback connections, both ends in threads of {@code threads}: each client sends 3,000 bytes of its own
     * pattern in 3 writes, the server side echoes, the client checks every byte. Returns null if all did, within
     * 20 s, else what went wrong.
     */
    private static String echo(java.util.concurrent.ThreadFactory threads) throws Exception {
        int conns = 8, chunk = 1_000, chunks = 3;
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        java.util.concurrent.atomic.AtomicInteger ok = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Queue<String> errors = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.List<Thread> all = new java.util.ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, conns, loopback)) {
            server.setSoTimeout(20_000);
            for (int i = 0; i < conns; i++) {
                int c = i;
                all.add(threads.newThread(() -> {
                    try (Socket conn = server.accept()) {
                        conn.setSoTimeout(20_000);
                        conn.getInputStream().transferTo(conn.getOutputStream());
                    } catch (Exception e) {
                        errors.add("server side " + c + ": " + e);
                    }
                }));
                all.add(threads.newThread(() -> {
                    try (Socket sock = new Socket(loopback, server.getLocalPort())) {
                        sock.setSoTimeout(20_000);
                        for (int k = 0; k < chunks; k++) {
                            byte[] sent = new byte[chunk];
                            for (int j = 0; j < chunk; j++) {
                                sent[j] = (byte) (c * 31 + k * chunk + j);
                            }
                            sock.getOutputStream().write(sent);
                            byte[] got = sock.getInputStream().readNBytes(chunk);
                            if (!java.util.Arrays.equals(sent, got)) {
                                throw new IllegalStateException("chunk " + k + " came back as " + got.length
                                        + " different bytes");
                            }
                        }
                        sock.shutdownOutput();
                        if (sock.getInputStream().read() != -1) {
                            throw new IllegalStateException("no EOF after the echo");
                        }
                        ok.incrementAndGet();
                    } catch (Exception e) {
                        errors.add("client " + c + ": " + e);
                    }
                }));
            }
            all.forEach(Thread::start);
            long deadline = System.nanoTime() + 20_000_000_000L;
            for (Thread t : all) {
                if (!t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) {
                    return "not finished within 20 s: " + t + "; " + ok.get() + " of " + conns + " clients done";
                }
            }
        }
        if (!errors.isEmpty()) {
            return errors.size() + " error(s), first: " + errors.peek();
        }
        return ok.get() == conns ? null : ok.get() + " of " + conns + " clients done";
    }

    /** Waits (bounded) until {@code t} is parked: WAITING or TIMED_WAITING. */
    private static boolean awaitParked(Thread t, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Thread.State st = t.getState();
            if (st == Thread.State.WAITING || st == Thread.State.TIMED_WAITING) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
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
