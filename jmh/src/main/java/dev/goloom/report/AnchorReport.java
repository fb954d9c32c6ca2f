package dev.goloom.report;

import dev.goloom.jmh.support.Session;
import dev.goloom.jmh.support.Side;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The main job's report: every selected anchor workload on each Java {@link Column} (rounds rotating which side
 * goes first), the {@code timers} workload, then the Go anchor with the same sizes; then the table
 * ({@link ReportTable}), {@code report.json} ({@link ReportJson}) and the ratio chart ({@link RatioChart}) in the
 * {@code --out} directory. Prints a progress line per step (step k of n, time since the report started).
 */
final class AnchorReport {
    private AnchorReport() {
    }

    /** The files written into the {@code --out} directory. */
    static final String JSON_FILE = "report.json";
    static final String CHART_FILE = "ratios.svg";

    /**
     * The figures of one side, one element per measured round in the order run (Go's: sorted).
     *
     * @param wall the workload's value per round
     * @param cpu  the CPU figure per round, or an empty array if the workload has none
     */
    record Series(double[] wall, double[] cpu) {
        double median() {
            return median(wall);
        }

        double cpuMedian() {
            return median(cpu);
        }

        double min() {
            return Arrays.stream(wall).min().orElse(Double.NaN);
        }

        double max() {
            return Arrays.stream(wall).max().orElse(Double.NaN);
        }

        /** Go's {@code vals[len/2]}: the upper median for an even count. NaN for no values. */
        static double median(double[] values) {
            if (values.length == 0) {
                return Double.NaN;
            }
            double[] v = values.clone();
            Arrays.sort(v);
            return v[v.length / 2];
        }
    }

    /**
     * One workload's figures: a {@link Series} per side that ran ({@link Column#GO} added after the Go anchor ran),
     * or the failure that stopped the workload.
     */
    record Result(Workload w, int n, Map<Column, Series> series, String problem) {
        /** goloom's median over {@code column}'s, NaN if either is missing. */
        double ratio(Column column) {
            Series g = series.get(Column.GOLOOM), s = series.get(column);
            return g == null || s == null ? Double.NaN : g.median() / s.median();
        }

        /** goloom's median CPU figure over {@code column}'s, NaN if either is missing. */
        double cpuRatio(Column column) {
            Series g = series.get(Column.GOLOOM), s = series.get(column);
            return g == null || s == null ? Double.NaN : g.cpuMedian() / s.cpuMedian();
        }

        /** Why {@code column} has no figures for this workload. */
        String absent(Column column, String goProblem) {
            if (problem != null) {
                return problem;
            }
            return switch (column) {
                case JUC -> w.juc().what();
                case JOX -> w.jox().what();
                case GO -> !w.goAnchor() ? "no Go twin in bench/go/main.go"
                        : goProblem != null ? goProblem : "the Go anchor printed no line for it";
                default -> "did not run";
            };
        }
    }

    /**
     * Everything the table, report.json and the chart are made of.
     *
     * @param cpuClock where the Java sides' CPU figures come from ({@link ProcessCpu#source()})
     */
    record Data(MachineInfo machine, MainOptions opts, Instant started, Duration elapsed, String cpuClock,
                List<Result> results, GoAnchor.Result go, TimerWorkload.Result timers, String timersProblem) {
    }

    /** Prints progress lines: step k of n, and the time since the report started. */
    private static final class Progress {
        private final PrintStream out;
        private final int steps;
        private final long t0 = System.nanoTime();
        private int step;

        Progress(PrintStream out, int steps) {
            this.out = out;
            this.steps = steps;
        }

        void start(String what) {
            step++;
            out.printf(Locale.ROOT, "  [%d/%d %s] %s%n", step, steps, elapsed(), what);
            out.flush();
        }

        void done(String what) {
            out.printf(Locale.ROOT, "  %s %s%n", " ".repeat(String.valueOf(steps).length() * 2 + 8), what);
            out.flush();
        }

        String elapsed() {
            long s = (System.nanoTime() - t0) / 1_000_000_000L;
            return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        }
    }

