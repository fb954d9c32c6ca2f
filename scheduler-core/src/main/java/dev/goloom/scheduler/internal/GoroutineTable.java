package dev.goloom.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;

/**
 * The live goroutines of one scheduler, keyed by {@link Thread#threadId()}. Go: {@code allgs}, the list every G is
 * added to when it is created (under {@code allglock}); goloom also removes a goroutine when it ends, because a
 * JVM thread object cannot be reused the way Go reuses a dead G.
 *
 * <p>Why not a {@code ConcurrentHashMap}: every goroutine start and exit pays for the map's node, its hashing and
 * its shared size counter, whose cells the starting and exiting carriers contend on. Here an entry is a
 * {@code long} and a reference in a stripe's open-addressing arrays, the size is per stripe, and a stripe's lock
 * is one CAS that is almost never contended: there are at least four stripes per P.
 *
 * <h2>Contract</h2>
 * <ul>
 *   <li>Any thread may call any method. {@link #add} and {@link #remove} of one id are the caller's pairing: an id
 *       is added at most once while present ({@code admit}), and removed exactly once however many threads try
 *       ({@code taskExited}: the first {@code remove} returns the value, the others null).</li>
 *   <li>{@link #isEmpty()} and {@link #values()} see every entry that is present for the whole call.</li>
 * </ul>
 *
 * <h2>Memory ordering</h2>
 * A stripe's arrays are read and written only under its lock (a CAS to take it, a volatile store of 0 to release
 * it), so each critical section happens-before the next. {@link #add} ends with volatile stores (the stripe's size,
 * then the release), so a caller that then reads a volatile flag (the scheduler's run state, in its Dekker pair
 * with {@code shutdown}) cannot have that read ordered before its entry became visible to {@link #isEmpty()}, which
 * reads every stripe's volatile size.
 *
 * <h2>Memory</h2>
 * A stripe's arrays double when they are half full and never shrink, as {@code allgs} never shrinks: a scheduler
 * that once ran a million goroutines at the same time keeps about 12 bytes per slot of that peak.
 *
 * @param <V> the value kept per goroutine
 */
public final class GoroutineTable<V> {
    private static final int MIN_STRIPES = 8;
    private static final int MAX_STRIPES = 64;
    private static final int INITIAL_SLOTS = 64;
    /** Fibonacci hashing: thread ids are sequential, and the product spreads them over stripes and slots. */
    private static final long SPREAD = 0x9E3779B97F4A7C15L;

    private final Stripe[] stripes;
    private final int stripeShift;

    /**
     * @param procs the scheduler's number of Ps (sets the stripe count: four per P, between 8 and 64)
     * @throws IllegalArgumentException if {@code procs < 1}
     */
    public GoroutineTable(int procs) {
        if (procs < 1) {
            throw new IllegalArgumentException("procs must be >= 1, got " + procs);
        }
        int n = Integer.highestOneBit(Math.min(MAX_STRIPES, Math.max(MIN_STRIPES, 4 * procs) * 2 - 1));
        stripes = new Stripe[n];
        for (int i = 0; i < n; i++) {
            stripes[i] = new Stripe();
        }
        stripeShift = 64 - Integer.numberOfTrailingZeros(n);
    }

    /**
     * Adds {@code value} under {@code id}, which must not be present.
     *
     * @throws IllegalArgumentException if {@code id} is not positive (thread ids are) or {@code value} is null
     * @throws IllegalStateException    if {@code id} is already present
     */
    public void add(long id, V value) {
        if (id <= 0 || value == null) {
            throw new IllegalArgumentException("id must be > 0 and value non-null, got id " + id + ", value " + value);
        }
        long h = id * SPREAD;
        Stripe s = stripes[(int) (h >>> stripeShift)];
        s.lock();
        try {
            s.insert(id, value, h);
        } finally {
            s.unlock();
        }
    }

    /** Removes {@code id}: its value, or null if it is not present (another caller removed it first). */
    @SuppressWarnings("unchecked")
    public V remove(long id) {
        long h = id * SPREAD;
        Stripe s = stripes[(int) (h >>> stripeShift)];
        s.lock();
        try {
            return (V) s.delete(id, h);
        } finally {
            s.unlock();
        }
    }

    /** True if no entry is present; false whenever some entry is present for the whole call. Never blocks. */
    public boolean isEmpty() {
        for (Stripe s : stripes) {
            if (s.size != 0) {
                return false;
            }
        }
        return true;
    }

