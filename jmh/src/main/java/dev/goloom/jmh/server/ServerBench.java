package dev.goloom.jmh.server;

import dev.goloom.jmh.support.Session;
import dev.goloom.jmh.support.Side;
import dev.goloom.loom.GoVirtualThreads;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Real servers on goloom against the same servers on the JDK's default virtual-thread scheduler, in one run: the
 * JDK's {@code HttpServer} and Jetty 12, each serving a small response to {@code wrk} (or the bounded Java client
 * when {@code wrk} is missing) over loopback keep-alive connections. Per round it reports req/s, p50/p99/p99.9
 * latency, the server JVM's context switches per second (from {@code /proc}) and CPU per request, and after each
 * goloom round the scheduler's schedtrace line and its counters per request; then the medians and goloom/JDK ratios.
 *
 * <p>Both servers of a kind run at once in this JVM, one per side, each with its own executor; after a warm-up
 * round per side the rounds alternate which side goes first. Run it with {@code bench/servers.sh [options]}
 * ({@code --help} lists them).
 *
 * <p>Exit status: 0 on success, 1 if a round failed, 2 on a bad argument or a JVM without goloom's flag.
 */
public final class ServerBench {
    private ServerBench() {
    }

    static final String USAGE = """
            usage: ServerBench [options]        (from the repo top: bench/servers.sh [options])
              --server a,b         servers to load: httpserver, jetty, blocking (default: all, one after the other)
              --seconds N          measured seconds per round and side (default 8)
              --rounds N           measured rounds per side, medians reported (default 3)
              --warmup N           seconds of unmeasured load per side first (default: --seconds)
              --connections N      keep-alive connections (default 64)
              --load auto|wrk|java load generator: wrk if installed (auto, the default), or the bounded Java client
              --sides a,b          goloom, jdk (default: both, in one JVM); one side per JVM compares settings that
                                   are JVM-wide, such as -Dgoloom.pollers (see bench/pollers.sh)
              --help               this text""";

