package dev.goloom.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The scheduler-wide run queue. Go: {@code sched.runq} with {@code globrunqput}, {@code globrunqputbatch} and
 * {@code globrunqget}, all under {@code sched.lock}.
 *
 * <p>As in Go, it is a plain FIFO under a lock, not a lock-free queue: it is the low-priority path (external
 * submissions, spills of a full local ring, yields), and a lock lets a spill of 129 tasks or a take of a fair
 * share happen in one acquisition. The lock is a never-parking {@link SpinLock} because producers include
 * virtual threads pinned to their carriers.
 *
 * <p>Unlike Go's, it holds two FIFOs. {@link #putResumed} is for a goroutine made runnable again by a thread goloom
 * does not own (the JDK's monitor unblocker, timer and poller threads, a platform thread releasing a lock): work
 * already in flight, such as a request half served. {@link #take} serves those first, so that they never wait
 * behind a server dispatcher's backlog of new requests ({@link #put}); the JDK's ForkJoinPool gets the same effect
 * from a queue per submitting thread. So that new work cannot starve, a take that finds fresh tasks waiting after
 * {@link #RESUMED_STREAK} takes that served only resumed ones starts with the fresh ones.
 * docs/adr/0006-external-submissions.md has the numbers.
 *
 * <p>Any thread may call any method. {@link #size()} and {@link #isEmpty()} read a volatile count (both FIFOs)
 * without the lock: a racy snapshot, exact whenever no put or take is in progress. Every put writes the count (a
 * volatile store, under the lock) after storing the task, so a reader that sees a non-zero count and then takes
 * the lock sees the task. The rings grow by doubling and never shrink.
 */
public final class GlobalRunQueue implements Overflow {
    /** Takes in a row that may serve only resumed tasks while fresh ones wait. */
    static final int RESUMED_STREAK = 8;

    private static final VarHandle PUTS;
    private static final VarHandle STARTS;

    static {
        try {
            PUTS = MethodHandles.lookup().findVarHandle(GlobalRunQueue.class, "puts", long.class);
            STARTS = MethodHandles.lookup().findVarHandle(GlobalRunQueue.class, "starts", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A growable FIFO ring. Guarded by the queue's lock. */
    private static final class Fifo {
        Runnable[] ring;
        int head;
        int size;

        Fifo(int capacity) {
            ring = new Runnable[capacity];
        }

        void add(Runnable task) {
            if (size == ring.length) {
                grow(size + 1);
            }
            ring[(head + size) & (ring.length - 1)] = task;
            size++;
        }

        void addAll(Runnable[] batch, int n) {
            grow(size + n);
            int mask = ring.length - 1;
            for (int i = 0; i < n; i++) {
                ring[(head + size + i) & mask] = batch[i];
            }
            size += n;
        }

        /** Moves up to {@code max} of the oldest into {@code out[from ..)}; returns how many. */
        int removeInto(Runnable[] out, int from, int max) {
            int n = Math.min(size, max);
            int mask = ring.length - 1;
            for (int i = 0; i < n; i++) {
                int idx = (head + i) & mask;
                out[from + i] = ring[idx];
                ring[idx] = null; // do not retain finished goroutines
            }
            head = (head + n) & mask;
            size -= n;
            return n;
        }

        private void grow(int needed) {
            if (needed <= ring.length) {
                return;
            }
            int cap = ring.length;
            while (cap < needed) {
                cap *= 2;
            }
            Runnable[] bigger = new Runnable[cap];
            int mask = ring.length - 1;
            for (int i = 0; i < size; i++) {
                bigger[i] = ring[(head + i) & mask];
            }
            ring = bigger;
            head = 0;
        }
    }

    private final SpinLock lock = new SpinLock();
    private final Fifo fresh;   // guarded by lock
    private final Fifo resumed; // guarded by lock
    /** Takes in a row that served only resumed tasks while fresh ones waited. Guarded by lock. */
    private int streak;
    private volatile int size; // both FIFOs; written under lock; read anywhere
    /** Tasks ever put (Go has no such count). Written under lock with opaque stores; read anywhere, racily. */
    private long puts;
    /** Of those, new goroutines ({@link #putNew}). Written and read like {@link #puts}. */
    private long starts;

    public GlobalRunQueue(int initialCapacity) {
        if (initialCapacity < 2 || Integer.bitCount(initialCapacity) != 1) {
            throw new IllegalArgumentException("initial capacity must be a power of two >= 2, got "
                    + initialCapacity);
        }
        fresh = new Fifo(initialCapacity);
        resumed = new Fifo(Math.max(2, initialCapacity / 4));
    }

    /** Any thread. Go: globrunqput. New work, spills and yields: behind everything. */
    public void put(Runnable task) {
        lock.lock();
        try {
            fresh.add(task);
            published(1);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Any thread. {@link #put} for a new goroutine's first run, counted in {@link #starts()} (Go's
     * {@code /sched/goroutines-created} for starts by threads that hold no P).
     */
    public void putNew(Runnable task) {
        lock.lock();
        try {
            fresh.add(task);
            published(1);
            STARTS.setOpaque(this, starts + 1);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Any thread. A goroutine made runnable again by a thread goloom does not own: ahead of {@link #put}'s tasks
     * (see the class comment).
     */
    public void putResumed(Runnable task) {
        lock.lock();
        try {
            resumed.add(task);
            published(1);
        } finally {
            lock.unlock();
        }
    }

    /** Any thread. Appends {@code batch[0 .. n)} in order, in one lock acquisition. Go: globrunqputbatch. */
    @Override
    public void putBatch(Runnable[] batch, int n) {
        lock.lock();
        try {
            fresh.addAll(batch, n);
            published(n);
        } finally {
            lock.unlock();
        }
    }

    private void published(int n) {
        size = size + n;
        PUTS.setOpaque(this, puts + n);
    }

    /**
     * Any thread. Removes up to {@code max} tasks into {@code out[0 ..)}, in one lock acquisition: the oldest
     * resumed ones first, then the oldest fresh ones (fresh first after a streak; see the class comment). Go: the
     * taking half of globrunqget.
     *
     * @return the number of tasks moved
     */
    public int take(Runnable[] out, int max) {
        if (size == 0) {
            return 0;
        }
        lock.lock();
        try {
            int n;
            if (fresh.size > 0 && resumed.size > 0 && streak >= RESUMED_STREAK) {
                streak = 0;
                n = fresh.removeInto(out, 0, max);
                n += resumed.removeInto(out, n, max - n);
            } else {
                n = resumed.removeInto(out, 0, max);
                boolean freshWaiting = fresh.size > 0;
                int f = fresh.removeInto(out, n, max - n);
                streak = f == 0 && freshWaiting ? streak + 1 : 0;
                n += f;
            }
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

    /** Any thread. How many tasks were put with {@link #putNew}, a racy snapshot (see {@link #puts()}). */
    public long starts() {
        return (long) STARTS.getOpaque(this);
    }

    /** Any thread. Racy snapshot (see class comment). */
    public int size() {
        return size;
    }

    /** Any thread. Racy snapshot (see class comment). */
    public boolean isEmpty() {
        return size == 0;
    }
}
