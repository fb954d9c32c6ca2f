package dev.goloom.scheduler.spi;

import java.util.concurrent.ForkJoinTask;

/**
 * The task that sits, never run, at the bottom of every carrier's {@code ForkJoinWorkerThread} queue, so that the
 * JDK sees queued work on the carrier (see {@link Carrier#markQueuedWork()}). Above it are only subtasks that a
 * plain task forked; {@link #runForked()} runs those. Every method is called on a carrier's own thread.
 */
final class QueuedWorkMark extends ForkJoinTask<Void> {
    private QueuedWorkMark() {
    }

    /** Pushes a mark onto the calling carrier's queue. */
    static void markCurrentCarrier() {
        new QueuedWorkMark().fork();
    }

    /** Runs the tasks above the calling carrier's mark, newest first, as a worker pops its own queue. */
    static void runForked() {
        while (getQueuedTaskCount() > 1) {
            ForkJoinTask<?> t = pollTask();
            if (t == null || t instanceof QueuedWorkMark) {
                return; // not expected: the mark is pushed first and never popped before the rest
            }
            t.quietlyInvoke(); // its outcome stays in the task, for whoever joins it
        }
    }

    @Override
    public Void getRawResult() {
        return null;
    }

    @Override
    protected void setRawResult(Void value) {
    }

    /** Never run: nothing but {@link #runForked()} pops this queue, and it leaves the mark. */
    @Override
    protected boolean exec() {
        return false;
    }
}
