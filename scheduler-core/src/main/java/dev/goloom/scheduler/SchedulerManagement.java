package dev.goloom.scheduler;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Registers each scheduler's {@link GoSchedulerMXBean} with the platform MBean server, and is that MXBean.
 *
 * <h2>Names</h2>
 * {@code dev.goloom:type=Scheduler,name=<name>}. While a scheduler holds that name, the next one built with the same
 * name gets {@code <name>#2}, then {@code #3}, and so on (the lowest suffix free at build time), so a second
 * scheduler named like the first is built as usual. A name an object name cannot hold as it is (one with a comma,
 * equals sign, colon, quote, asterisk, question mark or line break) is quoted ({@link ObjectName#quote}).
 *
 * <p>Registration never breaks a build: if the MBean server refuses it (a security manager, a broken platform
 * server), the scheduler works unregistered and the first failure is logged through {@code System.Logger}
 * "dev.goloom.scheduler". Called on build and on termination only, never on a scheduling path.
 */
final class SchedulerManagement implements GoSchedulerMXBean {
    static final String DOMAIN = "dev.goloom";
    /** Gives up finding a free suffix after this many (then the scheduler is not registered). */
    static final int MAX_SUFFIX = 10_000;

    private static volatile boolean failureLogged;

    private final GoScheduler scheduler;

    private SchedulerManagement(GoScheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** Registers {@code s}'s MXBean; returns its name, or null if it could not be registered. Any thread. */
    static ObjectName register(GoScheduler s) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            SchedulerManagement bean = new SchedulerManagement(s);
            for (int n = 1; n <= MAX_SUFFIX; n++) {
                ObjectName name = objectName(n == 1 ? s.name() : s.name() + "#" + n);
                try {
                    return server.registerMBean(bean, name).getObjectName();
                } catch (InstanceAlreadyExistsException taken) {
                    // another live scheduler has this name: try the next suffix
                }
            }
            failed("no free MXBean name for scheduler '" + s.name() + "' up to #" + MAX_SUFFIX, null);
        } catch (JMException | RuntimeException | LinkageError e) {
            failed("could not register the MXBean of scheduler '" + s.name() + "'", e);
        }
        return null;
    }

    /** Unregisters the MXBean {@code name} (gone already: nothing to do). Any thread. */
    static void unregister(ObjectName name) {
        try {
            ManagementFactory.getPlatformMBeanServer().unregisterMBean(name);
        } catch (InstanceNotFoundException gone) {
            // unregistered by someone else
        } catch (JMException | RuntimeException e) {
            failed("could not unregister " + name, e);
        }
    }

    /** {@code dev.goloom:type=Scheduler,name=<value>}, the value quoted if it must be. */
    static ObjectName objectName(String value) throws JMException {
        boolean plain = !value.isEmpty();
        for (int i = 0; i < value.length() && plain; i++) {
            plain = ",=:\"*?\n\r\\".indexOf(value.charAt(i)) < 0;
        }
        return new ObjectName(DOMAIN + ":type=Scheduler,name=" + (plain ? value : ObjectName.quote(value)));
    }

    private static void failed(String what, Throwable e) {
        if (failureLogged) {
            return;
        }
        failureLogged = true;
        System.getLogger("dev.goloom.scheduler").log(System.Logger.Level.WARNING, "goloom: " + what
                + "; it runs without JMX", e);
    }

    // ============================================================================================ attributes

    @Override
    public String getName() {
        return scheduler.name();
    }

    @Override
    public int getParallelism() {
        return scheduler.maxProcs();
    }

    @Override
    public int getPoolSize() {
        return scheduler.metrics().threads();
    }

    @Override
    public int getMountedVirtualThreadCount() {
        SchedulerMetrics m = scheduler.metrics();
        return m.running() + m.notInGo();
    }

    @Override
    public long getQueuedVirtualThreadCount() {
        return scheduler.metrics().runnable();
    }

    @Override
    public int getMaxProcs() {
        return scheduler.maxProcs();
    }

    @Override
    public void setMaxProcs(int n) {
        scheduler.setMaxProcs(n);
    }

    @Override
    public String getMaxProcsSource() {
        return scheduler.maxProcsSource();
    }

    @Override
    public String dumpGoroutines() {
        return Goroutines.dump(scheduler);
    }

    @Override
    public String dumpGoroutinesJson() {
        return Goroutines.dumpJson(scheduler);
    }

    @Override
    public long getGoroutines() {
        return scheduler.metrics().goroutines();
    }

    @Override
    public long getGoroutinesCreated() {
        return scheduler.metrics().goroutinesCreated();
    }

    @Override
    public long getRunnableGoroutines() {
        return scheduler.metrics().runnable();
    }

    @Override
    public int getRunningGoroutines() {
        return scheduler.metrics().running();
    }

    @Override
    public long getWaitingGoroutines() {
        return scheduler.metrics().waiting();
    }

    @Override
    public int getNotInGoGoroutines() {
        return scheduler.metrics().notInGo();
    }

    @Override
    public long getScheduleLatencyCount() {
        return scheduler.metrics().scheduleLatency().count();
    }

    @Override
    public long getScheduleLatencyP50Nanos() {
        return scheduler.metrics().scheduleLatency().p50Nanos();
    }

    @Override
    public long getScheduleLatencyP99Nanos() {
        return scheduler.metrics().scheduleLatency().p99Nanos();
    }

    @Override
    public long getScheduleLatencyMaxNanos() {
        return scheduler.metrics().scheduleLatency().maxNanos();
    }

    @Override
    public int getFreeTokens() {
        return scheduler.stats().freeTokens();
    }

    @Override
    public int getIdleThreads() {
        return scheduler.stats().idleThreads();
    }

    @Override
    public int getSpinningThreads() {
        return scheduler.stats().spinningThreads();
    }

    @Override
    public int getThreadsHighWater() {
        return scheduler.stats().threadsHighWater();
    }

    @Override
    public long getGlobalQueueLength() {
        return scheduler.stats().globalQueueLength();
    }

    @Override
    public int[] getLocalQueueLengths() {
        List<Integer> lens = scheduler.stats().localQueueLengths();
        int[] out = new int[lens.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = lens.get(i);
        }
        return out;
    }

    @Override
    public long getTasksRun() {
        return scheduler.stats().tasksRun();
    }

    @Override
    public long getSteals() {
        return scheduler.stats().steals();
    }

    @Override
    public long getTasksStolen() {
        return scheduler.stats().tasksStolen();
    }

    @Override
    public long getYields() {
        return scheduler.stats().yields();
    }

    @Override
    public long getHandoffsSyscall() {
        return scheduler.stats().handoffsSyscall();
    }

    @Override
    public long getHandoffsBlocked() {
        return scheduler.stats().handoffsBlocked();
    }

    @Override
    public long getHandoffsBusy() {
        return scheduler.stats().handoffsBusy();
    }

    @Override
    public long getPreemptRequests() {
        return scheduler.stats().preemptRequests();
    }

    @Override
    public long getTimers() {
        return scheduler.stats().timers();
    }

    @Override
    public String getSchedtrace() {
        return scheduler.stats().schedtrace();
    }

    @Override
    public boolean isShutdown() {
        return scheduler.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return scheduler.isTerminated();
    }
}
