package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.OutputStreamWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Blocking socket I/O in goroutines goes through the JDK's poller: a goroutine blocked in {@code accept} or
 * {@code read} unmounts, and the poller resubmits it to goloom when the socket is ready. Loopback only
 * (127.0.0.1), every socket has a timeout so a lost wake-up fails instead of hanging.
 */
class SocketIoTest {
    static GoScheduler s;

    @BeforeAll
    static void start() {
        s = Goroutines.newScheduler("sockets", 2);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        Goroutines.closeScheduler(s);
    }

    private static final int SO_TIMEOUT_MS = 20_000;

    @Test
    void echoServerAndClientsAllInGoroutines() throws Exception {
        int clients = 40, linesPerClient = 200;
        Goroutines g = new Goroutines(s);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(loopback, 0), clients);
            server.setSoTimeout(SO_TIMEOUT_MS);
            int port = server.getLocalPort();
            List<Thread> handlers = java.util.Collections.synchronizedList(new ArrayList<>());
            AtomicInteger echoedLines = new AtomicInteger();
            Thread acceptor = g.go(() -> {
                for (int c = 0; c < clients; c++) {
                    Socket conn = server.accept();
                    conn.setSoTimeout(SO_TIMEOUT_MS);
                    handlers.add(g.go(() -> {
                        try (conn; BufferedReader in = reader(conn); PrintWriter out = writer(conn)) {
                            String line;
                            while ((line = in.readLine()) != null) {
                                out.println(line);
                                echoedLines.incrementAndGet();
                            }
                        }
                    }));
                }
            });
            // All clients connect first and wait until every one is connected, so that all 40 handlers are
            // blocked in read() at once on 2 Ps: only unmounting readers let the clients' writes through.
            CountDownLatch allConnected = new CountDownLatch(clients);
            AtomicInteger verified = new AtomicInteger();
            List<Thread> clientThreads = g.goAll(clients, c -> {
                try (Socket sock = new Socket()) {
                    sock.connect(new InetSocketAddress(loopback, port), SO_TIMEOUT_MS);
                    sock.setSoTimeout(SO_TIMEOUT_MS);
                    allConnected.countDown();
                    allConnected.await();
                    BufferedReader in = reader(sock);
                    PrintWriter out = writer(sock);
                    for (int k = 0; k < linesPerClient; k++) {
                        String msg = "client " + c + " line " + k;
                        out.println(msg);
                        assertThat(in.readLine()).isEqualTo(msg);
                        verified.incrementAndGet();
                    }
                    sock.shutdownOutput();
                    assertThat(in.readLine()).as("server closes after our EOF").isNull();
                }
            });
            Goroutines.joinAll(clientThreads, Duration.ofSeconds(60));
            assertThat(acceptor.join(Duration.ofSeconds(10))).isTrue();
            Goroutines.joinAll(List.copyOf(handlers), Duration.ofSeconds(20));
            g.assertClean(1 + 2 * clients);
            assertThat(verified.get()).isEqualTo(clients * linesPerClient);
            assertThat(echoedLines.get()).isEqualTo(clients * linesPerClient);
        }
    }

    @Test
    void readTimeoutFiresInAGoroutine() throws Exception {
        Goroutines g = new Goroutines(s);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            server.setSoTimeout(SO_TIMEOUT_MS);
            AtomicInteger timeouts = new AtomicInteger();
            CountDownLatch clientDone = new CountDownLatch(1);
            Thread silentServer = g.go(() -> {
                try (Socket conn = server.accept()) {
                    clientDone.await(); // never writes
                }
            });
            Thread client = g.go(() -> {
                try (Socket sock = new Socket(loopback, server.getLocalPort())) {
                    sock.setSoTimeout(100);
                    try {
                        sock.getInputStream().read();
                    } catch (SocketTimeoutException expected) {
                        timeouts.incrementAndGet();
                    }
                } finally {
                    clientDone.countDown();
                }
            });
            Goroutines.joinAll(List.of(client, silentServer), Duration.ofSeconds(20));
            g.assertClean(2);
            assertThat(timeouts.get()).isEqualTo(1);
        }
    }

    @Test
    void jdkPollerThreadsDoNotBecomeGoroutinesOfTheSchedulerThatDidTheFirstIo() throws Exception {
        // The JDK starts its I/O poller threads (SubPoller-N, virtual, with Thread.ofVirtual()) lazily, on the
        // first blocking socket operation of any virtual thread. When that happens in a goroutine, they must not
        // inherit that goroutine's scheduler: they never end, so the scheduler could never terminate and every
        // virtual thread's socket I/O in the JVM would depend on that scheduler's carriers. Needs a fresh JVM.
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"),
                "socket-then-close");
        assertThat(r.stdout()).as("%s", r).contains("JOINED true").contains("ECHOED 42");
        assertThat(r.stdout()).as("%s", r).contains("LIVE []").contains("TERMINATED true");
    }

    @Test
    void withSystemThreadPollersNoPollerStartsBeforeTheFirstSocketIo() throws Exception {
        // -Djdk.pollerMode=1: the JDK's pollers are platform threads, which inherit no scheduler, so loom-bridge
        // does not start them when it loads (a started poller waits in native code, which delays JVM exit).
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Djdk.pollerMode=1"), "lazy-system-pollers");
        assertThat(r.stdout()).as("%s", r).contains("BEFORE_IO []");
        assertThat(r.stdout()).as("%s", r).contains("JOINED true").contains("ECHOED 42");
        assertThat(r.stdout()).as("%s", r).containsPattern("AFTER_IO \\[.*Read-Poller");
        assertThat(r.stdout()).as("%s", r).contains("LIVE []").contains("TERMINATED true");
    }

    @Test
    void socketIoWorksEverywhereAfterASchedulerThatDidSocketIoTerminated() throws Exception {
        // Scheduler A's goroutines do the JVM's first socket I/O (the JDK's pollers start then), a JDK virtual
        // thread blocks in a read, A closes: close() must return and A terminate; then socket I/O must still work
        // for goroutines of another scheduler, JDK virtual threads and platform threads, and the blocked read
        // must still complete. The poller start-up is JVM-wide and lazy: it needs a fresh JVM.
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED"),
                "socket-io-after-close");
        for (String step : List.of("FIRST_IO", "PENDING_PARKED", "CLOSED", "OTHER_SCHEDULER", "JDK_VIRTUAL", "PLATFORM", "B_CLOSED",
                "PENDING")) {
            assertThat(r.stdout()).as("%s", r).contains(step + " ok");
        }
        assertThat(r.stdout()).as("%s", r).contains("LIVE_A []").doesNotContain("FAILED");
        assertThat(r.exitCode()).as("%s", r).isZero();
    }

    @Test
    void pollersHostedOnTheDefaultSchedulerServeEveryKindOfThread() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Dgoloom.pollers=goloom"), "hosted-pollers");
        for (String step : List.of("DEFAULT", "OTHER_SCHEDULER", "JDK_VIRTUAL", "PLATFORM", "B_CLOSED",
                "DEFAULT_AGAIN", "DEFAULT_TERMINATED", "AFTER_OTHER_SCHEDULER", "AFTER_JDK_VIRTUAL", "AFTER_PLATFORM")) {
            assertThat(r.stdout()).as("%s", r).contains(step + " ok");
        }
        assertThat(r.stdout()).as("%s", r).contains("DEFAULT_LIVE []").doesNotContain("FAILED");
        assertThat(r.exitCode()).as("%s", r).isZero();
    }

    @Test
    void aBadPollersSettingIsRejectedWithItsValue() throws Exception {
        ChildJvm.Result r = ChildJvm.run(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Dgoloom.pollers=fjp"), "ofVirtual");
        assertThat(r.exitCode()).as("%s", r).isNotZero();
        assertThat(r.stderr()).as("%s", r)
                .contains("IllegalArgumentException: -Dgoloom.pollers must be jdk or goloom, got 'fjp'");
    }

    @Test
    void noGoroutineOfThisSchedulerIsAJdkPollerThread() throws Exception {
        Goroutines g = new Goroutines(s);
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            server.setSoTimeout(SO_TIMEOUT_MS);
            Thread acceptor = g.go(() -> {
                try (Socket conn = server.accept()) {
                    conn.getOutputStream().write(7);
                }
            });
            Thread client = g.go(() -> {
                try (Socket sock = new Socket(loopback, server.getLocalPort())) {
                    sock.setSoTimeout(SO_TIMEOUT_MS);
                    assertThat(sock.getInputStream().read()).isEqualTo(7);
                }
            });
            Goroutines.joinAll(List.of(acceptor, client), Duration.ofSeconds(20));
            g.assertClean(2);
        }
        assertThat(s.goroutines()).extracting(Thread::getName).noneMatch(n -> n.startsWith("SubPoller"));
    }

    private static BufferedReader reader(Socket s) throws java.io.IOException {
        return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
    }

    private static PrintWriter writer(Socket s) throws java.io.IOException {
        return new PrintWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8), true);
    }
}
