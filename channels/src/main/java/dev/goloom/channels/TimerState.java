package dev.goloom.channels;

import dev.goloom.channels.internal.SpinLocks;
import dev.goloom.channels.internal.TimerSupport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Instant;

/**
 * The state behind a {@link Timer}, a {@link Ticker} and {@link Chans#after}: Go 1.23's channel timer. Go:
 * {@code time.go}'s {@code timer} with {@code isChan}, {@code seq}, {@code stop}/{@code modify}/{@code reset}.
 *
 * <h2>No stale values (Go 1.23)</h2>
 * Every arming gets a new sequence number {@link #seq}; a firing ({@link Fire}) sends only if its sequence number
 * is still current and the timer is still {@link #armed}, and it checks and sends under {@link #lock}.
 * {@link #stop} and {@link #reset} take the same lock, bump {@link #seq}, and drain a value that a firing already
 * buffered but nobody received. So once either returns, no value prepared before the call can be received: a
 * firing that lost the race sees a new sequence number and sends nothing.
 *
 * <h2>Garbage</h2>
 * A scheduled firing holds this state, and this state holds its channel only through a {@link WeakReference}, so
 * a timer nobody references (neither the {@code Timer}/{@code Ticker} object nor its channel) is collected even if
 * never stopped. Its heap entry is removed when the reference is cleared ({@link #expunge}, run whenever a timer
 * is armed), so a loop of {@code Chans.after(hour)} does not grow the timer heaps beyond what the collector has
 * not yet found. A goroutine blocked receiving keeps the channel reachable through its own stack (goloom tracks
 * live goroutines; platform threads are roots), so a waited-for timer always fires.
 *
 * <h2>The lock</h2>
 * A test-and-test-and-set spin lock (never parks: firings run on goloom carriers). Held for a few field writes, a
 * non-blocking {@code trySend}/{@code tryRecv} (which may unpark a receiver); never while scheduling or
 * cancelling a timer. Lock order: this lock, then the channel's.
 */
final class TimerState {
    private static final VarHandle LOCK;
    /** Cleared references of collected timer channels: their heap entries are removed by {@link #expunge}. */
    private static final ReferenceQueue<Chan<Instant>> COLLECTED = new ReferenceQueue<>();

