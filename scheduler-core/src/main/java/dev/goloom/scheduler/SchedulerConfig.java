package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.LocalRunQueue;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static dev.goloom.scheduler.ConfigProperties.parseBooleanProperty;
import static dev.goloom.scheduler.ConfigProperties.parseDurationProperty;
import static dev.goloom.scheduler.ConfigProperties.parseIntProperty;
import static dev.goloom.scheduler.ConfigProperties.parseSeedProperty;

/**
 * The settings of one {@link GoScheduler}, fixed when it is built: what {@link Builder} was given, with the rest
 * resolved from the environment ({@code GOMAXPROCS}) and system properties ({@code -Dgoloom.*}). Every bad value
 * is rejected with an {@link IllegalArgumentException} that names the value and where it came from. (maxProcs can
 * change later, {@link GoScheduler#setMaxProcs}; this object keeps what was configured at build time.)
 *
 * <table class="striped">
 *   <caption>Settings and where their defaults come from</caption>
 *   <thead><tr><th>setting</th><th>builder</th><th>else</th><th>default</th></tr></thead>
 *   <tbody>
 *   <tr><td>maxProcs</td><td>{@link Builder#maxProcs}</td><td>env {@code GOMAXPROCS}, then
 *       {@code -Dgoloom.maxprocs}</td><td>the container's CPU limit rounded as in Go 1.25
 *       ({@code max(2, ceil(quota/period))}, the smallest over the cgroup and its ancestors), if it is below the
 *       number of CPUs the process may use; else available processors. Re-read once a second while the scheduler
 *       runs. {@code -Dgoloom.containermaxprocs=false} ignores the container limit, and
 *       {@code -Dgoloom.updatemaxprocs=false} stops the re-reads (Go: {@code GODEBUG=containermaxprocs=0},
 *       {@code updatemaxprocs=0})</td></tr>
 *   <tr><td>maxThreads</td><td>{@link Builder#maxThreads}</td><td>{@code -Dgoloom.maxThreads}</td><td>256</td></tr>
 *   <tr><td>blockedThreshold</td><td>{@link Builder#blockedThreshold}</td><td>{@code -Dgoloom.blockedThreshold}</td>
 *       <td>10 ms</td></tr>
 *   <tr><td>timeSlice</td><td>{@link Builder#timeSlice}</td><td></td><td>10 ms</td></tr>
 *   <tr><td>keepAlive</td><td>{@link Builder#keepAlive}</td><td></td><td>30 s</td></tr>
 *   <tr><td>latencySampling</td><td>{@link Builder#latencySampling}</td><td>{@code -Dgoloom.latencySampling}</td>
 *       <td>1 in 64</td></tr>
 *   <tr><td>jmx</td><td>{@link Builder#jmx}</td><td>{@code -Dgoloom.jmx}</td><td>true</td></tr>
 *   <tr><td>deadlock</td><td>{@link Builder#deadlock}</td><td>{@code -Dgoloom.deadlock}</td><td>off</td></tr>
 *   <tr><td>deadlockGrace</td><td>{@link Builder#deadlockGrace}</td><td>{@code -Dgoloom.deadlockGrace}</td>
 *       <td>1 s</td></tr>
 *   <tr><td>leakReport</td><td>{@link Builder#leakReport}</td><td>{@code -Dgoloom.leakReport}</td><td>false</td></tr>
 *   <tr><td>leakScanInterval</td><td>{@link Builder#leakScanInterval}</td>
 *       <td>{@code -Dgoloom.leakScanInterval}</td><td>1 s</td></tr>
 *   </tbody>
 * </table>
 */
