import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.ToolProvider;

/**
 * Runs the JDK's own virtual-thread tests ({@code test/jdk/java/lang/Thread/virtual}, main tier and
 * {@code stress/}) twice per jtreg {@code @run} action, each time in a fresh JVM: on the JDK's default scheduler
 * (the control, the test on a platform thread as jtreg runs it) and on goloom (the test started in a goroutine of
 * {@code GoScheduler.defaultScheduler()}, so its virtual threads inherit goloom). An action that passes on the JDK
 * and fails on goloom is rerun on goloom, and once from a JDK virtual thread, to tell flakiness and the effect of
 * a virtual test thread from goloom's own. Prints a Markdown table and a summary; exit status 0 when no action
 * fails only on goloom other than the known differences, 1 otherwise, 2 for a bad argument.
 *
 * <p>Started by {@code bench/jdk-vthread-suite.sh}, which extracts the sources, builds goloom, fetches the JUnit
 * console launcher and compiles this class; see that script for the options.
 */
public final class VThreadSuite {
    /** Known differences of goloom from the JDK's scheduler that the README documents: (file, match, why). */
    private static final List<String[]> EXPECTED = List.of(
            new String[] {"StackFrames", "-XX:+ShowCarrierFrames",
                "expected: asserts ForkJoinPool carrier frames; goloom's carrier frames are its own"},
            new String[] {"YieldQueuing", "",
                "expected: assumes FIFO start order; goloom starts the newest first (runnext, Go's newproc)"});

    record Outcome(String status, double seconds, String detail, Path log) {
        boolean passed() {
            return status.equals("pass");
        }

        String cell() {
            return switch (status) {
                case "skip" -> "skip";
                case "timeout" -> String.format(Locale.ROOT, "TIMEOUT %.0f s", seconds);
                default -> (passed() ? "pass" : "FAIL") + (detail.isEmpty() ? "" : " " + detail)
                        + String.format(Locale.ROOT, " %.1f s", seconds);
            };
        }
    }

    record Row(JtregTest.Action action, Outcome jdk, Outcome goloom, String note, boolean goloomOnlyFailure,
               boolean expected) {
    }

    private final Map<String, String> opts;
    private final Path suite, testlib, work, logs, nativeDir;
    private final String classPathTail;
    private final double timeoutFactor;
    private final int reruns;
    private final String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private final Map<String, String> props = vmProps();
    private String nativeProblem;