    /** The number of entries: a moment's sum over the stripes (exact when nothing is added or removed meanwhile). */
    public int size() {
        int n = 0;
        for (Stripe s : stripes) {
            n += s.size;
        }
        return n;
    }

    /**
     * A snapshot of the values, in no particular order: every entry present for the whole call is in it. Takes
     * each stripe's lock in turn for the copy, never more than one at a time.
     */
    @SuppressWarnings("unchecked")
    public List<V> values() {
        List<V> out = new ArrayList<>(size() + 16);
        for (Stripe s : stripes) {
            s.lock();
            try {
                Object[] vals = s.vals;
                for (Object v : vals) {
                    if (v != null) {
                        out.add((V) v);
                    }
                }
            } finally {
                s.unlock();
            }
        }
        return out;
    }

    /**
     * One stripe: linear probing over power-of-two arrays, key 0 meaning empty, deletion by backward shift (no
     * tombstones). Arrays guarded by {@link #lock}; {@link #size} volatile so {@link #isEmpty()} reads it unlocked.
     */
    private static final class Stripe {
        private static final VarHandle LOCK;

        static {
            try {
                LOCK = MethodHandles.lookup().findVarHandle(Stripe.class, "lock", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        /** 0 free, 1 held: a CAS takes it, a volatile store releases it. */
        private volatile int lock;
        /** Written under the lock, read by anyone. */
        volatile int size;
        long[] keys = new long[INITIAL_SLOTS];
        Object[] vals = new Object[INITIAL_SLOTS];

        void lock() {
            if (!LOCK.compareAndSet(this, 0, 1)) {
                lockSlow();
            }
        }

        /**
         * Held for a few array accesses (a resize at worst), so spin; a holder the OS descheduled can keep it for a
         * time slice, so a platform thread then yields its core. Never parks, and a virtual thread never yields
         * here: it may be inside {@code Thread.start()}, which must not unmount it.
         */
        private void lockSlow() {
            int spins = 0;
            for (;;) {
                if (lock == 0 && LOCK.compareAndSet(this, 0, 1)) {
                    return;
                }
                if (++spins % 128 == 0 && !Thread.currentThread().isVirtual()) {
                    Thread.yield();
                } else {
                    Thread.onSpinWait();
                }
            }
        }

        void unlock() {
            lock = 0;
        }

        /** Home slot of hash {@code h} in arrays of {@code length} slots: bits below the stripe bits. */
        private static int home(long h, int length) {
            return (int) (h >>> 16) & (length - 1);
        }

        void insert(long id, Object value, long h) {
            if ((size + 1) * 2 > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            for (int i = home(h, keys.length); ; i = (i + 1) & mask) {
                long k = keys[i];
                if (k == 0) {
                    keys[i] = id;
                    vals[i] = value;
                    size = size + 1;
                    return;
                }
                if (k == id) {
                    throw new IllegalStateException("goroutine " + id + " is already registered");
                }
            }
        }

        Object delete(long id, long h) {
            long[] ks = keys;
            int mask = ks.length - 1;
            int i = home(h, ks.length);
            for (;; i = (i + 1) & mask) {
                long k = ks[i];
                if (k == 0) {
                    return null;
                }
                if (k == id) {
                    break;
                }
            }
            Object old = vals[i];
            // Backward-shift deletion: move later entries of the probe run into the hole when their home slot
            // does not lie cyclically in (hole, j], so that every lookup still finds them without tombstones.
            int hole = i;
            for (int j = (hole + 1) & mask; ks[j] != 0; j = (j + 1) & mask) {
                int homeJ = home(ks[j] * SPREAD, ks.length);
                boolean stays = hole <= j ? (hole < homeJ && homeJ <= j) : (hole < homeJ || homeJ <= j);
                if (!stays) {
                    ks[hole] = ks[j];
                    vals[hole] = vals[j];
                    hole = j;
                }
            }
            ks[hole] = 0;
            vals[hole] = null;
            size = size - 1;
            return old;
        }

        private void grow() {
            long[] oldKeys = keys;
            Object[] oldVals = vals;
            int n = oldKeys.length * 2;
            long[] ks = new long[n];
            Object[] vs = new Object[n];
            int mask = n - 1;
            for (int j = 0; j < oldKeys.length; j++) {
                long k = oldKeys[j];
                if (k != 0) {
                    int i = home(k * SPREAD, n);
                    while (ks[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    ks[i] = k;
                    vs[i] = oldVals[j];
                }
            }
            keys = ks;
            vals = vs;
        }
    }
}
