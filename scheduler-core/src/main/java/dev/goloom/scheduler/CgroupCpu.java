package dev.goloom.scheduler;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU bandwidth limit of the cgroup this JVM runs in (a container's CPU limit), as a number of CPUs:
 * {@code quota / period}. Go: {@code internal/runtime/cgroup} ({@code OpenCPU}, {@code ReadCPULimit}), read the
 * same way: {@code /proc/self/cgroup} names the process's cgroup (a v1 hierarchy with the {@code cpu} controller
 * wins over v2), {@code /proc/self/mountinfo} where that hierarchy is mounted; then cgroup v2's {@code cpu.max}
 * ({@code "<quota> <period>"} or {@code "max <period>"}) or v1's {@code cpu.cfs_quota_us} ({@code -1}: no limit) and
 * {@code cpu.cfs_period_us}.
 *
 * <p>Two deliberate differences from Go:
 * <ul>
 *   <li>Every ancestor up to the mount's root is read too, and the smallest limit wins: a parent's limit bounds its
 *       children (Go reads the leaf only, and says so in its source).</li>
 *   <li>The mount's root (mountinfo field 4) is taken off the cgroup's path before joining it to the mount point,
 *       so a hierarchy mounted from a sub-tree (a container without a cgroup namespace) resolves.</li>
 * </ul>
 * Like Go, the cgroup is found once ({@link #open}); a process moved to another cgroup later is not noticed. The
 * limit files are read again at each {@link #limit()} (Go re-reads them too, once a second from sysmon).
 *
 * <p>Nothing here throws on bad input: a missing, unreadable or malformed file contributes no limit (the
 * scheduler must start whatever the machine looks like). {@code root} stands for {@code /}: tests point it at a
 * directory of fake files. Instances are immutable and safe on any thread; each call reads files and allocates.
 */
final class CgroupCpu {
    /** {@link #limit()} when no cgroup level sets one. */
    static final double NO_LIMIT = Double.POSITIVE_INFINITY;
    /** A file that does not parse (callers skip its level). */
    static final double MALFORMED = Double.NaN;

    private final int version;
    /** The process's cgroup directory, then its ancestors up to the mount point (empty: no cgroup found). */
    private final List<Path> dirs;
    private final Path status;

    private CgroupCpu(int version, List<Path> dirs, Path status) {
        this.version = version;
        this.dirs = List.copyOf(dirs);
        this.status = status;
    }

    /**
     * Finds the CPU cgroup of the process as seen under {@code root} ({@code root/proc/self/cgroup},
     * {@code root/proc/self/mountinfo}, mount points under {@code root}). Never throws: no cgroup, or files that
     * cannot be read or parsed, give an instance whose {@link #limit()} is {@link #NO_LIMIT}.
     */
    static CgroupCpu open(Path root) {
        Path status = root.resolve("proc/self/status");
        try {
            List<String> cgroups = Files.readAllLines(root.resolve("proc/self/cgroup"), StandardCharsets.UTF_8);
            String[] cg = cpuCgroup(cgroups);
            if (cg == null) {
                return new CgroupCpu(0, List.of(), status);
            }
            int version = Integer.parseInt(cg[0]);
            List<String> mounts = Files.readAllLines(root.resolve("proc/self/mountinfo"), StandardCharsets.UTF_8);
            String[] mount = cpuMount(mounts, version);
            if (mount == null) {
                return new CgroupCpu(0, List.of(), status);
            }
            String rel = relativeTo(cg[1], mount[0]);
            Path top = under(root, mount[1]);
            if (rel == null || top == null) {
                return new CgroupCpu(0, List.of(), status);
            }
            Path dir = rel.isEmpty() ? top : top.resolve(rel);
            List<Path> dirs = new ArrayList<>();
            for (Path d = dir; d != null && d.startsWith(top); d = d.getParent()) {
                dirs.add(d);
            }
            return new CgroupCpu(version, dirs, status);
        } catch (IOException | RuntimeException e) { // not Linux, no /proc, garbage: no limit
            return new CgroupCpu(0, List.of(), status);
        }
    }

    /** The cgroup version found (1 or 2), or 0 if none. */
    int version() {
        return version;
    }

    /** The directories read by {@link #limit()}: the process's cgroup first, then its ancestors. */
    List<Path> dirs() {
        return dirs;
    }

    /**
     * The smallest {@code quota / period} over the process's cgroup and its ancestors, read now; {@link #NO_LIMIT}
     * if none sets one. Levels whose files are missing or malformed are skipped.
     */
    double limit() {
        double min = NO_LIMIT;
        for (Path d : dirs) {
            double l = version == 2 ? parseV2(read(d.resolve("cpu.max")))
                    : parseV1(read(d.resolve("cpu.cfs_quota_us")), read(d.resolve("cpu.cfs_period_us")));
            if (!Double.isNaN(l) && l < min) {
                min = l;
            }
        }
        return min;
    }

    /**
     * The number of CPUs the process may run on ({@code Cpus_allowed_list} in {@code /proc/self/status}; Go:
     * {@code getCPUCount}, from {@code sched_getaffinity}), or -1 if unknown.
     */
    int cpuCount() {
        String s = read(status);
        if (s == null) {
            return -1;
        }
        for (String line : s.split("\n")) {
            if (line.startsWith("Cpus_allowed_list:")) {
                return countCpuList(line.substring("Cpus_allowed_list:".length()));
            }
        }
        return -1;
    }

    // ============================================================================================== parsing

    /**
     * From the lines of {@code /proc/self/cgroup} ({@code hierarchy-ID:controller-list:cgroup-path}): the CPU
     * cgroup as {@code {version, path}}, or null. A v1 hierarchy whose controllers include {@code cpu} wins over the
     * v2 one ({@code 0::path}), as in Go.
     */
    static String[] cpuCgroup(List<String> lines) {
        String v2 = null;
        for (String line : lines) {
            int a = line.indexOf(':');
            int b = a < 0 ? -1 : line.indexOf(':', a + 1);
            if (b < 0) {
                continue; // not a cgroup line
            }
            String id = line.substring(0, a);
            String path = line.substring(b + 1);
            if (id.equals("0")) {
                v2 = path;
            } else if (hasElement(line.substring(a + 1, b), "cpu")) {
                return new String[] {"1", path};
            }
        }
        return v2 == null || v2.isEmpty() ? null : new String[] {"2", v2};
    }

    /**
     * From the lines of {@code /proc/self/mountinfo}: the mount of the CPU hierarchy of {@code version} as
     * {@code {root, mountPoint}} (fields 4 and 5, unescaped), or null. v2: file system type {@code cgroup2}; v1:
     * type {@code cgroup} with {@code cpu} among its super options.
     */
    static String[] cpuMount(List<String> lines, int version) {
        for (String line : lines) {
            int sep = line.indexOf(" - ");
            if (sep < 0) {
                continue;
            }
            String[] pre = line.substring(0, sep).split(" ");
            String[] post = line.substring(sep + 3).split(" ");
            if (pre.length < 5 || post.length < 1) {
                continue;
            }
            boolean match = version == 2 ? post[0].equals("cgroup2")
                    : post[0].equals("cgroup") && post.length >= 3 && hasElement(post[2], "cpu");
            if (match) {
                String root = unescape(pre[3]);
                String point = unescape(pre[4]);
                return root == null || point == null ? null : new String[] {root, point};
            }
        }
        return null;
    }

    /** cgroup v2 {@code cpu.max}: quota/period, {@link #NO_LIMIT} for {@code max}, {@link #MALFORMED} otherwise. */
    static double parseV2(String content) {
        if (content == null) {
            return MALFORMED;
        }
        String[] f = content.trim().split("\\s+");
        if (f.length != 2) {
            return MALFORMED;
        }
        long period = parsePositive(f[1]);
        if (period <= 0) {
            return MALFORMED;
        }
        if (f[0].equals("max")) {
            return NO_LIMIT;
        }
        long quota = parsePositive(f[0]);
        return quota <= 0 ? MALFORMED : (double) quota / period;
    }

    /** cgroup v1 quota and period files: quota/period, {@link #NO_LIMIT} for a negative quota, else malformed. */
    static double parseV1(String quotaFile, String periodFile) {
        if (quotaFile == null) {
            return MALFORMED;
        }
        long quota;
        try {
            quota = Long.parseLong(quotaFile.trim());
        } catch (NumberFormatException e) {
            return MALFORMED;
        }
        if (quota < 0) {
            return NO_LIMIT;
        }
        long period = periodFile == null ? -1 : parsePositive(periodFile.trim());
        return quota == 0 || period <= 0 ? MALFORMED : (double) quota / period;
    }

    /** The number of CPUs in a list such as {@code 0-3,8,10-11}, or -1 if it does not parse. */
    static int countCpuList(String list) {
        String t = list.trim();
        if (t.isEmpty()) {
            return -1;
        }
        int n = 0;
        for (String part : t.split(",")) {
            int dash = part.indexOf('-');
            long lo = parsePositiveOrZero(dash < 0 ? part : part.substring(0, dash));
            long hi = dash < 0 ? lo : parsePositiveOrZero(part.substring(dash + 1));
            if (lo < 0 || hi < lo || hi - lo > 1 << 20) {
                return -1;
            }
            n += (int) (hi - lo + 1);
        }
        return n;
    }

    /** {@code path} relative to {@code mountRoot} (without its leading slash), or null if it has {@code ..}. */
    static String relativeTo(String path, String mountRoot) {
        if (!path.startsWith("/") || path.contains("/..")) {
            return null;
        }
        String rel = path;
        if (!mountRoot.equals("/") && (path.equals(mountRoot) || path.startsWith(mountRoot + "/"))) {
            rel = path.substring(mountRoot.length());
        }
        return rel.length() <= 1 ? "" : rel.substring(1);
    }

    /** Undoes mountinfo's octal escapes ({@code \040} for a space); null if one is broken. */
    static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (i + 3 >= s.length()) {
                return null; // an escape is a backslash and three octal digits
            }
            int v = 0;
            for (int k = 1; k <= 3; k++) {
                char d = s.charAt(i + k);
                if (d < '0' || d > '7') {
                    return null;
                }
                v = v * 8 + (d - '0');
            }
            out.append((char) v);
            i += 3;
        }
        return out.toString();
    }

    private static Path under(Path root, String mountPoint) {
        if (!mountPoint.startsWith("/") || mountPoint.contains("/..")) {
            return null;
        }
        return mountPoint.length() == 1 ? root : root.resolve(mountPoint.substring(1));
    }

    private static boolean hasElement(String commaList, String want) {
        for (String e : commaList.split(",")) {
            if (e.equals(want)) {
                return true;
            }
        }
        return false;
    }

    private static long parsePositive(String s) {
        long v = parsePositiveOrZero(s);
        return v == 0 ? -1 : v;
    }

    private static long parsePositiveOrZero(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return -1;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return -1;
            }
        }
        return Long.parseLong(s);
    }

    /** A small file's content, or null if it cannot be read. */
    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
