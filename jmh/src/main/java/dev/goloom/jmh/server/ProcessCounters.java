package dev.goloom.jmh.server;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Context switches and CPU time of this JVM process, the server's side of a load round.
 *
 * <p>Context switches come from {@code /proc/self/task/<tid>/status} ({@code voluntary_ctxt_switches} and
 * {@code nonvoluntary_ctxt_switches}), summed over the process's threads: the process-level
 * {@code /proc/self/status} counts only the main thread. A thread that starts during a round counts from zero; one
 * that exits during a round loses what it did in the round (carriers and pool threads live for 30 s or more after
 * their last task, so in a round of a few seconds this is rare). Without {@code /proc} (not Linux) the counts are
 * absent and reported as such.
 */
public final class ProcessCounters {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final com.sun.management.OperatingSystemMXBean OS =
            ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class);

    private ProcessCounters() {
    }

    /** True if this machine has {@code /proc/self/task} (Linux). */
    public static boolean available() {
        return Files.isDirectory(TASKS);
    }

    /**
     * The counters at one instant.
     *
     * @param nanoTime  {@link System#nanoTime()} when taken
     * @param cpuNanos  CPU time of the whole process (all threads, JIT and GC included)
     * @param perThread thread id to {voluntary, nonvoluntary} context switches; empty without {@code /proc}
     * @param names     thread id to the kernel's name of the thread (its first 15 characters)
     */
    public record Snapshot(long nanoTime, long cpuNanos, Map<Long, long[]> perThread, Map<Long, String> names) {
    }

    /**
     * What happened between two snapshots.
     *
     * @param seconds     wall time between them
     * @param voluntary   voluntary context switches (a thread blocked: park, futex wait, epoll_wait, socket read)
     * @param involuntary involuntary ones (the kernel preempted a runnable thread)
     * @param cpuNanos    process CPU time used
     * @param available   false if there was no {@code /proc} to read (the switch counts are then 0)
     * @param byGroup     {voluntary, nonvoluntary} per group of threads: the kernel's thread name with its digits
     *                    replaced by {@code #} (so {@code goloom-jetty-m3} and {@code -m7} count together)
     */
    public record Delta(double seconds, long voluntary, long involuntary, long cpuNanos, boolean available,
                        Map<String, long[]> byGroup) {
        /** All context switches. */
        public long switches() {
            return voluntary + involuntary;
        }

        /** Context switches per second of wall time, or NaN without {@code /proc}. */
        public double switchesPerSecond() {
            return available && seconds > 0 ? switches() / seconds : Double.NaN;
        }

        /** The {@code n} thread groups with the most context switches, as one line. */
        public String topGroups(int n) {
            StringBuilder b = new StringBuilder();
            byGroup.entrySet().stream()
                    .sorted((x, y) -> Long.compare(y.getValue()[0] + y.getValue()[1], x.getValue()[0] + x.getValue()[1]))
                    .limit(n)
                    .forEach(e -> b.append(b.isEmpty() ? "" : ", ").append(e.getKey()).append(' ')
                            .append(String.format(java.util.Locale.ROOT, "%,d/%,d", e.getValue()[0], e.getValue()[1])));
            return b.toString();
        }

        /** Cores kept busy by the process on average. */
        public double coresBusy() {
            return seconds > 0 ? cpuNanos / 1e9 / seconds : Double.NaN;
        }
    }

    /** Reads the counters now. */
    public static Snapshot take() {
        Map<Long, long[]> threads = new HashMap<>();
        Map<Long, String> names = new HashMap<>();
        if (available()) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
                for (Path task : tasks) {
                    String[] name = new String[1];
                    long[] counts = switches(task.resolve("status"), name);
                    if (counts != null) {
                        long tid = Long.parseLong(task.getFileName().toString());
                        threads.put(tid, counts);
                        names.put(tid, name[0]);
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot list " + TASKS + ": " + e, e);
            }
        }
        return new Snapshot(System.nanoTime(), OS.getProcessCpuTime(), threads, names);
    }

    /** The change from {@code before} to {@code after}, per thread id (threads gone by {@code after} drop out). */
    public static Delta between(Snapshot before, Snapshot after) {
        long voluntary = 0;
        long involuntary = 0;
        Map<String, long[]> groups = new HashMap<>();
        for (Map.Entry<Long, long[]> e : after.perThread().entrySet()) {
            long[] was = before.perThread().get(e.getKey());
            long[] now = e.getValue();
            long v = now[0] - (was == null ? 0 : was[0]);
            long i = now[1] - (was == null ? 0 : was[1]);
            voluntary += v;
            involuntary += i;
            String group = after.names().getOrDefault(e.getKey(), "?").replaceAll("[0-9]+", "#");
            long[] g = groups.computeIfAbsent(group, k -> new long[2]);
            g[0] += v;
            g[1] += i;
        }
        return new Delta((after.nanoTime() - before.nanoTime()) / 1e9, voluntary, involuntary,
                after.cpuNanos() - before.cpuNanos(), !after.perThread().isEmpty(), groups);
    }

    /**
     * {voluntary, nonvoluntary} from one task's status file, or null if the thread has exited meanwhile; the
     * thread's name goes to {@code name[0]}.
     */
    private static long[] switches(Path status, String[] name) {
        String text;
        try {
            text = Files.readString(status);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            // an exited thread's directory can also answer ESRCH while it is being torn down
            return null;
        }
        int nl = text.indexOf('\n');
        name[0] = text.startsWith("Name:") && nl > 0 ? text.substring(5, nl).trim() : "?";
        long[] counts = new long[2];
        counts[0] = field(text, "\nvoluntary_ctxt_switches:");
        counts[1] = field(text, "\nnonvoluntary_ctxt_switches:");
        return counts;
    }

    private static long field(String text, String key) {
        int at = text.indexOf(key);
        if (at < 0) {
            return 0;
        }
        int i = at + key.length();
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        long v = 0;
        while (i < text.length() && Character.isDigit(text.charAt(i))) {
            v = v * 10 + (text.charAt(i++) - '0');
        }
        return v;
    }
}
