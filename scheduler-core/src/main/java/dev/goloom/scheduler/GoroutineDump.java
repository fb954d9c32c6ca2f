package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.TaskSupport;
import dev.goloom.scheduler.spi.WaitClock;
import dev.goloom.scheduler.spi.WaitDescriber;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.StampedLock;

/**
 * Takes goroutine snapshots and prints them in Go's traceback shape: the engine behind {@link Goroutines}. Go:
 * {@code traceback.go}'s {@code goroutineheader} and {@code tracebackothers}.
 *
 * <h2>How a goroutine is read</h2>
 * Nothing is tracked on the scheduling hot path; each goroutine is read when the dump reaches it:
 * <ol>
 *   <li>From the virtual thread: {@code getState()}, {@code LockSupport.getBlocker}, {@code getStackTrace()}; read
 *       again until state and blocker agree before and after the stack (at most {@link #READ_TRIES} times), so
 *       that the three describe one wait.</li>
 *   <li>From the carriers: the M whose {@code curTask} is this thread's continuation (racy reads of a field each
 *       M writes when it starts and ends a task) says it is mounted, and {@code M.syscallTask} says it is inside
 *       {@code Syscall.blocking}.</li>
 *   <li>The wait: a registered {@link WaitDescriber} (channels, select) names reason, start and channels from the
 *       park blocker; else {@link #infer} names the reason from state, blocker and top frames, and the start is
 *       the first dump that saw that wait ({@link G#observed}).</li>
 * </ol>
 * Reading a stack suspends an unmounted virtual thread for the walk (the JDK's {@code getStackTrace}); a runnable
 * one is resubmitted afterwards by the JDK (a spare submission its carrier finds already done), so a dump costs
 * the scheduler one extra {@code execute} per queued goroutine, and nothing for parked ones.
 *
 * <p>Any thread may call these methods, concurrently: the only shared writes are {@link G#observed}, replaced
 * whole.
 */
final class GoroutineDump {
    /** Tries to read a goroutine's state, blocker and stack consistently. */
    static final int READ_TRIES = 3;
    /** Frames looked at, from the top, to infer a wait reason. */
    static final int INFER_DEPTH = 32;

    private GoroutineDump() {
    }

    /** The live goroutines of {@code s} with their records, sorted by id (a weakly consistent copy). */
    static List<G> live(GoScheduler s) {
        List<G> gs = new ArrayList<>(s.goroutineRecords());
        gs.sort(Comparator.comparingLong(G::id));
        return gs;
    }

    /** Every live goroutine of {@code s}, sorted by id (with those that ended meanwhile as DONE). */
    static List<GoroutineInfo> snapshot(GoScheduler s) {
        TaskSupport ts = TaskSupport.get();
        List<G> live = live(s);
        List<GoroutineInfo> out = new ArrayList<>(live.size());
        for (G g : live) {
            Thread t = g.thread();
            if (t != null) { // null: collected (a leak, see LeakReport)
                out.add(inspect(s, t, g, ts));
            }
        }
        return out;
    }

