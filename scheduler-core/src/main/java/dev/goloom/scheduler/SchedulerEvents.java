package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.StealResult;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;
import jdk.jfr.Timespan;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The scheduler's JFR events, category "goloom", and the hooks the scheduler calls to emit them:
 * <table class="striped">
 *   <caption>Events</caption>
 *   <thead><tr><th>event</th><th>when</th><th>default</th></tr></thead>
 *   <tbody>
 *   <tr><td>{@code goloom.Handoff}</td><td>a P's run token was taken from its carrier and handed on: reason
 *       {@code syscall} (Syscall.blocking, by sysmon or at once for blockingLong), {@code blocked} (sysmon found the
 *       carrier asleep in one task) or {@code busy} (a CPU hog while work waited)</td><td>on</td></tr>
 *   <tr><td>{@code goloom.StealBatch}</td><td>a carrier stole tasks from another P (size, runnext or not)</td>
 *       <td>off: on a busy scheduler these come by the million</td></tr>
 *   <tr><td>{@code goloom.ScheduleLatency}</td><td>a sampled task waited longer than the threshold between
 *       becoming runnable and starting on a carrier (only sampled tasks are timed: 1 in
 *       {@code latencySampling})</td><td>on, threshold 10 ms</td></tr>
 *   <tr><td>{@code goloom.SchedulerStats}</td><td>periodically, one per live scheduler: {@link SchedulerMetrics}
 *       and the main {@link SchedulerStats} numbers, with the schedule latency of the interval</td>
 *       <td>on, every 1 s</td></tr>
 *   </tbody>
 * </table>
 *
 * <h2>Cost when off</h2>
 * Loading JFR's event machinery costs a JVM hundreds of milliseconds, so nothing here touches it until JFR itself
 * is initialized ({@code -XX:StartFlightRecording}, {@code jcmd JFR.start}, a {@code Recording} or
 * {@code RecordingStream}): {@link #attach} registers a {@link FlightRecorderListener} once per JVM (a few
 * milliseconds), and only its callback loads the event types into {@link #active}. Until then each hook is one
 * volatile read and a null check; after, also an {@link EventType#isEnabled()} read. Nothing is allocated unless
 * the event is enabled in a running recording.
 *
 * <h2>Threading</h2>
 * Every method may be called from any thread. {@link #active} is written once (by JFR's initialization callback)
 * and read racily; {@link #LIVE} and {@link #lastLatency} are concurrent maps. An event object is touched by one
 * thread at a time: a schedule-latency event is begun by the submitter and ended by the dispatching carrier, with
 * the run queue's release/acquire between them ({@link SampledTask}).
 */
final class SchedulerEvents {
    static final String SYSCALL = "syscall";
    static final String BLOCKED = "blocked";
    static final String BUSY = "busy";

    /** JFR's event types, once JFR is initialized in this JVM; null before. */
    private static volatile Active active;
    private static final AtomicBoolean LISTENING = new AtomicBoolean();
    /** Schedulers built and not terminated: each gets a {@code goloom.SchedulerStats} event per period. */
    private static final Set<GoScheduler> LIVE = ConcurrentHashMap.newKeySet();
    /** The latency each scheduler's last stats event was computed from (its interval starts there). */
    private static final Map<GoScheduler, LatencyDistribution> lastLatency = new ConcurrentHashMap<>();

    private SchedulerEvents() {
    }

    /** A scheduler was built: it gets periodic stats events; JFR is watched for (once per JVM). Any thread. */
    static void attach(GoScheduler s) {
        LIVE.add(s);
        if (!LISTENING.get() && LISTENING.compareAndSet(false, true)) {
            listen();
        }
    }

    /** A scheduler terminated: no more stats events for it. Any thread. */
    static void detach(GoScheduler s) {
        LIVE.remove(s);
        lastLatency.remove(s);
    }

    private static void listen() {
        try {
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder recorder) {
                    active = Active.load(); // JFR is initialized now (or already was): its cost is paid
                }
            });
        } catch (LinkageError | RuntimeException e) {
            // jdk.jfr is not in this runtime image, or JFR is not supported here: events stay off
            System.getLogger("dev.goloom.scheduler").log(System.Logger.Level.DEBUG, "goloom: no JFR events", e);
        }
    }

    // ================================================================================================= hooks

    /** A P's token was handed on (see the table); {@code inTaskNanos}: how long its carrier was in the task. */
    static void handoff(Sched sched, P p, M carrier, String reason, long inTaskNanos) {
        Active a = active;
        if (a == null || !a.handoff.isEnabled()) {
            return;
        }
        HandoffEvent e = new HandoffEvent();
        if (e.shouldCommit()) {
            e.scheduler = sched.config.name;
            e.reason = reason;
            e.proc = p.id;
            e.carrier = carrier;
            e.inTask = inTaskNanos;
            e.commit();
        }
    }

    /** Carrier holding {@code thief} stole {@code out.moved()} tasks from {@code victim}. */
    static void steal(Sched sched, P thief, P victim, StealResult out) {
        Active a = active;
        if (a == null || !a.steal.isEnabled()) {
            return;
        }
        StealBatchEvent e = new StealBatchEvent();
        if (e.shouldCommit()) {
            e.scheduler = sched.config.name;
            e.thief = thief.id;
            e.victim = victim.id;
            e.size = out.moved();
            e.runnext = out.outcome() == StealResult.Outcome.RUNNEXT;
            e.commit();
        }
    }

    /** A task is being sampled as it becomes runnable: a begun latency event, or null if the event is off. */
    static Object latencyBegin() {
        Active a = active;
        if (a == null || !a.latency.isEnabled()) {
            return null;
        }
        ScheduleLatencyEvent e = new ScheduleLatencyEvent();
        e.begin();
        return e;
    }

    /** The sampled task of {@code event} (from {@link #latencyBegin}) starts on {@code p}'s carrier now. */
    static void latencyEnd(Object event, Sched sched, P p, Thread goroutine) {
        ScheduleLatencyEvent e = (ScheduleLatencyEvent) event;
        e.end();
        if (e.shouldCommit()) { // enabled, and longer than the threshold
            e.scheduler = sched.config.name;
            e.proc = p.id;
            e.goroutine = goroutine;
            e.commit();
        }
    }

    /** JFR's periodic hook: one stats event per live scheduler. Called on JFR's periodic-task thread. */
    private static void emitStats() {
        for (GoScheduler s : LIVE) {
            SchedulerStatsEvent e = new SchedulerStatsEvent();
            if (!e.shouldCommit()) {
                return;
            }
            SchedulerStats st = s.stats();
            SchedulerMetrics m = s.metrics();
            LatencyDistribution total = m.scheduleLatency();
            LatencyDistribution prev = lastLatency.put(s, total);
            if (!LIVE.contains(s)) {
                lastLatency.remove(s); // detached meanwhile: leave no entry behind
            }
            LatencyDistribution interval = prev == null ? total : total.since(prev);
            e.scheduler = s.name();
            e.maxProcs = m.gomaxprocs();
            e.threads = m.threads();
            e.idleThreads = st.idleThreads();
            e.spinningThreads = st.spinningThreads();
            e.freeTokens = st.freeTokens();
            e.globalQueue = st.globalQueueLength();
            e.goroutines = m.goroutines();
            e.goroutinesCreated = m.goroutinesCreated();
            e.runnable = m.runnable();
            e.running = m.running();
            e.waiting = m.waiting();
            e.notInGo = m.notInGo();
            e.tasksRun = st.tasksRun();
            e.steals = st.steals();
            e.handoffs = st.handoffsSyscall() + st.handoffsBlocked() + st.handoffsBusy();
            e.latencySamples = interval.count();
            e.latencyP50 = interval.p50Nanos();
            e.latencyP99 = interval.p99Nanos();
            e.latencyMax = interval.maxNanos();
            e.commit();
        }
    }

    // ================================================================================================= types

    /** The event types, loaded once JFR is initialized. */
    private static final class Active {
        final EventType handoff = EventType.getEventType(HandoffEvent.class);
        final EventType steal = EventType.getEventType(StealBatchEvent.class);
        final EventType latency = EventType.getEventType(ScheduleLatencyEvent.class);

        static Active load() {
            Active a = new Active();
            FlightRecorder.addPeriodicEvent(SchedulerStatsEvent.class, SchedulerEvents::emitStats);
            return a;
        }
    }

    @Name("goloom.Handoff")
    @Label("goloom Hand-off")
    @Category("goloom")
    @Description("A P's run token was taken from its carrier and given to another carrier")
    @StackTrace(false)
    static final class HandoffEvent extends Event {
        @Label("Scheduler")
        String scheduler;
        @Label("Reason")
        @Description("syscall (Syscall.blocking), blocked (carrier asleep in one task) or busy (CPU hog while work waited)")
        String reason;
        @Label("P")
        int proc;
        @Label("Carrier")
        Thread carrier;
        @Label("In Task")
        @Description("How long the carrier had been in its task (syscall: in the same syscall) when sysmon acted")
        @Timespan(Timespan.NANOSECONDS)
        long inTask;
    }

    @Name("goloom.StealBatch")
    @Label("goloom Steal Batch")
    @Category("goloom")
    @Description("A carrier stole tasks from another P's run queue")
    @Enabled(false)
    @StackTrace(false)
    static final class StealBatchEvent extends Event {
        @Label("Scheduler")
        String scheduler;
        @Label("Thief P")
        int thief;
        @Label("Victim P")
        int victim;
        @Label("Size")
        @Description("Tasks moved, counting the one the thief runs first")
        int size;
        @Label("Runnext")
        @Description("The victim's runnext slot was taken")
        boolean runnext;
    }

    @Name("goloom.ScheduleLatency")
    @Label("goloom Schedule Latency")
    @Category("goloom")
    @Description("A sampled task waited long between becoming runnable and starting on a carrier; the event's "
            + "duration is that wait")
    @Threshold("10 ms")
    @StackTrace(false)
    static final class ScheduleLatencyEvent extends Event {
        @Label("Scheduler")
        String scheduler;
        @Label("P")
        @Description("The P whose carrier started the task")
        int proc;
        @Label("Goroutine")
        @Description("The virtual thread, or null for a plain task")
        Thread goroutine;
    }

    @Name("goloom.SchedulerStats")
    @Label("goloom Scheduler Statistics")
    @Category("goloom")
    @Description("Go's /sched metrics and the main scheduler statistics of one goloom scheduler")
    @Period("1 s")
    @StackTrace(false)
    static final class SchedulerStatsEvent extends Event {
        @Label("Scheduler")
        String scheduler;
        @Label("Max Procs")
        int maxProcs;
        @Label("Carrier Threads")
        int threads;
        @Label("Idle Carriers")
        int idleThreads;
        @Label("Spinning Carriers")
        int spinningThreads;
        @Label("Free Tokens")
        int freeTokens;
        @Label("Global Queue")
        long globalQueue;
        @Label("Goroutines")
        long goroutines;
        @Label("Goroutines Created")
        long goroutinesCreated;
        @Label("Runnable")
        long runnable;
        @Label("Running")
        int running;
        @Label("Waiting")
        long waiting;
        @Label("Not In Go")
        int notInGo;
        @Label("Tasks Run")
        long tasksRun;
        @Label("Steals")
        long steals;
        @Label("Hand-offs")
        long handoffs;
        @Label("Latency Samples")
        @Description("Schedule latencies measured since the previous event of this scheduler")
        long latencySamples;
        @Label("Latency p50")
        @Timespan(Timespan.NANOSECONDS)
        long latencyP50;
        @Label("Latency p99")
        @Timespan(Timespan.NANOSECONDS)
        long latencyP99;
        @Label("Latency Max")
        @Timespan(Timespan.NANOSECONDS)
        long latencyMax;
    }
}
