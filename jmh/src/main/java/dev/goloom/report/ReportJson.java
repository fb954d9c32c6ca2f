package dev.goloom.report;

import dev.goloom.report.AnchorReport.Data;
import dev.goloom.report.AnchorReport.Result;
import dev.goloom.report.AnchorReport.Series;
import dev.goloom.report.TimerWorkload.Kind;
import dev.goloom.report.TimerWorkload.Stats;

import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * report.json: the machine, the run's options, and per workload every side's per-round figures, medians, spread,
 * CPU figures and goloom's ratios to each side; then the {@code timers} workload's figures. Absent figures are
 * {@code null}; a side a workload has no twin on carries {@code "absent"} with the reason.
 */
final class ReportJson {
    private ReportJson() {
    }

    /** Bumped when a field changes meaning or disappears. */
    static final int FORMAT = 1;

    static String json(Data d) {
        JsonWriter j = new JsonWriter().beginObject();
        j.member("format", FORMAT);
        j.member("generated", d.started().toString());
        j.member("elapsed_seconds", d.elapsed().toMillis() / 1e3);
        j.member("cpu_clock", d.cpuClock());
        machine(j, d.machine());
        j.name("options").beginObject()
                .member("quick", d.opts().quick())
                .member("rounds", d.opts().rounds())
                .member("warmups", d.opts().warmups())
                .member("go", d.opts().go());
        j.name("only").beginArray();
        d.opts().only().forEach(j::value);
        j.endArray().endObject();
        j.name("sides").beginObject();
        for (Column c : Column.values()) {
            j.name(c.id).beginObject().member("label", c.label).member("description", c.description).endObject();
        }
        j.endObject();
        j.name("workloads").beginArray();
        for (Result r : d.results()) {
            workload(j, r, d.go().problem());
        }
        j.endArray();
        if (d.timers() != null || d.timersProblem() != null) {
            timers(j, d);
        }
        j.member("go_problem", d.go().problem());
        return j.endObject().toString();
    }

    private static void machine(JsonWriter j, MachineInfo m) {
        j.name("machine").beginObject()
                .member("cores", m.cores())
                .member("os", m.os())
                .member("cpu_model", m.cpuModel())
                .name("memory_bytes");
        if (m.memoryBytes() > 0) {
            j.value(m.memoryBytes());
        } else {
            j.nullValue();
        }
        j.name("jvm").beginObject()
                .member("version", m.jvmVersion())
                .member("vendor", m.jvmVendor())
                .member("name", m.jvmName())
                .endObject();
        j.member("go", m.goVersion());
        j.endObject();
    }

    private static void workload(JsonWriter j, Result r, String goProblem) {
        Workload w = r.w();
        j.beginObject()
                .member("name", w.name())
                .member("unit", w.unit())
                .member("cpu_unit", w.cpu().unit())
                .member("higher_is_better", w.higherIsBetter())
                .member("n", r.n())
                .member("description", w.description())
                .member("problem", r.problem());
        j.name("sides").beginObject();
        for (Column c : Column.values()) {
            j.name(c.id).beginObject();
            if (c == Column.JUC && w.juc().present()) {
                j.member("uses", w.juc().what());
            }
            Series s = r.series().get(c);
            if (s == null) {
                j.member("absent", r.absent(c, goProblem));
            } else {
                j.member("median", s.median())
                        .member("min", s.min())
                        .member("max", s.max())
                        .member("spread", s.max() - s.min())
                        .member("rounds", s.wall())
                        .member("cpu_median", s.cpuMedian())
                        .member("cpu_rounds", s.cpu());
            }
            j.endObject();
        }
        j.endObject();
        j.name("ratios").beginObject(); // goloom / side
        for (Column c : Column.values()) {
            if (c != Column.GOLOOM) {
                j.name(c.id).beginObject()
                        .member("wall", r.ratio(c))
                        .member("cpu", r.cpuRatio(c))
                        .endObject();
            }
        }
        j.endObject();
        j.endObject();
    }

    private static void timers(JsonWriter j, Data d) {
        j.name("timers").beginObject().member("problem", d.timersProblem());
        TimerWorkload.Result t = d.timers();
        if (t != null) {
            j.member("n", t.n()).member("seconds", t.seconds()).member("period_ms", TimerWorkload.PERIOD_MILLIS);
            j.name("sides").beginArray();
            for (Kind k : Kind.values()) {
                List<Stats> rounds = t.byKind().get(k);
                j.beginObject()
                        .member("side", k.side.label())
                        .member("wait", k.waitName);
                metric(j, "p50_us", rounds, Stats::p50Micros);
                metric(j, "p99_us", rounds, Stats::p99Micros);
                metric(j, "cpu_ns_per_wake", rounds, Stats::cpuNanosPerWake);
                metric(j, "wakes_per_second", rounds, Stats::wakesPerSecond);
                j.endObject();
            }
            for (String mode : new String[] {"after", "tick", "sleep"}) {
                Map<String, Double> go = d.go().values();
                String key = TimerWorkload.NAME + "." + mode + ".";
                if (go.containsKey(key + "p99")) {
                    j.beginObject().member("side", "Go").member("wait", mode);
                    goMetric(j, "p50_us", go.get(key + "p50"));
                    goMetric(j, "p99_us", go.get(key + "p99"));
                    goMetric(j, "cpu_ns_per_wake", go.get(key + "cpu"));
                    goMetric(j, "wakes_per_second", go.get(key + "rate"));
                    j.endObject();
                }
            }
            j.endArray();
        }
        j.endObject();
    }

    private static void metric(JsonWriter j, String name, List<Stats> rounds, ToDoubleFunction<Stats> f) {
        double[] v = rounds.stream().mapToDouble(f).toArray();
        j.name(name).beginObject().member("median", Series.median(v)).member("rounds", v).endObject();
    }

    /** Go's timers lines carry the median only. */
    private static void goMetric(JsonWriter j, String name, Double median) {
        j.name(name).beginObject().member("median", median == null ? Double.NaN : median).endObject();
    }
}
