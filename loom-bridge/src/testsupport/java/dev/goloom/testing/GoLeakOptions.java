package dev.goloom.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What a leak check ({@link GoLeaks#verifyNone(GoLeakOptions)}, {@link GoLeaks#find(GoLeakOptions)}) looks at and
 * what it forgives: goleak's options. Immutable: each method returns a new instance, so a shared base can be
 * refined per test.
 *
 * <pre>
 * goleak                          GoLeakOptions
 * IgnoreCurrent()                 ignoreCurrent()            (the extension always applies it, before each test)
 * IgnoreTopFunction(f)            ignoreTopFunctions(f...)
 * IgnoreAnyFunction(f)            ignoreAnyFunctions(f...)
 * (none)                          ignoreNames(regex...), ignoreIds(ids), schedulers(names...)
 * MaxRetries, MaxSleep            settle(duration)           (the total wait; retries back off up to 100 ms apart)
 * </pre>
 *
 * <p><b>Functions</b> are written {@code fully.qualified.Class.method}, nested classes with {@code $}, as
 * {@link StackTraceElement#getClassName()} and {@link StackTraceElement#getMethodName()} give them:
 * {@code com.example.Cache$Evictor.run}, {@code com.example.Main.lambda$main$0}; they must match exactly. A
 * goroutine's <b>top function</b> is its innermost frame of the program's own code: the first frame from the top
 * that belongs neither to the JDK ({@code java.}, {@code javax.}, {@code jdk.}, {@code sun.}, {@code com.sun.}) nor
 * to goloom's own packages (the parking and channel machinery, like the runtime frames Go's tracebacks leave out);
 * for a goroutine that runs only such code (a pool worker waiting for a task), its innermost frame. A goroutine that
 * has not run yet has no frames, so no function option forgives it.
 */
public final class GoLeakOptions {
    /** The default {@link #settle(Duration)}: how long a check waits for new goroutines to end. */
    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(1);

    /** goloom's product packages: their frames are machinery, not a goroutine's top function. */
    private static final Set<String> GOLOOM_PACKAGES = Set.of(
            "dev.goloom.scheduler", "dev.goloom.scheduler.internal", "dev.goloom.scheduler.spi",
            "dev.goloom.loom", "dev.goloom.loom.internal",
            "dev.goloom.channels", "dev.goloom.channels.internal",
            "dev.goloom.select", "dev.goloom.select.internal");

    private static final GoLeakOptions DEFAULTS = new GoLeakOptions(DEFAULT_SETTLE, Set.of(), Set.of(), List.of(),
            Set.of(), Set.of());

    private final Duration settle;
    private final Set<String> schedulers;
    private final Set<Long> ignoredIds;
    private final List<Pattern> ignoredNames;
    private final Set<String> ignoredTopFunctions;
    private final Set<String> ignoredAnyFunctions;

    private GoLeakOptions(Duration settle, Set<String> schedulers, Set<Long> ignoredIds, List<Pattern> ignoredNames,
                          Set<String> ignoredTopFunctions, Set<String> ignoredAnyFunctions) {
        this.settle = settle;
        this.schedulers = schedulers;
        this.ignoredIds = ignoredIds;
        this.ignoredNames = ignoredNames;
        this.ignoredTopFunctions = ignoredTopFunctions;
        this.ignoredAnyFunctions = ignoredAnyFunctions;
    }

    /**
     * Every goloom scheduler, nothing ignored, a settle time of {@link #DEFAULT_SETTLE}. Without
     * {@link #ignoreCurrent()} or {@link #ignoreIds}, every live goroutine is a leak.
     */
    public static GoLeakOptions defaults() {
        return DEFAULTS;
    }

    /**
     * How long {@link GoLeaks#verifyNone(GoLeakOptions)} waits, at most, for the goroutines it finds to end before
     * it reports them: a goroutine that was just released, or joined by another goroutine, still needs a moment to
     * finish. Zero checks once. The wait ends as soon as nothing is left, so a long settle time costs only the
     * tests that leak.
     *
     * @throws NullPointerException     if {@code settle} is null
     * @throws IllegalArgumentException if {@code settle} is negative, naming it ({@code settle: must be >= 0: PT-1S})
     */
    public GoLeakOptions settle(Duration settle) {
        Objects.requireNonNull(settle, "settle");
        if (settle.isNegative()) {
            throw new IllegalArgumentException("settle: must be >= 0: " + settle);
        }
        return new GoLeakOptions(settle, schedulers, ignoredIds, ignoredNames, ignoredTopFunctions,
                ignoredAnyFunctions);
    }

    /**
     * Looks only at the goroutines of the schedulers with these names ({@code GoScheduler.name()}; every live
     * scheduler of that name), instead of every scheduler; adds to the names given before. A name no live scheduler
     * has matches nothing.
     *
     * @throws NullPointerException     if {@code names} or one of them is null
     * @throws IllegalArgumentException if a name is empty
     */
    public GoLeakOptions schedulers(String... names) {
        Set<String> all = new LinkedHashSet<>(schedulers);
        for (String n : Objects.requireNonNull(names, "names")) {
            Objects.requireNonNull(n, "schedulers: a name is null");
            if (n.isEmpty()) {
                throw new IllegalArgumentException("schedulers: a name is empty");
            }
            all.add(n);
        }
        return new GoLeakOptions(settle, Set.copyOf(all), ignoredIds, ignoredNames, ignoredTopFunctions,
                ignoredAnyFunctions);
    }

    /**
     * Forgives the goroutines with these ids ({@code Thread.threadId()}, never reused in a JVM); adds to the ids
     * given before.
     *
     * @throws NullPointerException if {@code ids} or one of them is null
     */
    public GoLeakOptions ignoreIds(Collection<Long> ids) {
        Set<Long> all = new HashSet<>(ignoredIds);
        for (Long id : Objects.requireNonNull(ids, "ids")) {
            all.add(Objects.requireNonNull(id, "ignoreIds: an id is null"));
        }
        return new GoLeakOptions(settle, schedulers, Set.copyOf(all), ignoredNames, ignoredTopFunctions,
                ignoredAnyFunctions);
    }

    /**
     * Forgives every goroutine alive now, on every scheduler ({@link GoLeaks#snapshotIds()}): goleak's
     * {@code IgnoreCurrent()}. Take it before the code under test runs; what is left to find is what that code
     * started and did not end.
     */
    public GoLeakOptions ignoreCurrent() {
        return ignoreIds(GoLeaks.snapshotIds());
    }

    /**
     * Forgives the goroutines whose name matches one of these regular expressions as a whole
     * ({@code Matcher.matches()}); adds to the patterns given before. A goroutine without a name has the empty name.
     *
     * @throws NullPointerException     if {@code regexes} or one of them is null
     * @throws IllegalArgumentException if one is not a regular expression, naming it
     */
    public GoLeakOptions ignoreNames(String... regexes) {
        List<Pattern> all = new ArrayList<>(ignoredNames);
        for (String r : Objects.requireNonNull(regexes, "regexes")) {
            Objects.requireNonNull(r, "ignoreNames: a pattern is null");
            try {
                all.add(Pattern.compile(r));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException("ignoreNames: not a regular expression: \"" + r + "\" ("
                        + e.getDescription() + ")", e);
            }
        }
        return new GoLeakOptions(settle, schedulers, ignoredIds, List.copyOf(all), ignoredTopFunctions,
                ignoredAnyFunctions);
    }

    /**
     * Forgives the goroutines whose top function (see the class comment) is one of these; adds to the functions
     * given before. goleak's {@code IgnoreTopFunction}.
     *
     * @throws NullPointerException     if {@code functions} or one of them is null
     * @throws IllegalArgumentException if one is not of the form {@code Class.method}, naming it
     */
    public GoLeakOptions ignoreTopFunctions(String... functions) {
        return new GoLeakOptions(settle, schedulers, ignoredIds, ignoredNames,
                addFunctions("ignoreTopFunctions", ignoredTopFunctions, functions), ignoredAnyFunctions);
    }

    /**
     * Forgives the goroutines with one of these functions anywhere on their stack; adds to the functions given
     * before. goleak's {@code IgnoreAnyFunction}: for a goroutine whose top function is not its own (a pool's
     * worker: {@code java.util.concurrent.ThreadPoolExecutor.runWorker}).
     *
     * @throws NullPointerException     if {@code functions} or one of them is null
     * @throws IllegalArgumentException if one is not of the form {@code Class.method}, naming it
     */
    public GoLeakOptions ignoreAnyFunctions(String... functions) {
        return new GoLeakOptions(settle, schedulers, ignoredIds, ignoredNames, ignoredTopFunctions,
                addFunctions("ignoreAnyFunctions", ignoredAnyFunctions, functions));
    }

    private static Set<String> addFunctions(String option, Set<String> before, String[] functions) {
        Set<String> all = new LinkedHashSet<>(before);
        for (String f : Objects.requireNonNull(functions, "functions")) {
            Objects.requireNonNull(f, option + ": a function is null");
            int dot = f.lastIndexOf('.');
            if (dot <= 0 || dot == f.length() - 1 || f.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException(option + ": not of the form Class.method: \"" + f + "\"");
            }
            all.add(f);
        }
        return Set.copyOf(all);
    }

    /** The settle time. */
    Duration settleTime() {
        return settle;
    }

    /** True if the goroutines of the scheduler named {@code name} are checked. */
    boolean checksScheduler(String name) {
        return schedulers.isEmpty() || schedulers.contains(name);
    }

    /** True if a goroutine may be forgiven for what its stack shows: a function option is set. */
    boolean looksAtStacks() {
        return !ignoredTopFunctions.isEmpty() || !ignoredAnyFunctions.isEmpty();
    }

    /** True if the goroutine with this id, name and stack (innermost frame first) is forgiven. */
    boolean ignores(long id, String name, List<StackTraceElement> stack) {
        if (ignoredIds.contains(id)) {
            return true;
        }
        for (Pattern p : ignoredNames) {
            if (p.matcher(name).matches()) {
                return true;
            }
        }
        if (stack.isEmpty()) {
            return false;
        }
        if (!ignoredTopFunctions.isEmpty() && ignoredTopFunctions.contains(topFunction(stack))) {
            return true;
        }
        if (!ignoredAnyFunctions.isEmpty()) {
            for (StackTraceElement f : stack) {
                if (ignoredAnyFunctions.contains(function(f))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The top function of a non-empty stack (see the class comment). */
    static String topFunction(List<StackTraceElement> stack) {
        for (StackTraceElement f : stack) {
            if (!isMachinery(f.getClassName())) {
                return function(f);
            }
        }
        return function(stack.get(0));
    }

    private static boolean isMachinery(String className) {
        if (className.startsWith("java.") || className.startsWith("javax.") || className.startsWith("jdk.")
                || className.startsWith("sun.") || className.startsWith("com.sun.")) {
            return true;
        }
        int dot = className.lastIndexOf('.');
        return dot > 0 && GOLOOM_PACKAGES.contains(className.substring(0, dot));
    }

    private static String function(StackTraceElement f) {
        return f.getClassName() + '.' + f.getMethodName();
    }

    @Override
    public String toString() {
        return "GoLeakOptions[settle=" + settle + ", schedulers=" + (schedulers.isEmpty() ? "all" : schedulers)
                + ", ignoredIds=" + ignoredIds.size() + ", ignoreNames=" + ignoredNames + ", ignoreTopFunctions="
                + ignoredTopFunctions + ", ignoreAnyFunctions=" + ignoredAnyFunctions + "]";
    }
}
