package dev.goloom.jmh.server;

import dev.goloom.jmh.support.Session;
import dev.goloom.jmh.support.Side;
import dev.goloom.scheduler.SchedulerStats;

import java.io.IOException;
import java.util.Locale;

/**
 * One load round against a running server: the load generator's result plus what the server JVM did meanwhile
 * (context switches, CPU time from {@link ProcessCounters}) and, on goloom, the scheduler's counters over the same
 * window.
 *
 * @param side  the side whose executor ran the server's requests
 * @param load  the load generator's result
 * @param proc  the server process's counters over the measured window
 * @param sched the goloom scheduler's counters over the window, or null on the JDK side
 * @param trace the goloom scheduler's schedtrace line at the end of the round, or null on the JDK side
 */
public record ServerRound(Side side, LoadResult load, ProcessCounters.Delta proc, SchedDelta sched, String trace) {

    /**
     * Runs one round: {@code seconds} of load with {@code connections} connections at {@code server}, whose requests
     * run on {@code session}'s side.
     *
     * @throws IOException          if the load generator fails
     * @throws InterruptedException if interrupted
     */
    public static ServerRound run(Session session, ServerKind.Running server, LoadGenerator generator,
                                  int connections, int seconds) throws IOException, InterruptedException {
        ProcessCounters.Snapshot[] proc = new ProcessCounters.Snapshot[2];
        SchedulerStats[] stats = new SchedulerStats[2];
        LoadResult load = generator.run(server.port(), connections, seconds, new LoadGenerator.Window() {
            @Override
            public void start() {
                stats[0] = session.stats();
                proc[0] = ProcessCounters.take();
            }

            @Override
            public void end() {
                proc[1] = ProcessCounters.take();
                stats[1] = session.stats();
            }
        });
        if (proc[0] == null || proc[1] == null) {
            throw new IOException("the load generator never opened or closed its measured window");
        }
        SchedDelta sched = stats[0] == null ? null : SchedDelta.between(stats[0], stats[1]);
        return new ServerRound(session.side(), load, ProcessCounters.between(proc[0], proc[1]), sched,
                stats[1] == null ? null : stats[1].schedtrace());
    }

    /** Requests per second. */
    public double requestsPerSecond() {
        return load.requestsPerSecond();
    }

    /** Server context switches per second. */
    public double switchesPerSecond() {
        return proc.switchesPerSecond();
    }

    /** Server context switches per request. */
    public double switchesPerRequest() {
        return proc.available() && load.requests() > 0 ? (double) proc.switches() / load.requests() : Double.NaN;
    }

    /** Server process CPU per request, microseconds. */
    public double cpuUsPerRequest() {
        return load.requests() > 0 ? proc.cpuNanos() / 1e3 / load.requests() : Double.NaN;
    }

    /** One line for the round. */
    public String summary() {
        return String.format(Locale.ROOT, "%,.0f req/s, p50 %s p99 %s p99.9 %s max %s, %,.0f ctx switches/s "
                        + "(%.2f/req; voluntary %,d, involuntary %,d), CPU %.1f us/req (%.2f cores), errors %d",
                requestsPerSecond(), ms(load.p50Us()), ms(load.p99Us()), ms(load.p999Us()), ms(load.maxUs()),
                switchesPerSecond(), switchesPerRequest(), proc.voluntary(), proc.involuntary(), cpuUsPerRequest(),
                proc.coresBusy(), load.errors());
    }

    /** Microseconds as milliseconds with two decimals and a unit. */
    static String ms(double us) {
        return Double.isNaN(us) ? "-" : String.format(Locale.ROOT, "%.2f ms", us / 1e3);
    }

    /**
     * The goloom scheduler's counters over a round (see {@link SchedulerStats} for each one's meaning).
     *
     * @param externalGlobalPuts tasks put on the global queue by threads holding no P (a server's platform
     *                           dispatcher or selector starting a virtual thread)
     * @param globalPuts         all global-queue puts, the external ones included
     * @param runnextPuts        tasks put in a runnext slot
     * @param localPuts          tasks put at a local ring's tail
     * @param parks              carrier parks (Go's stopm)
     * @param unparks            carrier wake-ups (startm waking an idle M)
     * @param steals             successful steals
     * @param tasksRun           continuation segments run
     * @param handoffs           run tokens handed off by sysmon or {@code Syscall}: syscall + blocked + busy
     * @param sysmonWakeups      sysmon's wake-ups
     */
    public record SchedDelta(long externalGlobalPuts, long globalPuts, long runnextPuts, long localPuts, long parks,
                             long unparks, long steals, long tasksRun, long handoffs, long sysmonWakeups) {

        static SchedDelta between(SchedulerStats a, SchedulerStats b) {
            return new SchedDelta(b.externalGlobalPuts() - a.externalGlobalPuts(),
                    b.globalPuts() - a.globalPuts(),
                    b.runnextPuts() - a.runnextPuts(),
                    b.localPuts() - a.localPuts(),
                    b.threadParks() - a.threadParks(),
                    b.threadUnparks() - a.threadUnparks(),
                    b.steals() - a.steals(),
                    b.tasksRun() - a.tasksRun(),
                    handoffs(b) - handoffs(a),
                    b.sysmonWakeups() - a.sysmonWakeups());
        }

        private static long handoffs(SchedulerStats s) {
            return s.handoffsSyscall() + s.handoffsBlocked() + s.handoffsBusy();
        }

        /** The counters divided by {@code requests}, as one line. */
        public String perRequest(long requests) {
            double n = Math.max(1, requests);
            return String.format(Locale.ROOT, "per request: external global puts %.2f, global puts %.2f, runnext "
                            + "%.2f, local %.2f, carrier parks %.3f, unparks %.3f, steals %.3f, tasks run %.2f, "
                            + "handoffs %.4f, sysmon wake-ups %.3f",
                    externalGlobalPuts / n, globalPuts / n, runnextPuts / n, localPuts / n, parks / n, unparks / n,
                    steals / n, tasksRun / n, handoffs / n, sysmonWakeups / n);
        }
    }
}
