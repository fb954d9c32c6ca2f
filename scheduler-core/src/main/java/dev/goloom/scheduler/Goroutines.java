package dev.goloom.scheduler;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Goroutine dumps: every live goroutine of every goloom scheduler (or of one), with its state, what it waits on and
 * for how long, and its stack. Go: the traceback a Go program prints on {@code SIGQUIT} or
 * {@code runtime.Stack(buf, true)}; Java: {@code jcmd <pid> Thread.dump_to_file}, with wait reasons and durations.
 *
 * <h2>Text form</h2>
 * Go's traceback shape, one block per goroutine sorted by id, after each scheduler's {@code schedtrace} line:
 * <pre>
 * SCHED app: gomaxprocs=2 idleprocs=2 threads=3 spinningthreads=0 idlethreads=1 runqueue=0 [0 0]
 *
 * goroutine 31 "consumer" [chan receive, 2 minutes]:
 * 	- waiting to receive from Chan#7[cap=0]
 * 	at dev.goloom.channels.Chan.await(Chan.java:519)
 * 	at dev.goloom.channels.Chan.recv(Chan.java:239)
 * 	at com.example.Consumer.run(Consumer.java:12)
 * 	at java.base/java.lang.VirtualThread.run(VirtualThread.java:466)
 * created by goroutine 1
 * </pre>
 * <ul>
 *   <li>The header: {@code goroutine <id>}, the thread's name in quotes if it has one, then in brackets the
 *       {@link WaitReason} of a waiting goroutine, or {@code running}, {@code runnable}, {@code syscall}.</li>
 *   <li>The wait's length, for waiting and syscall goroutines: whole minutes from one minute on, as Go prints it
 *       ({@code 2 minutes}); whole seconds from one second to a minute ({@code 12 seconds}; Go prints nothing
 *       there, but Java programs are often debugged within the first minute); nothing below a second. The JSON form
 *       has the milliseconds.</li>
 *   <li>A line per channel waited on (one per enabled case of a {@code select}); frames in Java's
 *       {@code at ...} form, so that IDEs link them; {@code created by goroutine <id>} (or {@code thread <id>}
 *       for a platform thread) where Go names the {@code go} statement's function.</li>
 * </ul>
 *
 * <h2>JSON form</h2>
 * The JDK 25 {@code Thread.dump_to_file -format=json} schema, one thread container per scheduler, with goloom's
 * fields added; see {@code dumpJson} and the field list in the package's {@code DumpJson}:
 * {@code "waitReason"}, {@code "waitMillis"}, {@code "waitSince"}, {@code "channels"}, {@code "scheduler"},
 * {@code "goroutineState"}.
 *
 * <h2>What is exact and what is inferred</h2>
 * States are read from the carriers and {@code Thread.getState()} when the dump is taken ({@link GoroutineState}).
 * Channel, select and syscall waits are recorded by goloom when they begin, with their start time (at most about
 * 10 ms early or late) and channels; the other reasons (sleep, locks, conditions, I/O, park) are inferred from the
 * thread's blocker and top frames, and their length counts from the first dump that saw that same wait
 * ({@link WaitReason}, {@link GoroutineInfo#waitObserved()}). A snapshot is not atomic: goroutines run on while it
 * is taken, each goroutine's parts are read close together, and one started or ended meanwhile may be in it or not.
 *
 * <h2>Cost</h2>
 * Nothing on the scheduling hot path: a channel or select wait fills in three fields of the waiter it allocates
 * anyway. A dump reads each goroutine's stack (a handshake with the carrier for a running one; for a queued one, a
 * spare resubmission by the JDK), so it takes time in proportion to the goroutines and their stack depths: for
 * occasional diagnosis, not for polling.
 *
 * <p>Which schedulers: every {@link GoScheduler} from when it is built until it terminates. Which goroutines: the
 * live ones ({@link GoScheduler#goroutines()}): system goroutines (the JDK's socket pollers) and plain tasks are
 * left out.
 *
 * <p>Thread-safe; any thread may dump, including a goroutine (it then shows itself as running). Dumping does not
 * react to interrupts. A {@code PrintStream} that fails keeps its error flag ({@code checkError()}), as usual.
 */
public final class Goroutines {
    private static final AtomicLong SEQ = new AtomicLong();
    /** Live schedulers, with their creation order. */
    private static final Map<GoScheduler, Long> SCHEDULERS = new ConcurrentHashMap<>();

    private Goroutines() {
    }

    /** Called by every new scheduler. */
    static void register(GoScheduler s) {
        SCHEDULERS.put(s, SEQ.incrementAndGet());
    }

    /** Called once a scheduler has terminated. */
    static void unregister(GoScheduler s) {
        SCHEDULERS.remove(s);
    }

    /** The schedulers built and not yet terminated, oldest first. */
    public static List<GoScheduler> schedulers() {
        List<Map.Entry<GoScheduler, Long>> es = new ArrayList<>(SCHEDULERS.entrySet());
        es.sort(Map.Entry.comparingByValue());
        List<GoScheduler> out = new ArrayList<>(es.size());
        for (Map.Entry<GoScheduler, Long> e : es) {
            out.add(e.getKey());
        }
        return out;
    }

    /**
     * Every live goroutine of every scheduler, grouped by scheduler (oldest first), each group sorted by id. A
     * goroutine that ends while the snapshot is taken may be listed as {@link GoroutineState#DONE}.
     */
    public static List<GoroutineInfo> snapshot() {
        List<GoroutineInfo> out = new ArrayList<>();
        for (GoScheduler s : schedulers()) {
            out.addAll(GoroutineDump.snapshot(s));
        }
        return out;
    }

    /**
     * The live goroutines of {@code scheduler}, sorted by id (one that ends meanwhile may be listed as
     * {@link GoroutineState#DONE}).
     *
     * @throws NullPointerException if {@code scheduler} is null
     */
    public static List<GoroutineInfo> snapshot(GoScheduler scheduler) {
        return GoroutineDump.snapshot(Objects.requireNonNull(scheduler, "scheduler"));
    }

    /**
     * The goroutines of {@code scheduler} that leaked, oldest first (at most the last 1,000): each was blocked on
     * something nothing reachable could wake any more (a channel, a lock, a latch no live code refers to), and the
     * garbage collector freed it with what it waited on. Go 1.26's {@code goroutineleak} profile. Each is as the
     * leak report last saw it waiting: wait reason, channels, wait time (up to when it was reported) and stack; a
     * goroutine freed before a scan saw it waiting has only its id, name and creator. Empty unless the scheduler
     * was built with {@link SchedulerConfig.Builder#leakReport} on.
     *
     * @throws NullPointerException if {@code scheduler} is null
     */
    public static List<GoroutineInfo> leaked(GoScheduler scheduler) {
        LeakReport r = Objects.requireNonNull(scheduler, "scheduler").leakReport();
        return r == null ? List.of() : r.leaked();
    }

    /** The text dump of every scheduler (see the class comment), schedulers separated by a blank line. */
    public static String dump() {
        StringBuilder b = new StringBuilder(4096);
        text(schedulers(), b);
        return b.toString();
    }

    /**
     * Prints {@link #dump()} to {@code out}, goroutine by goroutine (a dump of many goroutines is never held whole
     * in memory).
     *
     * @throws NullPointerException if {@code out} is null
     */
    public static void dump(PrintStream out) {
        Objects.requireNonNull(out, "out");
        text(schedulers(), out);
        out.flush();
    }

    /**
     * The text dump of one scheduler. JMX calls this per scheduler.
     *
     * @throws NullPointerException if {@code scheduler} is null
     */
    public static String dump(GoScheduler scheduler) {
        StringBuilder b = new StringBuilder(4096);
        text(List.of(Objects.requireNonNull(scheduler, "scheduler")), b);
        return b.toString();
    }

    /**
     * Prints {@link #dump(GoScheduler)} to {@code out}.
     *
     * @throws NullPointerException if {@code scheduler} or {@code out} is null
     */
    public static void dump(GoScheduler scheduler, PrintStream out) {
        Objects.requireNonNull(out, "out");
        text(List.of(Objects.requireNonNull(scheduler, "scheduler")), out);
        out.flush();
    }

    /** The JSON dump of every scheduler (see the class comment). */
    public static String dumpJson() {
        StringBuilder b = new StringBuilder(4096);
        json(schedulers(), b);
        return b.toString();
    }

    /**
     * Prints {@link #dumpJson()} to {@code out}.
     *
     * @throws NullPointerException if {@code out} is null
     */
    public static void dumpJson(PrintStream out) {
        Objects.requireNonNull(out, "out");
        json(schedulers(), out);
        out.flush();
    }

    /**
     * The JSON dump of one scheduler (one thread container). JMX calls this per scheduler.
     *
     * @throws NullPointerException if {@code scheduler} is null
     */
    public static String dumpJson(GoScheduler scheduler) {
        StringBuilder b = new StringBuilder(4096);
        json(List.of(Objects.requireNonNull(scheduler, "scheduler")), b);
        return b.toString();
    }

    /**
     * Prints {@link #dumpJson(GoScheduler)} to {@code out}.
     *
     * @throws NullPointerException if {@code scheduler} or {@code out} is null
     */
    public static void dumpJson(GoScheduler scheduler, PrintStream out) {
        Objects.requireNonNull(out, "out");
        json(List.of(Objects.requireNonNull(scheduler, "scheduler")), out);
        out.flush();
    }

    private static void text(List<GoScheduler> ss, Appendable out) {
        for (int i = 0; i < ss.size(); i++) {
            if (i > 0) {
                try {
                    out.append('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            GoroutineDump.printText(ss.get(i), out);
        }
    }

    private static void json(List<GoScheduler> ss, Appendable out) {
        DumpJson.print(ss, out);
    }
}