public final class SchedulerConfig {
    /** Go's {@code _MaxGomaxprocs}. */
    public static final int MAX_PROCS = 1024;
    /** Default bound on carrier threads (Go's is 10,000; goloom's carriers are heavier). */
    static final int DEFAULT_MAX_THREADS = 256;
    /** Default time a carrier may sit in one task before sysmon looks at it (Go: forcePreemptNS). */
    static final Duration DEFAULT_BLOCKED_THRESHOLD = Duration.ofMillis(10);
    /**
     * Test-only: a seed that turns on Go's {@code randomizeScheduler} (runnext puts ignored half the time,
     * spilled batches shuffled, runnext steals on any pass). Read once per scheduler.
     */
    static final String RANDOMIZE_PROPERTY = "goloom.debug.randomizeScheduler";
    /** Default schedule-latency sampling: 1 in this many submissions (JMH: docs in README, "Metrics"). */
    static final int DEFAULT_LATENCY_SAMPLING = 64;
    /** How long a scheduler must have been idle before sysmon looks for a deadlock. */
    static final Duration DEFAULT_DEADLOCK_GRACE = Duration.ofSeconds(1);
    /** How often the leak report looks at the goroutines' waits. */
    static final Duration DEFAULT_LEAK_SCAN_INTERVAL = Duration.ofSeconds(1);

    /** {@link #maxProcsSource()}: {@link Builder#maxProcs}. */
    public static final String SOURCE_BUILDER = "builder";
    /** {@link #maxProcsSource()}: the {@code GOMAXPROCS} environment variable. */
    public static final String SOURCE_ENV = "GOMAXPROCS";
    /** {@link #maxProcsSource()}: the {@code goloom.maxprocs} system property. */
    public static final String SOURCE_PROPERTY = "goloom.maxprocs";
    /** {@link #maxProcsSource()}: the container's (cgroup's) CPU limit, which was below the CPU count. */
    public static final String SOURCE_CGROUP = "cgroup";
    /** {@link #maxProcsSource()}: {@code Runtime.availableProcessors()}. */
    public static final String SOURCE_CPUS = "availableProcessors";
    /** The source {@link GoScheduler#maxProcsSource()} reports after {@link GoScheduler#setMaxProcs}. */
    public static final String SOURCE_SET = "setMaxProcs";
    /** Go: sysmon's {@code lastgomaxprocs+1e9}: how often an automatic maxProcs is read again. */
    static final Duration PROCS_UPDATE_INTERVAL = Duration.ofSeconds(1);

    /** What maxProcs is when nothing configured it, and why (Go: {@code defaultGOMAXPROCS}'s result). */
    record ProcsDefault(int procs, String source) {
    }

    final String name;
    final int procs;
    final String procsSource;
    final long timeSliceNanos;
    final long keepAliveNanos;
    /** Null: print plain tasks' exceptions to stderr (GoScheduler's default). */
    final GoScheduler.TaskExceptionHandler exceptionHandler;
    final int queueCapacity;
    final int maxThreads;
    final long blockedThresholdNanos;
    /** Go's randomizeScheduler, seeded; 0 = off. */
    final long randomizeSeed;
    /** Go's GODEBUG=schedtrace: sysmon prints a line every this many ns; 0 = off. */
    final long schedtraceNanos;
    /** Go's GODEBUG=scheddetail: schedtrace adds a line per P and per carrier. */
    final boolean scheddetail;
    /** Go: defaultGOMAXPROCS. Where an automatic maxProcs comes from, at build time and at each update. */
    final Supplier<ProcsDefault> defaultProcs;
    /** How often sysmon reads an automatic maxProcs again, in ns; 0 = never (Go: GODEBUG=updatemaxprocs=0). */
    final long procsUpdateNanos;
    /** Schedule latency is measured for 1 in this many submissions on average; 0 = off. */
    final int latencySampling;
    /** Register the scheduler's MXBean on build. */
    final boolean jmx;
    /** Go's checkdead: what sysmon does when every goroutine is asleep on channels. */
    final DeadlockMode deadlock;
    /** How long the scheduler must be idle before sysmon looks for a deadlock, in ns. */
    final long deadlockGraceNanos;
    /** Where deadlock reports go; null: {@code System.err}. */
    final Consumer<String> deadlockOutput;
    /** The goroutine leak report is on ({@link LeakReport}). */
    final boolean leakReport;
    /** How often the leak report scans, in ns. */
    final long leakScanIntervalNanos;
    /** Where leak reports go; null: {@code System.err}. */
    final Consumer<String> leakOutput;