    /** The command line. */
    record Options(List<ServerKind> servers, int seconds, int rounds, int warmup, int connections, String load,
                   boolean help, Set<Side> sides) {

        static Options parse(String[] args) {
            Set<ServerKind> servers = new LinkedHashSet<>();
            int seconds = 8;
            int rounds = 3;
            Integer warmup = null;
            int connections = 64;
            String load = "auto";
            boolean help = false;
            Set<Side> sides = new LinkedHashSet<>();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                if (arg.isBlank()) {
                    continue;
                }
                String opt = arg;
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    opt = arg.substring(0, eq);
                    value = arg.substring(eq + 1);
                }
                if (opt.equals("--help") || opt.equals("-h")) {
                    help = true;
                    continue;
                }
                if (!List.of("--server", "--seconds", "--rounds", "--warmup", "--connections", "--load", "--sides")
                        .contains(opt)) {
                    throw new IllegalArgumentException("unknown argument '" + arg + "' (try --help)");
                }
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                        throw new IllegalArgumentException(opt + " needs a value");
                    }
                    value = args[++i];
                }
                switch (opt) {
                    case "--server" -> {
                        for (String s : value.split(",")) {
                            if (!s.isBlank()) {
                                servers.add(ServerKind.parse(s));
                            }
                        }
                    }
                    case "--seconds" -> seconds = intIn(opt, value, 1, 600);
                    case "--rounds" -> rounds = intIn(opt, value, 1, 50);
                    case "--warmup" -> warmup = intIn(opt, value, 0, 600);
                    case "--connections" -> connections = intIn(opt, value, 1, LoadGenerator.MAX_CONNECTIONS);
                    case "--sides" -> {
                        for (String side : value.split(",")) {
                            if (!side.isBlank()) {
                                try {
                                    sides.add(Side.parse(side.trim()));
                                } catch (IllegalArgumentException e) {
                                    throw new IllegalArgumentException("--sides takes goloom and/or jdk, got '"
                                            + side + "'");
                                }
                            }
                        }
                    }
                    default -> load = value;
                }
            }
            if (servers.isEmpty()) {
                servers.addAll(List.of(ServerKind.values()));
            }
            if (sides.isEmpty()) {
                sides.addAll(List.of(Side.GOLOOM, Side.JDK));
            }
            return new Options(new ArrayList<>(servers), seconds, rounds, warmup != null ? warmup : seconds,
                    connections, load, help, sides);
        }

        private static int intIn(String opt, String value, int min, int max) {
            int n;
            try {
                n = Integer.parseInt(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(opt + " must be an integer " + min + ".." + max + ", got '" + value
                        + "'");
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(opt + " must be " + min + ".." + max + ", got " + n);
            }
            return n;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        Options opts;
        LoadGenerator load;
        try {
            opts = Options.parse(args);
            if (opts.help()) {
                System.out.println(USAGE);
                return;
            }
            load = LoadGenerator.choose(opts.load());
            GoVirtualThreads.checkAccess();
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "machine: %d cores, JDK %s, %s %s; goloom maxProcs = %d%n",
                Runtime.getRuntime().availableProcessors(), Runtime.version(), System.getProperty("os.name"),
                System.getProperty("os.version"), Runtime.getRuntime().availableProcessors());
        out.println(load.describe());
        out.println(ProcessCounters.available()
                ? "server context switches: voluntary + nonvoluntary, summed over /proc/self/task/*/status"
                : "server context switches: no /proc on this system, not measured");
        boolean failed = false;
        for (ServerKind kind : opts.servers()) {
            out.println();
            try {
                bench(kind, opts, load, out);
            } catch (Exception e) {
                failed = true;
                System.err.println(kind.key() + " FAILED: " + e);
                e.printStackTrace();
            }
        }
        out.flush();
        System.exit(failed ? 1 : 0);
    }

    /** Warm-up and rounds of one server kind on the chosen sides, then its summary table. */
    static void bench(ServerKind kind, Options opts, LoadGenerator load, PrintStream out) throws Exception {
        out.printf(Locale.ROOT, "== %s: %s, %d connections, %d round%s x %d s per side after a %d s warm-up "
                        + "per side ==%n", kind.key(), kind.label(), opts.connections(), opts.rounds(),
                opts.rounds() == 1 ? "" : "s", opts.seconds(), opts.warmup());
        // Under -Dgoloom.pollers=goloom the JDK's socket pollers are goroutines of goloom's default scheduler, and
        // only that scheduler's goroutines get their wake-ups locally: the goloom side runs there.
        boolean hosted = "goloom".equals(System.getProperty("goloom.pollers"));
        List<Side> sides = List.copyOf(opts.sides());
        Map<Side, List<ServerRound>> rounds = new EnumMap<>(Side.class);
        List<Session> sessions = new ArrayList<>();
        List<StartDelayExecutor> executors = new ArrayList<>();
        List<ServerKind.Running> servers = new ArrayList<>();
        try {
            for (Side side : sides) {
                Session s = side == Side.GOLOOM && hosted ? side.openDefault()
                        : side.open(side.label().toLowerCase(Locale.ROOT) + "-" + kind.key());
                sessions.add(s);
                StartDelayExecutor exec = new StartDelayExecutor(s.newThreadPerTaskExecutor());
                executors.add(exec);
                servers.add(kind.start(exec, kind.key() + "-" + side.label().toLowerCase(Locale.ROOT)));
                rounds.put(side, new ArrayList<>());
            }
            if (opts.warmup() > 0) {
                for (int k = 0; k < sides.size(); k++) {
                    ServerRound r = ServerRound.run(sessions.get(k), servers.get(k), load, opts.connections(),
                            opts.warmup());
                    out.printf(Locale.ROOT, "  warm-up  %-6s %s%n", sides.get(k).label(), r.summary());
                }
            }
            for (int i = 0; i < opts.rounds(); i++) {
                for (int j = 0; j < sides.size(); j++) {
                    int k = i % 2 == 0 ? j : sides.size() - 1 - j; // alternate which side goes first
                    Session s = sessions.get(k);
                    StartDelayExecutor exec = executors.get(k);
                    exec.interval();
                    ServerRound r = ServerRound.run(s, servers.get(k), load, opts.connections(), opts.seconds());
                    rounds.get(sides.get(k)).add(r);
                    out.printf(Locale.ROOT, "  round %d  %-6s %s%n", i + 1, sides.get(k).label(), r.summary());
                    out.println("           " + StartDelayExecutor.summary(exec.interval()));
                    out.println("           switches by thread (voluntary/involuntary): " + r.proc().topGroups(5));
                    if (r.sched() != null) {
                        out.println("           goloom " + r.sched().perRequest(r.load().requests()));
                        out.println("           " + r.trace());
                    }
                    out.printf(Locale.ROOT, "RESULT %s %s pollers=%s req/s=%.0f p50us=%.0f p99us=%.0f p999us=%.0f "
                                    + "ctx/s=%.0f cpuus/req=%.1f%n", kind.key(), sides.get(k).label(),
                            System.getProperty("goloom.pollers", "jdk"), r.requestsPerSecond(), r.load().p50Us(),
                            r.load().p99Us(), r.load().p999Us(), r.switchesPerSecond(), r.cpuUsPerRequest());
                }
            }
        } finally {
            for (ServerKind.Running server : servers) {
                server.close();
            }
            for (StartDelayExecutor exec : executors) {
                closeExecutor(exec, out);
            }
            for (Session s : sessions) {
                s.close();
            }
        }
        table(kind, opts, rounds.getOrDefault(Side.GOLOOM, List.of()), rounds.getOrDefault(Side.JDK, List.of()), out);
    }

    /** Waits up to 10 s for the executor's last request threads, then interrupts them. */
    private static void closeExecutor(ExecutorService exec, PrintStream out) throws InterruptedException {
        exec.shutdown();
        if (!exec.awaitTermination(10, TimeUnit.SECONDS)) {
            out.println("  (request threads still running 10 s after the server stopped: interrupted)");
            exec.shutdownNow();
            exec.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static void table(ServerKind kind, Options opts, List<ServerRound> g, List<ServerRound> j,
                              PrintStream out) {
        out.println();
        out.printf(Locale.ROOT, "%s, %d connections, median of %d rounds x %d s:%n", kind.label(), opts.connections(),
                opts.rounds(), opts.seconds());
        out.println("| side | req/s | p50 | p99 | p99.9 | ctx switches/s | ctx switches/req | CPU us/req |");
        out.println("|---|---|---|---|---|---|---|---|");
        double[] gv = row(g);
        double[] jv = row(j);
        if (!g.isEmpty()) {
            out.println(line("goloom", gv));
        }
        if (!j.isEmpty()) {
            out.println(line("JDK", jv));
        }
        if (g.isEmpty() || j.isEmpty()) {
            return; // one side per JVM: bench/pollers.sh puts the runs side by side
        }
        StringBuilder ratio = new StringBuilder("| goloom/JDK |");
        for (int i = 0; i < gv.length; i++) {
            ratio.append(' ').append(Double.isNaN(gv[i]) || Double.isNaN(jv[i]) || jv[i] == 0 ? "-"
                    : String.format(Locale.ROOT, "%.2f", gv[i] / jv[i])).append(" |");
        }
        out.println(ratio);
        out.println("req/s: higher is better (ratio above 1.00: goloom serves more); latency, context switches and "
                + "CPU: lower is better.");
        out.printf(Locale.ROOT, "spread of req/s over the rounds: goloom %,.0f..%,.0f, JDK %,.0f..%,.0f%n",
                min(g, ServerRound::requestsPerSecond), max(g, ServerRound::requestsPerSecond),
                min(j, ServerRound::requestsPerSecond), max(j, ServerRound::requestsPerSecond));
        out.printf(Locale.ROOT, "goloom per request (median over the rounds): external global puts %.2f, carrier "
                        + "parks %.3f, carrier unparks %.3f, global puts %.2f, runnext puts %.2f%n",
                median(g, r -> (double) r.sched().externalGlobalPuts() / r.load().requests()),
                median(g, r -> (double) r.sched().parks() / r.load().requests()),
                median(g, r -> (double) r.sched().unparks() / r.load().requests()),
                median(g, r -> (double) r.sched().globalPuts() / r.load().requests()),
                median(g, r -> (double) r.sched().runnextPuts() / r.load().requests()));
        long errors = 0;
        for (ServerRound r : g) {
            errors += r.load().errors();
        }
        for (ServerRound r : j) {
            errors += r.load().errors();
        }
        if (errors > 0) {
            out.println("WARNING: " + errors + " failed requests over the measured rounds (see the round lines)");
        }
    }

    private static double[] row(List<ServerRound> rounds) {
        return new double[] {
                median(rounds, ServerRound::requestsPerSecond),
                median(rounds, r -> r.load().p50Us()),
                median(rounds, r -> r.load().p99Us()),
                median(rounds, r -> r.load().p999Us()),
                median(rounds, ServerRound::switchesPerSecond),
                median(rounds, ServerRound::switchesPerRequest),
                median(rounds, ServerRound::cpuUsPerRequest)};
    }

    private static String line(String side, double[] v) {
        return String.format(Locale.ROOT, "| %s | %,.0f | %s | %s | %s | %,.0f | %.2f | %.1f |", side, v[0],
                ServerRound.ms(v[1]), ServerRound.ms(v[2]), ServerRound.ms(v[3]), v[4], v[5], v[6]);
    }

    /** The median as the main job takes it (Go's {@code vals[len/2]}: the upper one for an even count). */
    static double median(List<ServerRound> rounds, ToDoubleFunction<ServerRound> f) {
        if (rounds.isEmpty()) {
            return Double.NaN;
        }
        double[] v = rounds.stream().mapToDouble(f).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    private static double min(List<ServerRound> rounds, ToDoubleFunction<ServerRound> f) {
        return rounds.stream().mapToDouble(f).min().orElse(Double.NaN);
    }

    private static double max(List<ServerRound> rounds, ToDoubleFunction<ServerRound> f) {
        return rounds.stream().mapToDouble(f).max().orElse(Double.NaN);
    }
}
