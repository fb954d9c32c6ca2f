package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * 1,000 loopback TCP connections open at once, each echoed by its own goroutine: a blocking {@link ServerSocket}
 * whose acceptor and per-connection handlers, and the 1,000 clients, are all goroutines of one goloom scheduler
 * ({@code maxProcs} 2, threads from {@link GoVirtualThreads#ofVirtual}). Every client sends {@value #BYTES_PER_CONN}
 * bytes of its own pattern in {@value #WRITES} writes of different sizes, reads each write's echo back before the
 * next one, and checks every byte; the server counts what it echoed. With 1,000 handlers blocked in {@code read} on
 * two Ps, only goroutines that unmount in socket I/O (the JDK's poller resubmitting them to goloom) let this finish.
 *
 * <p>Open files: the test needs two descriptors per connection (client and server side) plus the JVM's own. If the
 * process's limit ({@code ulimit -n}) leaves fewer than {@link #FD_HEADROOM} free beyond that, the test is skipped
 * with an assumption message that names the limit; raise it with {@code ulimit -n 4096} in the shell that runs Maven.
 *
 * <p>Bounded: every socket has a read timeout, and the test waits at most {@link #DEADLINE} for all clients; a
 * failure says how many connections finished and how many bytes were verified and echoed of how many.
 */
class ThousandConnectionsEchoTest {
    private static final int CONNECTIONS = 1_000;
    /** Bytes per write, in order; their sum is {@link #BYTES_PER_CONN}. Uneven, so reads see partial chunks. */
    private static final int[] WRITE_SIZES = {1, 700, 1_460, 3_000, 39};
    private static final int WRITES = 5;
    private static final int BYTES_PER_CONN = 5_200;
    /** Descriptors left free beyond two per connection: the JVM's jars, epoll, pipes, and other tests' sockets. */
    private static final long FD_HEADROOM = 256;
    private static final int SO_TIMEOUT_MS = 30_000;
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    /** The pattern byte at {@code offset} of connection {@code conn}'s stream. */
    private static byte pattern(int conn, int offset) {
        return (byte) (conn * 131 + offset * 7 + (offset >>> 8));
    }

    @Test
    void thousandConcurrentConnectionsEchoEveryByte() throws Exception {
        assertThat(WRITE_SIZES).hasSize(WRITES);
        assertThat(java.util.Arrays.stream(WRITE_SIZES).sum()).isEqualTo(BYTES_PER_CONN);
        assumeEnoughFileDescriptors(2L * CONNECTIONS + FD_HEADROOM);

        GoScheduler s = Goroutines.newScheduler("echo1k", 2);
        Goroutines g = new Goroutines(s);
        ThreadFactory goroutines = GoVirtualThreads.ofVirtual(s).factory();
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        Queue<Socket> sockets = new ConcurrentLinkedQueue<>(); // closed at the end, also on failure
        AtomicLong echoed = new AtomicLong();
        AtomicLong verified = new AtomicLong();
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger handlersDone = new AtomicInteger();
        AtomicInteger clientsDone = new AtomicInteger();
        List<Thread> handlers = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(loopback, 0), CONNECTIONS); // the kernel caps it at somaxconn
            server.setSoTimeout(SO_TIMEOUT_MS);
            int port = server.getLocalPort();
            Thread acceptor = start(goroutines, g, () -> {
                for (int c = 0; c < CONNECTIONS; c++) {
                    Socket conn = server.accept();
                    sockets.add(conn);
                    accepted.incrementAndGet();
                    conn.setSoTimeout(SO_TIMEOUT_MS);
                    handlers.add(start(goroutines, g, () -> {
                        try (conn) {
                            InputStream in = conn.getInputStream();
                            OutputStream out = conn.getOutputStream();
                            byte[] buf = new byte[2_048];
                            for (int n; (n = in.read(buf)) > 0; ) {
                                out.write(buf, 0, n);
                                echoed.addAndGet(n);
                            }
                        }
                        handlersDone.incrementAndGet();
                    }));
                }
            });

            // Every client connects, then waits until all have: all 1,000 connections are open at once, and all
            // 1,000 handlers are blocked in read() before the first byte is sent.
            CountDownLatch allConnected = new CountDownLatch(CONNECTIONS);
            List<Thread> clients = new ArrayList<>(CONNECTIONS);
            for (int i = 0; i < CONNECTIONS; i++) {
                int c = i;
                clients.add(start(goroutines, g, () -> {
                    try (Socket sock = new Socket()) {
                        sockets.add(sock);
                        sock.connect(new InetSocketAddress(loopback, port), SO_TIMEOUT_MS);
                        sock.setSoTimeout(SO_TIMEOUT_MS);
                        allConnected.countDown();
                        if (!allConnected.await(SO_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                            throw new AssertionError("client " + c + ": only " + (CONNECTIONS
                                    - allConnected.getCount()) + " of " + CONNECTIONS + " clients connected");
                        }
                        echoPattern(sock, c, verified);
                        sock.shutdownOutput();
                        assertThat(sock.getInputStream().read()).as("client %d: EOF after the echo", c).isEqualTo(-1);
                    }
                    clientsDone.incrementAndGet();
                }));
            }

            long deadline = System.nanoTime() + DEADLINE.toNanos();
            boolean finished = joinBy(clients, deadline) && acceptor.join(remaining(deadline))
                    && joinBy(List.copyOf(handlers), deadline);
            if (!finished) {
                String state = String.format("%d of %d connections accepted, %d clients and %d handlers finished, "
                                + "%,d of %,d bytes verified by the clients, %,d echoed by the server, within %s [%s]",
                        accepted.get(), CONNECTIONS, clientsDone.get(), handlersDone.get(), verified.get(),
                        (long) CONNECTIONS * BYTES_PER_CONN, echoed.get(), DEADLINE, s.stats().schedtrace());
                closeAll(sockets); // unblocks every socket read; the interrupts end the waits on the latch
                s.shutdownNow();
                boolean ended = s.awaitTermination(Duration.ofSeconds(10));
                fail("echo did not finish: " + state + (ended ? "" : "; the scheduler did not terminate either"));
            }
        } finally {
            closeAll(sockets);
        }
        Goroutines.closeScheduler(s);
        g.assertClean(1 + 2 * CONNECTIONS);
        long total = (long) CONNECTIONS * BYTES_PER_CONN;
        assertThat(verified.get()).as("bytes the clients got back and checked").isEqualTo(total);
        assertThat(echoed.get()).as("bytes the server echoed").isEqualTo(total);
        assertThat(clientsDone.get()).isEqualTo(CONNECTIONS);
        assertThat(handlersDone.get()).isEqualTo(CONNECTIONS);
    }

    /**
     * Sends connection {@code c}'s pattern in {@link #WRITE_SIZES} chunks, one write each, and after each write
     * reads its echo back in full and checks every byte. Reading each echo before the next write means no side
     * ever waits on a full socket buffer, whatever the kernel's buffer sizes.
     */
    private static void echoPattern(Socket sock, int c, AtomicLong verified) throws IOException {
        InputStream in = sock.getInputStream();
        OutputStream out = sock.getOutputStream();
        int offset = 0;
        for (int size : WRITE_SIZES) {
            byte[] chunk = new byte[size];
            for (int k = 0; k < size; k++) {
                chunk[k] = pattern(c, offset + k);
            }
            out.write(chunk);
            byte[] echo = in.readNBytes(size);
            if (echo.length != size) {
                throw new AssertionError("client " + c + ": stream ended after " + (offset + echo.length) + " of "
                        + BYTES_PER_CONN + " bytes");
            }
            for (int k = 0; k < size; k++) {
                if (echo[k] != chunk[k]) {
                    throw new AssertionError("client " + c + ": byte " + (offset + k) + " is " + echo[k]
                            + ", sent " + chunk[k]);
                }
            }
            offset += size;
            verified.addAndGet(size);
        }
    }

    private static Thread start(ThreadFactory goroutines, Goroutines g, Goroutines.Body body) {
        Thread t = goroutines.newThread(g.wrap(body));
        t.start();
        return t;
    }

    private static boolean joinBy(List<Thread> threads, long deadline) throws InterruptedException {
        for (Thread t : threads) {
            if (!t.join(remaining(deadline))) {
                return false;
            }
        }
        return true;
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    }

    private static void closeAll(Queue<Socket> sockets) {
        for (Socket sock; (sock = sockets.poll()) != null; ) {
            try {
                sock.close();
            } catch (IOException ignored) {
                // closing for cleanup only
            }
        }
    }

    /**
     * Skips the test (JUnit assumption) if fewer than {@code needed} descriptors are free under the soft limit on
     * open files, read from {@code /proc/self/limits} ("Max open files"), with the open ones counted in
     * {@code /proc/self/fd}. Without {@code /proc} (not Linux) the limit is unknown and the test runs; a limit too
     * low then shows as "Too many open files".
     */
    private static void assumeEnoughFileDescriptors(long needed) throws IOException {
        Path limits = Path.of("/proc/self/limits");
        if (!Files.isReadable(limits)) {
            return;
        }
        String line = Files.readAllLines(limits).stream().filter(l -> l.startsWith("Max open files")).findFirst()
                .orElse(null);
        if (line == null) {
            return;
        }
        String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
        if (soft.equals("unlimited")) {
            return;
        }
        long max = Long.parseLong(soft);
        long open;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            open = fds.count();
        }
        assumeTrue(max - open >= needed, "the open-file limit (ulimit -n) is " + max + " with " + open
                + " open: " + CONNECTIONS + " connections need " + needed + " free descriptors; raise it, e.g. "
                + "`ulimit -n 4096`, in the shell that runs Maven");
    }
}
