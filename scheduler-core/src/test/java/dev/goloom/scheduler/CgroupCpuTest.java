package dev.goloom.scheduler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The container CPU limit read from fake cgroup trees ({@code proc/self/cgroup}, {@code proc/self/mountinfo} and
 * the limit files under a temporary root), and Go 1.25's rounding of it into a default maxProcs.
 */
class CgroupCpuTest {

    private static final String V2_MOUNT = "30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4"
            + " - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot";
    private static final String V1_CPU_MOUNT = "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9"
            + " - cgroup cgroup rw,cpu,cpuacct";
    private static final String V1_MEMORY_MOUNT = "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup"
            + " rw,memory";
    private static final String ROOT_MOUNT = "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw";

    @TempDir
    Path root;

    private void write(String path, String content) throws IOException {
        Path f = root.resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
    }

    private void proc(String cgroup, String... mounts) throws IOException {
        write("proc/self/cgroup", cgroup);
        write("proc/self/mountinfo", String.join("\n", mounts) + "\n");
    }

    private static DefaultMaxProcs defaults(CgroupCpu c, int availableProcessors) {
        return new DefaultMaxProcs(c, () -> availableProcessors);
    }

    @Test
    void v2LeafLimitIsQuotaOverPeriod() throws IOException {
        proc("0::/app\n", ROOT_MOUNT, V2_MOUNT);
        write("sys/fs/cgroup/app/cpu.max", "150000 100000\n");
        CgroupCpu c = CgroupCpu.open(root);
        assertThat(c.version()).isEqualTo(2);
        assertThat(c.limit()).isCloseTo(1.5, within(1e-9));
        assertThat(defaults(c, 8).get()).isEqualTo(new SchedulerConfig.ProcsDefault(2, "cgroup"));
    }

    @Test
    void v2MaxMeansNoLimitAndTheCpuCountStays() throws IOException {
        proc("0::/app\n", V2_MOUNT);
        write("sys/fs/cgroup/app/cpu.max", "max 100000\n");
        CgroupCpu c = CgroupCpu.open(root);
        assertThat(c.limit()).isEqualTo(CgroupCpu.NO_LIMIT);
        assertThat(defaults(c, 6).get()).isEqualTo(new SchedulerConfig.ProcsDefault(6, "availableProcessors"));
    }

    @Test
    void nestedAncestorsTheSmallestLimitWinsWhereverItIs() throws IOException {
        proc("0::/kubepods/pod1/ctr\n", V2_MOUNT);
        write("sys/fs/cgroup/kubepods/cpu.max", "800000 100000\n");
        write("sys/fs/cgroup/kubepods/pod1/cpu.max", "250000 100000\n"); // 2.5: the parent is the tightest
        write("sys/fs/cgroup/kubepods/pod1/ctr/cpu.max", "max 100000\n");
        CgroupCpu c = CgroupCpu.open(root);
        assertThat(c.dirs()).containsExactly(root.resolve("sys/fs/cgroup/kubepods/pod1/ctr"),
                root.resolve("sys/fs/cgroup/kubepods/pod1"), root.resolve("sys/fs/cgroup/kubepods"),
                root.resolve("sys/fs/cgroup"));
        assertThat(c.limit()).isCloseTo(2.5, within(1e-9));
        assertThat(defaults(c, 16).get()).isEqualTo(new SchedulerConfig.ProcsDefault(3, "cgroup"));
        write("sys/fs/cgroup/kubepods/pod1/ctr/cpu.max", "50000 100000\n"); // now the leaf: 0.5
        assertThat(c.limit()).as("re-read at each call").isCloseTo(0.5, within(1e-9));
        assertThat(defaults(c, 16).get()).as("Go's minimum of 2").isEqualTo(new SchedulerConfig.ProcsDefault(2, "cgroup"));
    }

    @Test
    void v1QuotaAndPeriodWithAncestorsAndMinusOneForNoLimit() throws IOException {
        proc("12:memory:/docker/abc\n4:cpu,cpuacct:/docker/abc\n0::/\n", ROOT_MOUNT, V1_MEMORY_MOUNT, V1_CPU_MOUNT,
                V2_MOUNT);
        write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
        write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        write("sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_quota_us", "300000\n");
        write("sys/fs/cgroup/cpu,cpuacct/docker/cpu.cfs_period_us", "100000\n");
        write("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_quota_us", "-1\n");
        write("sys/fs/cgroup/cpu,cpuacct/docker/abc/cpu.cfs_period_us", "100000\n");
        CgroupCpu c = CgroupCpu.open(root);
        assertThat(c.version()).as("a v1 cpu hierarchy wins over v2, as in Go").isEqualTo(1);
        assertThat(c.limit()).isCloseTo(3.0, within(1e-9));
        assertThat(defaults(c, 4).get()).isEqualTo(new SchedulerConfig.ProcsDefault(3, "cgroup"));
        assertThat(defaults(c, 3).get()).as("a limit at or above the CPU count leaves the count")
                .isEqualTo(new SchedulerConfig.ProcsDefault(3, "availableProcessors"));
    }

