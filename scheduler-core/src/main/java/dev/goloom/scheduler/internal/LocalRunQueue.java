package dev.goloom.scheduler.internal;

import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * A P's local run queue, owner's handle: a bounded lock-free ring plus the one-slot LIFO {@code runnext}.
 * Go: {@code p.runq}, {@code p.runqhead}, {@code p.runqtail}, {@code p.runnext} and the {@code runq*} functions.
 *
 * <h2>Two handles (tokio's {@code Local} / {@code Steal})</h2>
 * <ul>
 *   <li>This object is the <b>owner's handle</b>: every method here is for the one thread that holds the P at the
 *       time (its M). Exactly one thread at a time produces. Ownership moves between carriers only through the
 *       scheduler lock or a volatile hand-off ({@code M.nextp}), which orders one owner's writes before the next
 *       owner's reads.</li>
 *   <li>{@link #stealer()} is the <b>view every other thread uses</b> (thieves, sysmon, stats): read-only
 *       snapshots, and the victim side of a steal. A thief never holds another queue's owner handle; it calls
 *       {@link #stealFrom} on its <em>own</em> queue, the only one it may write into.</li>
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
 *       load-acquire of {@code tail} ({@code laTail}) in {@link #stealFrom} and the stealer's snapshots, so a
 *       thief that sees the new tail sees the slot.</li>
 *   <li>{@code head} is only changed by CAS (volatile semantics). Pairs with the owner's load-acquire of
 *       {@code head} in {@link #put}: the owner reuses a slot only after seeing the consumer's CAS, which
 *       happened after the consumer's read of that slot.</li>
 *   <li>{@code runnext}: owner exchange (publishes the task; a full fence), consumers compare-and-set.</li>
 *   <li>{@code nextPuts}: a heuristic stamp, not part of any invariant. The owner bumps it (opaque store) on every
 *       {@link #putNext}; a thief reads it (opaque) before and after its runnext back-off to tell a runnext that
 *       sat still (its owner is stuck: steal it) from one the owner keeps consuming and refilling (a hand-off
 *       chain: leave it). A stale read only makes the thief steal, or skip, one task early or late.</li>
 * </ul>
 * Stale references: consumed slots are not cleared (a thief cannot know whether the owner reused a slot), so a
 * queue retains at most {@code capacity} references to tasks that already ran, until they are overwritten.
 */
public final class LocalRunQueue extends RunQueueLayout.Fields {
    /** Go's {@code len(p.runq)}. */
    public static final int DEFAULT_CAPACITY = 256;

    private final Overflow overflow;
    /** Go's randomizeScheduler shuffle of a spilled batch; null in production. */
    private final RandomGenerator shuffle;
    /** Owner-only scratch for {@link #putSlow} and {@link #drain}: half the ring plus the new task. */
    private final Runnable[] spill;
    private final RunQueueStealer stealer;

    /**
     * @param capacity a power of two &gt;= 2; 256 in production, as small as 2 in tests that want to reach the
     *                 overflow and wrap-around edges
     * @param overflow where a full ring sends half of itself (the scheduler's global queue)
     * @throws IllegalArgumentException if {@code capacity} is not a power of two &gt;= 2
     */
    public LocalRunQueue(int capacity, Overflow overflow) {
        this(capacity, overflow, null);
    }

    /**
     * @param shuffle if non-null, each spilled batch is shuffled with it (Go's {@code randomizeScheduler}, a
     *                test-only mode that shakes out order assumptions)
     */
    public LocalRunQueue(int capacity, Overflow overflow, RandomGenerator shuffle) {
        super(capacity);
        if (overflow == null) {
            throw new IllegalArgumentException("overflow must not be null");
        }
        this.overflow = overflow;
        this.shuffle = shuffle;
        this.spill = new Runnable[capacity / 2 + 1];
        this.stealer = new RunQueueStealer(this);
    }

    /** The view of this queue for every thread other than the owner. Any thread. */
    public RunQueueStealer stealer() {
        return stealer;
    }

    /** Any thread. */
    public int capacity() {
        return ring.length;
    }

    // ---------------------------------------------------------------------------------------------- owner only

    /**
     * Owner only. Appends {@code task} at the tail; if the ring is full, moves its oldest half plus {@code task} to
     * the overflow target. Go: {@code runqput(p, gp, next=false)}.
     *
     * @return 0 if {@code task} went into the ring, else the number of tasks moved to the overflow target
     */
    public int put(Runnable task) {
        return offer(task) ? 0 : putSlow(task);
    }

    /** The fast half of {@link #put}: false if the ring is full. */
    private boolean offer(Runnable task) {
        int h = laHead(); // load-acquire: pairs with consumers' CAS of head (slot reuse)
        int t = tail;     // the owner is the only writer: plain read of its own write
        if (t - h < ring.length) {
            ring[t & mask] = task;  // plain store, published by the release below
            soTail(t + 1);          // store-release: pairs with laTail in stealFrom and the stealer's snapshots
            return true;
        }
        return false;
    }

    /**
     * Go: {@code runqputslow}. The ring was full: claims its oldest half with one CAS and sends it plus
     * {@code task} to the overflow target in one batch, or retries the fast path if a thief made room first.
     */
    private int putSlow(Runnable task) {
        Runnable[] batch = spill;
        for (;;) {
            int n = grabHalf(batch);
            if (n > 0) {
                batch[n] = task;
                if (shuffle != null) {
                    shuffle(batch, n + 1);
                }
                overflow.putBatch(batch, n + 1);
                Arrays.fill(batch, 0, n + 1, null);
                return n + 1;
            }
            if (offer(task)) { // a thief made room first
                return 0;
            }
        }
    }

    private void shuffle(Runnable[] batch, int n) {
        for (int i = n - 1; i > 0; i--) {
            int j = shuffle.nextInt(i + 1);
            Runnable x = batch[i];
            batch[i] = batch[j];
            batch[j] = x;
        }
    }

    /**
     * Owner only, ring full. Claims the oldest half of the ring with one CAS and copies it into {@code batch}.
     *
     * @return the number of tasks claimed, or 0 if a consumer moved {@code head} first
     */
    private int grabHalf(Runnable[] batch) {
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

    /**
     * Owner only. Puts {@code task} in {@code runnext} and returns the task it displaced (or null); the caller
     * must {@link #put} the displaced task. Go: the {@code next=true} half of {@code runqput}.
     */
    public Runnable putNext(Runnable task) {
        soNextPutsOpaque(nextPuts + 1);        // the owner is the only writer
        return (Runnable) xchgRunnext(task);  // full fence: publishes task to consumers' CAS
    }

    /** Owner only. Takes {@code runnext}, or null. A failed CAS means a thief took it: no retry (Go: runqget). */
    public Runnable pollNext() {
        Object n = runnext;
        if (n != null && casRunnext(n, null)) {
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
            if (casHead(h, h + 1)) { // claims the slot; pairs with the owner's laHead in put
                return task;
            }
        }
    }

    /**
     * Owner only. Moves every task (runnext first, then the ring in order) to the overflow target, in batches.
     * Used when the owner must give its P up with work still queued.
     *
     * @return the number of tasks moved
     */
    public int drain() {
        Runnable[] batch = spill;
        int n = 0;
        int moved = 0;
        Runnable t = pollNext();
        if (t != null) {
            batch[n++] = t;
        }
        while ((t = poll()) != null) {
            batch[n++] = t;
            if (n == batch.length) {
                overflow.putBatch(batch, n);
                moved += n;
                n = 0;
            }
        }
        if (n > 0) {
            overflow.putBatch(batch, n);
            moved += n;
        }
        Arrays.fill(batch, null);
        return moved;
    }

    /**
     * Owner only, with this queue empty: steals from {@code victim} into this queue. Moves half (rounded up) of
     * the victim's ring here, or, if its ring is empty and {@code stealRunNext}, its {@code runnext}. Returns one
     * stolen task for the caller to run now; the rest become visible in this queue. Go: {@code runqsteal} +
     * {@code runqgrab}.
     *
     * @param victimRunning true when the victim P is running: then run {@code runnextBackoff} before taking
     *                      its runnext, because its owner is probably about to run it (Go's usleep(3)), and leave
     *                      it alone if the owner put another runnext meanwhile (see {@code nextPuts})
     * @param out           receives what happened (reused by the caller: no allocation per steal)
     * @return a task, or null if nothing was stolen
     */
    public Runnable stealFrom(RunQueueStealer victim, boolean stealRunNext, boolean victimRunning,
                              Runnable runnextBackoff, StealResult out) {
        final LocalRunQueue v = victim.queue;
        final Runnable[] vring = v.ring;
        final int vmask = v.mask;
        final int dt = tail; // this queue's tail: the calling thread is its owner
        out.clear();
        for (;;) {
            int h = v.laHead();   // load-acquire
            int t = v.laTail();   // load-acquire: pairs with soTail in put; slots [h, t) are published
            int n = t - h;
            n = n - n / 2;        // ceil(half)
            if (n == 0) {
                if (!stealRunNext) {
                    return null;
                }
                Runnable next = stealRunnext(v, victimRunning, runnextBackoff, out);
                if (next != RETRY) {
                    return next;
                }
                continue; // the owner took or replaced runnext meanwhile: look at the ring again (Go: runqgrab)
            }
            if (n > vring.length / 2) {
                continue; // h and t read at different moments: inconsistent snapshot, retry (Go: runqgrab)
            }
            for (int i = 0; i < n; i++) {
                ring[(dt + i) & mask] = vring[(h + i) & vmask]; // plain: published by soTail below
            }
            if (v.casHead(h, h + n)) { // claims [h, h+n); fails if the owner or another thief consumed any of it
                out.set(StealResult.Outcome.RING, n);
                Runnable first = ring[(dt + n - 1) & mask];
                if (n > 1) {
                    soTail(dt + n - 1); // store-release: the other n-1 become stealable from here
                }
                return first;
            }
        }
    }

    /** {@link #stealRunnext}'s answer when the victim's runnext changed under it: start over. */
    private static final Runnable RETRY = () -> { };

    /**
     * The runnext half of {@link #stealFrom}: the victim's ring was empty. Returns the stolen task, null if there is
     * nothing to take (or a chain runs there), or {@link #RETRY} if the owner took or replaced runnext meanwhile.
     */
    private static Runnable stealRunnext(LocalRunQueue v, boolean victimRunning, Runnable backoff,
                                         StealResult out) {
        int puts = v.loNextPuts();
        Object nx = v.runnext;
        if (nx == null) {
            return null;
        }
        if (victimRunning) {
            backoff.run();
            if (v.loNextPuts() != puts) {
                // Go would CAS and, since a goroutine's runnext entry is the same object every time (ABA), often
                // win and split a ping-pong pair across Ps. Leave it: a hand-off chain runs there.
                out.set(StealResult.Outcome.CHAIN_SEEN, 0);
                return null;
            }
        }
        if (v.casRunnext(nx, null)) {
            out.set(StealResult.Outcome.RUNNEXT, 1);
            return (Runnable) nx;
        }
        return RETRY;
    }
}
