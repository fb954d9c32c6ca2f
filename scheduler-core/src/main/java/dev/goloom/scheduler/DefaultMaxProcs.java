package dev.goloom.scheduler;

import java.nio.file.Path;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * maxProcs when nothing configured it: Go 1.25's {@code defaultGOMAXPROCS}. The JVM's processor count, lowered to
 * the container's CPU limit ({@link CgroupCpu}) rounded the way Go 1.25 rounds it:
 * {@code min(cpus, max(2, ceil(quota / period)))}, where {@code cpus} is the number of CPUs the process may run on.
 * So a container limited to 0.5 CPU on a 4-CPU machine gets 2 Ps (Go's minimum, which keeps one goroutine blocked
 * outside goloom's view from stopping everything), where the JDK's {@code availableProcessors()} says 1; a limit
 * of 2.5 gets 3.
 *
 * <p>{@link #get()} returns {@link SchedulerConfig#SOURCE_CGROUP} when the limit set the value, else
 * {@code Runtime.availableProcessors()} with {@link SchedulerConfig#SOURCE_CPUS} (the JDK's own count, which in a
 * container already follows the quota, without Go's minimum of 2 and without the ancestors' limits). Called at
 * build time and, while the value stays automatic, once a second by sysmon; each call reads the cgroup files again
 * (a few small files: it allocates). Any thread; never throws for what it finds on disk.
 */
final class DefaultMaxProcs implements Supplier<SchedulerConfig.ProcsDefault> {
    /** The container-aware default for this JVM ({@code -Dgoloom.containermaxprocs=true}, the default). */
    private static final class ContainerAware {
        static final DefaultMaxProcs INSTANCE =
                new DefaultMaxProcs(CgroupCpu.open(Path.of("/")), Runtime.getRuntime()::availableProcessors);
    }

    /** The default that ignores cgroups ({@code -Dgoloom.containermaxprocs=false}). */
    private static final DefaultMaxProcs CPUS_ONLY = new DefaultMaxProcs(null, Runtime.getRuntime()::availableProcessors);

    /** Null when the container limit is not consulted. */
    private final CgroupCpu cgroup;
    private final IntSupplier availableProcessors;

    /**
     * @param cgroup              where the container limit comes from, or null to use the processor count only
     * @param availableProcessors the JVM's processor count ({@code Runtime::availableProcessors}; tests fake it)
     */
    DefaultMaxProcs(CgroupCpu cgroup, IntSupplier availableProcessors) {
        this.cgroup = cgroup;
        this.availableProcessors = availableProcessors;
    }

    /** The JVM-wide default: container-aware if {@code container}, else the processor count only. */
    static DefaultMaxProcs system(boolean container) {
        return container ? ContainerAware.INSTANCE : CPUS_ONLY;
    }

    @Override
    public SchedulerConfig.ProcsDefault get() {
        int avail = clamp(availableProcessors.getAsInt());
        if (cgroup != null) {
            double limit = cgroup.limit();
            if (limit != CgroupCpu.NO_LIMIT) {
                int cpus = cgroup.cpuCount();
                int capped = adjust(limit);
                if (capped < (cpus > 0 ? cpus : avail)) {
                    return new SchedulerConfig.ProcsDefault(capped, SchedulerConfig.SOURCE_CGROUP);
                }
            }
        }
        return new SchedulerConfig.ProcsDefault(avail, SchedulerConfig.SOURCE_CPUS);
    }

    /**
     * Go 1.25's {@code adjustCgroupGOMAXPROCS} rounding of a limit of {@code limit} CPUs: up to a whole CPU, and
     * at least 2; capped at {@link SchedulerConfig#MAX_PROCS}.
     */
    static int adjust(double limit) {
        double c = Math.max(2, Math.ceil(limit));
        return c >= SchedulerConfig.MAX_PROCS ? SchedulerConfig.MAX_PROCS : (int) c;
    }

    private static int clamp(int n) {
        return Math.max(1, Math.min(n, SchedulerConfig.MAX_PROCS));
    }
}
