package dev.goloom.report;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The main job's command line. {@link #parse} rejects anything it does not understand with an
 * {@link IllegalArgumentException} whose message names the argument.
 *
 * @param quick     smaller sizes and fewer rounds (a CI smoke run)
 * @param only      workload names to run, in report order; empty means all
 * @param rounds    measured rounds per workload and side (the median is reported)
 * @param warmups   unmeasured rounds per workload and side before those (JIT warm-up)
 * @param demo      run the 100k-goroutine demo first
 * @param report    run the workload report
 * @param go        add the Go column when a Go toolchain is found
 * @param demoCount goroutines the demo starts
 * @param help      print usage and exit
 * @param out       the directory report.json and the ratio chart are written to (created if missing)
 */
record MainOptions(boolean quick, List<String> only, int rounds, int warmups, boolean demo, boolean report,
                   boolean go, int demoCount, boolean help, Path out) {

    /** {@code --out}'s default, relative to the working directory ({@code jmh/} under {@code exec:exec}). */
    static final Path DEFAULT_OUT = Path.of("target", "report");

    static final String USAGE = """
            usage: Main [options]    (from the repo top: mvn -B -q compile exec:exec -Dgoloom.main.args="options")
              --quick            small sizes, 1 warm-up and 3 measured rounds (CI smoke run, about a minute)
              --only a,b         run only these workloads (names below)
              --rounds N         measured rounds per workload and scheduler, median reported (default 5; quick 3)
              --warmups N        unmeasured warm-up rounds before them (default 1)
              --demo-goroutines N  goroutines the demo starts (default 100000)
              --no-demo          skip the 100k-goroutine demo
              --no-report        skip the workload table (demo only)
              --no-go            skip the Go column even if a Go toolchain is installed
              --out DIR          write report.json and ratios.svg there (default target/report, relative to
                                 jmh/ under exec:exec; created if missing)
              --help             this text""";

    /**
     * Parses {@code args}; {@code --opt value} and {@code --opt=value} are both accepted.
     *
     * @param known the workload names {@code --only} may name
     * @throws IllegalArgumentException naming the bad argument
     */
    static MainOptions parse(String[] args, Set<String> known) {
        boolean quick = false, demo = true, report = true, go = true, help = false;
        Integer rounds = null, warmups = null;
        int demoCount = 100_000;
        List<String> only = List.of();
        Path out = DEFAULT_OUT;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.isBlank()) {
                continue; // an empty -Dgoloom.main.args
            }
            String opt = arg, value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                opt = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (opt) {
                case "--quick" -> quick = flag(opt, value);
                case "--no-demo" -> demo = !flag(opt, value);
                case "--no-report" -> report = !flag(opt, value);
                case "--no-go" -> go = !flag(opt, value);
                case "--help", "-h" -> help = flag(opt, value);
                case "--only", "--rounds", "--warmups", "--demo-goroutines", "--out" -> {
                    if (value == null) {
                        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                            throw new IllegalArgumentException(opt + " needs a value");
                        }
                        value = args[++i];
                    }
                    switch (opt) {
                        case "--only" -> only = workloads(value, known);
                        case "--rounds" -> rounds = positive(opt, value, 1);
                        case "--out" -> out = outDir(value);
                        case "--warmups" -> warmups = positive(opt, value, 0);
                        default -> demoCount = positive(opt, value, 1);
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "' (try --help)");
            }
        }
        if (!demo && !report && !help) {
            throw new IllegalArgumentException("--no-demo with --no-report leaves nothing to run");
        }
        return new MainOptions(quick, only, rounds != null ? rounds : quick ? 3 : 5, warmups != null ? warmups : 1,
                demo, report, go, demoCount, help, out);
    }

    private static boolean flag(String opt, String value) {
        if (value != null) {
            throw new IllegalArgumentException(opt + " takes no value, got '" + opt + "=" + value + "'");
        }
        return true;
    }

    private static int positive(String opt, String value, int min) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(opt + " must be an integer >= " + min + ", got '" + value + "'");
        }
        if (n < min) {
            throw new IllegalArgumentException(opt + " must be an integer >= " + min + ", got " + n);
        }
        return n;
    }

    /**
     * {@code --out}'s value: a directory, or a path that can become one (its nearest existing ancestor is a
     * writable directory). Nothing is created here; the report creates it when it writes.
     */
    static Path outDir(String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException("--out needs a directory, got '" + value + "'");
        }
        Path dir;
        try {
            dir = Path.of(value);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("--out: '" + value + "' is not a valid path: " + e.getReason());
        }
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs)) {
            if (!Files.isDirectory(abs)) {
                throw new IllegalArgumentException("--out: '" + value + "' exists and is not a directory");
            }
            if (!Files.isWritable(abs)) {
                throw new IllegalArgumentException("--out: directory '" + value + "' is not writable");
            }
            return dir;
        }
        Path ancestor = abs.getParent();
        while (ancestor != null && !Files.exists(ancestor)) {
            ancestor = ancestor.getParent();
        }
        if (ancestor == null || !Files.isDirectory(ancestor) || !Files.isWritable(ancestor)) {
            throw new IllegalArgumentException("--out: cannot create '" + value + "': "
                    + (ancestor == null ? "no existing parent" : "'" + ancestor + "' is not a writable directory"));
        }
        return dir;
    }

    private static List<String> workloads(String value, Set<String> known) {
        Set<String> names = new LinkedHashSet<>();
        for (String s : value.split(",")) {
            String name = s.trim();
            if (name.isEmpty()) {
                continue;
            }
            if (!known.contains(name)) {
                throw new IllegalArgumentException("--only: no workload named '" + name + "'; known: "
                        + String.join(",", known));
            }
            names.add(name);
        }
        if (names.isEmpty()) {
            throw new IllegalArgumentException("--only needs at least one workload name, got '" + value + "'");
        }
        return new ArrayList<>(names);
    }

    /** True if {@code name} is selected by {@code --only} (or no {@code --only} was given). */
    boolean selects(String name) {
        return only.isEmpty() || only.contains(name);
    }
}
