package dev.goloom.scheduler.internal;

/**
 * The scheduler-wide run queue. Go: {@code sched.runq} with {@code globrunqput}, {@code globrunqputbatch} and
 * {@code globrunqget}, all under {@code sched.lock}.
 *
 * <p>As in Go, it is a plain FIFO under a lock, not a lock-free queue: it is the low-priority path (external
 * submissions, spills of a full local ring, yields), and a lock lets a spill of 129 tasks or a take of a fair
 * share happen in one acquisition. The lock is a never-parking {@link SpinLock} because producers include
 * virtual threads pinned to their carriers. The ring grows by doubling and never shrinks below its initial size.
 *
 * <p>Any thread may call any method. {@link #size()} and {@link #isEmpty()} read a volatile count without the
 * lock: a racy snapshot, exact whenever no put or take is in progress. Every put writes the count (a volatile
 * store, under the lock) after storing the task, so a reader that sees a non-zero count and then takes the lock
 * sees the task.
 */
public final class GlobalRunQueue implements Overflow {
    private final SpinLock lock = new SpinLock();
    private Runnable[] ring;   // guarded by lock
    private int head;          // guarded by lock: index of the oldest task
    private volatile int size; // written under lock; read anywhere
    /** Tasks ever put (Go has no such count). Written under lock with opaque stores; read anywhere, racily. */
    private long puts;
    private static final java.lang.invoke.VarHandle PUTS;

    static {
        try {
            PUTS = java.lang.invoke.MethodHandles.lookup().findVarHandle(GlobalRunQueue.class, "puts", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public GlobalRunQueue(int initialCapacity) {
        if (initialCapacity < 2 || Integer.bitCount(initialCapacity) != 1) {
            throw new IllegalArgumentException("initial capacity must be a power of two >= 2, got "
                    + initialCapacity);
        }
        ring = new Runnable[initialCapacity];
    }

    /** Any thread. Go: globrunqput. */
    public void put(Runnable task) {
        lock.lock();
        try {
            int n = size;
            if (n == ring.length) {
                grow();
            }
            ring[(head + n) & (ring.length - 1)] = task;
            size = n + 1;
            PUTS.setOpaque(this, puts + 1);
        } finally {
            lock.unlock();
        }
    }

    /** Any thread. Appends {@code batch[0 .. n)} in order, in one lock acquisition. Go: globrunqputbatch. */
    @Override
    public void putBatch(Runnable[] batch, int n) {
        lock.lock();
        try {
            int s = size;
            while (s + n > ring.length) {
                grow();
            }
            int mask = ring.length - 1;
            for (int i = 0; i < n; i++) {
                ring[(head + s + i) & mask] = batch[i];
            }
            size = s + n;
            PUTS.setOpaque(this, puts + n);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Any thread. Removes up to {@code max} of the oldest tasks into {@code out[0 ..)}, in one lock acquisition.
     * Go: the taking half of globrunqget.
     *
     * @return the number of tasks moved
     */
    public int take(Runnable[] out, int max) {
        if (size == 0) {
            return 0;
        }
        lock.lock();
        try {
            int n = Math.min(size, max);
            int mask = ring.length - 1;
            for (int i = 0; i < n; i++) {
                int idx = (head + i) & mask;
                out[i] = ring[idx];
                ring[idx] = null; // do not retain finished goroutines
            }
            head = (head + n) & mask;
            size = size - n;
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Any thread. How many tasks were ever put (single and batch puts), a racy snapshot. Counting under the lock
     * the put already holds costs submitters nothing extra (no shared atomic counter on the submit path).
     */
    public long puts() {
        return (long) PUTS.getOpaque(this);
    }

    /** Any thread. Racy snapshot (see class comment). */
    public int size() {
        return size;
    }

    /** Any thread. Racy snapshot (see class comment). */
    public boolean isEmpty() {
        return size == 0;
    }

    private void grow() {
        assert lock.isHeldByCurrentThread();
        Runnable[] old = ring;
        Runnable[] bigger = new Runnable[old.length * 2];
        int mask = old.length - 1;
        for (int i = 0; i < size; i++) {
            bigger[i] = old[(head + i) & mask];
        }
        ring = bigger;
        head = 0;
    }
}
