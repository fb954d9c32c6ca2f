import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parts of a jtreg test description (the {@code @test} comment blocks of a test file) that the suite runner
 * honours: {@code id}, {@code @requires}, {@code @modules}, {@code @build} and each {@code @run} action. A file
 * with several {@code @test} blocks is several tests, and a block with several {@code @run} lines runs them in
 * order; every {@code @run} becomes one {@link Action}.
 */
final class JtregTest {
    private JtregTest() {
    }

    /** One {@code @run} line of one {@code @test} block. */
    record Action(String file, String id, int runIndex, int runCount, List<String> requires, List<String> modules,
                  List<String> builds, String kind, Set<String> options, int timeoutSeconds, List<String> vmOptions, String className,
                  List<String> args, String unsupported) {

        /** jtreg's name of the block ({@code id} or {@code idN}), plus the run's number when the block has several. */
        String variant() {
            return runCount > 1 ? id + " run " + runIndex : id;
        }

        boolean othervm() {
            return options.contains("othervm");
        }

        boolean nativeLibs() {
            return options.contains("native");
        }
    }

    private static final Pattern BLOCK = Pattern.compile("/\\*(.*?)\\*/", Pattern.DOTALL);
    private static final Pattern TAG = Pattern.compile("^@(\\w+)\\s*(.*)$");

    /** The actions of every {@code @test} block of {@code file}; none if it has no block (a helper class). */
    static List<Action> parse(Path file, String relativeName) throws IOException {
        String text = Files.readString(file);
        List<Action> actions = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        int unnamed = 0;
        int blocks = (int) BLOCK.matcher(text).results()
                .filter(r -> tags(r.group(1)).stream().anyMatch(t -> t[0].equals("test"))).count();
        while (m.find()) {
            List<String[]> tags = tags(m.group(1));
            if (tags.stream().noneMatch(t -> t[0].equals("test"))) {
                continue;
            }
            String id = null;
            List<String> requires = new ArrayList<>();
            List<String> modules = new ArrayList<>();
            List<String> builds = new ArrayList<>();
            List<String> runs = new ArrayList<>();
            for (String[] t : tags) {
                switch (t[0]) {
                    case "test" -> {
                        Matcher idm = Pattern.compile("id=(\\S+)").matcher(t[1]);
                        if (idm.find()) {
                            id = idm.group(1);
                        }
                    }
                    case "requires" -> requires.add(t[1]);
                    case "modules" -> modules.addAll(List.of(t[1].split("\\s+")));
                    case "build" -> builds.addAll(List.of(t[1].split("\\s+")));
                    case "run" -> runs.add(t[1]);
                    default -> { }
                }
            }
            if (id == null) {
                // jtreg names unnamed blocks id0, id1, ... by position; a lone block has no id
                id = blocks == 1 ? "default" : "id" + unnamed;
            }
            unnamed++;
            String className = file.getFileName().toString().replaceFirst("\\.java$", "");
            if (runs.isEmpty()) {
                runs.add("main " + className); // jtreg's default action
            }
            for (int i = 0; i < runs.size(); i++) {
                actions.add(action(relativeName, id, i + 1, runs.size(), requires, modules, builds, runs.get(i),
                        className));
            }
        }
        return actions;
    }

    /** Tag name and value pairs of one comment block; a value runs on to the next line that starts a tag. */
    private static List<String[]> tags(String comment) {
        List<String[]> tags = new ArrayList<>();
        for (String raw : comment.split("\n")) {
            String line = raw.strip().replaceFirst("^\\*+\\s?", "").strip();
            Matcher m = TAG.matcher(line);
            if (m.matches()) {
                tags.add(new String[] {m.group(1), m.group(2).strip()});
            } else if (!tags.isEmpty() && !line.isEmpty()) {
                String[] last = tags.getLast();
                last[1] = (last[1] + " " + line).strip();
            }
        }
        return tags;
    }

    private static Action action(String file, String id, int index, int count, List<String> requires,
                                 List<String> modules, List<String> builds, String run, String defaultClass) {
        String[] words = run.split("\\s+");
        String[] head = words[0].split("/");
        String kind = head[0];
        Set<String> options = new LinkedHashSet<>();
        int timeout = 120; // jtreg's default
        String unsupported = null;
        for (int i = 1; i < head.length; i++) {
            String opt = head[i];
            String name = opt.contains("=") ? opt.substring(0, opt.indexOf('=')) : opt;
            if (name.equals("timeout")) {
                timeout = Integer.parseInt(opt.substring(opt.indexOf('=') + 1));
            } else if (!name.equals("othervm") && !name.equals("native")) {
                unsupported = "@run option /" + opt + " is not honoured here (only othervm, native, timeout)";
            }
            options.add(name);
        }
        if (!kind.equals("main") && !kind.equals("junit")) {
            unsupported = "@run " + kind + " is a jtreg-only action";
        }
        List<String> vmOptions = new ArrayList<>();
        String className = null;
        List<String> args = new ArrayList<>();
        for (int i = 1; i < words.length; i++) {
            if (className == null && words[i].startsWith("-")) {
                vmOptions.add(words[i]);
            } else if (className == null) {
                className = words[i];
            } else {
                args.add(words[i]);
            }
        }
        if (className == null) {
            className = defaultClass;
        }
        return new Action(file, id, index, count, List.copyOf(requires), List.copyOf(modules), List.copyOf(builds), kind,
                options, timeout, vmOptions, className, args, unsupported);
    }

