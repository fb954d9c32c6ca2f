package dev.goloom.report;

import dev.goloom.jmh.server.LoadGenerator;
import dev.goloom.jmh.server.LoadResult;
import dev.goloom.jmh.server.ServerKind;
import dev.goloom.report.Workload.Twin;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The main job's {@code http} workload: the JDK's {@code HttpServer} on {@code 127.0.0.1}, its executor a
 * thread-per-task executor of the side under test (on goloom the same as
 * {@code GoVirtualThreads.newThreadPerTaskExecutor(scheduler)}, on the JDK side
 * {@code Executors.newVirtualThreadPerTaskExecutor()}), answering a small {@code GET /} to {@value #CONNECTIONS}
 * keep-alive connections for {@code n} seconds. The load comes from {@code wrk} when it is installed, else from the
 * bounded Java client in its own JVM (the report's note says which). A fresh server per round; one number per round:
 * req/s. {@code bench/servers.sh} measures the same server, and Jetty, with latency percentiles and context switches.
 */
final class HttpWorkload {
    private HttpWorkload() {
    }

    /** Keep-alive connections, as in {@code ServerBench}'s default. */
    static final int CONNECTIONS = 64;

    /** Chosen on first use: wrk if installed, else the Java client. */
    private static volatile LoadGenerator load;

    static Workload http() {
        String noQueue = "no channel to swap: the server hands each request to its executor, and the JDK column "
                + "already uses the JDK's thread-per-task executor";
        return new Workload("http", "req/s", 3, 2, false,
                "JDK HttpServer answering GET / on 127.0.0.1, " + CONNECTIONS + " keep-alive connections from wrk "
                        + "(or the bounded Java client), executor on the side under test; n = seconds per round "
                        + "(no j.u.c or jox twin); CPU: this JVM's, us per request",
                HttpWorkload::http, true, () -> "http: JDK HttpServer, " + CONNECTIONS + " connections, "
                        + load().describe(), Twin.none(noQueue), Twin.none(noQueue),
                // requests = req/s x seconds; the load generator is another process, so its CPU is not counted
                new Workload.Cpu("us/req", (cpu, seconds, reqPerSecond) -> cpu / 1e3 / (reqPerSecond * seconds)));
    }

    private static LoadGenerator load() {
        LoadGenerator l = load;
        if (l == null) {
            l = LoadGenerator.auto();
            load = l;
        }
        return l;
    }

    static double http(ThreadFactory threads, int seconds) throws Exception {
        LoadGenerator generator = load();
        ExecutorService executor = Executors.newThreadPerTaskExecutor(threads);
        try (ServerKind.Running server = ServerKind.HTTPSERVER.start(executor, "http")) {
            // The load generator's output is read with blocking pipe reads, which would hold a carrier of the side
            // under test: a platform thread waits for it instead, and this virtual thread parks.
            LoadResult r = onPlatformThread(() -> generator.run(server.port(), CONNECTIONS, seconds,
                    new LoadGenerator.Window() {
                        @Override
                        public void start() {
                        }

                        @Override
                        public void end() {
                        }
                    }));
            if (r.requests() == 0 || r.errors() > 0) {
                throw new IllegalStateException("http: " + r.requests() + " requests answered, " + r.errors()
                        + " failed: " + r.line());
            }
            return r.requestsPerSecond();
        } finally {
            executor.shutdown();
            if (!executor.awaitTermination(10, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        }
    }

    private static <T> T onPlatformThread(Callable<T> body) throws Exception {
        FutureTask<T> task = new FutureTask<>(body);
        Thread.ofPlatform().daemon().name("http-load").start(task);
        try {
            return task.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
