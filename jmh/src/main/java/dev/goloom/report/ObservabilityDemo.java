package dev.goloom.report;

import dev.goloom.channels.Chan;
import dev.goloom.loom.Go;
import dev.goloom.scheduler.GoScheduler;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The program behind the README's "Observing goloom" output: on a 2-P scheduler named {@code app}, 1,000
 * goroutines parked on a latch, 8 workers ranging over a job channel (capacity 16) and sending results on an
 * unbuffered channel, a producer, and one goroutine that computes for 50 ms without yielding (sysmon hands its P
 * on). Halfway it prints {@code scheduler.metrics()} and some MXBean attributes, read through the platform MBean
 * server; at the end the metrics again. Run it with JFR on to get the goloom events:
 *
 * <pre>
 * GOLOOM_JMH_MAIN=dev.goloom.report.ObservabilityDemo \
 * GOLOOM_JAVA_OPTS="-XX:StartFlightRecording:filename=app.jfr,+goloom.ScheduleLatency#threshold=1ms,+goloom.StealBatch#enabled=true" \
 * bench/jmh.sh
 * jfr print --events goloom.Handoff app.jfr
 * </pre>
 */
public final class ObservabilityDemo {
    private static final int JOBS = 200_000;

    private ObservabilityDemo() {
    }

    public static void main(String[] args) throws Exception {
        try (GoScheduler s = GoScheduler.builder().name("app").maxProcs(2).build()) {
            CountDownLatch release = new CountDownLatch(1);
            List<Thread> all = new ArrayList<>();
            for (int i = 0; i < 1_000; i++) {
                all.add(Go.go(s, () -> awaitQuietly(release))); // waiting
            }
            Chan<Integer> jobs = Chan.make(16);
            Chan<Integer> results = Chan.make();
            for (int w = 0; w < 8; w++) {
                all.add(Go.go(s, () -> work(jobs, results)));
            }
            all.add(Go.go(s, () -> produce(jobs)));
            all.add(Go.go(s, () -> { // a CPU hog that never yields: sysmon hands its P to waiting work
                long end = System.nanoTime() + 50_000_000;
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
            }));
            long sum = 0;
            for (int j = 0; j < JOBS / 2; j++) {
                sum += results.recv();
            }
            System.out.println(s.metrics());
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = s.mxBeanName();
            System.out.println(name);
            for (String a : new String[] {"MaxProcs", "PoolSize", "MountedVirtualThreadCount",
                    "QueuedVirtualThreadCount", "GoroutinesCreated", "WaitingGoroutines", "ScheduleLatencyP99Nanos",
                    "HandoffsBusy"}) {
                System.out.println("  " + a + " = " + server.getAttribute(name, a));
            }
            for (int j = JOBS / 2; j < JOBS; j++) {
                sum += results.recv();
            }
            release.countDown();
            for (Thread t : all) {
                t.join();
            }
            System.out.println(s.metrics() + " (checksum " + sum + ")");
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void work(Chan<Integer> jobs, Chan<Integer> results) {
        try {
            for (Integer j : jobs) {
                long x = 0;
                for (int k = 0; k < 20_000; k++) {
                    x += (long) k * j;
                }
                results.send((int) (x & 1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void produce(Chan<Integer> jobs) {
        try {
            for (int j = 0; j < JOBS; j++) {
                jobs.send(j);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            jobs.close();
        }
    }
}