    /**
     * One goroutine of {@code s}'s registry. A goroutine that ended since the registry was copied comes back as
     * {@link GoroutineState#DONE}, with no wait and an empty stack (snapshots keep it, the printed dumps leave it
     * out, as Go's do).
     */
    static GoroutineInfo inspect(GoScheduler s, Thread t, G g, TaskSupport ts) {
        Thread.State st;
        Object blocker;
        StackTraceElement[] stack;
        int tries = 0;
        for (;;) {
            st = t.getState();
            blocker = LockSupport.getBlocker(t);
            stack = t.getStackTrace();
            // An empty stack of a goroutine a carrier is running: read while the carrier was mounting it. Read again.
            boolean mounting = stack.length == 0 && st == Thread.State.RUNNABLE && mountedOn(s, t, ts) != null;
            if ((!mounting && t.getState() == st && LockSupport.getBlocker(t) == blocker) || ++tries == READ_TRIES) {
                break;
            }
        }
        if (st == Thread.State.TERMINATED) {
            return new GoroutineInfo(t.threadId(), t.getName(), s.name(), GoroutineState.DONE, null, -1, false,
                    List.of(), st, null, -1, g.creatorId, g.creatorVirtual, List.of());
        }
        M m = mountedOn(s, t, ts);
        GoroutineState state;
        WaitReason reason = null;
        long since = WaitClock.UNKNOWN;
        List<ChannelRef> channels = List.of();
        if (st == Thread.State.NEW || st == Thread.State.RUNNABLE) {
            Runnable sys = m == null ? null : m.loSyscallTask();
            if (sys != null && ts.threadOf(sys) == t) {
                state = GoroutineState.SYSCALL;
                reason = WaitReason.SYSCALL;
                since = m.syscallSince;
            } else {
                state = m != null ? GoroutineState.RUNNING : GoroutineState.RUNNABLE;
            }
        } else {
            state = GoroutineState.WAITING;
            WaitDescriber.Wait w = WaitDescriber.describeBlocker(blocker);
            if (w != null) {
                reason = w.reason();
                since = w.since();
                channels = w.channels();
            } else {
                reason = infer(st, blocker, stack);
            }
        }
        long now = WaitClock.current();
        long waitMillis = -1;
        boolean observed = false;
        if (reason == null) {
            if (g.observed != null) {
                g.observed = null;
            }
        } else if (since != WaitClock.UNKNOWN && reason.isRecorded()) {
            if (g.observed != null) {
                g.observed = null;
            }
            waitMillis = Math.max(0, now - since);
        } else {
            observed = true;
            int blockerHash = blocker == null ? 0 : System.identityHashCode(blocker);
            int stackHash = Arrays.hashCode(stack);
            G.Observed o = g.observed;
            if (o == null || !o.sameWait(reason, blockerHash, stackHash)) {
                o = new G.Observed(reason, blockerHash, stackHash, now);
                g.observed = o;
            }
            waitMillis = Math.max(0, now - o.since());
        }
        return new GoroutineInfo(t.threadId(), t.getName(), s.name(), state, reason, waitMillis, observed, channels,
                st, blocker == null ? null : Objects.toIdentityString(blocker), m == null ? -1 : m.threadId(),
                g.creatorId, g.creatorVirtual, Arrays.asList(stack));
    }

    /** The carrier of {@code s} running {@code t} right now, or null (racy reads of each M's current task). */
    private static M mountedOn(GoScheduler s, Thread t, TaskSupport ts) {
        for (M m : s.carriers().all()) {
            Runnable task = m.loCurTask();
            if (task != null && ts.threadOf(task) == t) {
                return m;
            }
        }
        return null;
    }

    /**
     * The reason for a wait no describer knows, from the JDK's view of the thread: BLOCKED is a monitor; else the
     * first telling frame from the top, past the JDK's parking plumbing ({@code VirtualThread}, {@code LockSupport},
     * {@code jdk.internal}): {@code Thread.sleep} is sleep, {@code Object.wait} a wait, socket and channel classes
     * ({@code sun.nio.ch}, {@code java.net}, {@code java.nio.channels}) I/O, {@code java.util.concurrent} a lock
     * (if the blocker belongs to a {@link Lock}, {@link ReadWriteLock} or {@link StampedLock}) or else a wait; any
     * other frame (the program's own {@code LockSupport.park}) is a plain park.
     */
    static WaitReason infer(Thread.State st, Object blocker, StackTraceElement[] stack) {
        if (st == Thread.State.BLOCKED) {
            return WaitReason.SYNC_LOCK;
        }
        int n = Math.min(stack.length, INFER_DEPTH);
        for (int i = 0; i < n; i++) {
            String c = stack[i].getClassName();
            String method = stack[i].getMethodName();
            if ((c.equals("java.lang.Thread") && method.startsWith("sleep"))
                    || (c.equals("java.lang.VirtualThread") && method.equals("sleepNanos"))) {
                return WaitReason.SLEEP;
            }
            if (c.equals("java.lang.Object") && method.startsWith("wait")) {
                return WaitReason.SYNC_WAIT;
            }
            if (c.equals("java.lang.VirtualThread") || c.startsWith("java.lang.System$")
                    || c.equals("java.util.concurrent.locks.LockSupport") || c.startsWith("jdk.internal.")) {
                continue; // parking plumbing
            }
            if (c.startsWith("sun.nio.ch.") || c.startsWith("java.net.") || c.startsWith("sun.net.")
                    || c.startsWith("java.nio.channels.")) {
                return WaitReason.IO_WAIT;
            }
            if (c.startsWith("java.util.concurrent.")) {
                return isLock(blocker) ? WaitReason.SYNC_LOCK : WaitReason.SYNC_WAIT;
            }
            break;
        }
        return WaitReason.PARK;
    }