    /**
     * The JVM flags jtreg derives from {@code @modules}: {@code --add-modules} for each module, and for
     * {@code module/package} an {@code --add-exports} to the unnamed module ({@code --add-opens} for
     * {@code :open} and {@code :+open}).
     */
    static List<String> moduleFlags(List<String> modules) {
        List<String> flags = new ArrayList<>();
        Set<String> added = new LinkedHashSet<>();
        for (String entry : modules) {
            String module = entry.contains("/") ? entry.substring(0, entry.indexOf('/')) : entry;
            if (added.add(module)) {
                flags.add("--add-modules=" + module);
            }
            if (entry.contains("/")) {
                String pkg = entry.substring(entry.indexOf('/') + 1);
                boolean open = pkg.endsWith(":open") || pkg.endsWith(":+open");
                pkg = pkg.replaceFirst(":\\+?open$", "");
                flags.add((open ? "--add-opens=" : "--add-exports=") + module + "/" + pkg + "=ALL-UNNAMED");
            }
        }
        return flags;
    }

    /**
     * Evaluates a jtreg {@code @requires} expression ({@code & | ! == != < > <= >=}, parentheses, names, numbers
     * and quoted strings) against {@code props}. A name missing from {@code props} throws
     * {@link IllegalArgumentException} naming it.
     */
    static boolean requires(String expr, Map<String, String> props) {
        Requires r = new Requires(expr, props);
        String v = r.or();
        if (r.pos < r.tokens.size()) {
            throw new IllegalArgumentException("@requires '" + expr + "': unexpected '" + r.tokens.get(r.pos) + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static final class Requires {
        private static final Pattern TOKEN =
                Pattern.compile("\\s*(\"[^\"]*\"|[A-Za-z_][\\w.]*|\\d+(?:\\.\\d+)?[kKmMgG]?|==|!=|<=|>=|[()&|!<>])");
        final List<String> tokens = new ArrayList<>();
        final Map<String, String> props;
        final String expr;
        int pos;

        Requires(String expr, Map<String, String> props) {
            this.expr = expr;
            this.props = props;
            Matcher m = TOKEN.matcher(expr);
            int end = 0;
            while (m.find() && m.start() == end) {
                tokens.add(m.group(1));
                end = m.end();
            }
            if (!expr.substring(end).isBlank()) {
                throw new IllegalArgumentException("@requires '" + expr + "': cannot read '" + expr.substring(end) + "'");
            }
        }

        private String peek() {
            return pos < tokens.size() ? tokens.get(pos) : "";
        }

        String or() {
            String v = and();
            while (peek().equals("|")) {
                pos++;
                String w = and();
                v = String.valueOf(Boolean.parseBoolean(v) | Boolean.parseBoolean(w));
            }
            return v;
        }

        private String and() {
            String v = not();
            while (peek().equals("&")) {
                pos++;
                String w = not();
                v = String.valueOf(Boolean.parseBoolean(v) & Boolean.parseBoolean(w));
            }
            return v;
        }

        private String not() {
            if (peek().equals("!")) {
                pos++;
                return String.valueOf(!Boolean.parseBoolean(not()));
            }
            return comparison();
        }

        private String comparison() {
            String left = primary();
            String op = peek();
            if (!Set.of("==", "!=", "<", ">", "<=", ">=").contains(op)) {
                return left;
            }
            pos++;
            String right = primary();
            int c = compare(left, right);
            boolean result = switch (op) {
                case "==" -> c == 0;
                case "!=" -> c != 0;
                case "<" -> c < 0;
                case ">" -> c > 0;
                case "<=" -> c <= 0;
                default -> c >= 0;
            };
            return String.valueOf(result);
        }

        private String primary() {
            String t = peek();
            pos++;
            if (t.equals("(")) {
                String v = or();
                if (!peek().equals(")")) {
                    throw new IllegalArgumentException("@requires '" + expr + "': missing ')'");
                }
                pos++;
                return v;
            }
            if (t.startsWith("\"")) {
                return t.substring(1, t.length() - 1);
            }
            if (t.isEmpty() || !Character.isLetterOrDigit(t.charAt(0))) {
                throw new IllegalArgumentException("@requires '" + expr + "': unexpected '" + t + "'");
            }
            if (Character.isDigit(t.charAt(0)) || t.equals("true") || t.equals("false") || t.equals("null")) {
                return t;
            }
            String v = props.get(t);
            if (v == null && t.startsWith("vm.opt.")) {
                return "null"; // jtreg: set only by VM options given to the whole run, and this runner gives none
            }
            if (v == null) {
                throw new IllegalArgumentException("@requires property " + t + " is unknown to this runner");
            }
            return v;
        }

        private static int compare(String a, String b) {
            if (a.matches("\\d+") && b.matches("\\d+")) {
                return Long.compare(Long.parseLong(a), Long.parseLong(b));
            }
            return a.compareToIgnoreCase(b);
        }
    }
}
