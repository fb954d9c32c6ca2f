package dev.goloom.select;

import dev.goloom.channels.Chan;
import dev.goloom.channels.ChannelClosedException;
import dev.goloom.channels.DeadlockException;
import dev.goloom.channels.ReceiveChannel;
import dev.goloom.channels.SendChannel;
import dev.goloom.channels.internal.ChanOps;
import dev.goloom.channels.internal.ChannelEvents;
import dev.goloom.channels.internal.SelectOwner;
import dev.goloom.channels.internal.TimerSupport;
import dev.goloom.channels.internal.Waiter;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Go's {@code select} statement. Add cases, then call {@link #select()}; it waits until one case can proceed,
 * performs it, runs that case's handler and returns the case's index (cases are numbered 0, 1, 2, ... in the order
 * they were added).
 *
 * <pre>{@code
 * // Go:  select { case v := <-in: use(v); case out <- x: sent++; case <-quit: return }
 * int c = Select.of()
 *         .recv(in, v -> use(v))
 *         .send(out, x, () -> sent++)
 *         .recv(quit, v -> { })
 *         .select();
 *
 * // Prepared once, reused in a loop: no allocation per select.
 * Select loop = Select.of()
 *         .recv(in, this::use)                  // case 0
 *         .sendFrom(out, this::next, this::sent) // case 1: the value is asked for on every select
 *         .recv(quit, v -> done = true);         // case 2
 * while (!done) loop.select();
 * }</pre>
 *
 * <h2>Semantics (Go's)</h2>
 * <ul>
 *   <li>If several cases are ready, one is chosen uniformly at random.</li>
 *   <li>Several cases on one channel: if the select blocks, their waiters are queued on that channel in a fresh
 *       uniformly random order on every select, so a partner that arrives later takes each of them with equal
 *       chance (Go permutes them too; its {@code TestPseudoRandomSend} sends from two cases on one channel).</li>
 *   <li>A receive case on a closed, drained channel is ready; its handler gets {@code null} (Go's
 *       {@code ok == false}). A send case on a closed channel throws {@link ChannelClosedException}.</li>
 *   <li>A case whose channel is {@code null}, or that was {@link #disable(int) disabled}, never proceeds (Go's nil
 *       channel). A select with no enabled case and no default blocks until interrupted.</li>
 *   <li>With {@link #onDefault(Runnable)} the select never blocks: if no case is ready the default runs and
 *       {@link #DEFAULT} is returned.</li>
 *   <li>Timeouts: a case on {@code Chans.after(d)}, or {@link #select(Duration)}, which returns
 *       {@link #TIMED_OUT}.</li>
 *   <li>Interrupt while blocked: every queued waiter is removed, nothing is consumed or sent, and
 *       {@link InterruptedException} is thrown. If a case completed before the interrupt was seen, it is
 *       returned normally and the thread's interrupt status is set again.</li>
 *   <li>Deadlock (Go's {@code all goroutines are asleep - deadlock!}): with {@code -Dgoloom.deadlock=fail} a
 *       select without timeout that its goloom scheduler found deadlocked throws
 *       {@link DeadlockException}, its waiters removed as for an interrupt.</li>
 *   <li>Send values: Go evaluates every send case's channel and value expressions exactly once on entering the
 *       statement, in source order, including cases whose channel is nil. A {@link #send} value is given once, when
 *       the case is added. Every {@link #sendFrom} supplier is called exactly once per {@code select()}, in case
 *       order, before any channel is locked and before anything is sent or received: also when its case is
 *       disabled or its channel is {@code null} (the value is then dropped, as Go drops a nil case's value), and
 *       also when no case is enabled or a default runs. A supplier that throws ends the select with that
 *       exception before anything is sent, received or run (later suppliers are not called, as a Go panic stops
 *       the evaluation). Handlers run after every channel lock is released
 *       and may do anything, including selecting again.</li>
 * </ul>
 *
 * <h2>Algorithm (Go: {@code selectgo})</h2>
 * <ol>
 *   <li>Call every {@link #sendFrom} supplier, in case order (Go's compiled code evaluates the send operands before
 *       it calls {@code selectgo}).</li>
 *   <li>Shuffle the enabled cases into a random poll order (inside-out Fisher–Yates).</li>
 *   <li>Lock every distinct channel in increasing channel id order (the global lock order that keeps overlapping
 *       selects deadlock-free; Go sorts by address). The order is computed once per set of cases; when several
 *       cases share a channel, their relative order in it is shuffled again on every select (uniformly at
 *       random), so that pass 2 queues them on that channel in a random order.</li>
 *   <li>Pass 1: in poll order, the first case that can proceed without blocking wins; unlock, wake the served
 *       partner, done.</li>
 *   <li>Pass 2: queue this select's waiter (one per case, allocated once with the case) on every channel, unlock
 *       all, park until the shared {@link SelectOwner} word leaves WAITING. A waker that dequeues one of the
 *       waiters must win that word's CAS before it transfers (Go's {@code selectDone}); so exactly one case wins.
 *       On interrupt or timeout this thread competes in the same CAS to cancel.</li>
 *   <li>Pass 3: lock all again (which also waits for the winner's transfer to finish), unlink the losing waiters
 *       from every queue, unlock, and report the winner.</li>
 * </ol>
 * A select with exactly one enabled case and a default is Go's {@code selectnbsend}/{@code selectnbrecv}: it is
 * just {@code trySend}/{@code tryRecv}, without locking anything else.
 *
 * <p>Not thread-safe: one thread at a time may call {@code select} on an instance (threads may take turns).
 * Adding cases while a select runs is not allowed.
 */
public final class Select {
    /** Returned by {@code select} when the default case ran. */
    public static final int DEFAULT = -1;
    /** Returned by {@link #select(Duration)} when the timeout elapsed first. */
    public static final int TIMED_OUT = -2;

    private static final ChanOps OPS = ChanOps.get();

    private final SelectOwner owner = new SelectOwner();

    // Per case i (parallel arrays, grown as cases are added).
    private int ncases;
    private Chan<?>[] chans = new Chan<?>[4];
    private Chan<?>[] original = new Chan<?>[4];
    private boolean[] isSend = new boolean[4];
    private Waiter[] waiters = new Waiter[4];
    private Consumer<Object>[] onRecv = newConsumers(4);
    private Runnable[] onSent = new Runnable[4];
    private Object[] sendValue = new Object[4];
    private Supplier<?>[] sendSupplier = new Supplier<?>[4];
    private boolean hasSupplier; // any sendFrom case: selectgo then calls the suppliers
    private Runnable onDefault;
    private boolean hasDefault;

    // Scratch, reused by every select.
    private int[] pollOrder = new int[4];
    private int[] lockOrder = new int[4];
    private int nactive = -1; // enabled cases in lockOrder; -1 = recompute
    private boolean sharedChannels; // two enabled cases on one channel: lockOrder has runs to shuffle
    private Object received;

    /** A new, empty select; add cases with {@link #recv}, {@link #send}, {@link #sendFrom}, {@link #onDefault}. */
    public Select() {
    }

    /** Same as {@code new Select()}; reads well at the start of a fluent one-shot select. */
    public static Select of() {
        return new Select();
    }

    // ---------------------------------------------------------------- building

    /**
     * Adds a receive case: Go's {@code case v, ok := <-ch}. {@code onValue} gets the element, or {@code null} if
     * the channel is closed and drained. {@code ch} may be null (the case never proceeds); {@code onValue} may be
     * null (read the value with {@link #received()}).
     */
    @SuppressWarnings("unchecked")
    public <E> Select recv(ReceiveChannel<E> ch, Consumer<? super E> onValue) {
        int i = addCase((Chan<?>) ch, false);
        onRecv[i] = (Consumer<Object>) onValue;
        return this;
    }

    /** Adds a receive case without a handler: Go's {@code case <-ch}. */
    public <E> Select recv(ReceiveChannel<E> ch) {
        return recv(ch, null);
    }

    /**
     * Adds a send case with a fixed value: Go's {@code case ch <- value}. {@code onSent} (may be null) runs after
     * the value was sent. {@code ch} may be null (the case never proceeds).
     *
     * @throws NullPointerException if {@code value} is null
     */
    public <E> Select send(SendChannel<E> ch, E value, Runnable onSent) {
        Objects.requireNonNull(value, "send value (channels reject null)");
        int i = addCase((Chan<?>) ch, true);
        sendValue[i] = value;
        this.onSent[i] = onSent;
        return this;
    }

    /** Adds a send case with a fixed value and no handler. */
    public <E> Select send(SendChannel<E> ch, E value) {
        return send(ch, value, null);
    }

    /**
     * Adds a send case whose value {@code value.get()} is computed on every {@code select()}, for prepared selects
     * reused in a loop: Go's {@code case ch <- f()}. Every supplier of the select is called exactly once per
     * {@code select()}, in case order, before any channel lock is taken, including the suppliers of cases that
     * are disabled or whose channel is {@code null} (their values are dropped). A null value throws
     * {@link NullPointerException} from {@code select()}, whether or not the case is enabled.
     */
    public <E> Select sendFrom(SendChannel<E> ch, Supplier<? extends E> value, Runnable onSent) {
        Objects.requireNonNull(value, "value supplier");
        int i = addCase((Chan<?>) ch, true);
        sendSupplier[i] = value;
        hasSupplier = true;
        this.onSent[i] = onSent;
        return this;
    }

    /** Adds Go's {@code default:} case: {@code select} then never blocks. {@code body} may be null. */
    public Select onDefault(Runnable body) {
        if (hasDefault) {
            throw new IllegalStateException("select already has a default case");
        }
        hasDefault = true;
        onDefault = body;
        return this;
    }

    /**
     * Disables case {@code caseIndex}, as if its channel were nil (Go's {@code ch = nil} idiom, for example after a
     * receive case's channel was closed).
     *
     * @throws IndexOutOfBoundsException if there is no such case
     */
    public Select disable(int caseIndex) {
        Objects.checkIndex(caseIndex, ncases);
        chans[caseIndex] = null;
        nactive = -1;
        return this;
    }

    /** Re-enables a case {@link #disable(int) disabled} earlier, with the channel it was added with. */
    public Select enable(int caseIndex) {
        Objects.checkIndex(caseIndex, ncases);
        chans[caseIndex] = original[caseIndex];
        nactive = -1;
        return this;
    }

    /** The number of cases added (the default case not counted). */
    public int size() {
        return ncases;
    }

    /**
     * The value received by the case the last {@code select} chose (null if it was a send case, the default, a
     * timeout, or a receive from a closed channel). For index-style use without handlers.
     */
    @SuppressWarnings("unchecked")
    public <E> E received() {
        return (E) received;
    }

    private int addCase(Chan<?> c, boolean send) {
        int i = ncases;
        if (i == chans.length) {
            grow();
        }
        chans[i] = c;
        original[i] = c;
        isSend[i] = send;
        waiters[i] = new Waiter(owner, i, c, send);
        ncases = i + 1;
        nactive = -1;
        return i;
    }

    private void grow() {
        int n = chans.length * 2;
        chans = Arrays.copyOf(chans, n);
        original = Arrays.copyOf(original, n);
        isSend = Arrays.copyOf(isSend, n);
        waiters = Arrays.copyOf(waiters, n);
        onRecv = Arrays.copyOf(onRecv, n);
        onSent = Arrays.copyOf(onSent, n);
        sendValue = Arrays.copyOf(sendValue, n);
        sendSupplier = Arrays.copyOf(sendSupplier, n);
        pollOrder = new int[n];
        lockOrder = new int[n];
    }

    @SuppressWarnings("unchecked")
    private static Consumer<Object>[] newConsumers(int n) {
        return (Consumer<Object>[]) new Consumer<?>[n];
    }

    // ---------------------------------------------------------------- selecting

    /**
     * Runs the select: waits until a case can proceed (or runs the default), performs it, runs its handler.
     *
     * @return the chosen case's index, or {@link #DEFAULT}
     * @throws ChannelClosedException if the chosen case is a send on a closed channel
     * @throws InterruptedException   if interrupted while waiting (nothing was sent or received)
     * @throws NullPointerException   if a {@link #sendFrom} supplier returned null (enabled case or not)
     */
    public int select() throws InterruptedException {
        return selectgo(false, 0L);
    }

    /**
     * Like {@link #select()}, waiting at most {@code timeout}.
     *
     * @return the chosen case's index, {@link #DEFAULT}, or {@link #TIMED_OUT}
     * @throws NullPointerException if {@code timeout} is null
     */
    public int select(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        long nanos;
        try {
            nanos = timeout.toNanos();
        } catch (ArithmeticException overflow) {
            nanos = timeout.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return selectgo(true, nanos);
    }

    /** Go: {@code selectgo}. See the class comment for the passes. */
    private int selectgo(boolean timed, long nanos) throws InterruptedException {
        received = null;
        if (hasSupplier) {
            evaluateSendValues();
        }
        int n = nactive < 0 ? computeLockOrder() : nactive;
        if (n == 0) {
            return hasDefault ? runDefault() : blockWithoutCases(timed, nanos);
        }
        if (n == 1 && hasDefault) {
            return selectnb(lockOrder[0]);
        }

        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        if (sharedChannels) {
            shuffleSharedChannelRuns(rnd, n);
        }
        // Poll order: inside-out Fisher-Yates over the enabled cases.
        int[] poll = pollOrder;
        for (int k = 0; k < n; k++) {
            int j = rnd.nextInt(k + 1);
            poll[k] = poll[j];
            poll[j] = lockOrder[k];
        }

        sellock(n);
        // Pass 1: look for a case that is ready now.
        for (int k = 0; k < n; k++) {
            int i = poll[k];
            Chan<?> c = chans[i];
            Waiter w = waiters[i];
            w.wakeAfterUnlock = null;
            int st;
            if (isSend[i]) {
                w.elem = sendValue[i];
                st = OPS.pollSend(c, w);
                if (st == ChanOps.CLOSED) {
                    w.elem = null;
                    selunlock(n);
                    throw OPS.sendOnClosed(c);
                }
            } else {
                st = OPS.pollRecv(c, w);
            }
            if (st != ChanOps.NOT_READY) {
                selunlock(n);
                Thread partner = w.wakeAfterUnlock;
                if (partner != null) {
                    w.wakeAfterUnlock = null;
                    LockSupport.unpark(partner);
                }
                Object v = w.elem;
                w.elem = null;
                return finish(i, v);
            }
        }
        if (hasDefault) {
            selunlock(n);
            return runDefault();
        }
        if (Thread.interrupted()) {
            selunlock(n);
            throw new InterruptedException("interrupted before blocking in select");
        }
        if (timed && nanos <= 0L) {
            selunlock(n);
            return TIMED_OUT;
        }

        // Pass 2: enqueue one waiter per case, in lock order, then park.
        Thread me = Thread.currentThread();
        owner.reset(me);
        for (int k = 0; k < n; k++) {
            int i = lockOrder[k];
            Waiter w = waiters[i];
            if (isSend[i]) {
                w.prepare(me, sendValue[i]);
                OPS.enqueueSend(chans[i], w);
            } else {
                w.prepare(me, null);
                OPS.enqueueRecv(chans[i], w);
            }
        }
        selunlock(n);

        owner.waitingOn(waiters, lockOrder, n); // for goroutine dumps: the owner is the park blocker
        Object event = ChannelEvents.begin(); // JFR goloom.ChannelWait: null (nothing allocated) unless enabled
        int outcome = park(timed, nanos); // WON, or CANCELLED for interrupt / timeout
        boolean lateInterrupt = outcome == LATE_INTERRUPT;

        // Pass 3: re-lock (the winner's transfer is complete once its channel is unlocked), dequeue the losers.
        sellock(n);
        Waiter winner = owner.winner();
        for (int k = 0; k < n; k++) {
            int i = lockOrder[k];
            Waiter w = waiters[i];
            if (w != winner) {
                OPS.remove(chans[i], w, isSend[i]);
                w.elem = null;
            }
        }
        selunlock(n);
        // Nobody won: this thread cancelled (interrupt, timeout), or deadlock detection aborted the select.
        boolean aborted = winner == null && owner.state() == SelectOwner.ABORTED;
        if (event != null) {
            ChannelEvents.end(event, "select", winner == null ? null : chans[winner.caseIndex], n,
                    winner != null ? (winner.success ? ChannelEvents.COMPLETED : ChannelEvents.CLOSED)
                            : aborted ? ChannelEvents.DEADLOCK
                            : outcome == CANCELLED_INTERRUPT ? ChannelEvents.INTERRUPTED : ChannelEvents.TIMED_OUT);
        }

        if (winner == null) {
            if (aborted) {
                if (lateInterrupt) {
                    me.interrupt();
                }
                throw new DeadlockException(owner.abortMessage()); // nothing was sent or received
            }
            if (outcome == CANCELLED_INTERRUPT) {
                throw new InterruptedException("interrupted while blocked in select");
            }
            return TIMED_OUT;
        }
        if (lateInterrupt) {
            me.interrupt();
        }
        int i = winner.caseIndex;
        Object v = winner.elem;
        winner.elem = null;
        if (isSend[i] && !winner.success) {
            throw OPS.sendOnClosed(chans[i]); // Go: woken by closechan -> panic("send on closed channel")
        }
        return finish(i, v);
    }

    /**
     * Go's compiled select evaluates every send case's operands once, in source order, nil channels included,
     * before it calls {@code selectgo}. So: every supplier, in case order, before any lock (user code never runs
     * under a channel lock); a disabled case's value is checked and dropped, since that case cannot send it.
     */
    private void evaluateSendValues() {
        for (int i = 0; i < ncases; i++) {
            Supplier<?> s = sendSupplier[i];
            if (s != null) {
                Object v = Objects.requireNonNull(s.get(), "send value supplier returned null");
                if (chans[i] != null) {
                    sendValue[i] = v;
                }
            }
        }
    }

    private static final int WON = 0;
    private static final int LATE_INTERRUPT = 1;
    private static final int CANCELLED_INTERRUPT = 2;
    private static final int CANCELLED_TIMEOUT = 3;

    /** Parks until a waker wins the owner word, or cancels it on interrupt / timeout. */
    private int park(boolean timed, long nanos) {
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        while (owner.state() == SelectOwner.WAITING) { // volatile read
            if (timed) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0L) {
                    if (owner.tryCancel()) {
                        return CANCELLED_TIMEOUT;
                    }
                    return WON;
                }
                TimerSupport.parkNanos(owner, remaining); // on goloom, woken by the scheduler's timer
            } else {
                LockSupport.park(owner);
            }
            if (Thread.interrupted()) {
                return owner.tryCancel() ? CANCELLED_INTERRUPT : LATE_INTERRUPT;
            }
        }
        return WON;
    }

    /** Go's {@code selectnbsend}/{@code selectnbrecv}: one enabled case plus default. */
    private int selectnb(int i) {
        if (isSend[i]) {
            @SuppressWarnings("unchecked")
            Chan<Object> c = (Chan<Object>) chans[i];
            return c.trySend(sendValue[i]) ? finish(i, null) : runDefault();
        }
        Chan<?> c = chans[i];
        Object v = c.tryRecv();
        if (v != null) {
            return finish(i, v);
        }
        // null: not ready, or closed and drained. A closed channel gains no elements, so a second null after
        // seeing it closed proves "closed and drained", which makes the receive case ready (ok == false).
        if (c.isClosed() && (v = c.tryRecv()) == null) {
            return finish(i, null);
        }
        return v != null ? finish(i, v) : runDefault();
    }

    private int finish(int i, Object v) {
        if (isSend[i]) {
            Runnable r = onSent[i];
            if (sendSupplier[i] != null) {
                sendValue[i] = null; // do not keep the last value reachable
            }
            if (r != null) {
                r.run();
            }
        } else {
            received = v;
            Consumer<Object> h = onRecv[i];
            if (h != null) {
                h.accept(v);
            }
        }
        return i;
    }

    private int runDefault() {
        if (onDefault != null) {
            onDefault.run();
        }
        return DEFAULT;
    }

    /** Go: {@code block()} / a select whose cases are all nil. */
    private int blockWithoutCases(boolean timed, long nanos) throws InterruptedException {
        long deadline = timed ? System.nanoTime() + nanos : 0L;
        owner.reset(Thread.currentThread()); // WAITING: only deadlock detection's abort ends this wait early
        owner.waitingOnNothing(); // for goroutine dumps: the owner is the park blocker
        for (;;) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while blocked in select with no cases");
            }
            if (owner.state() == SelectOwner.ABORTED) {
                throw new DeadlockException(owner.abortMessage());
            }
            if (timed) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0L) {
                    return TIMED_OUT;
                }
                TimerSupport.parkNanos(owner, remaining); // on goloom, woken by the scheduler's timer
            } else {
                LockSupport.park(owner);
            }
        }
    }

    /**
     * Sorts the enabled cases by channel id into {@link #lockOrder} (insertion sort: few cases), and notes whether
     * some channel appears in several of them.
     */
    private int computeLockOrder() {
        int n = 0;
        for (int i = 0; i < ncases; i++) {
            if (chans[i] != null) {
                long id = OPS.id(chans[i]);
                int k = n++;
                while (k > 0 && OPS.id(chans[lockOrder[k - 1]]) > id) {
                    lockOrder[k] = lockOrder[k - 1];
                    k--;
                }
                lockOrder[k] = i;
            }
        }
        boolean shared = false;
        for (int k = 1; k < n; k++) {
            shared |= chans[lockOrder[k]] == chans[lockOrder[k - 1]];
        }
        sharedChannels = shared;
        nactive = n;
        return n;
    }

    /**
     * Puts the cases of each channel that appears in several cases in a fresh uniformly random order (Fisher-Yates
     * over each run of equal channels in {@link #lockOrder}). The id order between channels, which sellock needs,
     * is kept. Pass 2 queues waiters in lock order, so this is the order in which one select's waiters sit in one
     * channel's queue, and so which of its cases a partner arriving later takes. Go gets the same effect by
     * seeding its lock-order heap sort with the random poll order.
     */
    private void shuffleSharedChannelRuns(ThreadLocalRandom rnd, int n) {
        int[] order = lockOrder;
        int start = 0;
        while (start < n) {
            Chan<?> c = chans[order[start]];
            int end = start + 1;
            while (end < n && chans[order[end]] == c) {
                end++;
            }
            for (int k = end - 1; k > start; k--) {
                int j = start + rnd.nextInt(k - start + 1);
                int t = order[k];
                order[k] = order[j];
                order[j] = t;
            }
            start = end;
        }
    }

    /** Go: {@code sellock}. Locks each distinct channel once, in id order. */
    private void sellock(int n) {
        Chan<?> prev = null;
        for (int k = 0; k < n; k++) {
            Chan<?> c = chans[lockOrder[k]];
            if (c != prev) {
                OPS.lock(c);
                prev = c;
            }
        }
    }

    /** Go: {@code selunlock}. Unlocks in reverse order, each distinct channel once. */
    private void selunlock(int n) {
        for (int k = n - 1; k >= 0; k--) {
            Chan<?> c = chans[lockOrder[k]];
            if (k == 0 || chans[lockOrder[k - 1]] != c) {
                OPS.unlock(c);
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Select[");
        for (int i = 0; i < ncases; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(i).append(isSend[i] ? ": send " : ": recv ").append(chans[i] == null ? "nil" : chans[i]);
        }
        if (hasDefault) {
            sb.append(ncases > 0 ? ", default" : "default");
        }
        return sb.append(']').toString();
    }
}