    /** A lock, or the synchronizer inside one ({@code ReentrantLock$NonfairSync} and the like). */
    private static boolean isLock(Object blocker) {
        if (blocker == null) {
            return false;
        }
        if (blocker instanceof Lock || blocker instanceof ReadWriteLock || blocker instanceof StampedLock) {
            return true;
        }
        Class<?> outer = blocker.getClass().getEnclosingClass();
        return outer != null && (Lock.class.isAssignableFrom(outer) || ReadWriteLock.class.isAssignableFrom(outer));
    }

    // ============================================================================================== text form

    /**
     * Go's header line: {@code goroutine 18 "name" [chan receive, 2 minutes]:}. The name (quoted) only if the
     * thread has one; the duration only for waits of known length of at least a second (see {@link Goroutines}).
     */
    static String header(GoroutineInfo gi) {
        StringBuilder b = new StringBuilder(64).append("goroutine ").append(gi.id());
        if (!gi.name().isEmpty()) {
            b.append(" \"").append(gi.name()).append('"');
        }
        b.append(" [").append(gi.waitReason() != null ? gi.waitReason().text() : gi.state().text());
        String d = durationText(gi.waitMillis());
        if (d != null) {
            b.append(", ").append(d);
        }
        return b.append("]:").toString();
    }

    /**
     * Whole minutes from one minute on (Go prints only those), whole seconds from one second on (goloom's
     * addition), nothing below a second or for an unknown start.
     */
    static String durationText(long millis) {
        if (millis < 1_000) {
            return null;
        }
        if (millis < 60_000) {
            long sec = millis / 1_000;
            return sec + (sec == 1 ? " second" : " seconds");
        }
        long min = millis / 60_000;
        return min + (min == 1 ? " minute" : " minutes");
    }

    /**
     * Prints one scheduler's goroutines: its schedtrace line, then a block per goroutine, each printed as soon as
     * it is read (only the list of live threads is held, not every stack).
     */
    static void printText(GoScheduler s, Appendable out) {
        TaskSupport ts = TaskSupport.get();
        try {
            out.append(s.stats().schedtrace()).append('\n');
            for (G g : live(s)) {
                Thread t = g.thread();
                GoroutineInfo gi = t == null ? null : inspect(s, t, g, ts);
                if (gi != null && gi.state() != GoroutineState.DONE) {
                    out.append('\n');
                    printGoroutine(gi, out);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One goroutine: the header, a line per channel it waits on, its frames (Java's form, so that IDEs link them),
     * and Go's {@code created by} line.
     */
    static void printGoroutine(GoroutineInfo gi, Appendable out) throws IOException {
        out.append(header(gi)).append('\n');
        for (ChannelRef c : gi.channels()) {
            out.append("\t- waiting to ").append(c.send() ? "send to " : "receive from ").append(c.description())
                    .append('\n');
        }
        for (StackTraceElement f : gi.stack()) {
            out.append("\tat ").append(f.toString()).append('\n');
        }
        out.append("created by ").append(gi.creatorVirtual() ? "goroutine " : "thread ")
                .append(Long.toString(gi.creatorId())).append('\n');
    }
}
