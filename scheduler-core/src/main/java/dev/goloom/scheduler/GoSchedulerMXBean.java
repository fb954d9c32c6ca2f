package dev.goloom.scheduler;

/**
 * The management interface of one {@link GoScheduler}, registered with the platform MBean server as
 * {@code dev.goloom:type=Scheduler,name=<name>} ({@link GoScheduler#mxBeanName()} has the exact name and the rule
 * for two schedulers with the same name). Every attribute but {@code MaxProcs} is read-only, and each is read from a fresh
 * {@link GoScheduler#stats()} or {@link GoScheduler#metrics()} snapshot, so two attributes read one after the
 * other may come from different moments. {@link #setMaxProcs} is the one writable attribute; the
 * {@code dumpGoroutines...} operations print the scheduler's goroutines as {@link Goroutines} does.
 *
 * <h2>Lifecycle</h2>
 * Registered when the scheduler is built (unless {@code SchedulerConfig.Builder.jmx(false)} or
 * {@code -Dgoloom.jmx=false}), unregistered when it terminates (after shutdown, once every goroutine has ended).
 * {@link GoScheduler#defaultScheduler()} is registered on first use and, since goloom never shuts it down, stays
 * registered for the life of the JVM. A scheduler that is never shut down stays registered, and so reachable from
 * the MBean server.
 *
 * <p>The first four attributes after {@link #getName()} mirror the JDK's
 * {@code jdk.management.VirtualThreadSchedulerMXBean} (which describes only the JDK's own scheduler), so tools
 * built for that one find the same numbers here.
 */
public interface GoSchedulerMXBean {
    /** The scheduler's name. */
    String getName();

    /** {@code VirtualThreadSchedulerMXBean.getParallelism()}: the number of Ps, as {@link #getMaxProcs()}. */
    int getParallelism();

    /** {@code VirtualThreadSchedulerMXBean.getPoolSize()}: carrier threads alive, idle or not. */
    int getPoolSize();

    /**
     * {@code VirtualThreadSchedulerMXBean.getMountedVirtualThreadCount()}: tasks on a carrier right now (running,
     * plus those not in Go: {@link SchedulerMetrics#running()} + {@link SchedulerMetrics#notInGo()}).
     */
    int getMountedVirtualThreadCount();

    /** {@code VirtualThreadSchedulerMXBean.getQueuedVirtualThreadCount()}: {@link SchedulerMetrics#runnable()}. */
    long getQueuedVirtualThreadCount();

    /** Go: {@code runtime.GOMAXPROCS(0)}; {@link GoScheduler#maxProcs()}. */
    int getMaxProcs();

    /**
     * Go: {@code runtime.GOMAXPROCS(n)}; {@link GoScheduler#setMaxProcs(int)}: resizes the running scheduler
     * without losing or running twice a queued goroutine, and stops the automatic updates of a default maxProcs.
     * On a terminated scheduler it only records the value.
     *
     * @throws IllegalArgumentException if {@code n} is below 1, above {@link GoScheduler#MAX_PROCS} or above the
     *         scheduler's {@code maxThreads} (a JMX client sees it wrapped in a {@code RuntimeMBeanException}, the
     *         message naming {@code n})
     */
    void setMaxProcs(int n);

    /** {@link GoScheduler#maxProcsSource()}: where the current maxProcs came from. */
    String getMaxProcsSource();

    // ---- Go's /sched metrics (SchedulerMetrics)

    /** {@link SchedulerMetrics#goroutines()}. */
    long getGoroutines();

    /** {@link SchedulerMetrics#goroutinesCreated()}. */
    long getGoroutinesCreated();

    /** {@link SchedulerMetrics#runnable()}. */
    long getRunnableGoroutines();

    /** {@link SchedulerMetrics#running()}. */
    int getRunningGoroutines();

    /** {@link SchedulerMetrics#waiting()}. */
    long getWaitingGoroutines();

    /** {@link SchedulerMetrics#notInGo()}. */
    int getNotInGoGoroutines();

    /** Schedule latencies measured since the scheduler was built ({@link LatencyDistribution#count()}). */
    long getScheduleLatencyCount();

    /** {@link LatencyDistribution#p50Nanos()} of {@link SchedulerMetrics#scheduleLatency()}. */
    long getScheduleLatencyP50Nanos();

    /** {@link LatencyDistribution#p99Nanos()} of {@link SchedulerMetrics#scheduleLatency()}. */
    long getScheduleLatencyP99Nanos();

    /** {@link LatencyDistribution#maxNanos()} of {@link SchedulerMetrics#scheduleLatency()}. */
    long getScheduleLatencyMaxNanos();

    // ---- goloom's stats (SchedulerStats)

    /** {@link SchedulerStats#freeTokens()} (Go's idleprocs). */
    int getFreeTokens();

    /** {@link SchedulerStats#idleThreads()}. */
    int getIdleThreads();

    /** {@link SchedulerStats#spinningThreads()}. */
    int getSpinningThreads();

    /** {@link SchedulerStats#threadsHighWater()}. */
    int getThreadsHighWater();

    /** {@link SchedulerStats#globalQueueLength()}. */
    long getGlobalQueueLength();

    /** {@link SchedulerStats#localQueueLengths()}, one entry per P object. */
    int[] getLocalQueueLengths();

    /** {@link SchedulerStats#tasksRun()}. */
    long getTasksRun();

    /** {@link SchedulerStats#steals()}. */
    long getSteals();

    /** {@link SchedulerStats#tasksStolen()}. */
    long getTasksStolen();

    /** {@link SchedulerStats#yields()}. */
    long getYields();

    /** {@link SchedulerStats#handoffsSyscall()}. */
    long getHandoffsSyscall();

    /** {@link SchedulerStats#handoffsBlocked()}. */
    long getHandoffsBlocked();

    /** {@link SchedulerStats#handoffsBusy()}. */
    long getHandoffsBusy();

    /** {@link SchedulerStats#preemptRequests()}. */
    long getPreemptRequests();

    /** {@link SchedulerStats#timers()}. */
    long getTimers();

    /** The {@link SchedulerStats#schedtrace()} line. */
    String getSchedtrace();

    // ---- operations

    /**
     * Operation: every live goroutine of this scheduler in Go's traceback shape, with state, wait reason and time,
     * channels and stack ({@link Goroutines#dump(GoScheduler)}). Reads every goroutine's stack: for diagnosis,
     * not for polling. A terminated scheduler gives its header line and no goroutines.
     */
    String dumpGoroutines();

    /**
     * Operation: the same as JSON in the JDK's {@code Thread.dump_to_file -format=json} schema with goloom's fields
     * ({@link Goroutines#dumpJson(GoScheduler)}).
     */
    String dumpGoroutinesJson();

    /** {@link GoScheduler#isShutdown()}. */
    boolean isShutdown();

    /** {@link GoScheduler#isTerminated()}. */
    boolean isTerminated();
}
