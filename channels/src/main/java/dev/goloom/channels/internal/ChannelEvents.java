package dev.goloom.channels.internal;

import dev.goloom.channels.Chan;
import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.EventType;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/**
 * The JFR event {@code goloom.ChannelWait}: a blocking send, receive or select that waited longer than the event's
 * threshold (20 ms by default, like the JDK's {@code jdk.ThreadPark}), with the waiting thread's stack. Its duration
 * is the wait, from parking to completion, timeout or interrupt.
 *
 * <h2>Cost</h2>
 * Only blocking operations reach this class; the fast paths never do. Loading JFR's event machinery costs a JVM
 * hundreds of milliseconds, so nothing here touches it until JFR is initialized: the first blocking operation
 * registers a {@link FlightRecorderListener} (a few milliseconds, once per JVM), whose callback loads the event
 * type. Until then {@link #begin()} is one volatile read and a null check, then also an
 * {@link EventType#isEnabled()} read; it allocates an event only while the event is enabled in a running recording.
 *
 * <h2>Threading</h2>
 * {@link #begin()} and {@link #end} are called by the waiting thread, on the same event object, before and after it
 * parks. {@link #type} is written once by JFR's initialization callback and read racily.
 */
public final class ChannelEvents {
    /** The wait ended with a transfer. */
    public static final int COMPLETED = 0;
    /** The channel was closed (a receive got the zero value; a send throws). */
    public static final int CLOSED = 1;
    /** A timed operation gave up. */
    public static final int TIMED_OUT = 2;
    /** The thread was interrupted and gave up. */
    public static final int INTERRUPTED = 3;
    /** Deadlock detection withdrew the operation ({@code DeadlockException}). */
    public static final int DEADLOCK = 4;

    private static final String[] OUTCOMES = {"completed", "closed", "timed out", "interrupted", "deadlock"};

    /** {@code goloom.ChannelWait}'s type once JFR is initialized; null before. */
    private static volatile EventType type;

    static {
        try {
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder recorder) {
                    type = EventType.getEventType(ChannelWaitEvent.class);
                }
            });
        } catch (LinkageError | RuntimeException e) {
            // jdk.jfr is not in this runtime image, or JFR is not supported here: the event stays off
            System.getLogger("dev.goloom.channels").log(System.Logger.Level.DEBUG, "goloom: no JFR events", e);
        }
    }

    private ChannelEvents() {
    }

    /** The calling thread is about to park in a channel operation: a begun event, or null if the event is off. */
    public static Object begin() {
        EventType t = type;
        if (t == null || !t.isEnabled()) {
            return null;
        }
        ChannelWaitEvent e = new ChannelWaitEvent();
        e.begin();
        return e;
    }

    /**
     * The wait begun with {@link #begin()} is over; commits the event if it lasted longer than the threshold.
     *
     * @param event     what {@link #begin()} returned (null: nothing to do)
     * @param operation Go's wait reason: {@code "chan send"}, {@code "chan receive"} or {@code "select"}
     * @param channel   the channel waited on (for a select, the winning case's), or null (a select that gave up)
     * @param cases     1 for a send or receive; the number of cases of a select
     * @param outcome   {@link #COMPLETED}, {@link #CLOSED}, {@link #TIMED_OUT}, {@link #INTERRUPTED} or {@link #DEADLOCK}
     */
    public static void end(Object event, String operation, Chan<?> channel, int cases, int outcome) {
        if (event == null) {
            return;
        }
        ChannelWaitEvent e = (ChannelWaitEvent) event;
        e.end();
        if (e.shouldCommit()) {
            e.operation = operation;
            if (channel != null) {
                e.channel = channel.toString();
                e.channelId = ChanOps.get().id(channel);
                e.capacity = channel.cap();
            }
            e.cases = cases;
            e.outcome = OUTCOMES[outcome];
            e.commit();
        }
    }

    @Name("goloom.ChannelWait")
    @Label("goloom Channel Wait")
    @Category("goloom")
    @Description("A blocking channel send, receive or select that waited longer than the threshold")
    @Threshold("20 ms")
    static final class ChannelWaitEvent extends Event {
        @Label("Operation")
        @Description("Go's wait reason: chan send, chan receive or select")
        String operation;
        @Label("Channel")
        @Description("The channel (for a select, the case that completed; none if it timed out or was interrupted)")
        String channel;
        @Label("Channel Id")
        long channelId;
        @Label("Capacity")
        int capacity;
        @Label("Cases")
        @Description("1 for a send or receive; the number of cases of a select")
        int cases;
        @Label("Outcome")
        @Description("completed, closed, timed out, interrupted or deadlock")
        String outcome;
    }
}
