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
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
    JETTY("jetty", "Jetty " + Jetty.VERSION + " (QueuedThreadPool.setVirtualThreadsExecutor)");

    /** The response body, the same for every server. */
    public static final byte[] BODY = "Hello from goloom\n".getBytes(StandardCharsets.US_ASCII);

    private final String key;
    private final String label;

    ServerKind(String key, String label) {
        this.key = key;
        this.label = label;
    }

    /** The name on the command line: {@code httpserver} or {@code jetty}. */
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
        throw new IllegalArgumentException("--server must be httpserver or jetty, got '" + name + "'");
    }

    /** A started server; {@link #close()} stops it (the executor is the caller's to close). */
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
        };
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