    @Test
    void aMountOfASubtreeIsJoinedWithoutItsRoot() throws IOException {
        // A container without a cgroup namespace: the hierarchy is mounted from /docker/abc, which is also the
        // process's cgroup; the limit file is at the mount point itself.
        proc("3:cpu:/docker/abc\n",
                "40 31 0:29 /docker/abc /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu");
        write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "50000\n");
        write("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
        CgroupCpu c = CgroupCpu.open(root);
        assertThat(c.dirs()).containsExactly(root.resolve("sys/fs/cgroup/cpu"));
        assertThat(c.limit()).isCloseTo(0.5, within(1e-9));
    }

    @Test
    void escapedMountPointsAreUnescaped() throws IOException {
        proc("0::/a\n", "30 23 0:26 / /mnt/my\\040cgroup rw - cgroup2 cgroup2 rw");
        write("mnt/my cgroup/a/cpu.max", "400000 100000");
        assertThat(CgroupCpu.open(root).limit()).isCloseTo(4.0, within(1e-9));
        assertThat(CgroupCpu.unescape("a\\134b\\011")).isEqualTo("a\\b\t");
        assertThat(CgroupCpu.unescape("broken\\04")).isNull();
        assertThat(CgroupCpu.unescape("broken\\09x")).isNull();
    }

    @Test
    void garbageInAnyFileMeansNoLimitFromItAndNeverAnException() throws IOException {
        for (String bad : new String[] {"banana", "", "100000", "max", "-5 100000", "0 100000", "100000 0",
                "1 2 3", "12x 100000", "100000 -1", "99999999999999999999 100000"}) {
            assertThat(CgroupCpu.parseV2(bad)).as("cpu.max '" + bad + "'").isNaN();
        }
        assertThat(CgroupCpu.parseV2(null)).isNaN();
        assertThat(CgroupCpu.parseV2("max 100000")).isEqualTo(CgroupCpu.NO_LIMIT);
        assertThat(CgroupCpu.parseV1("abc", "100000")).isNaN();
        assertThat(CgroupCpu.parseV1("0", "100000")).isNaN();
        assertThat(CgroupCpu.parseV1("50000", "0")).isNaN();
        assertThat(CgroupCpu.parseV1("50000", "x")).isNaN();
        assertThat(CgroupCpu.parseV1("50000", null)).isNaN();
        assertThat(CgroupCpu.parseV1("-1", null)).isEqualTo(CgroupCpu.NO_LIMIT);

        // A malformed leaf is skipped; its valid parent still counts.
        proc("0::/p/c\n", V2_MOUNT);
        write("sys/fs/cgroup/p/c/cpu.max", "garbage\n");
        write("sys/fs/cgroup/p/cpu.max", "200000 100000\n");
        assertThat(CgroupCpu.open(root).limit()).isCloseTo(2.0, within(1e-9));

        // Garbage where the cgroup or the mount should be: no cgroup, no limit.
        for (String[] files : new String[][] {
                {"nonsense without colons\n", V2_MOUNT},
                {"0::/p/c\n", "not a mountinfo line"},
                {"0::/p/c\n", "30 23 0:26 / - cgroup2"},
                {"0::/../../escape\n", V2_MOUNT},
                {"", V2_MOUNT},
                {"3:cpu:/x\n", V2_MOUNT}}) { // v1 cpu cgroup but no v1 cpu mount
            proc(files[0], files[1]);
            CgroupCpu c = CgroupCpu.open(root);
            assertThat(c.limit()).as(String.join(" | ", files)).isEqualTo(CgroupCpu.NO_LIMIT);
            assertThat(defaults(c, 5).get().procs()).isEqualTo(5);
        }
        Files.delete(root.resolve("proc/self/cgroup"));
        assertThat(CgroupCpu.open(root).limit()).as("no /proc at all").isEqualTo(CgroupCpu.NO_LIMIT);
        assertThat(CgroupCpu.open(root.resolve("does/not/exist")).version()).isZero();
    }

