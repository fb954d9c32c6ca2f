package dev.goloom.jmh;

import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.SchedulerStats;

import java.time.Duration;
import java.util.concurrent.ThreadFactory;

/**
 * The schedulers the report compares: goloom ({@link GoScheduler} with {@code maxProcs} = available processors)
 * and the JDK's default virtual-thread scheduler (its {@code ForkJoinPool}, parallelism = available processors).
 */
enum Side {
    GOLOOM("goloom"),
    JDK("JDK");

    final String label;

    Side(String label) {
        this.label = label;
    }

    /**
     * Opens this side for one workload; close the session when the workload's rounds are done. Threads are
     * unnamed, like goroutines: a counter-numbered name costs a string build per start (8% of a spawn profile).
     */
    Session open(String workload) {
        if (this == JDK) {
            return new Session(Thread.ofVirtual().factory(), null);
        }
        GoScheduler sched = GoScheduler.builder()
                .maxProcs(Runtime.getRuntime().availableProcessors())
                .name("goloom-" + workload)
                .build();
        return new Session(GoVirtualThreads.ofVirtual(sched).factory(), sched);
    }

    /**
     * Virtual threads of one side.
     *
     * @param threads   makes unstarted virtual threads of this side
     * @param scheduler the goloom scheduler behind them, or null for the JDK side
     */
    record Session(ThreadFactory threads, GoScheduler scheduler) implements AutoCloseable {
        /** The goloom scheduler's stats, or null on the JDK side. */
        SchedulerStats stats() {
            return scheduler == null ? null : scheduler.stats();
        }

        /** The goloom scheduler's schedtrace line for error messages, or "" on the JDK side. */
        String trace() {
            return scheduler == null ? "" : " [" + scheduler.stats().schedtrace() + "]";
        }

        /** For a JMH trial's tear-down: prints the goloom scheduler's schedtrace line (JDK side: nothing), then closes. */
        void reportAndClose() {
            if (scheduler != null) {
                System.out.println();
                System.out.println(scheduler.stats().schedtrace());
            }
            close();
        }

        /**
         * Shuts the goloom scheduler down and waits for its goroutines, like {@code close()}, but for a bounded
         * time: a goroutine that never ends (a workload that failed half-way, or a scheduler bug) must not hang the
         * job. Nothing to do for the JDK side.
         *
         * @throws IllegalStateException with the scheduler's stats if it did not terminate in time
         */
        @Override
        public void close() {
            if (scheduler == null) {
                return;
            }
            closeBounded(scheduler, Duration.ofSeconds(30));
        }

        static void closeBounded(GoScheduler scheduler, Duration wait) {
            scheduler.shutdown();
            try {
                if (scheduler.awaitTermination(wait)) {
                    return;
                }
                scheduler.shutdownNow();
                if (scheduler.awaitTermination(Duration.ofSeconds(5))) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("goloom scheduler '" + scheduler.name() + "' did not terminate within "
                    + wait.toSeconds() + " s of shutdown: " + scheduler.stats().schedtrace());
        }
    }
}
