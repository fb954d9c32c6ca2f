package dev.goloom.jmh.server;

import com.sun.net.httpserver.HttpServer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Jetty;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.ExecutorService;

/**
 * The servers the benchmarks load, each started on {@code 127.0.0.1} at an ephemeral port and answering every
 * request with the same small {@link #BODY} (status 200, {@code Content-Length} set, keep-alive). Each takes the
 * executor whose virtual threads run its request handling: on goloom
 * {@code GoVirtualThreads.newThreadPerTaskExecutor(scheduler)}, on the JDK side
 * {@code Executors.newVirtualThreadPerTaskExecutor()} (see {@code Session.newThreadPerTaskExecutor()}).
 */
public enum ServerKind {
    /**
     * The JDK's {@code com.sun.net.httpserver.HttpServer} with {@code setExecutor(executor)}: its dispatcher, a
     * platform thread, selects on the connections and hands each request to the executor, so every request is a
     * new virtual thread started from outside the scheduler.
     */
    HTTPSERVER("httpserver", "JDK HttpServer (com.sun.net.httpserver)"),
    /**
     * Jetty 12.1: a {@code QueuedThreadPool} (platform threads for the acceptor and selector) whose
     * {@code setVirtualThreadsExecutor(executor)} runs the handler: with a virtual-threads executor Jetty reserves no
     * threads, so each request to a blocking handler ({@code Handler.Abstract}) is executed in a new virtual thread
     * from the selector thread.
     */
    JETTY("jetty", "Jetty " + Jetty.VERSION + " (QueuedThreadPool.setVirtualThreadsExecutor)"),
    /**
     * A thread-per-connection HTTP/1.1 server written the way virtual threads invite: an accept loop in one
     * virtual thread of the executor, and a virtual thread per connection doing blocking {@code Socket} reads and
     * writes (keep-alive, requests without a body, as {@code wrk} sends). No platform thread of the server's own
     * touches a request: every wake-up comes from the JDK's socket pollers (see {@code -Dgoloom.pollers}).
     */
    BLOCKING("blocking", "thread-per-connection HTTP/1.1 on java.net.ServerSocket (blocking virtual-thread I/O)");

    /** The response body, the same for every server. */
    public static final byte[] BODY = "Hello from goloom\n".getBytes(StandardCharsets.US_ASCII);

    private final String key;
    private final String label;

    ServerKind(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** The name on the command line: {@code httpserver}, {@code jetty} or {@code blocking}. */
    public String key() {
        return key;
    }

    /** The server and version, for the output. */
    public String label() {
        return label;
    }

    /**
     * The kind a command line names.
     *
     * @throws IllegalArgumentException for an unknown name
     */
    public static ServerKind parse(String name) {
        for (ServerKind k : values()) {
            if (k.key.equals(name.toLowerCase(Locale.ROOT).trim())) {
                return k;
            }
        }
        throw new IllegalArgumentException("--server must be httpserver, jetty or blocking, got '" + name + "'");
    }

    /**
     * A started server.
     *
     * @param port the port it listens on, on {@code 127.0.0.1}
     * @param stop stops it (run by {@link #close()})
     */
    public record Running(int port, Runnable stop) implements AutoCloseable {
        @Override
        public void close() {
            stop.run();
        }
    }

    /**
     * Starts this server on {@code 127.0.0.1} at an ephemeral port, its request handling on {@code executor}'s
     * threads.
     *
     * @param name a name for the server's own platform threads (Jetty's pool)
     * @throws Exception if it cannot start
     */
    public Running start(ExecutorService executor, String name) throws Exception {
        return switch (this) {
            case HTTPSERVER -> startHttpServer(executor);
            case JETTY -> startJetty(executor, name);
            case BLOCKING -> startBlocking(executor);
        };
    }

    private static final byte[] BLOCKING_RESPONSE = blockingResponse();

    private static byte[] blockingResponse() {
        byte[] head = ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + BODY.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(head, head.length + BODY.length);
        System.arraycopy(BODY, 0, all, head.length, BODY.length);
        return all;
    }

    private static Running startBlocking(ExecutorService executor) throws IOException {
        ServerSocket listener = new ServerSocket(0, 1024, loopback());
        executor.execute(() -> {
            while (true) {
                Socket s;
                try {
                    s = listener.accept();
                } catch (IOException e) {
                    return; // closed: the server stopped
                }
                executor.execute(() -> serveConnection(s));
            }
        });
        return new Running(listener.getLocalPort(), () -> {
            try {
                listener.close();
            } catch (IOException e) {
                throw new IllegalStateException("cannot close the listening socket: " + e, e);
            }
        });
    }

    /** Answers every request on {@code s} (a request ends at its blank line) until the client closes it. */
    private static void serveConnection(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] buf = new byte[8192];
            int len = 0;
            while (true) {
                int n = in.read(buf, len, buf.length - len);
                if (n < 0) {
                    return;
                }
                len += n;
                int consumed = 0;
                for (int end; (end = headerEnd(buf, consumed, len)) >= 0; consumed = end) {
                    out.write(BLOCKING_RESPONSE);
                }
                if (consumed == 0 && len == buf.length) {
                    return; // a header larger than the buffer: not a benchmark request
                }
                System.arraycopy(buf, consumed, buf, 0, len - consumed);
                len -= consumed;
            }
        } catch (IOException e) {
            // the client went away mid-request (the load generator's end): nothing to answer
        }
    }

    /** The index just past the first {@code \r\n\r\n} in {@code buf[from, to)}, or -1. */
    private static int headerEnd(byte[] buf, int from, int to) {
        for (int i = from; i + 3 < to; i++) {
            if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                return i + 4;
            }
        }
        return -1;
    }

    private static InetAddress loopback() throws IOException {
        return InetAddress.getByName("127.0.0.1");
    }

    private static Running startHttpServer(ExecutorService executor) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(loopback(), 0), 1024);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, BODY.length);
                try (OutputStream body = exchange.getResponseBody()) {
                    body.write(BODY);
                }
            }
        });
        server.setExecutor(executor);
        server.start();
        return new Running(server.getAddress().getPort(), () -> server.stop(0));
    }

    private static Running startJetty(ExecutorService executor, String name) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName(name);
        pool.setVirtualThreadsExecutor(executor);
        Server server = new Server(pool);
        server.setStopTimeout(2_000);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(1024);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() { // BLOCKING invocation type: runs in a virtual thread
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, BODY.length);
                response.write(true, ByteBuffer.wrap(BODY), callback);
                return true;
            }
        });
        server.start();
        return new Running(connector.getLocalPort(), () -> {
            try {
                server.stop();
            } catch (Exception e) {
                throw new IllegalStateException("Jetty did not stop: " + e, e);
            }
        });
    }
}
