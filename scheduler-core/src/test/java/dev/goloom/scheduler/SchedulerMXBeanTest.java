package dev.goloom.scheduler;

import org.junit.jupiter.api.Test;

import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The per-scheduler MXBean, read through the platform MBean server as a JMX client would. */
class SchedulerMXBeanTest {

    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    private static ObjectName name(String value) throws Exception {
        return new ObjectName("dev.goloom:type=Scheduler,name=" + value);
    }

    private static void runTasks(GoScheduler s, int n) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            s.execute(done::countDown);
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
    }

    /** Waits (bounded) until the last task has left its carrier (it counts down before it returns). */
    private static void awaitIdle(GoScheduler s) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (SchedulerMetrics m = s.metrics(); m.goroutines() != 0 || m.running() != 0; m = s.metrics()) {
            assertThat(System.nanoTime()).as("idle in time: %s", m).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    @Test
    void theMXBeanIsFoundByNameAndItsAttributesDescribeTheScheduler() throws Exception {
        ObjectName on = name("jmx-attrs");
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).latencySampling(1).name("jmx-attrs").build()) {
            assertThat(s.mxBeanName()).isEqualTo(on);
            assertThat(SERVER.isRegistered(on)).isTrue();
            runTasks(s, 100);
            awaitIdle(s);
            assertThat(SERVER.getAttribute(on, "Name")).isEqualTo("jmx-attrs");
            assertThat(SERVER.getAttribute(on, "MaxProcs")).isEqualTo(2);
            assertThat(SERVER.getAttribute(on, "Parallelism")).isEqualTo(2);
            assertThat((int) SERVER.getAttribute(on, "PoolSize")).isPositive();
            assertThat((long) SERVER.getAttribute(on, "TasksRun")).isEqualTo(100);
            assertThat((long) SERVER.getAttribute(on, "ScheduleLatencyCount")).isEqualTo(100);
            long p50 = (long) SERVER.getAttribute(on, "ScheduleLatencyP50Nanos");
            long p99 = (long) SERVER.getAttribute(on, "ScheduleLatencyP99Nanos");
            long max = (long) SERVER.getAttribute(on, "ScheduleLatencyMaxNanos");
            assertThat(p50).isPositive().isLessThanOrEqualTo(p99);
            assertThat(p99).isLessThanOrEqualTo(max);
            assertThat(SERVER.getAttribute(on, "QueuedVirtualThreadCount")).isEqualTo(0L);
            assertThat(SERVER.getAttribute(on, "MountedVirtualThreadCount")).isEqualTo(0);
            assertThat(SERVER.getAttribute(on, "Goroutines")).isEqualTo(0L);
            assertThat((int[]) SERVER.getAttribute(on, "LocalQueueLengths")).containsExactly(0, 0);
            assertThat((String) SERVER.getAttribute(on, "Schedtrace")).startsWith("SCHED jmx-attrs: gomaxprocs=2 ");
            assertThat(SERVER.getAttribute(on, "Shutdown")).isEqualTo(false);
            // The same through a typed proxy: the interface is a compliant MXBean.
            GoSchedulerMXBean proxy = JMX.newMXBeanProxy(SERVER, on, GoSchedulerMXBean.class);
            assertThat(proxy.getTasksRun()).isEqualTo(100);
            assertThat(proxy.isTerminated()).isFalse();
            assertThat(SERVER.getMBeanInfo(on).getAttributes()).allSatisfy(
                    a -> assertThat(a.isWritable()).as(a.getName()).isEqualTo(a.getName().equals("MaxProcs")));
        }
        assertThat(SERVER.isRegistered(on)).as("unregistered once close() returns").isFalse();
    }

    @Test
    void maxProcsIsSetThroughJmxAndBadValuesAreRefusedWithTheirValue() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("jmx-resize").build()) {
            ObjectName on = s.mxBeanName();
            SERVER.setAttribute(on, new javax.management.Attribute("MaxProcs", 3));
            assertThat(s.maxProcs()).isEqualTo(3);
            assertThat(SERVER.getAttribute(on, "MaxProcs")).isEqualTo(3);
            assertThat(SERVER.getAttribute(on, "MaxProcsSource")).isEqualTo("setMaxProcs");
            runTasks(s, 1_000); // every task still runs once on the resized scheduler
            assertThat((long) SERVER.getAttribute(on, "TasksRun")).isEqualTo(1_000);
            GoSchedulerMXBean proxy = JMX.newMXBeanProxy(SERVER, on, GoSchedulerMXBean.class);
            proxy.setMaxProcs(1);
            assertThat(s.maxProcs()).isEqualTo(1);
            assertThatThrownBy(() -> SERVER.setAttribute(on, new javax.management.Attribute("MaxProcs", 0)))
                    .hasRootCauseInstanceOf(IllegalArgumentException.class)
                    .rootCause().hasMessageContaining("got 0");
            assertThat(s.maxProcs()).isEqualTo(1);
            runTasks(s, 100);
        }
    }

    @Test
    void theDumpOperationsDescribeThisScheduler() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).name("jmx-dump").build()) {
            ObjectName on = s.mxBeanName();
            String text = (String) SERVER.invoke(on, "dumpGoroutines", null, null);
            assertThat(text).startsWith("SCHED jmx-dump: gomaxprocs=1 ").doesNotContain("goroutine ");
            String json = (String) SERVER.invoke(on, "dumpGoroutinesJson", null, null);
            assertThat(json).startsWith("{").contains("\"jmx-dump\"");
        }
    }

    @Test
    void aSecondSchedulerWithTheSameNameGetsTheNextSuffixAndTheNameIsFreedOnTermination() throws Exception {
        GoScheduler a = GoScheduler.builder().maxProcs(1).name("jmx-twin").build();
        GoScheduler b = GoScheduler.builder().maxProcs(1).name("jmx-twin").build();
        GoScheduler c = GoScheduler.builder().maxProcs(1).name("jmx-twin").build();
        try {
            assertThat(a.mxBeanName()).isEqualTo(name("jmx-twin"));
            assertThat(b.mxBeanName()).isEqualTo(name("jmx-twin#2"));
            assertThat(c.mxBeanName()).isEqualTo(name("jmx-twin#3"));
            runTasks(b, 7);
            assertThat(SERVER.getAttribute(name("jmx-twin#2"), "TasksRun")).isEqualTo(7L);
            assertThat(SERVER.getAttribute(name("jmx-twin"), "TasksRun")).isEqualTo(0L);
            b.close();
            assertThat(b.mxBeanName()).isNull();
            assertThat(SERVER.isRegistered(name("jmx-twin#2"))).isFalse();
            try (GoScheduler d = GoScheduler.builder().maxProcs(1).name("jmx-twin").build()) {
                assertThat(d.mxBeanName()).as("the lowest free suffix").isEqualTo(name("jmx-twin#2"));
            }
        } finally {
            a.close();
            c.close();
        }
        assertThat(SERVER.queryNames(name("jmx-twin*"), null)).isEmpty();
    }

    @Test
    void aNameAnObjectNameCannotHoldIsQuoted() throws Exception {
        String odd = "pool, \"a\"=b:c*?";
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).name(odd).build()) {
            ObjectName on = s.mxBeanName();
            assertThat(on).isEqualTo(name(ObjectName.quote(odd)));
            assertThat(ObjectName.unquote(on.getKeyProperty("name"))).isEqualTo(odd);
            assertThat(SERVER.getAttribute(on, "Name")).isEqualTo(odd);
        }
    }

    @Test
    void registrationCanBeTurnedOff() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(1).jmx(false).name("jmx-off").build()) {
            assertThat(s.config().jmx()).isFalse();
            assertThat(s.mxBeanName()).isNull();
            assertThat(SERVER.isRegistered(name("jmx-off"))).isFalse();
        }
    }

    @Test
    void theDefaultSchedulerIsRegisteredAndStays() throws Exception {
        GoScheduler d = GoScheduler.defaultScheduler();
        assertThat(d.mxBeanName()).isEqualTo(name("goloom"));
        assertThat(SERVER.getAttribute(name("goloom"), "Terminated")).isEqualTo(false);
    }

    @Test
    void aSchedulerThatTerminatesFromShutdownAloneIsUnregisteredToo() throws Exception {
        GoScheduler s = GoScheduler.builder().maxProcs(1).name("jmx-shutdown").build();
        runTasks(s, 3);
        s.shutdown(); // nothing live: terminates here, on this thread
        assertThat(s.awaitTermination(java.time.Duration.ofSeconds(30))).isTrue();
        assertThat(SERVER.isRegistered(name("jmx-shutdown"))).isFalse();
    }
}