    /** Runs the report; true if a workload failed or the files could not be written. */
    static boolean run(List<Workload> all, MainOptions opts, Duration roundTimeout, PrintStream out)
            throws InterruptedException {
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        Path outDir = opts.out().toAbsolutePath().normalize();
        try {
            Files.createDirectories(outDir); // now, not after a ten-minute run
        } catch (IOException | RuntimeException e) {
            out.println("error: --out " + opts.out() + ": cannot create the directory: " + e);
            return true;
        }
        List<Workload> selected = all.stream().filter(w -> opts.selects(w.name())).toList();
        boolean timersSelected = opts.selects(TimerWorkload.NAME);
        boolean goStep = opts.go() && (timersSelected || selected.stream().anyMatch(Workload::goAnchor));
        Progress progress = new Progress(out, selected.size() + (timersSelected ? 1 : 0) + (goStep ? 1 : 0));
        out.printf(Locale.ROOT, "== report: anchor workloads on goloom, on the JDK's default scheduler with the same "
                        + "code, with java.util.concurrent queues and with jox; then Go. Median of %d rounds after %d "
                        + "warm-up%s%s ==%n", opts.rounds(), opts.warmups(), opts.warmups() == 1 ? "" : "s",
                opts.quick() ? " (--quick sizes)" : "");
        List<Result> results = new ArrayList<>();
        boolean failed = false;
        for (Workload w : selected) {
            int n = w.size(opts.quick());
            List<Column> columns = javaColumns(w);
            progress.start(String.format(Locale.ROOT, "%s (n = %,d): %d warm-up + %d rounds on %s", w.name(), n,
                    opts.warmups(), opts.rounds(), String.join(", ", columns.stream().map(c -> c.label).toList())));
            Result r;
            try {
                r = measure(w, n, columns, opts, roundTimeout);
            } catch (Exception e) {
                failed = true;
                r = new Result(w, n, new EnumMap<>(Column.class), "FAILED: " + e);
                e.printStackTrace();
            }
            results.add(r);
            progress.done(r.problem() != null ? w.name() + " " + r.problem() : w.name() + " done: " + medians(r));
        }
        TimerWorkload.Result timers = null;
        String timersProblem = null;
        if (timersSelected) {
            progress.start(TimerWorkload.NAME + ": " + opts.warmups() + " warm-up + " + opts.rounds() + " rounds on "
                    + "goloom (Chans.after, Chans.tick, Thread.sleep) and JDK (Thread.sleep)");
            try {
                timers = TimerWorkload.measure(opts.quick(), opts.rounds(), opts.warmups());
                progress.done(TimerWorkload.NAME + " done: " + TimerWorkload.done(timers));
            } catch (Exception e) {
                failed = true;
                timersProblem = "FAILED: " + e;
                e.printStackTrace();
                progress.done(TimerWorkload.NAME + " " + timersProblem);
            }
        }

        Map<String, Integer> goSizes = new LinkedHashMap<>();
        for (Result r : results) {
            if (r.w().goAnchor() && r.problem() == null) {
                goSizes.put(r.w().name(), r.n());
            }
        }
        List<String> goArgs = List.of();
        if (timers != null) {
            goSizes.put(TimerWorkload.NAME, timers.n());
            goArgs = TimerWorkload.goArgs(opts.quick());
        }
        GoAnchor.Result go;
        if (goStep) {
            progress.start("Go anchor (bench/go/run.sh): " + String.join(", ", goSizes.keySet()) + ", "
                    + opts.rounds() + " rounds each");
            go = GoAnchor.run(goSizes, opts.rounds(), goArgs);
            progress.done(go.problem() != null ? "Go: " + go.problem() : "Go done (" + go.version() + ")");
        } else {
            go = new GoAnchor.Result(Map.of(), null, opts.go() ? "no selected workload has a Go version"
                    : "skipped (--no-go)");
        }
        for (Result r : results) {
            GoAnchor.Line line = go.lines().get(r.w().name());
            if (r.problem() == null && r.w().goAnchor() && line != null) {
                r.series().put(Column.GO, new Series(line.rounds().length > 0 ? line.rounds()
                        : new double[] {line.value()}, line.cpuRounds()));
            }
        }

        MachineInfo machine = MachineInfo.current(go.version());
        Data data = new Data(machine, opts, started, Duration.ofNanos(System.nanoTime() - t0), ProcessCpu.source(),
                results, go, timers, timersProblem);
        out.println();
        out.println("machine: " + machine.summary());
        if (!results.isEmpty()) {
            ReportTable.print(data, out);
        }
        if (timers != null) {
            TimerWorkload.print(timers, go.values(), go.problem(), out);
        }
        failed |= !write(data, out);
        out.printf(Locale.ROOT, "report took %s%n", progress.elapsed());
        return failed;
    }

