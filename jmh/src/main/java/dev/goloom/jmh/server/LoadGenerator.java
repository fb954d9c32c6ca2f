package dev.goloom.jmh.server;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Sends HTTP load to a server on {@code 127.0.0.1} from another process, so the server JVM's context switches and
 * CPU time are the server's own: Debian's {@code wrk} when it is installed ({@link #wrk()}), else goloom's bounded
 * Java client ({@link LoadClient}, {@link #javaClient()}). Each run is bounded in time and connections and stops by
 * itself; a generator process that outlives its time by 30 s is killed.
 */
public sealed interface LoadGenerator permits LoadGenerator.Wrk, LoadGenerator.JavaClient {

    /** Hard limit on the connections a round may open. */
    int MAX_CONNECTIONS = 1024;
    /** How long a generator process may run past its nominal time before it is killed. */
    Duration GRACE = Duration.ofSeconds(30);

    /** Where the measured window starts and ends, for the server-side counters. */
    interface Window {
        /** Called when the measured load begins. */
        void start();

        /** Called when it has ended (before the generator process has necessarily exited). */
        void end();
    }

    /** One line for the output: which generator, its version, and why. */
    String describe();

    /**
     * Loads {@code http://127.0.0.1:port/} with {@code connections} keep-alive connections for {@code seconds}.
     *
     * @throws IOException          if the generator cannot be run or prints no result
     * @throws InterruptedException if interrupted while waiting for it
     */
    LoadResult run(int port, int connections, int seconds, Window window) throws IOException, InterruptedException;

    /**
     * The generator for {@code mode}: {@code wrk}, {@code java}, or {@code auto} (wrk if it is on the PATH, else the
     * Java client).
     *
     * @throws IllegalArgumentException for another mode, or {@code wrk} when it is not installed
     */
    static LoadGenerator choose(String mode) {
        return switch (mode.toLowerCase(Locale.ROOT)) {
            case "auto" -> {
                Path wrk = Wrk.find();
                yield wrk != null ? new Wrk(wrk, "") : new JavaClient("wrk not found on the PATH");
            }
            case "wrk" -> {
                Path wrk = Wrk.find();
                if (wrk == null) {
                    throw new IllegalArgumentException("--load wrk: no wrk on the PATH (apt-get install -y wrk)");
                }
                yield new Wrk(wrk, "");
            }
            case "java" -> new JavaClient("--load java");
            default -> throw new IllegalArgumentException("--load must be auto, wrk or java, got '" + mode + "'");
        };
    }

    /** {@code wrk} if installed, else the Java client. */
    static LoadGenerator auto() {
        return choose("auto");
    }

    private static void checkArgs(int port, int connections, int seconds) {
        if (port <= 0 || port > 65_535) {
            throw new IllegalArgumentException("bad port " + port);
        }
        if (connections < 1 || connections > MAX_CONNECTIONS) {
            throw new IllegalArgumentException("connections must be 1.." + MAX_CONNECTIONS + ", got " + connections);
        }
        if (seconds < 1 || seconds > 600) {
            throw new IllegalArgumentException("seconds must be 1..600, got " + seconds);
        }
    }

    // ====================================================================================================== wrk

    /**
     * Debian's {@code wrk} (4.1.0): {@code wrk -t1 -cN -dSs --timeout 5s --latency -s done.lua
     * http://127.0.0.1:port/}. One wrk thread leaves the other core to the server on a 2-core machine; the Lua
     * {@code done} hook prints the {@link LoadResult} line, p99.9 included (wrk's own table stops at p99).
     */
    record Wrk(Path binary, String reason) implements LoadGenerator {
        private static final String DONE_LUA = """
                -- goloom ServerBench: one machine-readable line after wrk's own report (latencies in microseconds)
                done = function(summary, latency, requests)
                  local e = summary.errors
                  io.write(string.format(
                    "%srequests=%d seconds=%.6f errors=%d p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f\\n",
                    "GOLOOM-LOAD ", summary.requests - e.status, summary.duration / 1e6,
                    e.connect + e.read + e.write + e.status + e.timeout,
                    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max))
                end
                """;

        /** {@code wrk} on the PATH, or null. */
        static Path find() {
            String path = System.getenv("PATH");
            if (path == null) {
                return null;
            }
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, "wrk");
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return p;
                }
            }
            return null;
        }

        /** wrk's first output line without options, such as {@code wrk debian/4.1.0-3+b2 [epoll] ...}. */
        String version() {
            try {
                List<String> out = new ArrayList<>();
                Subprocess.run(List.of(binary.toString(), "-v"), Duration.ofSeconds(10), out::add);
                return out.isEmpty() ? "version unknown" : out.getFirst().replaceAll(" Copyright.*", "").trim();
            } catch (IOException e) {
                return "version unknown: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "version unknown";
            }
        }

        @Override
        public String describe() {
            return "load: wrk -t1 (" + version() + ", " + binary + ")" + (reason.isEmpty() ? "" : "; " + reason);
        }

        @Override
        public LoadResult run(int port, int connections, int seconds, Window window)
                throws IOException, InterruptedException {
            checkArgs(port, connections, seconds);
            Path script = Files.createTempFile("goloom-wrk-done", ".lua");
            try {
                Files.writeString(script, DONE_LUA);
                List<String> cmd = List.of(binary.toString(), "-t1", "-c" + connections, "-d" + seconds + "s",
                        "--timeout", "5s", "--latency", "-s", script.toString(), "http://127.0.0.1:" + port + "/");
                List<String> output = new ArrayList<>();
                LoadResult[] result = new LoadResult[1];
                window.start();
                int exit = Subprocess.run(cmd, Duration.ofSeconds(seconds).plus(GRACE), line -> {
                    output.add(line);
                    if (line.startsWith(LoadResult.PREFIX)) {
                        window.end();
                        result[0] = LoadResult.parse(line);
                    }
                });
                if (exit != 0 || result[0] == null) {
                    throw new IOException("wrk exited with " + exit + " and " + (result[0] == null ? "no " : "")
                            + "result line: " + String.join(" | ", output));
                }
                return result[0];
            } finally {
                Files.deleteIfExists(script);
            }
        }
    }

    // =============================================================================================== Java client

    /**
     * goloom's bounded Java client ({@link LoadClient}) in a JVM of its own, started with this JVM's {@code java}
     * and class path: one platform thread per keep-alive connection, a 0.5 s unmeasured warm-up (its JIT), then the
     * measured seconds.
     */
    record JavaClient(String reason) implements LoadGenerator {
        /** Unmeasured load before the measured window: the client JVM compiles its hot loop meanwhile. */
        static final int WARMUP_MS = 500;

        @Override
        public String describe() {
            return "load: goloom's bounded Java client (LoadClient: platform threads, one keep-alive connection each, "
                    + "HdrHistogram), in its own JVM" + (reason.isEmpty() ? "" : "; " + reason);
        }

        @Override
        public LoadResult run(int port, int connections, int seconds, Window window)
                throws IOException, InterruptedException {
            checkArgs(port, connections, seconds);
            String java = ProcessHandle.current().info().command()
                    .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp",
                    System.getProperty("java.class.path"), LoadClient.class.getName(), "127.0.0.1",
                    Integer.toString(port), Integer.toString(connections), Integer.toString(WARMUP_MS),
                    Integer.toString(seconds * 1000));
            List<String> output = new ArrayList<>();
            LoadResult[] result = new LoadResult[1];
            int exit = Subprocess.run(cmd, Duration.ofSeconds(seconds).plusMillis(WARMUP_MS).plus(GRACE), line -> {
                output.add(line);
                if (line.equals(LoadClient.START_LINE)) {
                    window.start();
                } else if (line.startsWith(LoadResult.PREFIX)) {
                    window.end();
                    result[0] = LoadResult.parse(line);
                }
            });
            if (exit != 0 || result[0] == null) {
                throw new IOException("the Java load client exited with " + exit + " and "
                        + (result[0] == null ? "no " : "") + "result line: " + String.join(" | ", output));
            }
            return result[0];
        }
    }
}
