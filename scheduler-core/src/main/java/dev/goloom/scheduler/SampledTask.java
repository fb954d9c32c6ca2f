package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.TaskSupport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A runnable task wrapped, when it became runnable, to measure its schedule latency: the time until a carrier
 * starts it. Go tracks the same on the goroutine ({@code g.runnableTime}, for 1 in 8 goroutines); goloom cannot add
 * fields to the JDK's continuation tasks, so a sampled task travels through the run queues (local ring, runnext,
 * spills, steals, the global queue) inside this wrapper instead, and {@code M.execute} unwraps it
 * ({@link #dispatched}) before anything looks at the task itself. Nothing else in the scheduler compares queued
 * tasks by identity or asks {@link TaskSupport} about them.
 *
 * <p>Which submissions are sampled: {@link P#maybeSample} (a submission on a carrier) and
 * {@code GoScheduler.execute} (from any other thread); see {@link SchedulerMetrics}.
 *
 * <h2>Reuse and threading</h2>
 * Each P keeps one reusable wrapper ({@link #reusable}); when it is still in a queue, a sample gets a fresh one.
 * <ul>
 *   <li>{@link #claim} and {@link #fill}: the owner of the wrapper's P (the submitting carrier), before the
 *       wrapper is published in a queue; plain writes, published by the queue's own release (ring tail store,
 *       runnext exchange, global queue lock).</li>
 *   <li>{@link #dispatched}: the carrier that took it from a queue (acquire through the same queue), once. It
 *       reads every field, clears them, then frees a reusable wrapper with a release store of {@link #busy}, so
 *       the owner's next {@link #claim} (acquire) happens after those reads.</li>
 * </ul>
 * Invariant: a wrapper is in at most one queue at a time, and {@link #busy} is true from its claim until its
 * dispatch.
 */
final class SampledTask implements Runnable {
    private static final VarHandle BUSY;

    static {
        try {
            BUSY = MethodHandles.lookup().findVarHandle(SampledTask.class, "busy", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One per P, claimed and refilled again and again; the others are used once. */
    final boolean reusable;
    /** See the class comment; written by the claimer, read and cleared by the dispatcher. */
    private Runnable task;
    private long readyNanos;
    /** A begun JFR {@code goloom.ScheduleLatency} event, or null (JFR off, or the event disabled). */
    private Object event;
    /** Reusable wrappers only: claimed and not yet dispatched. */
    private boolean busy;

    SampledTask(boolean reusable) {
        this.reusable = reusable;
    }

    /** Takes a reusable wrapper for a new sample; false if it is still queued. Owner of its P only. */
    boolean claim() {
        if ((boolean) BUSY.getAcquire(this)) { // pairs with dispatched's release store
            return false;
        }
        busy = true; // plain: published with the wrapper by the queue
        return true;
    }

    /** Sets the sample. The claimer only, before publishing the wrapper. */
    SampledTask fill(Runnable task, long readyNanos, Object event) {
        this.task = task;
        this.readyNanos = readyNanos;
        this.event = event;
        return this;
    }

    /**
     * The dispatching carrier took this wrapper from a queue and holds P {@code pp}: records the latency in
     * {@code pp}'s histogram, ends the JFR event if any, frees the wrapper, and returns the task to run. Called by
     * {@code pp}'s owner only, once per fill.
     */
    Runnable dispatched(Sched sched, P pp) {
        Runnable t = task;
        long latency = System.nanoTime() - readyNanos;
        Object ev = event;
        task = null;
        event = null;
        if (reusable) {
            BUSY.setRelease(this, false); // after the reads above: pairs with claim's acquire
        }
        pp.latency.record(latency);
        if (ev != null) {
            SchedulerEvents.latencyEnd(ev, sched, pp, TaskSupport.get().threadOf(t));
        }
        return t;
    }

    /**
     * Not called by the scheduler ({@code M.execute} unwraps with {@link #dispatched}); runs the task, unmeasured,
     * should anything else ever run a queued task directly.
     */
    @Override
    public void run() {
        Runnable t = task;
        task = null;
        event = null;
        if (reusable) {
            BUSY.setRelease(this, false);
        }
        t.run();
    }

    @Override
    public String toString() {
        return "SampledTask[" + task + "]";
    }
}