    private SchedulerConfig(Builder b) {
        this.name = b.name != null ? b.name : GoScheduler.nextDefaultName();
        this.defaultProcs = b.defaultProcs != null ? b.defaultProcs
                : DefaultMaxProcs.system(parseBooleanProperty("goloom.containermaxprocs", true));
        this.procsUpdateNanos = !parseBooleanProperty("goloom.updatemaxprocs", true) ? 0
                : (b.procsUpdateInterval != null ? b.procsUpdateInterval : PROCS_UPDATE_INTERVAL).toNanos();
        if (b.maxProcs != null) {
            this.procs = b.maxProcs;
            this.procsSource = SOURCE_BUILDER;
        } else {
            String env = System.getenv("GOMAXPROCS");
            String prop = System.getProperty("goloom.maxprocs");
            if (b.defaultProcs == null && ((env != null && !env.isBlank()) || (prop != null && !prop.isBlank()))) {
                this.procs = resolveMaxProcs(env, prop, 1);
                this.procsSource = env != null && !env.isBlank() ? SOURCE_ENV : SOURCE_PROPERTY;
            } else {
                ProcsDefault d = defaultProcs.get();
                this.procs = checkProcs(d.procs(), d.source());
                this.procsSource = d.source();
            }
        }
        this.timeSliceNanos = b.timeSlice.toNanos();
        this.keepAliveNanos = b.keepAlive.toNanos();
        this.exceptionHandler = b.exceptionHandler;
        this.queueCapacity = b.queueCapacity;
        this.maxThreads = b.maxThreads != null ? b.maxThreads
                : parseIntProperty("goloom.maxThreads", DEFAULT_MAX_THREADS, 1, Integer.MAX_VALUE);
        this.blockedThresholdNanos = b.blockedThreshold != null ? b.blockedThreshold.toNanos()
                : parseDurationProperty("goloom.blockedThreshold", DEFAULT_BLOCKED_THRESHOLD).toNanos();
        this.randomizeSeed = b.randomizeSeed != null ? b.randomizeSeed : parseSeedProperty(RANDOMIZE_PROPERTY);
        this.schedtraceNanos = parseIntProperty("goloom.schedtrace", 0, 0, Integer.MAX_VALUE) * 1_000_000L;
        this.scheddetail = parseBooleanProperty("goloom.scheddetail", false);
        this.latencySampling = b.latencySampling != null ? b.latencySampling
                : parseIntProperty("goloom.latencySampling", DEFAULT_LATENCY_SAMPLING, 0, Integer.MAX_VALUE);
        this.jmx = b.jmx != null ? b.jmx : parseBooleanProperty("goloom.jmx", true);
        String mode = System.getProperty("goloom.deadlock");
        this.deadlock = b.deadlock != null ? b.deadlock
                : mode == null || mode.isBlank() ? DeadlockMode.OFF : DeadlockMode.parse(mode, "goloom.deadlock");
        this.deadlockGraceNanos = (b.deadlockGrace != null ? b.deadlockGrace
                : parseDurationProperty("goloom.deadlockGrace", DEFAULT_DEADLOCK_GRACE)).toNanos();
        this.deadlockOutput = b.deadlockOutput;
        this.leakReport = b.leakReport != null ? b.leakReport : parseBooleanProperty("goloom.leakReport", false);
        this.leakScanIntervalNanos = (b.leakScanInterval != null ? b.leakScanInterval
                : parseDurationProperty("goloom.leakScanInterval", DEFAULT_LEAK_SCAN_INTERVAL)).toNanos();
        this.leakOutput = b.leakOutput;
        if (leakReport && jdkTracksAllThreads(System.getProperty("jdk.trackAllThreads"))) {
            throw new IllegalArgumentException("the goroutine leak report (leakReport, goloom.leakReport) needs "
                    + "-Djdk.trackAllThreads=false, got jdk.trackAllThreads="
                    + System.getProperty("jdk.trackAllThreads") + ": the JDK's root thread container otherwise "
                    + "holds every virtual thread, so no leaked goroutine can ever be freed and found");
        }
        if (maxThreads < procs) {
            throw new IllegalArgumentException("maxThreads must be >= maxProcs (" + procs + "), got " + maxThreads);
        }
    }

