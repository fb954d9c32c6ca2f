package dev.goloom.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One P's timers: a 4-ary min-heap keyed by deadline ({@code when}, in {@link System#nanoTime()} units). Go:
 * {@code p.timers} (Go 1.23's {@code timers} struct with its own lock, its {@code heap []timerWhen} and
 * {@code minWhenHeap}), with {@code addHeap}, {@code deleteMin}, {@code siftUp}/{@code siftDown}.
 *
 * <h2>Invariants (whenever {@link #lock} is free)</h2>
 * <ul>
 *   <li>{@code whens[0..size)} is a 4-ary min-heap: the children of slot {@code i} are {@code 4i+1 .. 4i+4}, each
 *       with a {@code when} no smaller than slot {@code i}'s. {@code nodes[i]} is the timer of {@code whens[i]}
 *       (the deadline is copied beside the node, as Go does, so sifting never dereferences a node).</li>
 *   <li>A node is in at most one heap: {@code node.heap == this} and {@code nodes[node.index] == node} exactly
 *       while it is in this heap; otherwise {@code node.heap == null} and {@code node.index == -1}.</li>
 *   <li>{@link #earliest()} is {@code whens[0]}, or {@link #NONE} when empty (Go: {@code timer0When}); it is
 *       written under the lock and read without it.</li>
 * </ul>
 *
 * <h2>Locking and callers</h2>
 * Every method may be called by any thread. The mutators take {@link #lock}, a never-parking {@link SpinLock}:
 * timers are added from goroutines that may be pinned (a park there would park the carrier), and run by carriers
 * in their scheduling loop. Critical sections only move array slots: nothing runs a timer's action, unparks, or
 * takes another lock while holding it, with one exception: {@link #moveAllTo} holds this heap's lock and then the
 * target's. The scheduler makes those moves only under its own lock, one at a time, so at most one thread ever holds
 * two heap locks and no cycle can form; this lock ranks below every other goloom lock. A node's heap changes only in
 * such a move (a P removed by {@code setMaxProcs} hands its timers to a live P), so {@link #cancel} finds a node's
 * heap through the node and follows it if it moved meanwhile.
 *
 * <h2>Closing</h2>
 * {@link #moveAllTo} closes the heap it empties: from then on {@link #add} refuses ({@link #CLOSED}), so that a
 * thread that picked this heap from a stale list of Ps picks again instead of leaving a timer where nobody looks.
 * {@link #reopen()} undoes it when the P comes back.
 *
 * <p>Deadlines are compared with {@code <}, not by subtraction: callers saturate {@code now + delay} below
 * {@link #NONE} (HotSpot's {@code nanoTime} is a monotonic clock far from overflow).
 */
public final class TimerHeap {
    /** "No timer": the {@link #earliest()} of an empty heap, and later than any deadline. */
    public static final long NONE = Long.MAX_VALUE;
    /** {@link #add}: added, and now the earliest timer. */
    public static final int EARLIEST = 1;
    /** {@link #add}: added behind an earlier timer. */
    public static final int ADDED = 0;
    /** {@link #add}: not added, the heap is closed. */
    public static final int CLOSED = -1;

    private static final VarHandle EARLIEST_WHEN;
    private static final VarHandle SIZE;
    private static final VarHandle RUNNER;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            EARLIEST_WHEN = l.findVarHandle(TimerHeap.class, "earliest", long.class);
            SIZE = l.findVarHandle(TimerHeap.class, "size", int.class);
            RUNNER = l.findVarHandle(TimerHeap.class, "runner", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * What a heap holds: extended by the scheduler's timer class. The fields are this heap's bookkeeping, guarded
     * by the lock of the heap that holds the node.
     */
    public abstract static class Node {
        /** Slot in {@link #heap}'s arrays, or -1. Guarded by that heap's lock. */
        int index = -1;
        /** The heap holding this node, or null (written under that heap's lock, read without it by cancel). */
        volatile TimerHeap heap;

        /** For subclasses. */
        protected Node() {
        }

        /** True while the node sits in some heap (a racy snapshot). */
        public final boolean inHeap() {
            return heap != null;
        }
    }

    private final SpinLock lock = new SpinLock();
    private Node[] nodes = new Node[8];
    private long[] whens = new long[8];
    /** Timers held. Written under the lock (opaque store); read anywhere with {@link #size()}. */
    private int size;
    /** Set by {@link #moveAllTo}, cleared by {@link #reopen}; while set, {@link #add} refuses. Guarded by the lock. */
    private boolean closed;
    /** {@code whens[0]} or {@link #NONE}. Written under the lock (volatile store); read anywhere. */
    @SuppressWarnings("unused")
    private volatile long earliest = NONE;

    /**
     * Go: {@code timers.addHeap}. Adds {@code node} with deadline {@code when}, unless the heap is closed. Any
     * thread.
     *
     * @return {@link #EARLIEST} if {@code node} is now this heap's earliest timer (the caller may have to wake a
     *         sleeper), {@link #ADDED} if it was added behind others, {@link #CLOSED} if it was not added because
     *         the heap is closed (its P was removed: add it to a live P's heap)
     * @throws IllegalStateException if {@code node} is already in a heap
     */
    public int add(Node node, long when) {
        if (when == NONE) {
            when = NONE - 1; // NONE means "empty"
        }
        lock.lock();
        try {
            if (node.heap != null) {
                throw new IllegalStateException("timer already scheduled");
            }
            if (closed) {
                return CLOSED;
            }
            int i = size;
            if (i == nodes.length) {
                nodes = Arrays.copyOf(nodes, i * 2);
                whens = Arrays.copyOf(whens, i * 2);
            }
            node.heap = this;
            siftUp(i, node, when);
            SIZE.setOpaque(this, i + 1);
            if (node.index == 0) {
                EARLIEST_WHEN.setVolatile(this, when);
                return EARLIEST;
            }
            return ADDED;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Go: {@code timer.stop}'s heap half. Removes {@code node} from whatever heap holds it, following it if
     * {@link #moveAllTo} moves it meanwhile. Any thread.
     *
     * @return true if it was removed; false if it was in no heap (already taken to run, cancelled, or dropped)
     */
    public static boolean cancel(Node node) {
        for (;;) {
            TimerHeap h = node.heap;
            if (h == null) {
                return false;
            }
            if (h.remove(node)) {
                return true;
            }
            // Not in h any more: taken to run or cancelled (heap now null), or moved (heap now another one, written
            // under h's lock, which remove just took, so this read sees it).
        }
    }

    /** Removes {@code node} if this heap holds it. Any thread. */
    private boolean remove(Node node) {
        lock.lock();
        try {
            if (node.heap != this) {
                return false;
            }
            removeAt(node.index);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** 1 while some thread runs this heap's due timers ({@link #tryStartRun}); 0 otherwise. */
    @SuppressWarnings("unused") // through RUNNER
    private volatile int runner;

    /**
     * Claims the right to run this heap's due timers, so that one thread at a time takes and runs them and their
     * actions start in deadline order (two carriers late on the same heap would otherwise interleave them). A
     * thread that fails to claim it skips the heap: the holder runs every timer due when it looks. Any thread;
     * pair a true result with {@link #endRun()}.
     */
    public boolean tryStartRun() {
        return RUNNER.compareAndSet(this, 0, 1);
    }

    /** Gives back {@link #tryStartRun()}'s claim (a volatile write). The claim's holder only. */
    public void endRun() {
        RUNNER.setVolatile(this, 0);
    }

    /**
     * Go: the heap half of {@code timers.check}/{@code run}. Takes up to {@code out.length} timers whose deadline
     * is at or before {@code now}, earliest first, into {@code out}; each leaves the heap (so a later
     * {@link #cancel} of it returns false). The caller runs them after this returns, without the lock. Any thread.
     *
     * @return how many were taken (0 if none is due)
     */
    public int takeDue(long now, Node[] out) {
        if ((long) EARLIEST_WHEN.getVolatile(this) > now) {
            return 0; // lock-free fast path (Go: checkTimers' timer0When look)
        }
        lock.lock();
        try {
            int n = 0;
            while (n < out.length && size > 0 && whens[0] <= now) {
                out[n++] = nodes[0];
                removeAt(0);
            }
            return n;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Moves every timer of this heap to {@code target} and closes this heap (Go: procresize's {@code moveTimers}
     * from a destroyed P to the current one). Each node keeps its deadline; a concurrent {@link #cancel} finds it in
     * {@code target}. Any thread, but moves must not overlap: the scheduler makes them under its own lock, which
     * also keeps {@code target} open (see the class comment, "Locking and callers").
     *
     * @return the earliest deadline moved, or {@link #NONE} if none was (then {@code target}'s earliest is
     *         unchanged; otherwise the caller may have to wake a sleeper, as after {@link #add})
     * @throws IllegalArgumentException if {@code target} is this heap
     * @throws IllegalStateException    if {@code target} is closed
     */
    public long moveAllTo(TimerHeap target) {
        if (target == this) {
            throw new IllegalArgumentException("target must be another heap");
        }
        lock.lock();
        try {
            closed = true;
            int n = size;
            if (n == 0) {
                return NONE;
            }
            long first = whens[0];
            target.lock.lock();
            try {
                if (target.closed) {
                    throw new IllegalStateException("target heap is closed");
                }
                for (int i = 0; i < n; i++) {
                    Node node = nodes[i];
                    long when = whens[i];
                    nodes[i] = null;
                    int j = target.size;
                    if (j == target.nodes.length) {
                        target.nodes = Arrays.copyOf(target.nodes, j * 2);
                        target.whens = Arrays.copyOf(target.whens, j * 2);
                    }
                    target.siftUp(j, node, when); // sets node.index in target
                    SIZE.setOpaque(target, j + 1);
                    node.heap = target;           // volatile: a cancel that failed on this heap re-reads it
                }
                EARLIEST_WHEN.setVolatile(target, target.whens[0]);
            } finally {
                target.lock.unlock();
            }
            SIZE.setOpaque(this, 0);
            EARLIEST_WHEN.setVolatile(this, NONE);
            return first;
        } finally {
            lock.unlock();
        }
    }

    /** Opens a heap that {@link #moveAllTo} closed (its P is back). Any thread. */
    public void reopen() {
        lock.lock();
        try {
            closed = false;
        } finally {
            lock.unlock();
        }
    }

    /** True if {@link #moveAllTo} closed this heap and it was not reopened. Any thread; takes the lock. */
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Drops every timer (the scheduler terminated: nobody will run them). Afterwards {@link #cancel} of any of
     * them returns false. Any thread.
     *
     * @return how many were dropped
     */
    public int clear() {
        lock.lock();
        try {
            int n = size;
            for (int i = 0; i < n; i++) {
                nodes[i].heap = null;
                nodes[i].index = -1;
                nodes[i] = null;
            }
            SIZE.setOpaque(this, 0);
            EARLIEST_WHEN.setVolatile(this, NONE);
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Go: {@code timer0When}. The earliest deadline, or {@link #NONE}; a volatile read. Any thread. */
    public long earliest() {
        return (long) EARLIEST_WHEN.getVolatile(this);
    }

    /** Timers held (a racy snapshot). Any thread. */
    public int size() {
        return (int) SIZE.getOpaque(this);
    }

    // ------------------------------------------------------------------------------------- under the lock

    /** Removes slot {@code i} and restores the heap. Requires the lock. */
    private void removeAt(int i) {
        assert lock.isHeldByCurrentThread();
        Node gone = nodes[i];
        gone.heap = null;
        gone.index = -1;
        int last = size - 1;
        Node moved = nodes[last];
        long movedWhen = whens[last];
        nodes[last] = null;
        SIZE.setOpaque(this, last);
        if (i != last) {
            // The last node fills the hole: it may belong above it (a smaller when) or below it.
            if (i > 0 && movedWhen < whens[(i - 1) >>> 2]) {
                siftUp(i, moved, movedWhen);
            } else {
                siftDown(i, moved, movedWhen);
            }
        }
        EARLIEST_WHEN.setVolatile(this, last == 0 ? NONE : whens[0]);
    }

    /** Places {@code node} at hole {@code i} or above it, moving larger parents down. Requires the lock. */
    private void siftUp(int i, Node node, long when) {
        while (i > 0) {
            int parent = (i - 1) >>> 2;
            if (whens[parent] <= when) {
                break;
            }
            put(i, nodes[parent], whens[parent]);
            i = parent;
        }
        put(i, node, when);
    }

    /** Places {@code node} at hole {@code i} or below it, moving the smallest child up. Requires the lock. */
    private void siftDown(int i, Node node, long when) {
        int n = size;
        for (;;) {
            int first = 4 * i + 1;
            if (first >= n) {
                break;
            }
            int min = first;
            int end = Math.min(first + 4, n);
            for (int c = first + 1; c < end; c++) {
                if (whens[c] < whens[min]) {
                    min = c;
                }
            }
            if (whens[min] >= when) {
                break;
            }
            put(i, nodes[min], whens[min]);
            i = min;
        }
        put(i, node, when);
    }

    private void put(int i, Node node, long when) {
        nodes[i] = node;
        whens[i] = when;
        node.index = i;
    }

    /** Checks the heap invariants (tests). Any thread; takes the lock. */
    public boolean invariantsHold() {
        lock.lock();
        try {
            for (int i = 0; i < size; i++) {
                if (nodes[i].index != i || nodes[i].heap != this || (i > 0 && whens[(i - 1) >>> 2] > whens[i])) {
                    return false;
                }
            }
            return earliest == (size == 0 ? NONE : whens[0]);
        } finally {
            lock.unlock();
        }
    }
}
