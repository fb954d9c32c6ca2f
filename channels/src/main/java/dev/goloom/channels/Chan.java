package dev.goloom.channels;

import dev.goloom.channels.internal.ChanOps;
import dev.goloom.channels.internal.ChannelEvents;
import dev.goloom.channels.internal.SpinLocks;
import dev.goloom.channels.internal.TimerSupport;
import dev.goloom.channels.internal.WaitQueue;
import dev.goloom.channels.internal.Waiter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A Go channel: {@code make(chan E)} is {@link #make()}, {@code make(chan E, n)} is {@link #make(int)}. Usable from
 * any thread: platform threads, virtual threads on the JDK's default scheduler, goroutines on goloom. On goloom a
 * receiver woken by a sender lands in the sender's P's {@code runnext}, because the unpark happens on that P.
 *
 * <h2>Design (Go: {@code runtime/chan.go})</h2>
 * One small lock guards everything: a ring buffer ({@code buf}, {@code sendx}, {@code recvx}, {@code qcount}), the
 * {@code closed} flag, and two FIFO queues of parked {@link Waiter}s (Go's {@code sudog}), {@code recvq} and
 * {@code sendq}. Each operation locks, looks at the state, and either completes at once or queues a waiter and
 * parks with {@link LockSupport#park}:
 * <ul>
 *   <li><b>Direct hand-off.</b> A sender that finds a parked receiver stores the value in the receiver's waiter
 *       and unparks it, whatever the capacity; a receiver that finds a parked sender takes the sender's value.
 *       An unbuffered channel never touches a buffer.</li>
 *   <li><b>Full-buffer rotate.</b> A parked sender on a buffered channel means the buffer is full; a receiver
 *       takes the head and moves the sender's value into the freed slot, which is the logical tail, in the same
 *       critical section (Go's {@code recv}), so FIFO order holds and the sender never needs to run first.</li>
 *   <li><b>Close</b> wakes every waiting receiver (closed result) and every waiting sender (which then throws).</li>
 *   <li><b>Wake-ups after unlock.</b> Threads are unparked only after the lock is released (Go: never ready a G
 *       while holding a channel lock), so a woken thread never spins on the lock its waker still holds.</li>
 * </ul>
 * Invariants (hold whenever the lock is free): at most one of {@code recvq}/{@code sendq} holds live waiters
 * (a select may briefly have dead waiters in both); {@code qcount > 0} implies {@code recvq} has no live waiter;
 * {@code qcount < cap} implies {@code sendq} has no live waiter; a closed channel has empty queues.
 *
 * <h2>The lock</h2>
 * A test-and-test-and-set spin lock in an {@code int} field, contended the way Go's runtime lock spins: a few
 * looks spaced well apart, then {@link Thread#yield()} ({@code SpinLocks}). It never parks, so it is safe for
 * virtual threads whether or not they are pinned, and for goloom carriers; critical sections are a few field
 * writes, never a park, an unpark or a call into user code.
 * Lock rank: {@code select} holds several channel locks at once, always taken in increasing {@code id} order; no
 * other lock is ever taken while a channel lock is held.
 *
 * <h2>Waiting, interrupts and timeouts</h2>
 * A blocked operation parks in a loop until its waiter's volatile {@code completed} flag is set (spurious
 * wake-ups and stray permits are harmless). The waker sets it, under the lock, after writing the element and the
 * {@code success} flag. An interrupted or timed-out waiter re-takes the lock: if its waiter is still queued it
 * unlinks it and gives up (nothing was transferred); otherwise a waker already completed it, and the operation
 * returns that result (with the interrupt status set again), so no element is ever lost or duplicated. Deadlock
 * detection ({@code -Dgoloom.deadlock=fail}) withdraws a waiter the same way, from sysmon: under the lock, only if
 * still queued; the owner then throws {@link DeadlockException}. A timed wait on a goloom goroutine is woken by a
 * timer on the scheduler's per-P heaps (a carrier unparks it); elsewhere by
 * {@link LockSupport#parkNanos(Object, long)}.
 *
 * <h2>Fast paths and allocation</h2>
 * {@link #trySend}/{@link #tryRecv} first fail without locking when a racy look says the channel is not ready
 * (Go's lock-free check in {@code chansend}/{@code chanrecv}). Completing at once (buffer room, buffered element,
 * or a parked partner) allocates nothing; a blocking operation allocates one {@link Waiter}.
 *
 * <h2>Designs rejected</h2>
 * <ul>
 *   <li><b>{@code ReentrantLock} or {@code synchronized}</b>: may park while held, so a waker could be descheduled
 *       holding the channel lock, and a carrier pinned in a critical section would park the carrier.</li>
 *   <li><b>A lock-free segment array (jox, Koval et al.)</b>: fast under contention but cannot give select the
 *       "lock all cases, then decide" atomicity that Go's selectgo relies on without a second protocol.</li>
 *   <li><b>Spinning before parking</b>: on two cores a spinning receiver steals the sender's CPU; Go does not spin
 *       on channels either.</li>
 * </ul>
 *
 * <p>Instances are thread-safe.
 *
 * @param <E> element type; elements are never null
 */
public final class Chan<E> implements SendChannel<E>, ReceiveChannel<E> {

    private static final VarHandle LOCK;
    private static final VarHandle QCOUNT;
    private static final VarHandle CLOSED;
    private static final AtomicLong IDS = new AtomicLong();
    /** Lock-owner tracking only when assertions are on ({@code -ea}); folded away otherwise. */
    private static final boolean TRACK_OWNER = Chan.class.desiredAssertionStatus();
    private static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            LOCK = l.findVarHandle(Chan.class, "lock", int.class);
            QCOUNT = l.findVarHandle(Chan.class, "qcount", int.class);
            CLOSED = l.findVarHandle(Chan.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        ChanOps.install(new Ops());
    }

    // Immutable.
    private final long id;
    private final int dataqsiz;
    private final Object[] buf;
    private final WaitQueue recvq = new WaitQueue();
    private final WaitQueue sendq = new WaitQueue();

    // Guarded by lock. qcount is written with setOpaque and closed with setRelease so that racy readers
    // (len, isClosed, the try* fast paths) see whole values; both are read plainly under the lock.
    private int qcount;
    private int sendx;
    private int recvx;
    private boolean closed;

    /** 0 = free, 1 = held. CAS to take (acquire), setRelease to free: publishes the critical section. */
    @SuppressWarnings("unused")
    private int lock;
    private Thread lockOwner;

    private Chan(int capacity) {
        this.id = IDS.incrementAndGet();
        this.dataqsiz = capacity;
        this.buf = capacity == 0 ? null : new Object[capacity];
    }

    /** An unbuffered channel: Go's {@code make(chan E)}. Every send waits for a receiver. */
    public static <E> Chan<E> make() {
        return new Chan<>(0);
    }

    /**
     * A channel with a buffer of {@code capacity} elements (0 = unbuffered): Go's {@code make(chan E, capacity)}.
     * The buffer is allocated at once.
     *
     * @throws IllegalArgumentException if {@code capacity} is negative or larger than {@code Integer.MAX_VALUE - 8}
     */
    public static <E> Chan<E> make(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
        }
        if (capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be <= " + MAX_CAPACITY + ", got " + capacity);
        }
        return new Chan<>(capacity);
    }

    // ---------------------------------------------------------------- send

    /** Go: {@code chansend1} / {@code chansend(c, ep, block=true)}. */
    @Override
    public void send(E e) throws InterruptedException {
        if (e == null) {
            throw nullElement();
        }
        if (!sendNow(e)) {
            sendSlow(e, false, 0L);
        }
    }

    /** Go: {@code selectnbsend} / {@code chansend(c, ep, block=false)}. */
    @Override
    public boolean trySend(E e) {
        if (e == null) {
            throw nullElement();
        }
        // Lock-free fast failure (Go's chansend): closed read (acquire) before the "full" read. Observing "not
        // closed" then "full" implies a moment when both held, because a closed channel never goes from ready to
        // not ready; a closed channel must take the locked path and throw.
        if (!(boolean) CLOSED.getAcquire(this) && fullHint()) {
            return false;
        }
        if (sendNow(e)) {
            return true;
        }
        unlock();
        return false;
    }

    @Override
    public boolean trySend(E e, Duration timeout) throws InterruptedException {
        if (e == null) {
            throw nullElement();
        }
        long nanos = toNanos(timeout);
        if (nanos <= 0) {
            return trySend(e);
        }
        return sendNow(e) || sendSlow(e, true, nanos);
    }

    /**
     * Go: {@code chansend} up to the point where it would block. Locks, throws if the channel is closed, then hands
     * {@code e} (not null) to a parked receiver or puts it in the buffer: true, lock released. False if neither
     * was possible, with the lock still held for the caller's slow path (or unlock).
     */
    private boolean sendNow(E e) {
        lock();
        if (closed) {
            unlock();
            throw sendOnClosed();
        }
        Waiter r = recvq.dequeue();
        if (r != null) {
            Thread t = handOff(r, e);
            unlock();
            LockSupport.unpark(t);
            return true;
        }
        if (qcount < dataqsiz) {
            bufPut(e);
            unlock();
            return true;
        }
        return false;
    }

    /**
     * The blocking half of {@code chansend}: queue a waiter and park. Caller holds the lock (released here).
     * Returns false only on timeout.
     */
    private boolean sendSlow(E e, boolean timed, long nanos) throws InterruptedException {
        assert holdsLock();
        if (Thread.interrupted()) {
            unlock();
            throw new InterruptedException("interrupted before blocking in send on " + this);
        }
        Waiter w = new Waiter(this, e, true);
        sendq.enqueue(w);
        unlock();
        if (!await(w, sendq, timed, nanos, "send")) {
            return false;
        }
        if (!w.success) {
            if (w.elem instanceof Waiter.Aborted a) {
                throw new DeadlockException(a.message()); // withdrawn by deadlock detection: nothing was sent
            }
            throw sendOnClosed(); // Go: woken by closechan -> panic("send on closed channel")
        }
        return true;
    }

    // ---------------------------------------------------------------- receive

    /** Go: {@code chanrecv2} / {@code chanrecv(c, ep, block=true)}. */
    @Override
    @SuppressWarnings("unchecked")
    public E recv() throws InterruptedException {
        Object v = recvNow();
        return v != NOT_READY ? (E) v : recvSlow(false, 0L);
    }

    /** Go: {@code selectnbrecv} / {@code chanrecv(c, ep, block=false)}. */
    @Override
    @SuppressWarnings("unchecked")
    public E tryRecv() {
        // Lock-free fast failure (Go's chanrecv): one racy read saying "empty" linearizes this call at that read
        // as "not ready" or, if the channel was closed by then, "closed and drained"; both return null.
        if (emptyHint()) {
            return null;
        }
        Object v = recvNow();
        if (v == NOT_READY) {
            unlock();
            return null;
        }
        return (E) v;
    }

    @Override
    @SuppressWarnings("unchecked")
    public E tryRecv(Duration timeout) throws InterruptedException {
        long nanos = toNanos(timeout);
        if (nanos <= 0) {
            return tryRecv();
        }
        Object v = recvNow();
        return v != NOT_READY ? (E) v : recvSlow(true, nanos);
    }

    /** {@link #recvNow}'s "would block" answer; never an element (elements are never this object). */
    private static final Object NOT_READY = new Object();

    /**
     * Go: {@code chanrecv} up to the point where it would block. Locks, then takes a parked sender's value (or the
     * buffer's head, moving the sender's value in), else a buffered element, else null if the channel is closed
     * and drained: lock released. {@link #NOT_READY} if none applies, with the lock still held for the caller's
     * slow path (or unlock).
     */
    private Object recvNow() {
        lock();
        if (!closed) {
            Waiter s = sendq.dequeue();
            if (s != null) {
                Object v = takeFrom(s);
                Thread t = s.thread;
                unlock();
                LockSupport.unpark(t);
                return v;
            }
        }
        if (qcount > 0) {
            Object v = bufTake();
            unlock();
            return v;
        }
        if (closed) {
            unlock();
            return null;
        }
        return NOT_READY;
    }

    /** The blocking half of {@code chanrecv}. Caller holds the lock (released here). */
    @SuppressWarnings("unchecked")
    private E recvSlow(boolean timed, long nanos) throws InterruptedException {
        assert holdsLock();
        if (Thread.interrupted()) {
            unlock();
            throw new InterruptedException("interrupted before blocking in recv on " + this);
        }
        Waiter w = new Waiter(this, null, false);
        recvq.enqueue(w);
        unlock();
        if (!await(w, recvq, timed, nanos, "recv")) {
            return null;
        }
        Object v = w.elem; // null when woken by close (success == false)
        w.elem = null;
        if (!w.success && v != null) {
            throw new DeadlockException(((Waiter.Aborted) v).message()); // withdrawn by deadlock detection
        }
        return (E) v;
    }

    // ---------------------------------------------------------------- close

    /** Go: {@code closechan}. */
    @Override
    public void close() {
        lock();
        if (closed) {
            unlock();
            throw new ChannelClosedException("close of closed channel " + this);
        }
        CLOSED.setRelease(this, true);
        ArrayList<Thread> ready = null;
        Waiter w;
        while ((w = recvq.dequeue()) != null) {
            ready = ready == null ? new ArrayList<>() : ready;
            ready.add(complete(w, null, false));
        }
        while ((w = sendq.dequeue()) != null) {
            ready = ready == null ? new ArrayList<>() : ready;
            ready.add(complete(w, null, false));
        }
        unlock();
        if (ready != null) {
            for (Thread t : ready) {
                LockSupport.unpark(t); // only after unlocking
            }
        }
    }

    // ---------------------------------------------------------------- queries

    @Override
    public int len() {
        return dataqsiz == 0 ? 0 : (int) QCOUNT.getOpaque(this);
    }

    @Override
    public int cap() {
        return dataqsiz;
    }

    @Override
    public boolean isClosed() {
        return (boolean) CLOSED.getAcquire(this);
    }

    @Override
    public Iterator<E> iterator() {
        return new ChanIterator<>(this);
    }

    @Override
    public String toString() {
        return "Chan#" + id + "[cap=" + dataqsiz + (isClosed() ? ", closed]" : "]");
    }

    // ---------------------------------------------------------------- under the lock

    /**
     * Go: {@code send} / {@code sendDirect}: store {@code e} straight into dequeued receiver {@code r} and mark it
     * complete. Caller holds the lock; returns the thread to unpark after unlocking.
     */
    private static Thread handOff(Waiter r, Object e) {
        return complete(r, e, true);
    }

    /**
     * Go: {@code recv} with a parked sender {@code s} (already dequeued). Unbuffered: take the sender's value.
     * Buffered (so full): take the head and put the sender's value in the freed slot, the logical tail. Caller
     * holds the lock.
     */
    private Object takeFrom(Waiter s) {
        assert holdsLock();
        Object v;
        if (dataqsiz == 0) {
            v = s.elem;
        } else {
            assert qcount == dataqsiz : "parked sender on a non-full buffer";
            int i = recvx;
            v = buf[i];
            buf[i] = s.elem;
            recvx = i + 1 == dataqsiz ? 0 : i + 1;
            sendx = recvx;
        }
        complete(s, null, true);
        return v;
    }

    /**
     * Fills in a dequeued waiter's result and publishes it: plain writes of {@code elem} and {@code success}, then,
     * for a plain waiter, the volatile store of {@code completed} (release; pairs with the owner's volatile read in
     * {@link #await}).
     * Caller holds the lock; returns the thread to unpark after unlocking.
     */
    private static Thread complete(Waiter w, Object elem, boolean success) {
        w.elem = elem;
        w.success = success;
        Thread t = w.thread;
        if (w.select == null) {
            w.completed = true; // a select thread waits on its SelectOwner instead, and re-locks to read results
        }
        return t;
    }

    private void bufPut(Object e) {
        assert holdsLock();
        int i = sendx;
        buf[i] = e;
        sendx = i + 1 == dataqsiz ? 0 : i + 1;
        QCOUNT.setOpaque(this, qcount + 1);
    }

    private Object bufTake() {
        assert holdsLock();
        int i = recvx;
        Object v = buf[i];
        buf[i] = null;
        recvx = i + 1 == dataqsiz ? 0 : i + 1;
        QCOUNT.setOpaque(this, qcount - 1);
        return v;
    }

    /** Go's {@code full(c)}, racy: unbuffered with no parked receiver, or buffer full. Any thread, no lock. */
    private boolean fullHint() {
        return dataqsiz == 0 ? recvq.isEmptyHint() : (int) QCOUNT.getOpaque(this) == dataqsiz;
    }

    /** Go's {@code empty(c)}, racy: unbuffered with no parked sender, or buffer empty. Any thread, no lock. */
    private boolean emptyHint() {
        return dataqsiz == 0 ? sendq.isEmptyHint() : (int) QCOUNT.getOpaque(this) == 0;
    }

    // ---------------------------------------------------------------- parking

    /**
     * Parks until {@code w} is completed. On interrupt or timeout, withdraws {@code w} from {@code q} if it is
     * still queued (then throws, or returns false on timeout); if a waker already took it, keeps the result and,
     * for an interrupt, sets the interrupt status again. Called by {@code w}'s owner without the lock.
     */
    private boolean await(Waiter w, WaitQueue q, boolean timed, long nanos, String op) throws InterruptedException {
        Object event = ChannelEvents.begin(); // JFR goloom.ChannelWait: null (nothing allocated) unless enabled
        int outcome = ChannelEvents.INTERRUPTED;
        try {
            boolean done = awaitParked(w, q, timed, nanos, op);
            outcome = !done ? ChannelEvents.TIMED_OUT : w.success ? ChannelEvents.COMPLETED
                    : w.elem instanceof Waiter.Aborted ? ChannelEvents.DEADLOCK : ChannelEvents.CLOSED;
            return done;
        } finally {
            if (event != null) {
                ChannelEvents.end(event, "send".equals(op) ? "chan send" : "chan receive", this, 1, outcome);
            }
        }
    }

    /** {@link #await} without the JFR event. */
    private boolean awaitParked(Waiter w, WaitQueue q, boolean timed, long nanos, String op)
            throws InterruptedException {
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        boolean interrupted = false;
        while (!w.completed) { // volatile read (acquire): pairs with complete()
            if (timed) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0L) {
                    if (withdraw(w, q)) {
                        return false;
                    }
                    break; // completed under the lock we just took
                }
                TimerSupport.parkNanos(w, remaining); // on goloom, woken by the scheduler's timer
            } else {
                LockSupport.park(w); // the waiter is the blocker: goroutine dumps read op, channel and start there
            }
            if (Thread.interrupted()) {
                if (withdraw(w, q)) {
                    throw new InterruptedException("interrupted while blocked in " + op + " on " + this);
                }
                interrupted = true;
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        assert w.completed;
        return true;
    }

    /** Unlinks {@code w} if still queued; false if a waker already dequeued (and so completed) it. */
    private boolean withdraw(Waiter w, WaitQueue q) {
        lock();
        boolean queued = w.isQueued();
        if (queued) {
            q.remove(w);
        }
        unlock();
        return queued;
    }

    // ---------------------------------------------------------------- lock

    private void lock() {
        if (!LOCK.compareAndSet(this, 0, 1)) {
            SpinLocks.acquireContended(LOCK, this);
        }
        if (TRACK_OWNER) {
            lockOwner = Thread.currentThread();
        }
    }

    private void unlock() {
        assert holdsLock() : "unlock of a channel lock not held by this thread";
        if (TRACK_OWNER) {
            lockOwner = null;
        }
        LOCK.setRelease(this, 0); // pairs with the next locker's CAS
    }

    /** For {@code assert holdsLock()}: exact with assertions on, "someone holds it" otherwise. */
    private boolean holdsLock() {
        return (int) LOCK.getOpaque(this) == 1 && (!TRACK_OWNER || lockOwner == Thread.currentThread());
    }

    // ---------------------------------------------------------------- errors, helpers

    private ChannelClosedException sendOnClosed() {
        return new ChannelClosedException("send on closed channel " + this);
    }

    private static NullPointerException nullElement() {
        return new NullPointerException("send of null element: channels reject null (null is recv's closed result)");
    }

    private static long toNanos(Duration timeout) {
        return Chans.saturatedNanos(Objects.requireNonNull(timeout, "timeout"));
    }

    // ---------------------------------------------------------------- internals for select

    /** The select-facing internals; see {@link ChanOps}. Every method but lock/unlock requires the lock held. */
    private static final class Ops extends ChanOps {
        @Override
        public long id(Chan<?> c) {
            return c.id;
        }

        @Override
        public void lock(Chan<?> c) {
            c.lock();
        }

        @Override
        public void unlock(Chan<?> c) {
            c.unlock();
        }

        @Override
        public int pollRecv(Chan<?> c, Waiter w) {
            assert c.holdsLock();
            if (!c.closed) {
                Waiter s = c.sendq.dequeue();
                if (s != null) {
                    w.elem = c.takeFrom(s);
                    w.wakeAfterUnlock = s.thread;
                    return READY;
                }
            }
            if (c.qcount > 0) {
                w.elem = c.bufTake();
                return READY;
            }
            if (c.closed) {
                w.elem = null;
                return CLOSED;
            }
            return NOT_READY;
        }

        @Override
        public int pollSend(Chan<?> c, Waiter w) {
            assert c.holdsLock();
            if (c.closed) {
                return CLOSED;
            }
            Waiter r = c.recvq.dequeue();
            if (r != null) {
                w.wakeAfterUnlock = handOff(r, w.elem);
                return READY;
            }
            if (c.qcount < c.dataqsiz) {
                c.bufPut(w.elem);
                return READY;
            }
            return NOT_READY;
        }

        @Override
        public void enqueueRecv(Chan<?> c, Waiter w) {
            assert c.holdsLock();
            c.recvq.enqueue(w);
        }

        @Override
        public void enqueueSend(Chan<?> c, Waiter w) {
            assert c.holdsLock();
            c.sendq.enqueue(w);
        }

        @Override
        public void remove(Chan<?> c, Waiter w, boolean send) {
            assert c.holdsLock();
            (send ? c.sendq : c.recvq).remove(w);
        }

        @Override
        public boolean abort(Chan<?> c, Waiter w, String message) {
            c.lock();
            boolean queued = w.isQueued();
            if (queued) {
                (w.send ? c.sendq : c.recvq).remove(w);
                complete(w, new Waiter.Aborted(message), false); // as close does, with the reason in elem
            }
            c.unlock();
            if (queued) {
                LockSupport.unpark(w.thread); // only after unlocking
            }
            return queued;
        }

        @Override
        public int queuedWaiters(Chan<?> c) {
            c.lock();
            int n = c.recvq.size() + c.sendq.size();
            c.unlock();
            return n;
        }

        @Override
        public RuntimeException sendOnClosed(Chan<?> c) {
            return c.sendOnClosed();
        }
    }
}