    @Test
    void cpuCountComesFromTheAffinityListAndCapsTheLimit() throws IOException {
        assertThat(CgroupCpu.countCpuList("0-3,8,10-11\n")).isEqualTo(7);
        assertThat(CgroupCpu.countCpuList("5")).isEqualTo(1);
        for (String bad : new String[] {"", "a-b", "3-1", "1,,2", "-1", "0-"}) {
            assertThat(CgroupCpu.countCpuList(bad)).as("'" + bad + "'").isEqualTo(-1);
        }
        proc("0::/app\n", V2_MOUNT);
        write("sys/fs/cgroup/app/cpu.max", "350000 100000\n"); // 3.5 -> 4
        write("proc/self/status", "Name:\tjava\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed:\t1\n");
        CgroupCpu c = CgroupCpu.open(root);
        assertThat(c.cpuCount()).isEqualTo(2);
        assertThat(defaults(c, 2).get()).as("2 CPUs usable: the limit of 4 does not apply")
                .isEqualTo(new SchedulerConfig.ProcsDefault(2, "availableProcessors"));
        write("proc/self/status", "Name:\tjava\nCpus_allowed_list:\t0-7\n");
        // 8 CPUs usable, limit 3.5: Go's rule gives 4, from the limit (the JDK's own count would say 4 too).
        assertThat(defaults(c, 4).get()).isEqualTo(new SchedulerConfig.ProcsDefault(4, "cgroup"));
        write("sys/fs/cgroup/app/cpu.max", "50000 100000\n"); // 0.5: the JDK would say 1, Go's rule says 2
        assertThat(defaults(c, 1).get()).isEqualTo(new SchedulerConfig.ProcsDefault(2, "cgroup"));
    }

    @Test
    void goRoundingUpAndAtLeastTwo() {
        assertThat(DefaultMaxProcs.adjust(0.01)).isEqualTo(2);
        assertThat(DefaultMaxProcs.adjust(1.0)).isEqualTo(2);
        assertThat(DefaultMaxProcs.adjust(2.0)).isEqualTo(2);
        assertThat(DefaultMaxProcs.adjust(2.001)).isEqualTo(3);
        assertThat(DefaultMaxProcs.adjust(7.5)).isEqualTo(8);
        assertThat(DefaultMaxProcs.adjust(1e12)).isEqualTo(SchedulerConfig.MAX_PROCS);
    }

    @Test
    void parsersPickTheCpuHierarchy() {
        assertThat(CgroupCpu.cpuCgroup(List.of("0::/a"))).containsExactly("2", "/a");
        assertThat(CgroupCpu.cpuCgroup(List.of("5:cpuacct:/x", "0::/a"))).as("cpuacct is not cpu")
                .containsExactly("2", "/a");
        assertThat(CgroupCpu.cpuCgroup(List.of("0::/a", "2:cpu,cpuacct:/b"))).containsExactly("1", "/b");
        assertThat(CgroupCpu.cpuMount(List.of(V1_MEMORY_MOUNT, V1_CPU_MOUNT), 1))
                .containsExactly("/", "/sys/fs/cgroup/cpu,cpuacct");
        assertThat(CgroupCpu.cpuMount(List.of(V1_CPU_MOUNT), 2)).isNull();
        assertThat(CgroupCpu.relativeTo("/docker/abc/x", "/docker/abc")).isEqualTo("x");
        assertThat(CgroupCpu.relativeTo("/docker/abc", "/docker/abc")).isEmpty();
        assertThat(CgroupCpu.relativeTo("/", "/")).isEmpty();
        assertThat(CgroupCpu.relativeTo("/a/../b", "/")).isNull();
    }

    @Test
    void theRealMachineNeverThrows() {
        CgroupCpu c = CgroupCpu.open(Path.of("/"));
        double limit = c.limit();
        assertThat(limit == CgroupCpu.NO_LIMIT || limit > 0).as("limit " + limit).isTrue();
        SchedulerConfig.ProcsDefault d = DefaultMaxProcs.system(true).get();
        assertThat(d.procs()).isBetween(1, SchedulerConfig.MAX_PROCS);
        assertThat(d.source()).isIn("cgroup", "availableProcessors");
        assertThat(DefaultMaxProcs.system(false).get())
                .isEqualTo(new SchedulerConfig.ProcsDefault(Runtime.getRuntime().availableProcessors(),
                        "availableProcessors"));
    }
}