    /** The scheduler's name (carrier threads are named {@code name-mN}). */
    public String name() {
        return name;
    }

    /**
     * The number of Ps the scheduler was built with (Go: GOMAXPROCS at start). The current number is
     * {@link GoScheduler#maxProcs()}, which {@link GoScheduler#setMaxProcs} and the automatic updates change.
     */
    public int maxProcs() {
        return procs;
    }

    /**
     * Where {@link #maxProcs()} came from: {@link #SOURCE_BUILDER}, {@link #SOURCE_ENV} ({@code "GOMAXPROCS"}),
     * {@link #SOURCE_PROPERTY} ({@code "goloom.maxprocs"}), {@link #SOURCE_CGROUP} or {@link #SOURCE_CPUS}
     * ({@code "availableProcessors"}). The last two are automatic: sysmon reads them again once a second unless
     * {@code -Dgoloom.updatemaxprocs=false}.
     */
    public String maxProcsSource() {
        return procsSource;
    }

    /** True for the sources sysmon re-reads ({@link #SOURCE_CGROUP}, {@link #SOURCE_CPUS}). */
    static boolean isAutomatic(String source) {
        return SOURCE_CGROUP.equals(source) || SOURCE_CPUS.equals(source);
    }

    /** How long a runnext chain may hold a P before other local work gets a turn. */
    public Duration timeSlice() {
        return Duration.ofNanos(timeSliceNanos);
    }

    /** How long an idle carrier waits for work before its thread exits. */
    public Duration keepAlive() {
        return Duration.ofNanos(keepAliveNanos);
    }

    /** The most carrier threads the scheduler may run at once. */
    public int maxThreads() {
        return maxThreads;
    }

    /** How long a carrier may stay in one task before sysmon classifies it as blocked or hogging. */
    public Duration blockedThreshold() {
        return Duration.ofNanos(blockedThresholdNanos);
    }

    /** Schedule latency is measured for 1 in this many task submissions on average; 0 = not measured. */
    public int latencySampling() {
        return latencySampling;
    }

    /** Whether the scheduler registers its MXBean ({@link GoSchedulerMXBean}) when built. */
    public boolean jmx() {
        return jmx;
    }

    /** What sysmon does when every goroutine is asleep on channels ({@link Builder#deadlock}). */
    public DeadlockMode deadlock() {
        return deadlock;
    }

    /** How long the scheduler must be idle before sysmon looks for a deadlock ({@link Builder#deadlockGrace}). */
    public Duration deadlockGrace() {
        return Duration.ofNanos(deadlockGraceNanos);
    }

    /** True if the goroutine leak report is on ({@link Builder#leakReport}). */
    public boolean leakReport() {
        return leakReport;
    }

    /** How often the leak report looks at the goroutines' waits ({@link Builder#leakScanInterval}). */
    public Duration leakScanInterval() {
        return Duration.ofNanos(leakScanIntervalNanos);
    }

    /**
     * The JDK's rule for its root thread container (jdk.internal.vm.ThreadContainers): every virtual thread is
     * tracked, and so held, unless {@code jdk.trackAllThreads} is set to something other than empty or true.
     */
    static boolean jdkTracksAllThreads(String property) {
        return property == null || property.isEmpty() || Boolean.parseBoolean(property);
    }

    @Override
    public String toString() {
        return "SchedulerConfig[name=" + name + ", maxProcs=" + procs + " (from " + procsSource + "), maxThreads="
                + maxThreads + ", timeSlice=" + timeSlice() + ", blockedThreshold=" + blockedThreshold()
                + ", keepAlive=" + keepAlive() + ", latencySampling=" + latencySampling + ", jmx=" + jmx
                + (deadlock != DeadlockMode.OFF ? ", deadlock=" + deadlock.text() + " after " + deadlockGrace() : "")
                + (leakReport ? ", leakReport every " + leakScanInterval() : "")
                + (randomizeSeed != 0 ? ", randomizeScheduler=" + randomizeSeed : "")
                + "]";
    }