    private VThreadSuite(Map<String, String> opts) {
        this.opts = opts;
        suite = existingDir("--suite");
        testlib = existingDir("--testlib");
        work = Path.of(required("--work")).toAbsolutePath();
        logs = work.resolve("logs");
        nativeDir = work.resolve("native");
        classPathTail = required("--launcher") + File.pathSeparator + required("--junit")
                + File.pathSeparator + required("--goloom");
        timeoutFactor = number("--timeout-factor", "2");
        if (timeoutFactor == 0) {
            fail("--timeout-factor must be above 0, got '" + opts.get("--timeout-factor") + "'");
        }
        reruns = (int) number("--reruns", "1");
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                fail("expected --name value pairs, got '" + args[i] + "'");
            }
            opts.put(args[i], args[++i]);
        }
        System.exit(new VThreadSuite(opts).run());
    }

    private int run() throws Exception {
        Files.createDirectories(logs);
        Pattern only = null;
        try {
            only = Pattern.compile(opts.getOrDefault("--only", ".*"));
        } catch (java.util.regex.PatternSyntaxException e) {
            fail("--only '" + opts.get("--only") + "' is not a regular expression: " + e.getDescription());
        }
        List<JtregTest.Action> actions = new ArrayList<>();
        try (Stream<Path> files = Stream.concat(Files.list(suite), Files.isDirectory(suite.resolve("stress"))
                ? Files.list(suite.resolve("stress")) : Stream.empty())) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String rel = suite.relativize(f).toString().replaceFirst("\\.java$", "");
                for (JtregTest.Action a : JtregTest.parse(f, rel)) {
                    if (only.matcher(rel + " " + a.variant()).find()) {
                        actions.add(a);
                    }
                }
            }
        }
        if (actions.isEmpty()) {
            fail("no test action in " + suite + " matches --only '" + only + "'");
        }
        long start = System.nanoTime();
        Map<String, String> compiled = compileAll(actions);
        buildNative(); // also for actions without /native: MonitorPinnedEvents loads VThreadPinner's library

        List<Row> rows = new ArrayList<>();
        int n = 0;
        for (JtregTest.Action a : actions) {
            Row row = runAction(a, compiled.get(a.file()));
            rows.add(row);
            System.err.printf("[%d/%d] %s %s: jdk %s, goloom %s%s%n", ++n, actions.size(), a.file(), a.variant(),
                    row.jdk().cell(), row.goloom().cell(), row.note().isEmpty() ? "" : " (" + row.note() + ")");
        }
        String table = table(rows, Duration.ofNanos(System.nanoTime() - start));
        System.out.print(table);
        Files.writeString(work.resolve("results.md"), table);
        System.err.println("table written to " + work.resolve("results.md") + ", logs in " + logs);
        return rows.stream().anyMatch(r -> r.goloomOnlyFailure() && !r.expected()) ? 1 : 0;
    }

    /** Compiles each test file with {@code test/lib} on the source path; the value is a problem, or null. */
    private Map<String, String> compileAll(List<JtregTest.Action> actions) throws IOException {
        Map<String, String> problems = new HashMap<>();
        for (String file : actions.stream().map(JtregTest.Action::file).distinct().toList()) {
            Path src = suite.resolve(file + ".java");
            // @build classes too: a test may name one only in a string (JUnit's @DisabledIf("LockingMode#isLegacy"))
            List<String> sources = new ArrayList<>(List.of(src.toString()));
            actions.stream().filter(a -> a.file().equals(file)).flatMap(a -> a.builds().stream()).distinct()
                    .map(b -> src.resolveSibling(b.replace('.', '/') + ".java"))
                    .filter(Files::isRegularFile).forEach(b -> sources.add(b.toString()));
            Path out = classes(file);
            Files.createDirectories(out);
            Path log = logs.resolve(safe(file) + ".javac.log");
            try (PrintStream ps = new PrintStream(Files.newOutputStream(log))) {
                List<String> javac = new ArrayList<>(List.of("-nowarn", "-d", out.toString(), "-cp",
                        required("--junit"), "-sourcepath", src.getParent() + File.pathSeparator + testlib));
                javac.addAll(sources);
                int rc = ToolProvider.getSystemJavaCompiler().run(null, ps, ps, javac.toArray(String[]::new));
                problems.put(file, rc == 0 ? null : "does not compile (" + log + ")");
            }
        }
        return problems;
    }

    /** Builds every {@code lib*.c} of the suite and of {@code test/lib} into one directory, as jtreg's nativepath. */
    private void buildNative() throws Exception {
        Files.createDirectories(nativeDir);
        Path include = Path.of(System.getProperty("java.home"), "include");
        List<Path> sources;
        try (Stream<Path> s = Stream.concat(Files.walk(suite), Files.walk(testlib))) {
            sources = s.filter(p -> p.getFileName().toString().matches("lib\\w+\\.c")).sorted().toList();
        }
        for (Path c : sources) {
            String lib = c.getFileName().toString().replaceFirst("\\.c$", ".so");
            Path log = logs.resolve(lib + ".cc.log");
            List<String> cmd = List.of("cc", "-shared", "-fPIC", "-O2", "-I" + include, "-I" + include.resolve("linux"),
                    "-I" + testlib.resolve("native"), "-o", nativeDir.resolve(lib).toString(), c.toString());
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (p.waitFor() != 0) {
                    System.err.println("warning: " + lib + " did not build (" + log + "); tests that load it fail");
                }
            } catch (IOException e) {
                nativeProblem = "needs native libraries and no C compiler (cc) is on the PATH";
                return;
            }
        }
    }

    private Row runAction(JtregTest.Action a, String compileProblem) throws Exception {
        String reason = compileProblem != null ? compileProblem : a.unsupported();
        if (reason == null) {
            reason = unmetRequirement(a);
        }
        if (reason == null && a.nativeLibs() && nativeProblem != null) {
            reason = nativeProblem;
        }
        if (reason != null) {
            Outcome skip = new Outcome("skip", 0, "", null);
            return new Row(a, skip, skip, reason, false, false);
        }
        Outcome jdk = launch(a, "jdk", "jdk");
        String goloomSkip = goloomSkip(a);
        if (goloomSkip != null) {
            return new Row(a, jdk, new Outcome("skip", 0, "", null), goloomSkip, false, false);
        }
        Outcome goloom = launch(a, "goloom", "goloom");
        if (!jdk.passed() || goloom.passed()) {
            return new Row(a, jdk, goloom, "", false, false);
        }
        String expected = EXPECTED.stream()
                .filter(e -> a.file().endsWith(e[0]) && String.join(" ", a.vmOptions()).contains(e[1]))
                .map(e -> e[2]).findFirst().orElse(null);
        List<String> notes = new ArrayList<>();
        notes.add(expected != null ? expected : "FINDING");
        String failing = failures(goloom.log());
        if (!failing.isEmpty()) {
            notes.add("failed: " + failing);
        }
        int passedAgain = 0;
        for (int i = 1; i <= reruns; i++) {
            passedAgain += launch(a, "goloom", "goloom-rerun" + i).passed() ? 1 : 0;
        }
        if (reruns > 0) {
            notes.add("goloom reruns passed " + passedAgain + "/" + reruns);
        }
        Outcome fromVirtual = launch(a, "jdk-vthread", "jdk-vthread");
        notes.add("JDK scheduler from a virtual test thread: " + fromVirtual.cell());
        return new Row(a, jdk, goloom, String.join("; ", notes), true, expected != null);
    }

    /** Why goloom cannot take part in this action although the JDK can, or null. */
    private String goloomSkip(JtregTest.Action a) throws IOException {
        String source = Files.readString(suite.resolve(a.file() + ".java"));
        if (source.contains("createTestJavaProcessBuilder")) {
            return "goloom skipped: the test checks a child JVM that jdk.test.lib's ProcessTools starts, "
                    + "outside the launcher";
        }
        return null;
    }

    private String unmetRequirement(JtregTest.Action a) throws IOException {
        if (a.vmOptions().contains("-XX:-VMContinuations")) {
            // no goloom side to compare with, and ThreadAPI alone runs for minutes on bound threads
            return "-XX:-VMContinuations: virtual threads are bound to platform threads, no scheduler to replace";
        }
        for (String r : a.requires()) {
            try {
                if (!JtregTest.requires(r, props)) {
                    return "@requires " + r + ": false here";
                }
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
        return null;
    }

    /** Runs one action in a new JVM; {@code where} is TestLauncher's mode, {@code tag} names the log. */
    private Outcome launch(JtregTest.Action a, String where, String tag) throws Exception {
        Path classes = classes(a.file());
        List<String> cmd = new ArrayList<>(List.of(javaBin));
        cmd.addAll(a.vmOptions());
        cmd.addAll(JtregTest.moduleFlags(a.modules()));
        cmd.add("--add-opens=java.base/java.lang=ALL-UNNAMED"); // goloom's flag, on every side: only the scheduler differs
        // on every action, as the JDK's make test gives jtreg a native path for all of them; /native only says a
        // test cannot run without it
        cmd.add("-Djava.library.path=" + nativeDir);
        String srcDir = suite.resolve(a.file() + ".java").getParent().toString();
        cmd.addAll(List.of("-Dtest.jdk=" + System.getProperty("java.home"), "-Dtest.src=" + srcDir,
                "-Dtest.classes=" + classes, "-Dtest.class.path=" + classes, "-Dtest.nativepath=" + nativeDir,
                "-Dtest.vm.opts=", "-Dtest.java.opts=", "-Dtest.timeout.factor=" + timeoutFactor,
                "-Dtest.name=" + a.file() + ".java#" + a.variant(), "-Dtest.file=" + suite.resolve(a.file() + ".java")));
        if (where.equals("goloom")) {
            goloomProcs(a.vmOptions()).ifPresent(p -> cmd.add("-Dgoloom.maxprocs=" + p));
        }
        cmd.addAll(List.of("-cp", classes + File.pathSeparator + classPathTail, "TestLauncher", where, a.kind(),
                a.className()));
        cmd.addAll(a.args());
        Path log = logs.resolve(safe(a.file() + "." + a.variant()) + "." + tag + ".log");
        Files.writeString(log, String.join(" ", cmd) + "\n\n");
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long limit = Math.round(a.timeoutSeconds() * timeoutFactor);
        boolean done = p.waitFor(limit, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!done) {
            dumpThreads(p, log);
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            return new Outcome("timeout", seconds, "", log);
        }
        String text = Files.readString(log);
        String detail = "";
        Matcher m = Pattern.compile("\\[junit] tests=(\\d+) passed=(\\d+) failed=(\\d+) aborted=(\\d+) skipped=(\\d+)")
                .matcher(text);
        if (m.find()) {
            int notRun = Integer.parseInt(m.group(4)) + Integer.parseInt(m.group(5));
            detail = (p.exitValue() == 0 ? m.group(2) + "/" + m.group(1) : m.group(3) + " of " + m.group(1))
                    + (notRun > 0 ? " (" + notRun + " aborted or skipped)" : "");
        }
        return new Outcome(p.exitValue() == 0 ? "pass" : "fail", seconds, detail, log);
    }

    /**
     * goloom's counterpart of the JDK scheduler's size flags: a test run with
     * {@code -Djdk.virtualThreadScheduler.parallelism=N} or {@code maxPoolSize=N} gets {@code -Dgoloom.maxprocs}
     * of the smaller of them on goloom.
     */
    private static OptionalInt goloomProcs(List<String> vmOptions) {
        return vmOptions.stream()
                .filter(o -> o.matches("-Djdk\\.virtualThreadScheduler\\.(parallelism|maxPoolSize)=\\d+"))
                .mapToInt(o -> Integer.parseInt(o.substring(o.indexOf('=') + 1))).min();
    }

    /** On a timeout, as jtreg's timeout handler: the platform threads (jcmd Thread.print) and all virtual threads. */
    private static void dumpThreads(Process p, Path log) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Path vthreads = log.resolveSibling(log.getFileName() + ".threads.txt");
        Files.deleteIfExists(vthreads);
        for (List<String> c : List.of(List.of("Thread.print"), List.of("Thread.dump_to_file", vthreads.toString()))) {
            List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), String.valueOf(p.pid())));
            cmd.addAll(c);
            Process d = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            if (!d.waitFor(60, TimeUnit.SECONDS)) {
                d.destroyForcibly();
            }
        }
        Files.writeString(log, "\n[suite] TIMEOUT: thread dumps above, virtual threads in " + vthreads + "\n",
                StandardOpenOption.APPEND);
    }

    /** The first few failing JUnit tests (or the exception a main threw) of a log, for the note. */
    private static String failures(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        List<String> failed = lines.stream().filter(l -> l.startsWith("[junit] FAILED "))
                .map(l -> l.substring(15).replaceFirst(":.*", "")).toList();
        if (!failed.isEmpty()) {
            return String.join(", ", failed.subList(0, Math.min(3, failed.size())))
                    + (failed.size() > 3 ? " and " + (failed.size() - 3) + " more" : "");
        }
        for (int i = 0; i < lines.size() - 1; i++) {
            if (lines.get(i).endsWith(".main threw:")) {
                return lines.get(i + 1).strip();
            }
        }
        return "";
    }

    private static String table(List<Row> rows, Duration elapsed) {
        StringBuilder sb = new StringBuilder();
        sb.append("| test | variant | JDK default (control) | goloom | note |\n|---|---|---|---|---|\n");
        int both = 0, onlyGoloom = 0, expected = 0, jdkFailed = 0, skipped = 0, goloomSkipped = 0;
        for (Row r : rows) {
            sb.append("| ").append(r.action().file()).append(" | ").append(r.action().variant()).append(" | ")
                    .append(r.jdk().cell()).append(" | ").append(r.goloom().cell()).append(" | ")
                    .append(r.note().replace("|", "\\|")).append(" |\n");
            if (r.jdk().status().equals("skip")) {
                skipped++;
            } else if (!r.jdk().passed()) {
                jdkFailed++;
            } else if (r.goloom().status().equals("skip")) {
                goloomSkipped++;
            } else if (r.goloom().passed()) {
                both++;
            } else {
                onlyGoloom++;
                expected += r.expected() ? 1 : 0;
            }
        }
        sb.append(String.format(Locale.ROOT, "%nSummary: %d actions; %d pass on both; %d fail only on goloom "
                        + "(%d expected, %d findings); %d fail on the JDK (control); %d skipped on both, %d on goloom "
                        + "only; %d min %d s.%n", rows.size(), both, onlyGoloom, expected, onlyGoloom - expected,
                jdkFailed, skipped, goloomSkipped, elapsed.toMinutes(), elapsed.toSecondsPart()));
        return sb.toString();
    }

    /** The jtreg {@code @requires} properties of this JDK, as jtreg would compute them with no extra VM options. */
    private static Map<String, String> vmProps() {
        Map<String, String> p = new LinkedHashMap<>();
        String arch = System.getProperty("os.arch");
        p.put("vm.continuations", String.valueOf(List.of("amd64", "x86_64", "aarch64", "riscv64", "ppc64le", "s390x")
                .contains(arch)));
        p.put("vm.debug", String.valueOf(System.getProperty("java.vm.version").contains("debug")));
        p.put("vm.hasJFR", String.valueOf(ModuleLayer.boot().findModule("jdk.jfr").isPresent()));
        String info = System.getProperty("java.vm.info", "");
        p.put("vm.compMode", info.contains("interpreted") ? "Xint" : info.contains("compiled") ? "Xcomp" : "Xmixed");
        p.put("vm.gc", "null"); // no GC chosen for the whole run
        for (String gc : List.of("Serial", "Parallel", "G1", "Z", "Shenandoah", "Epsilon")) {
            p.put("vm.gc." + gc, "true"); // the collectors of a Temurin/OpenJDK 25 build
        }
        p.put("os.family", System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("linux") ? "linux"
                : System.getProperty("os.name").toLowerCase(Locale.ROOT));
        p.put("os.arch", arch);
        return p;
    }

    private Path classes(String file) {
        return work.resolve("classes").resolve(safe(file));
    }

    private static String safe(String name) {
        return name.replaceAll("[^A-Za-z0-9._-]+", "_");
    }

    private String required(String name) {
        String v = opts.get(name);
        if (v == null || v.isBlank()) {
            fail(name + " is required");
        }
        return v;
    }

    private Path existingDir(String name) {
        Path p = Path.of(required(name)).toAbsolutePath();
        if (!Files.isDirectory(p)) {
            fail(name + " must be a directory, got '" + p + "'");
        }
        return p;
    }

    private double number(String name, String dflt) {
        String v = opts.getOrDefault(name, dflt);
        try {
            double d = Double.parseDouble(v);
            if (d >= 0) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        fail(name + " must be a non-negative number, got '" + v + "'");
        return 0;
    }

    private static void fail(String message) {
        System.err.println("VThreadSuite: " + message);
        System.exit(2);
    }
}
