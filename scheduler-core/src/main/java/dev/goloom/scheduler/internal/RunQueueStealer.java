package dev.goloom.scheduler.internal;

/**
 * The view of a {@link LocalRunQueue} for every thread other than its owner: thieves, sysmon and stats. Any thread
 * may call any method. The snapshots are racy (a queue can change right after); the victim side of a steal is
 * {@link LocalRunQueue#stealFrom}, called by the thief on its own queue with this view.
 */
public final class RunQueueStealer {
    final LocalRunQueue queue;

    RunQueueStealer(LocalRunQueue queue) {
        this.queue = queue;
    }

    /** Any thread. Whether runnext holds a task (a racy volatile read). */
    public boolean hasNext() {
        return queue.runnext != null;
    }

    /** Any thread. The runnext put stamp (opaque read): it changes whenever the owner puts a runnext task. */
    public int nextPuts() {
        return queue.loNextPuts();
    }

    /** Any thread. Racy snapshot of the number of tasks in the ring plus runnext. */
    public int size() {
        LocalRunQueue q = queue;
        for (;;) {
            int h = q.laHead();
            int t = q.laTail();
            if (h == q.laHead()) { // consistent pair
                int n = Math.max(t - h, 0);
                return Math.min(n, q.ring.length) + (q.runnext != null ? 1 : 0);
            }
        }
    }

    /** Any thread. Racy snapshot of the number of tasks in the ring, runnext aside. */
    public int ringSize() {
        LocalRunQueue q = queue;
        for (;;) {
            int h = q.laHead();
            int t = q.laTail();
            if (h == q.laHead()) {
                return Math.min(Math.max(t - h, 0), q.ring.length);
            }
        }
    }

    /**
     * Any thread. True if the queue has no task in the ring nor in runnext. Go: {@code runqempty}, which re-reads
     * tail so that a runnext kicked into the ring between the reads is not mistaken for emptiness.
     */
    public boolean isEmpty() {
        LocalRunQueue q = queue;
        for (;;) {
            int h = q.laHead();
            int t = q.laTail();
            Object nx = q.runnext;
            if (q.laTail() == t) {
                return h == t && nx == null;
            }
        }
    }
}