    /** The Java columns {@code w} runs on: goloom, JDK, and j.u.c and jox where it has a twin. */
    static List<Column> javaColumns(Workload w) {
        List<Column> columns = new ArrayList<>();
        for (Column c : Column.values()) {
            if (c.side != null && w.body(c) != null) {
                columns.add(c);
            }
        }
        return columns;
    }

    private static String medians(Result r) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<Column, Series> e : r.series().entrySet()) {
            b.append(b.isEmpty() ? "" : ", ").append(e.getKey().label).append(' ')
                    .append(Main.fmt(e.getValue().median()));
        }
        return b.append(' ').append(r.w().unit()).toString();
    }

    /** Writes report.json and the chart into {@code --out}; false (with a line saying why) if that failed. */
    private static boolean write(Data data, PrintStream out) {
        Path dir = data.opts().out().toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
            Path json = dir.resolve(JSON_FILE);
            Files.writeString(json, ReportJson.json(data), StandardCharsets.UTF_8);
            String files = json.toString();
            if (!data.results().isEmpty()) {
                Path chart = dir.resolve(CHART_FILE);
                Files.writeString(chart, RatioChart.forReport(data), StandardCharsets.UTF_8);
                files += " and " + chart;
            }
            out.println("report written: " + files);
            return true;
        } catch (IOException | RuntimeException e) {
            out.println("error: --out " + data.opts().out() + ": cannot write the report files: " + e);
            return false;
        }
    }

    /**
     * Runs warm-ups and rounds of {@code w} on each of {@code columns}; round {@code r} starts with column
     * {@code r mod columns} and goes on in table order, so each side goes first equally often.
     */
    private static Result measure(Workload w, int n, List<Column> columns, MainOptions opts, Duration roundTimeout)
            throws Exception {
        int k = columns.size();
        double[][] wall = new double[k][opts.rounds()];
        double[][] cpu = new double[k][w.cpu().present() ? opts.rounds() : 0];
        String scheduler = "goloom-" + w.name();
        try (Session goloom = Side.GOLOOM.open(scheduler); Session jdk = Side.JDK.open(scheduler)) {
            for (int r = 0; r < opts.warmups(); r++) {
                for (Column c : columns) {
                    once(w, c, n, c.side == Side.GOLOOM ? goloom : jdk, roundTimeout);
                }
            }
            for (int r = 0; r < opts.rounds(); r++) {
                for (int i = 0; i < k; i++) {
                    int s = (r + i) % k;
                    Column c = columns.get(s);
                    long cpu0 = ProcessCpu.nanos();
                    double v = once(w, c, n, c.side == Side.GOLOOM ? goloom : jdk, roundTimeout);
                    long cpuNanos = ProcessCpu.nanos() - cpu0;
                    wall[s][r] = v;
                    if (w.cpu().present()) {
                        cpu[s][r] = w.cpu().convert().apply(cpuNanos, n, v);
                    }
                }
            }
        }
        Map<Column, Series> series = new EnumMap<>(Column.class);
        for (int i = 0; i < k; i++) {
            series.put(columns.get(i), new Series(wall[i], cpu[i]));
        }
        return new Result(w, n, series, null);
    }

    /** One round of {@code w} on {@code column}, in a fresh virtual thread of {@code session} (its main goroutine). */
    private static double once(Workload w, Column column, int n, Session session, Duration timeout) throws Exception {
        Workload.Body body = w.body(column);
        double[] result = new double[1];
        Throwable[] error = new Throwable[1];
        Thread main = session.threads().newThread(() -> {
            try {
                result[0] = body.run(session.threads(), n);
            } catch (Throwable e) { // an Error too (a class missing from the class path): the round has no figure
                error[0] = e;
            }
        });
        main.start();
        if (!main.join(timeout)) {
            throw new IllegalStateException(w.name() + " on " + column.label + " did not finish within "
                    + timeout.toSeconds() + " s" + session.trace());
        }
        if (error[0] instanceof Exception e) {
            throw e;
        }
        if (error[0] != null) {
            throw new IllegalStateException(w.name() + " on " + column.label + " failed: " + error[0], error[0]);
        }
        return result[0];
    }
}