    // ============================================================================================== parsing

    /**
     * Resolves maxProcs when the builder was not given one: {@code GOMAXPROCS}, then {@code goloom.maxprocs},
     * then the number of processors. Package-private for tests.
     *
     * @throws IllegalArgumentException naming the source if a set value is not an integer in [1, 1024]
     */
    static int resolveMaxProcs(String env, String property, int cpus) {
        if (env != null && !env.isBlank()) {
            return parseProcs(env, "GOMAXPROCS");
        }
        if (property != null && !property.isBlank()) {
            return parseProcs(property, "goloom.maxprocs");
        }
        return Math.max(1, cpus);
    }

    private static int parseProcs(String value, String source) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("maxProcs must be an integer >= 1, got '" + value + "' (from "
                    + source + ")");
        }
        return checkProcs(n, source);
    }

    /** Checks a maxProcs value: 1 to {@link #MAX_PROCS}, else an IllegalArgumentException naming it and its source. */
    static int checkProcs(int n, String source) {
        if (n < 1) {
            throw new IllegalArgumentException("maxProcs must be >= 1, got " + n + " (from " + source + ")");
        }
        if (n > MAX_PROCS) {
            throw new IllegalArgumentException("maxProcs must be <= " + MAX_PROCS + ", got " + n + " (from "
                    + source + ")");
        }
        return n;
    }

    // =============================================================================================== builder

    /**
     * Configures a {@link GoScheduler}; get one from {@link GoScheduler#builder()}. Every setter validates its
     * argument at once and throws {@link IllegalArgumentException} naming it. Not thread-safe; reusable (each
     * {@link #build()} makes a new scheduler).
     */
    public static final class Builder {
        private String name;
        private Integer maxProcs;
        private Duration timeSlice = Duration.ofMillis(10);
        private Duration keepAlive = Duration.ofSeconds(30);
        private int queueCapacity = LocalRunQueue.DEFAULT_CAPACITY;
        private GoScheduler.TaskExceptionHandler exceptionHandler;
        private Integer maxThreads;
        private Duration blockedThreshold;
        private Long randomizeSeed;
        private Supplier<ProcsDefault> defaultProcs;
        private Duration procsUpdateInterval;
        private Integer latencySampling;
        private Boolean jmx;
        private DeadlockMode deadlock;
        private Duration deadlockGrace;
        private Consumer<String> deadlockOutput;
        private Boolean leakReport;
        private Duration leakScanInterval;
        private Consumer<String> leakOutput;

        Builder() {
        }

        /**
         * The scheduler's name, used in carrier names ({@code name-m1}) and messages. Default {@code goloom-N}.
         *
         * @throws IllegalArgumentException if {@code name} is null or blank
         */
        public Builder name(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("name must be a non-blank string, got " + quote(name));
            }
            this.name = name;
            return this;
        }

        /**
         * The number of Ps (Go: GOMAXPROCS), 1 to 1024. Default: {@code GOMAXPROCS} env, then
         * {@code -Dgoloom.maxprocs}, then the container's CPU limit or the processor count (see the class
         * comment). A value set here (or by {@code GOMAXPROCS} or {@code -Dgoloom.maxprocs}) is never changed by
         * the automatic updates; {@link GoScheduler#setMaxProcs} can still change it.
         *
         * @throws IllegalArgumentException if {@code maxProcs} is outside [1, 1024]
         */
        public Builder maxProcs(int maxProcs) {
            this.maxProcs = checkProcs(maxProcs, "maxProcs(int)");
            return this;
        }

        /**
         * How long a runnext chain may hold a P before other local work gets a turn (Go: forcePreemptNS).
         * Default 10 ms.
         *
         * @throws IllegalArgumentException if {@code timeSlice} is null or under 100 microseconds
         */
        public Builder timeSlice(Duration timeSlice) {
            if (timeSlice == null || timeSlice.compareTo(Duration.ofNanos(100_000)) < 0) {
                throw new IllegalArgumentException("timeSlice must be >= 100us, got " + timeSlice);
            }
            this.timeSlice = timeSlice;
            return this;
        }

        /**
         * How long an idle carrier waits for work before its thread exits. Default 30 s.
         *
         * @throws IllegalArgumentException if {@code keepAlive} is null or under 1 ms
         */
        public Builder keepAlive(Duration keepAlive) {
            atLeastOneMilli(keepAlive, "keepAlive");
            this.keepAlive = keepAlive;
            return this;
        }

        /**
         * The most carrier threads the scheduler may run at once, counting carriers blocked outside goloom's
         * control (sysmon adds carriers when others block). At the bound it logs one warning and stops adding.
         * Default 256, or {@code -Dgoloom.maxThreads}. {@link #build()} checks it is at least maxProcs.
         *
         * @throws IllegalArgumentException if {@code maxThreads} is under 1
         */
        public Builder maxThreads(int maxThreads) {
            if (maxThreads < 1) {
                throw new IllegalArgumentException("maxThreads must be >= 1, got " + maxThreads);
            }
            this.maxThreads = maxThreads;
            return this;
        }

        /**
         * How long a carrier may stay in one task before sysmon decides it is blocked (then its token goes to
         * another carrier) or hogging the CPU (then the goroutine is asked to yield, and its token moves if work
         * waits). Default 10 ms, or {@code -Dgoloom.blockedThreshold} (e.g. {@code 10ms}, {@code 500us},
         * {@code 1s}).
         *
         * @throws IllegalArgumentException if {@code threshold} is null or under 1 ms
         */
        public Builder blockedThreshold(Duration threshold) {
            atLeastOneMilli(threshold, "blockedThreshold");
            this.blockedThreshold = threshold;
            return this;
        }

        /**
         * Measure the schedule latency ({@link SchedulerMetrics#scheduleLatency()}) of 1 in {@code everyN} task
         * submissions on average: 1 measures every task (two clock reads each), 0 none. Default 64, or
         * {@code -Dgoloom.latencySampling}.
         *
         * @throws IllegalArgumentException if {@code everyN} is negative
         */
        public Builder latencySampling(int everyN) {
            if (everyN < 0) {
                throw new IllegalArgumentException("latencySampling must be >= 0, got " + everyN);
            }
            this.latencySampling = everyN;
            return this;
        }

        /**
         * Register the scheduler's MXBean ({@link GoSchedulerMXBean}, {@code dev.goloom:type=Scheduler,name=...})
         * with the platform MBean server when it is built, and unregister it when the scheduler terminates.
         * Default true, or {@code -Dgoloom.jmx=false}.
         */
        public Builder jmx(boolean register) {
            this.jmx = register;
            return this;
        }

        /**
         * Go's {@code fatal error: all goroutines are asleep - deadlock!} (Go: {@code checkdead}): what sysmon does
         * when this scheduler's goroutines are all asleep on goloom channels. Default {@link DeadlockMode#OFF}, or
         * {@code -Dgoloom.deadlock=off|warn|fail}.
         *
         * <p>A deadlock: the scheduler has been idle for the {@linkplain #deadlockGrace grace period} (no goroutine
         * ran, every run token free, nothing queued, no timer fired), no timer is pending on it, it has at least one
         * live goroutine, and every live goroutine is parked in an untimed channel {@code send}, {@code recv} or
         * {@code select} (Go's wait reasons {@code chan send}, {@code chan receive}, {@code select},
         * {@code select (no cases)}). Then, once per deadlock:
         * <ul>
         *   <li>{@link DeadlockMode#WARN}: the line {@code all goroutines are asleep - deadlock! (scheduler <name>)}
         *       and the scheduler's goroutine dump ({@link Goroutines#dump(GoScheduler)}) go to standard error (or
         *       to {@link #deadlockOutput}).</li>
         *   <li>{@link DeadlockMode#FAIL}: the same, then sysmon looks again and, if nothing changed, makes each of
         *       those blocked operations throw {@code dev.goloom.channels.DeadlockException}, whose message starts
         *       with {@code all goroutines are asleep - deadlock!} and names the scheduler and the operation. A
         *       withdrawn operation has transferred nothing: the channels stay as if it had never begun.</li>
         * </ul>
         *
         * <p>Limits. The check sees this scheduler only. A platform thread, or a goroutine of another scheduler,
         * may still be about to send to or receive from these goroutines' channels, or close them: to goloom they
         * look deadlocked all the same, so {@code WARN} is always safe and {@code FAIL} can be wrong for programs
         * that use goloom channels across schedulers or with platform threads. A goroutine blocked on anything
         * else (a lock, a latch, {@code Object.wait}, a socket, {@code sleep}, a timed channel operation or
         * {@code select}, a syscall) counts as live, and then the check stays quiet, even if that wait can never
         * end. Timers count as live, as in Go: a pending {@code Chans.after}, ticker or timed wait of this
         * scheduler's. A channel timer armed by a thread outside goloom runs on goloom's shared timer thread,
         * which the check does not see.
         *
         * <p>Cost: none on the scheduling and channel paths; sysmon looks only once the scheduler has been idle for
         * the grace period, once per idle spell (reading each goroutine's state and park blocker, stopping at the
         * first live one), and prints a dump only for a deadlock. With it off, sysmon does nothing at all.
         *
         * @throws NullPointerException if {@code mode} is null
         */
        public Builder deadlock(DeadlockMode mode) {
            this.deadlock = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * How long the scheduler must have been idle (no goroutine ran) before sysmon looks for a deadlock; a
         * shorter standstill is never reported. A scheduler found deadlocked is reported within about one more
         * sysmon round (at most 10 ms) plus the time to take the dump. Default 1 s, or
         * {@code -Dgoloom.deadlockGrace} (e.g. {@code 500ms}, {@code 2s}).
         *
         * @throws IllegalArgumentException if {@code grace} is null or under 1 ms
         */
        public Builder deadlockGrace(Duration grace) {
            atLeastOneMilli(grace, "deadlockGrace");
            this.deadlockGrace = grace;
            return this;
        }

        /**
         * Where deadlock reports go (see {@link #deadlock}): each report, the header line and the goroutine dump,
         * is passed whole, as one string ending in a line break, on the scheduler's sysmon thread. Default: printed
         * to {@code System.err}. The consumer must not block for long: sysmon waits for it. Whatever it throws is
         * logged once through {@code System.Logger} "dev.goloom.scheduler" and otherwise ignored.
         *
         * @throws NullPointerException if {@code output} is null
         */
        public Builder deadlockOutput(Consumer<String> output) {
            this.deadlockOutput = Objects.requireNonNull(output, "output");
            return this;
        }

        /**
         * The goroutine leak report (Go 1.26's {@code goroutineleak} profile): reports each goroutine of this
         * scheduler that can never run again because nothing reachable can wake it (it waits on a channel, lock,
         * latch or condition that no live code refers to any more). The garbage collector finds them: on this
         * scheduler goloom holds its goroutines weakly, so such a goroutine is freed with what it waits on, and
         * goloom reports it, with the wait reason, channels and stack a scan took while it waited, to
         * {@link #leakOutput} and in {@link Goroutines#leaked}. A leaked goroutine no longer counts as live: a
         * shut-down scheduler whose remaining goroutines all leaked terminates. Default false, or
         * {@code -Dgoloom.leakReport=true}.
         *
         * <p>Needs {@code -Djdk.trackAllThreads=false} (the JDK otherwise holds every virtual thread started with
         * the {@code Thread} API): {@link #build()} throws {@code IllegalArgumentException} naming the flag without
         * it. The JDK's own thread dumps ({@code jcmd Thread.dump_to_file}) then list only threads in executors and
         * structured scopes; goloom's dumps still list every goroutine. A goroutine held by anything reachable (its
         * {@code Thread} object kept in a list, a {@code newThreadPerTaskExecutor} that is still open, a channel a
         * live goroutine can still reach) is not a leak and is never reported: Go's rule too. The report comes when
         * the collector runs, not when the goroutine blocks.
         *
         * <p>Cost while on: a weak reference (about 32 bytes) per goroutine start, processed by the collector;
         * every scan interval, one thread reads each goroutine's state and park blocker, and takes a stack once
         * per wait that lasts a whole interval. With it off nothing is added.
         */
        public Builder leakReport(boolean on) {
            this.leakReport = on;
            return this;
        }

        /**
         * How often the leak report looks at the goroutines' waits to take the records it reports with (see
         * {@link #leakReport}); a goroutine is recorded once it has been in the same wait for a whole interval.
         * At least 1 ms; default 1 s, or {@code -Dgoloom.leakScanInterval} (e.g. {@code 200ms}).
         *
         * @throws IllegalArgumentException if {@code interval} is null or shorter than 1 ms
         */
        public Builder leakScanInterval(Duration interval) {
            atLeastOneMilli(interval, "leakScanInterval");
            this.leakScanInterval = interval;
            return this;
        }

        /**
         * Where leak reports go (see {@link #leakReport}): each report, one line saying which goroutine leaked and
         * its traceback, is passed whole, ending in a line break, on the shared {@code goloom-leaks} thread.
         * Default: printed to {@code System.err}. The consumer must not block for long. What it throws is logged
         * once through {@code System.Logger} "dev.goloom.scheduler" and otherwise ignored.
         *
         * @throws NullPointerException if {@code output} is null
         */
        public Builder leakOutput(Consumer<String> output) {
            this.leakOutput = Objects.requireNonNull(output, "output");
            return this;
        }

        /**
         * Receives exceptions thrown by plain tasks. Default: print the task and stack trace to stderr.
         *
         * @throws NullPointerException if {@code handler} is null
         */
        public Builder uncaughtExceptionHandler(GoScheduler.TaskExceptionHandler handler) {
            this.exceptionHandler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        /** Local run queue capacity, a power of two (256 = Go's). Package-private: tests use small rings. */
        Builder queueCapacity(int capacity) {
            if (capacity < 2 || Integer.bitCount(capacity) != 1) {
                throw new IllegalArgumentException("queueCapacity must be a power of two >= 2, got " + capacity);
            }
            this.queueCapacity = capacity;
            return this;
        }

        /** Test-only: Go's randomizeScheduler with this seed (see {@code -Dgoloom.debug.randomizeScheduler}). */
        Builder randomizeScheduler(long seed) {
            if (seed == 0) {
                throw new IllegalArgumentException("randomizeScheduler seed must be non-zero, got 0");
            }
            this.randomizeSeed = seed;
            return this;
        }

        /**
         * Test-only: where an automatic maxProcs comes from (instead of the CPU count and the container limit;
         * {@code GOMAXPROCS} and {@code -Dgoloom.maxprocs} are then ignored), and how often sysmon reads it again.
         */
        Builder defaultMaxProcs(Supplier<ProcsDefault> source, Duration updateInterval) {
            atLeastOneMilli(updateInterval, "updateInterval");
            this.defaultProcs = Objects.requireNonNull(source, "source");
            this.procsUpdateInterval = updateInterval;
            return this;
        }

        /**
         * Builds the scheduler. No carrier thread starts until the first task arrives.
         *
         * If JMX registration is on ({@link #jmx}) and fails for a reason other than the name, the scheduler still
         * works; the failure is logged once through {@code System.Logger} "dev.goloom.scheduler".
         *
         * @throws IllegalArgumentException if maxProcs was not set and {@code GOMAXPROCS} or
         *                                  {@code goloom.maxprocs} holds a bad value, if a {@code goloom.*}
         *                                  property holds a bad value, or if maxThreads &lt; maxProcs
         */
        public GoScheduler build() {
            return GoScheduler.create(new SchedulerConfig(this));
        }

        /** Rejects a null or sub-millisecond {@code d}, naming the setting {@code name} and the value. */
        private static void atLeastOneMilli(Duration d, String name) {
            if (d == null || d.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException(name + " must be >= 1ms, got " + d);
            }
        }

        private static String quote(String s) {
            return s == null ? "null" : "'" + s + "'";
        }
    }
}
