package dev.goloom.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the project's Go anchor ({@code bench/go/run.sh}, which builds {@code bench/go/main.go}) for the Go column
 * of the report, with the same sizes and rounds as the Java side.
 */
final class GoAnchor {
    private GoAnchor() {
    }

    static final String INSTALL_HINT = "apt-get install -y golang-1.19-go";

    /**
     * One workload's line of the anchor's output.
     *
     * @param value     the median over the rounds, in the workload's unit
     * @param cpu       the median process CPU time (getrusage user+sys) per round, converted as the Java side's CPU
     *                  column is (see {@code cpuIn} in {@code main.go}); NaN if the line has none
     * @param rounds    every round's value, sorted; empty if the line has none
     * @param cpuRounds every round's CPU figure, sorted; empty if the line has none
     */
    record Line(double value, double cpu, double[] rounds, double[] cpuRounds) {
    }

    /** The Go column, or why there is none. */
    record Result(Map<String, Line> lines, String version, String problem) {
        /** Each workload's median. */
        Map<String, Double> values() {
            Map<String, Double> values = new HashMap<>();
            lines.forEach((k, v) -> values.put(k, v.value()));
            return values;
        }
    }

    /** One line of {@code main.go}'s output: json.Marshal of its {@code result}, keys in field order. */
    private static final Pattern LINE = Pattern.compile(
            "\"workload\":\"([a-z][a-z0-9.]*)\",\"value\":([-0-9.eE+]+),.*\"go\":\"([^\"]*)\"");
    private static final Pattern CPU = Pattern.compile("\"cpu\":([-0-9.eE+]+)");
    private static final Pattern ROUNDS = Pattern.compile("\"rounds\":\\[([-0-9.eE+,]*)]");
    private static final Pattern CPU_ROUNDS = Pattern.compile("\"cpu_rounds\":\\[([-0-9.eE+,]*)]");

    /** Finds {@code bench/go/run.sh} in the working directory or a parent (exec:exec runs in {@code jmh/}). */
    static Path findScript() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path script = dir.resolve("bench/go/run.sh");
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        return null;
    }

    /** True if a Go toolchain is on PATH or installed from Debian's golang-1.19-go package. */
    static boolean toolchainPresent() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "go"))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/lib/go-1.19/bin/go"));
    }

    /**
     * Runs the anchor for {@code sizes} (workload name to n), {@code rounds} rounds each, with {@code extraArgs}
     * (e.g. {@code -timers-seconds 1}) after the others. A workload with several values per run reports each as
     * {@code name.part} (the {@code timers} workload: {@code timers.sleep.p99}, ...).
     * Never throws: a failure becomes {@link Result#problem()}.
     */
    static Result run(Map<String, Integer> sizes, int rounds, List<String> extraArgs) {
        if (sizes.isEmpty()) {
            return new Result(Map.of(), null, "no selected workload has a Go version");
        }
        if (!toolchainPresent()) {
            return new Result(Map.of(), null, "no Go toolchain found; for the Go column install it with: "
                    + INSTALL_HINT);
        }
        Path script = findScript();
        if (script == null) {
            return new Result(Map.of(), null, "bench/go/run.sh not found above " + Path.of("").toAbsolutePath());
        }
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), "-rounds", String.valueOf(rounds),
                "-only", String.join(",", sizes.keySet())));
        StringBuilder n = new StringBuilder();
        sizes.forEach((k, v) -> n.append(n.isEmpty() ? "" : ",").append(k).append('=').append(v));
        cmd.add("-n");
        cmd.add(n.toString());
        cmd.addAll(extraArgs);
        Map<String, Line> values = new HashMap<>();
        String version = null;
        StringBuilder other = new StringBuilder();
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    Matcher m = LINE.matcher(line);
                    if (m.find()) {
                        values.put(m.group(1), parse(line, Double.parseDouble(m.group(2))));
                        version = m.group(3);
                    } else if (other.length() < 2000) {
                        other.append(line).append('\n');
                    }
                }
            }
            if (!p.waitFor(1, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new Result(values, version, "Go anchor did not exit");
            }
            if (p.exitValue() != 0) {
                return new Result(values, version, "Go anchor failed (exit " + p.exitValue() + "): "
                        + other.toString().strip());
            }
        } catch (IOException e) {
            return new Result(values, version, "cannot run " + script + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(values, version, "interrupted");
        }
        return new Result(values, version, null);
    }

    /** The CPU and per-round figures of one output line whose value is {@code value}. */
    static Line parse(String line, double value) {
        Matcher cpu = CPU.matcher(line);
        return new Line(value, cpu.find() ? Double.parseDouble(cpu.group(1)) : Double.NaN, numbers(ROUNDS, line),
                numbers(CPU_ROUNDS, line));
    }

    private static double[] numbers(Pattern p, String line) {
        Matcher m = p.matcher(line);
        if (!m.find() || m.group(1).isEmpty()) {
            return new double[0];
        }
        String[] parts = m.group(1).split(",");
        double[] v = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Double.parseDouble(parts[i]);
        }
        return v;
    }
}
