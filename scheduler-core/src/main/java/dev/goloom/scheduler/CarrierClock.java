package dev.goloom.scheduler;

import java.io.FileInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What sysmon asks about a carrier stuck in one task: how much CPU it used, and whether the kernel sees it runnable
 * right now. Together they tell the three cases apart: busy (it used the CPU), blocked (little CPU, and asleep in
 * the kernel: file I/O, a native call, a pinned park) and descheduled (little CPU, but runnable: other processes
 * hold the cores). Only a blocked carrier should lose its run token for being slow; a descheduled one would gain
 * nothing from a second carrier, which would only add a runnable thread to an overloaded machine.
 *
 * <p>CPU time comes from {@link ThreadMXBean#getThreadCpuTime} (the kernel's per-thread clock, up to date when read).
 * The run state comes from the third field of {@code /proc/self/task/<tid>/stat} ({@code R} running or runnable);
 * the kernel's schedstat run-queue time is no use here, because it is only updated when a waiting thread finally
 * gets a CPU. A look at the run state is a snapshot, so sysmon also counts the carrier's involuntary context
 * switches over its CPU window ({@code nonvoluntary_ctxt_switches} in {@code /proc/self/task/<tid>/status}): a
 * thread that sleeps in the kernel for the whole window is never preempted, while a descheduled one is preempted
 * again and again, and may still be caught asleep at a safepoint, which a loaded machine stretches. Where there is
 * no {@code /proc} (not Linux) both are unknown, and little CPU reads as blocked, as it did before this distinction
 * existed.
 *
 * <p>Threading: {@link #currentTid()} is called by each carrier on itself; the others by the sysmon thread only
 * (one reused buffer). The {@code /proc} read allocates a file stream, but runs only for a carrier that has been in
 * one task for the blocked threshold (10 ms by default) and used little CPU, never on sysmon's steady-state loop.
 */
final class CarrierClock {
    /** {@link #runState} results. */
    static final int UNKNOWN = -1;
    static final int NOT_RUNNABLE = 0;
    static final int RUNNABLE = 1;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");

    /** Sysmon-only scratch for the start of a stat line: "tid (comm) S ...", comm at most 16 bytes. */
    private final byte[] buf = new byte[80];
    /** Sysmon-only scratch for a whole status file (about 1.5 KB on Linux 6). */
    private final byte[] statusBuf = new byte[4096];
    private static final byte[] NONVOLUNTARY = "\nnonvoluntary_ctxt_switches:".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] VOLUNTARY = "\nvoluntary_ctxt_switches:".getBytes(
            java.nio.charset.StandardCharsets.US_ASCII);
    /** Both context-switch counts unknown (no {@code /proc}, or the read failed). */
    static final Switches UNKNOWN_SWITCHES = new Switches(-1, -1);

    /**
     * A carrier's context switches from one read of its {@code /proc} status: {@code voluntary} counts the times it
     * went to sleep in the kernel, {@code involuntary} the times the kernel preempted it. -1 where unknown.
     */
    record Switches(long voluntary, long involuntary) {
    }

    /**
     * The kernel's id of the calling thread, from {@code /proc/thread-self} ({@code <pid>/task/<tid>}), or -1 where
     * there is no such link (not Linux).
     */
    static int currentTid() {
        try {
            Path link = Files.readSymbolicLink(THREAD_SELF);
            return Integer.parseInt(link.getFileName().toString());
        } catch (IOException | UnsupportedOperationException | NumberFormatException | SecurityException e) {
            return -1;
        }
    }

    /** CPU time of carrier {@code m} in ns, or -1 if the JVM cannot tell. Any thread. */
    static long cpuTime(M m) {
        try {
            return THREADS.getThreadCpuTime(m.threadId());
        } catch (UnsupportedOperationException e) {
            return -1;
        }
    }

    /**
     * Whether the kernel has carrier {@code m} running or runnable right now: {@link #RUNNABLE},
     * {@link #NOT_RUNNABLE} (sleeping, in uninterruptible I/O, stopped) or {@link #UNKNOWN}. Sysmon thread only.
     */
    int runState(M m) {
        int tid = m.tid;
        if (tid <= 0) {
            return UNKNOWN;
        }
        int n;
        try (FileInputStream in = new FileInputStream("/proc/self/task/" + tid + "/stat")) {
            n = in.read(buf);
        } catch (IOException | SecurityException e) {
            return UNKNOWN;
        }
        // The state is the first non-blank after the last ')' (comm may itself hold spaces and parentheses).
        int close = -1;
        for (int i = 0; i < n; i++) {
            if (buf[i] == ')') {
                close = i;
            }
        }
        if (close < 0 || close + 2 >= n) {
            return UNKNOWN;
        }
        return buf[close + 2] == 'R' ? RUNNABLE : NOT_RUNNABLE;
    }

    /**
     * Carrier {@code m}'s context switches ({@code voluntary_ctxt_switches} and {@code nonvoluntary_ctxt_switches}
     * of its {@code /proc} status, read once), or {@link #UNKNOWN_SWITCHES}. Sysmon thread only.
     */
    Switches readSwitches(M m) {
        int tid = m.tid;
        if (tid <= 0) {
            return UNKNOWN_SWITCHES;
        }
        int n = 0;
        try (FileInputStream in = new FileInputStream("/proc/self/task/" + tid + "/status")) {
            for (int r; n < statusBuf.length && (r = in.read(statusBuf, n, statusBuf.length - n)) > 0; ) {
                n += r;
            }
        } catch (IOException | SecurityException e) {
            return UNKNOWN_SWITCHES;
        }
        return new Switches(parseCount(statusBuf, n, VOLUNTARY), parseCount(statusBuf, n, NONVOLUNTARY));
    }

    /** The decimal number after {@code key} in {@code b[0, n)}, or -1 if {@code key} or the number is missing. */
    static long parseCount(byte[] b, int n, byte[] key) {
        outer:
        for (int i = 0; i + key.length <= n; i++) {
            for (int k = 0; k < key.length; k++) {
                if (b[i + k] != key[k]) {
                    continue outer;
                }
            }
            int j = i + key.length;
            while (j < n && (b[j] == ' ' || b[j] == '\t')) {
                j++;
            }
            long v = 0;
            int digits = 0;
            for (; j < n && b[j] >= '0' && b[j] <= '9'; j++, digits++) {
                v = v * 10 + (b[j] - '0');
            }
            return digits == 0 ? -1 : v;
        }
        return -1;
    }
}
