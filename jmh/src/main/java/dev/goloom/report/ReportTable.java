package dev.goloom.report;

import dev.goloom.report.AnchorReport.Data;
import dev.goloom.report.AnchorReport.Result;
import dev.goloom.report.AnchorReport.Series;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The anchor report's printed tables: a block per workload with one row per side (median, spread, CPU figure, and
 * goloom's ratios to that side in wall time and CPU), then a matrix of the ratios (the chart's numbers), then the
 * notes.
 */
final class ReportTable {
    private ReportTable() {
    }

    private static final String ROW = "  %-26s %12s %23s %12s %9s %9s  %s%n";
    private static final Column[] OTHERS = {Column.JDK, Column.JUC, Column.JOX, Column.GO};

    static void print(Data d, PrintStream out) {
        List<Result> results = d.results();
        String head = String.format(Locale.ROOT, ROW, "side", "median", "min..max", "CPU", "g/s wall", "g/s CPU", "")
                .stripTrailing();
        out.println(head);
        out.println("-".repeat(head.length()));
        List<String> moreCpu = new ArrayList<>(), lessCpu = new ArrayList<>();
        for (Result r : results) {
            Workload w = r.w();
            if (r.problem() != null) {
                out.printf(Locale.ROOT, "%s (%s, n = %,d): %s%n", w.name(), w.unit(), r.n(), r.problem());
                continue;
            }
            out.printf(Locale.ROOT, "%s: %s, n = %,d; CPU: %s%n", w.name(), w.unit(), r.n(),
                    w.cpu().present() ? w.cpu().unit() + " of process CPU time" : "none (not a time)");
            for (Column c : Column.values()) {
                Series s = r.series().get(c);
                if (s == null) {
                    out.printf(Locale.ROOT, "  %-26s %12s    %s%n", c.rowLabel(w), "-", r.absent(c, d.go().problem()));
                    continue;
                }
                String flag = "";
                if (c != Column.GOLOOM) {
                    flag = tradeOff(w, r.ratio(c), r.cpuRatio(c));
                    if (!flag.isEmpty()) {
                        (flag.contains("faster") ? moreCpu : lessCpu).add(String.format(Locale.ROOT,
                                "%s vs %s (wall %s, CPU %s)", w.name(), c.rowLabel(w), Main.ratio(r.ratio(c), 1),
                                Main.ratio(r.cpuRatio(c), 1)));
                    }
                }
                out.print(String.format(Locale.ROOT, ROW, c.rowLabel(w), Main.fmt(s.median()),
                        Main.fmt(s.min()) + ".." + Main.fmt(s.max()), Main.fmt(s.cpuMedian()),
                        c == Column.GOLOOM ? "" : Main.ratio(r.ratio(c), 1),
                        c == Column.GOLOOM ? "" : Main.ratio(r.cpuRatio(c), 1), flag).stripTrailing()
                        + System.lineSeparator());
            }
        }
        out.println("-".repeat(head.length()));
        out.println("g/s: goloom's median over the side's (wall: the workload's unit; CPU: the CPU column). Lower is "
                + "better in every unit but req/s; below 1.00 goloom is faster (or smaller), except for req/s.");
        out.println("CPU: the whole process's CPU time (" + d.cpuClock() + ", GC and JIT included; Go: "
                + "getrusage user+sys) around each round, per operation for ns/... units, per round for ms, per "
                + "request for http; medians of the rounds.");
        out.println("goloom faster but with more CPU per operation: " + (moreCpu.isEmpty() ? "none"
                : String.join("; ", moreCpu)));
        out.println("goloom slower but with less CPU per operation: " + (lessCpu.isEmpty() ? "none"
                : String.join("; ", lessCpu)));
        matrix(results, out);
        out.println("Sides:");
        for (Column c : Column.values()) {
            out.printf(Locale.ROOT, "  %-6s %s%n", c.label, c.description);
        }
        for (Result r : results) {
            if (r.problem() == null && r.w().note() != null) {
                out.println(r.w().note().get());
            }
        }
        if (d.go().problem() != null) {
            out.println("Go column: " + d.go().problem());
        } else {
            out.println("Go column: bench/go/main.go (the Go anchor), same sizes, median of " + d.opts().rounds()
                    + " rounds.");
        }
    }

    /**
     * "goloom faster, more CPU" when goloom wins on wall time but spends more CPU per operation than the side, the
     * reverse when it loses on wall time but spends less; "" otherwise or without figures.
     */
    static String tradeOff(Workload w, double ratio, double cpuRatio) {
        if (Double.isNaN(ratio) || Double.isNaN(cpuRatio)) {
            return "";
        }
        boolean faster = w.higherIsBetter() ? ratio > 1 : ratio < 1;
        boolean slower = w.higherIsBetter() ? ratio < 1 : ratio > 1;
        if (faster && cpuRatio > 1) {
            return "<- goloom faster, more CPU";
        }
        if (slower && cpuRatio < 1) {
            return "<- goloom slower, less CPU";
        }
        return "";
    }

    /** goloom/side ratios, wall (CPU), one row per workload: the numbers of the chart. */
    private static void matrix(List<Result> results, PrintStream out) {
        out.println("goloom/side, wall (CPU):");
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "  %-15s", "workload"));
        for (Column c : OTHERS) {
            head.append(String.format(Locale.ROOT, " %13s", c.label));
        }
        out.println(head);
        for (Result r : results) {
            if (r.problem() != null) {
                continue;
            }
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "  %-15s", r.w().name()));
            for (Column c : OTHERS) {
                String cell = Main.ratio(r.ratio(c), 1);
                String cpu = Main.ratio(r.cpuRatio(c), 1);
                row.append(String.format(Locale.ROOT, " %13s", cell.equals("-") ? "-"
                        : cpu.equals("-") ? cell : cell + " (" + cpu + ")"));
            }
            out.println(row);
        }
    }
}
