package dev.goloom.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A P's local run queue: a bounded lock-free ring plus the one-slot LIFO {@code runnext}.
 * Go: {@code p.runq}, {@code p.runqhead}, {@code p.runqtail}, {@code p.runnext} and the {@code runq*} functions.
 *
 * <h2>Who may call what</h2>
 * <ul>
 *   <li><b>Owner only</b> (the M that holds the P): {@link #offer}, {@link #putNext}, {@link #pollNext},
 *       {@link #poll}, {@link #grabHalf}. Exactly one thread at a time is the producer.</li>
 *   <li><b>Any thread</b> (thieves): {@link #stealInto}, {@link #size}, {@link #isEmpty}, {@link #hasNext},
 *       {@link #nextPuts}. A thief writes only into
 *       its <em>own</em> queue, so {@code stealInto} must be called by the owner of {@code dst}.</li>
 * </ul>
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>{@code head} and {@code tail} are free-running {@code int}s; slot = index &amp; mask. {@code tail - head}
 *       (unsigned wrap-around arithmetic) is in {@code [0, capacity]}.</li>
 *   <li>Only the owner writes {@code tail} and the slots at indices {@code >= tail}. It writes a slot only when
 *       {@code tail - head < capacity} for a {@code head} it read, so it never overwrites a slot in
 *       {@code [head, tail)}.</li>
 *   <li>Consumers (owner or thieves) claim slots by CAS on {@code head}; a claimed slot is never read again.
 *       A thief copies slots <em>before</em> its CAS and discards the copies if the CAS fails, so a slot the owner
 *       overwrote meanwhile is never used (the CAS fails because {@code head} moved past it).</li>
 *   <li>{@code runnext} is set non-null only by the owner; anyone may CAS it to null (owner pop, thief steal).</li>
 * </ol>
 *
 * <h2>Memory ordering</h2>
 * <ul>
 *   <li>Owner: plain slot store, then {@code tail} store-release ({@code soTail}). Pairs with the
 *       load-acquire of {@code tail} ({@code laTail}) in {@link #stealInto} and {@link #size}, so a thief that
 *       sees the new tail sees the slot.</li>
 *   <li>{@code head} is only changed by CAS (volatile semantics). Pairs with the owner's load-acquire of
 *       {@code head} in {@link #offer}: the owner reuses a slot only after seeing the consumer's CAS, which
 *       happened after the consumer's read of that slot.</li>
 *   <li>{@code runnext}: owner {@code getAndSet} (publishes the task), consumers {@code compareAndSet}.</li>
 *   <li>{@code nextPuts}: a heuristic stamp, not part of any invariant. The owner bumps it (opaque store) on every
 *       {@link #putNext}; a thief reads it (opaque) before and after its runnext back-off to tell a runnext that
 *       sat still (its owner is stuck: steal it) from one the owner keeps consuming and refilling (a hand-off
 *       chain: leave it). A stale read only makes the thief steal, or skip, one task early or late.</li>
 * </ul>
 * Stale references: consumed slots are not cleared (a thief cannot know whether the owner reused a slot), so a
 * queue retains at most {@code capacity} references to tasks that already ran, until they are overwritten.
 */
public final class LocalRunQueue extends LocalRunQueueFields {
    /** Go's {@code len(p.runq)}. */
    public static final int DEFAULT_CAPACITY = 256;

    /**
     * @param capacity a power of two &gt;= 2; 256 in production, smaller in tests that want to reach the
     *                 overflow and wrap-around edges
     */
    public LocalRunQueue(int capacity) {
        super(capacity);
    }

    public int capacity() {
        return ring.length;
    }

    // ---------------------------------------------------------------------------------------------- owner only

    /**
     * Owner only. Appends {@code task} at the tail. Go: the fast half of {@code runqput(p, gp, next=false)}.
     *
     * @return false if the ring is full (the caller then spills with {@link #grabHalf}, Go's runqputslow)
     */
    public boolean offer(Runnable task) {
        int h = laHead(); // load-acquire: pairs with consumers' CAS of head (slot reuse)
        int t = tail;     // owner is the only writer: plain read of its own write
        if (t - h < ring.length) {
            ring[t & mask] = task;  // plain store, published by the release below
            soTail(t + 1);          // store-release: pairs with laTail in stealInto/size
            return true;
        }
        return false;
    }

    /**
     * Owner only. Puts {@code task} in {@code runnext} and returns the task it displaced (or null); the caller
     * must {@link #offer} the displaced task to the tail. Go: the {@code next=true} half of {@code runqput}.
     */
    public Runnable putNext(Runnable task) {
        NEXT_PUTS.setOpaque(this, nextPuts + 1); // the owner is the only writer
        return (Runnable) RUNNEXT.getAndSet(this, task); // full barrier: publishes task to thieves' CAS
    }

    /** Owner only. Takes {@code runnext}, or null. A failed CAS means a thief took it: no retry (Go: runqget). */
    public Runnable pollNext() {
        Object n = runnext;
        if (n != null && RUNNEXT.compareAndSet(this, n, null)) {
            return (Runnable) n;
        }
        return null;
    }

    /** Owner only. Takes the oldest task of the ring (not {@code runnext}), or null. Go: runqget's loop. */
    public Runnable poll() {
        for (;;) {
            int h = laHead();
            int t = tail;
            if (t == h) {
                return null;
            }
            Runnable task = ring[h & mask];
            if (casHead(h, h + 1)) { // claims the slot; pairs with the owner's laHead in offer
                return task;
            }
        }
    }

    /**
     * Owner only, and only when the ring is full. Claims the oldest half of the ring with one CAS and copies it
     * into {@code batch[0 .. n)}. Go: the first half of {@code runqputslow}.
     *
     * @return the number of tasks claimed, or 0 if a thief moved {@code head} first (retry {@link #offer})
     */
    public int grabHalf(Runnable[] batch) {
        int h = laHead();
        int t = tail;
        int n = (t - h) / 2;
        if (n != ring.length / 2) {
            return 0; // not full any more: a thief made room
        }
        for (int i = 0; i < n; i++) {
            batch[i] = ring[(h + i) & mask];
        }
        return casHead(h, h + n) ? n : 0;
    }

    // --------------------------------------------------------------------------------------------- any thread

    /**
     * Called by the owner of {@code dst} (a thief) with {@code dst} empty. Moves half (rounded up) of this
     * queue's ring into {@code dst}'s ring, or, if the ring is empty and {@code stealRunNext}, this queue's
     * {@code runnext}. Returns one stolen task for the thief to run now; the rest become visible in {@code dst}.
     * Go: {@code runqsteal} + {@code runqgrab}.
     *
     * @param victimRunning true when the victim P is running: then run {@code runnextBackoff} before taking
     *                      its runnext, because its owner is probably about to run it (Go's usleep(3)), and leave
     *                      it alone if the owner put another runnext meanwhile (see {@code nextPuts})
     * @param stolen       out: {@code stolen[0]} receives the number of tasks moved (including the one returned);
     *                     {@code stolen[1]} is 1 if the task returned was the victim's runnext, -1 if nothing was
     *                     stolen because the victim's runnext was turning over (its owner is running a hand-off
     *                     chain), else 0
     * @return a task, or null if there was nothing to steal
     */
    public Runnable stealInto(LocalRunQueue dst, boolean stealRunNext, boolean victimRunning,
                              Runnable runnextBackoff, int[] stolen) {
        final Runnable[] dring = dst.ring;
        final int dmask = dst.mask;
        final int dt = dst.tail; // dst's owner is the calling thread
        stolen[0] = 0;
        stolen[1] = 0;
        for (;;) {
            int h = laHead();   // load-acquire
            int t = laTail();   // load-acquire: pairs with soTail in offer; slots [h, t) are published
            int n = t - h;
            n = n - n / 2;      // ceil(half)
            if (n == 0) {
                if (stealRunNext) {
                    int puts = (int) NEXT_PUTS.getOpaque(this);
                    Object nx = runnext;
                    if (nx != null) {
                        if (victimRunning) {
                            runnextBackoff.run();
                            if ((int) NEXT_PUTS.getOpaque(this) != puts) {
                                // Go would CAS and, since a goroutine's runnext entry is the same object every
                                // time (ABA), often win and split a ping-pong pair across Ps. Leave it.
                                stolen[1] = -1;
                                return null;
                            }
                        }
                        if (!RUNNEXT.compareAndSet(this, nx, null)) {
                            continue; // owner took it or replaced it: look again
                        }
                        stolen[0] = 1;
                        stolen[1] = 1;
                        return (Runnable) nx;
                    }
                }
                return null;
            }
            if (n > ring.length / 2) {
                continue; // h and t read at different moments: inconsistent snapshot, retry (Go: runqgrab)
            }
            for (int i = 0; i < n; i++) {
                dring[(dt + i) & dmask] = ring[(h + i) & mask]; // plain: published by dst.soTail below
            }
            if (casHead(h, h + n)) { // claims [h, h+n); fails if the owner or another thief consumed any of it
                stolen[0] = n;
                Runnable first = dring[(dt + n - 1) & dmask];
                if (n > 1) {
                    dst.soTail(dt + n - 1); // store-release: the other n-1 become stealable from dst
                }
                return first;
            }
        }
    }

    /** Any thread. Whether runnext holds a task (a racy volatile read). */
    public boolean hasNext() {
        return runnext != null;
    }

    /** Any thread. The runnext put stamp (opaque read): it changes whenever the owner puts a runnext task. */
    public int nextPuts() {
        return (int) NEXT_PUTS.getOpaque(this);
    }

    /** Any thread. Racy snapshot of the number of tasks in the ring plus runnext. */
    public int size() {
        for (;;) {
            int h = laHead();
            int t = laTail();
            if (h == laHead()) { // consistent pair
                int n = t - h;
                if (n < 0) {
                    n = 0;
                }
                return Math.min(n, ring.length) + (runnext != null ? 1 : 0);
            }
        }
    }

    /**
     * Any thread. True if the queue has no task in the ring nor in runnext. Go: {@code runqempty}, which re-reads
     * tail so that a runnext kicked into the ring between the reads is not mistaken for emptiness.
     */
    public boolean isEmpty() {
        for (;;) {
            int h = laHead();
            int t = laTail();
            Object nx = runnext;
            if (laTail() == t) {
                return h == t && nx == null;
            }
        }
    }
}

/** Field layout: cold fields, then {@code head} (written by every consumer), then {@code tail}+runnext (owner). */
abstract class LocalRunQueueCold {
    final Runnable[] ring;
    final int mask;

    LocalRunQueueCold(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("run queue capacity must be a power of two >= 2, got " + capacity);
        }
        ring = new Runnable[capacity];
        mask = capacity - 1;
    }
}

/** 64 bytes of padding so that {@code head} does not share a cache line with the cold fields of this queue. */
abstract class LocalRunQueuePad1 extends LocalRunQueueCold {
    byte p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
    byte p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;
    byte p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;
    byte p30, p31, p32, p33, p34, p35, p36, p37, p38, p39, p3a, p3b, p3c, p3d, p3e, p3f;

    LocalRunQueuePad1(int capacity) {
        super(capacity);
    }
}

abstract class LocalRunQueueHead extends LocalRunQueuePad1 {
    /** Next slot to consume. Changed only by CAS, by the owner and by thieves. */
    volatile int head;

    LocalRunQueueHead(int capacity) {
        super(capacity);
    }
}

/** Keeps the owner-written {@code tail}/{@code runnext} off the line that every thief's CAS on {@code head} dirties. */
abstract class LocalRunQueuePad2 extends LocalRunQueueHead {
    byte q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q0a, q0b, q0c, q0d, q0e, q0f;
    byte q10, q11, q12, q13, q14, q15, q16, q17, q18, q19, q1a, q1b, q1c, q1d, q1e, q1f;
    byte q20, q21, q22, q23, q24, q25, q26, q27, q28, q29, q2a, q2b, q2c, q2d, q2e, q2f;
    byte q30, q31, q32, q33, q34, q35, q36, q37, q38, q39, q3a, q3b, q3c, q3d, q3e, q3f;

    LocalRunQueuePad2(int capacity) {
        super(capacity);
    }
}

abstract class LocalRunQueueFields extends LocalRunQueuePad2 {
    /** Next slot to produce into. Written only by the owner (store-release); read by thieves (load-acquire). */
    int tail;
    /** Go's runnext: the LIFO slot. Set non-null only by the owner; CASed to null by anyone. */
    volatile Object runnext;
    /** Heuristic stamp of runnext puts (see the class comment): owner writes, thieves read, both opaque. */
    int nextPuts;

    static final VarHandle HEAD;
    static final VarHandle NEXT_PUTS;
    static final VarHandle TAIL;
    static final VarHandle RUNNEXT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            HEAD = l.findVarHandle(LocalRunQueueHead.class, "head", int.class);
            TAIL = l.findVarHandle(LocalRunQueueFields.class, "tail", int.class);
            RUNNEXT = l.findVarHandle(LocalRunQueueFields.class, "runnext", Object.class);
            NEXT_PUTS = l.findVarHandle(LocalRunQueueFields.class, "nextPuts", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    LocalRunQueueFields(int capacity) {
        super(capacity);
    }

    final int laHead() {
        return (int) HEAD.getAcquire(this);
    }

    final boolean casHead(int expect, int update) {
        return HEAD.compareAndSet(this, expect, update);
    }

    final int laTail() {
        return (int) TAIL.getAcquire(this);
    }

    final void soTail(int value) {
        TAIL.setRelease(this, value);
    }
}