    static {
        try {
            LOCK = MethodHandles.lookup().findVarHandle(TimerState.class, "lock", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The channel, weakly; registered with {@link #COLLECTED}. */
    private static final class ChanRef extends WeakReference<Chan<Instant>> {
        final TimerState state;

        ChanRef(Chan<Instant> c, TimerState state) {
            super(c, COLLECTED);
            this.state = state;
        }
    }

    /** One arming's firing. Holds the state strongly, never the channel. */
    private static final class Fire implements Runnable {
        final TimerState state;
        final long seq;

        Fire(TimerState state, long seq) {
            this.state = state;
            this.seq = seq;
        }

        @Override
        public void run() {
            state.fire(this);
        }
    }

    private final ChanRef chan;
    /** 0: one-shot ({@link Timer}); otherwise the {@link Ticker}'s period. Guarded by {@link #lock}. */
    private long period;
    /** Go: timer.seq. Guarded by {@link #lock}. */
    private long seq;
    /** A firing of {@link #seq} is pending (one-shot: not yet sent; ticker: not stopped). Guarded by lock. */
    private boolean armed;
    /** Deadline of the pending firing ({@code nanoTime}). Guarded by {@link #lock}. */
    private long when;
    /** The pending firing's timer handle ({@link TimerSupport#cancel}), or null. Guarded by {@link #lock}. */
    private Object handle;
    @SuppressWarnings("unused")
    private int lock;

    TimerState(Chan<Instant> c) {
        this.chan = new ChanRef(c, this);
    }

    /** Removes the heap entries of timers whose channels were collected. Any thread. */
    static void expunge() {
        for (Object r; (r = COLLECTED.poll()) != null; ) {
            ((ChanRef) r).state.stopInternal(null);
        }
    }

    /**
     * Arms the timer: a firing {@code delayNanos} from now (at once if not positive), then every {@code period}
     * nanoseconds if {@code period > 0}. Go: {@code timer.reset} / {@code modify}.
     *
     * @return true if the timer was pending (armed and not yet fired or received) before this call
     */
    boolean reset(long delayNanos, long newPeriod) {
        expunge();
        Chan<Instant> c = chan.get();
        long now = System.nanoTime();
        lock();
        boolean pending = armed;
        Object old = handle;
        handle = null;
        long mySeq = ++seq;
        period = newPeriod;
        armed = true;
        when = delayNanos <= 0 ? now : saturatedAdd(now, delayNanos);
        boolean drained = c != null && c.tryRecv() != null; // Go 1.23: no stale value after reset
        if (delayNanos <= 0 && newPeriod == 0 && c != null) {
            armed = false; // fires at once, synchronously: the value is receivable when reset returns
            c.trySend(Instant.now());
            unlock();
            cancel(old);
            return pending || drained;
        }
        unlock();
        cancel(old);
        arm(mySeq, delayNanos);
        return pending || drained;
    }

    /**
     * Go: {@code timer.stop}. No firing after this returns, and a value fired but not received is drained.
     *
     * @return true if this call stopped a pending firing (or drained a value nobody had received)
     */
    boolean stop() {
        return stopInternal(chan.get());
    }

    private boolean stopInternal(Chan<Instant> c) {
        lock();
        boolean pending = armed;
        armed = false;
        seq++;
        Object old = handle;
        handle = null;
        boolean drained = c != null && c.tryRecv() != null;
        unlock();
        cancel(old);
        return pending || drained;
    }

    /** Whether a firing is pending (not stopped; for a one-shot timer, not yet fired). */
    boolean isArmed() {
        lock();
        boolean a = armed;
        unlock();
        return a;
    }

    /** Schedules the firing of arming {@code mySeq}, outside the lock, and records its handle if still current. */
    private void arm(long mySeq, long delayNanos) {
        Object h = TimerSupport.schedule(delayNanos, new Fire(this, mySeq));
        lock();
        boolean current = seq == mySeq && armed;
        if (current) {
            handle = h;
        }
        unlock();
        if (!current) {
            TimerSupport.cancel(h); // stopped or reset meanwhile
        }
    }

    /** A firing: send the time if {@code f}'s arming is still current; a ticker re-arms for its next period. */
    private void fire(Fire f) {
        Chan<Instant> c = chan.get();
        if (c == null) {
            return; // collected: nobody can receive
        }
        long delay;
        lock();
        try {
            if (seq != f.seq || !armed) {
                return; // stopped or reset after this firing was scheduled: never a stale value
            }
            handle = null;
            c.trySend(Instant.now()); // a full buffer (a tick nobody took) drops this one, as in Go
            if (period == 0) {
                armed = false;
                return;
            }
            long now = System.nanoTime();
            long next = saturatedAdd(when, period);
            if (next <= now) { // Go: skip the ticks a slow carrier missed
                long missed = (now - when) / period;
                next = saturatedAdd(when, saturatedMul(missed + 1, period));
            }
            when = next;
            delay = next - now;
        } finally {
            unlock();
        }
        arm(f.seq, delay);
    }

    private static void cancel(Object handle) {
        if (handle != null) {
            TimerSupport.cancel(handle);
        }
    }

    static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (b < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
    }

    private static long saturatedMul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return (hi == 0 && lo >= 0) || (hi == -1 && lo < 0) ? lo : Long.MAX_VALUE;
    }

    private void lock() {
        if (!LOCK.compareAndSet(this, 0, 1)) {
            SpinLocks.acquireContended(LOCK, this);
        }
    }

    private void unlock() {
        LOCK.setRelease(this, 0);
    }
}
