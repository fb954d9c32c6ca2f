package dev.goloom.report;

import dev.goloom.channels.Chan;
import dev.goloom.channels.ChannelClosedException;
import dev.goloom.channels.ChannelInterruptedException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One cell of the {@link Soak} and its checked operations: the goroutines a shape ({@link SoakCells}) started,
 * their {@link Tally tallies}, the channels the coordinator may close early, and the operations the workers use
 * ({@link #sendOne}, {@link #recvOne}, {@link #consume}), each of which counts what it transferred.
 *
 * <p>Threads: a cell is built, disturbed, joined and checked by its coordinator (one runner goroutine of the
 * driver); {@link #tally}, {@link #go}, {@link #closable} and {@link #describe} only while it is building, before
 * {@link #disturb}. Its workers call the operations and {@link #expect}; each worker writes only its own tally,
 * which the coordinator reads after {@link #join} (the join orders the worker's writes before the reads).
 * Totals and failures go to the run's {@link SoakContext}.
 */
final class SoakCell {
    /** Elements of producer {@code p} are {@code p * STRIDE + i}: unique within a cell, their sender decodable. */
    static final long STRIDE = 1L << 32;
    /** The value a disabled {@code sendFrom} case is given (Select calls every supplier; it is never sent). */
    static final Long UNUSED = -1L;
    static final Duration[] TIMEOUTS = {Duration.ofNanos(50_000), Duration.ofNanos(200_000),
            Duration.ofMillis(1)};

    private final SoakContext ctx;
    private final SoakCells.Kind kind;
    private String desc;
    private final List<Thread> workers = new ArrayList<>();
    private final List<Tally> tallies = new ArrayList<>();
    private final List<CloseOnce> closable = new ArrayList<>();
    /** First violation seen by a worker (order, closed state); checked with the counts. */
    private final AtomicReference<String> violation = new AtomicReference<>();

    SoakCell(SoakContext ctx, SoakCells.Kind kind, String desc) {
        this.ctx = ctx;
        this.kind = kind;
        this.desc = desc;
    }

    /** Which runner and cell this is and, once the shape has described it, its channels and goroutines. */
    String desc() {
        return desc;
    }

    void describe(String what) {
        desc = desc + ": " + what;
    }

    /** A new tally for one worker goroutine, counted in {@link #check}. */
    Tally tally() {
        Tally t = new Tally();
        tallies.add(t);
        return t;
    }

    /** Starts a worker goroutine of this cell; a late interrupt is cleared when the body ends. */
    void go(SoakContext.Body body) {
        workers.add(ctx.go(() -> {
            try {
                body.run();
            } finally {
                Thread.interrupted(); // a late interrupt must not leak into anything else
            }
        }));
    }

    /** A closer of {@code ch} that reports to this run (double-close checks, failures). */
    CloseOnce closeOnce(Chan<Long> ch) {
        return new CloseOnce(ch, ctx);
    }

    /** Lets the coordinator close {@code c} early in {@link #disturb}. */
    void closable(CloseOnce c) {
        closable.add(c);
    }

    /** Records {@code message} as the cell's violation (the first one counts) unless {@code ok}; any worker. */
    void expect(boolean ok, String message) {
        if (!ok) {
            violation.compareAndSet(null, message);
        }
    }

    /** 0 to 8 interrupts of random workers, yields in between; in a third of the cells an early close. */
    void disturb(SplittableRandom rnd) {
        int interrupts = rnd.nextInt(9);
        int closeAt = !closable.isEmpty() && rnd.nextInt(3) == 0 ? rnd.nextInt(interrupts + 1) : -1;
        for (int i = 0; i <= interrupts; i++) {
            for (int y = rnd.nextInt(40); y > 0; y--) {
                Thread.yield();
            }
            if (i == closeAt && closable.get(rnd.nextInt(closable.size())).close()) {
                ctx.earlyCloses.increment();
            }
            if (i < interrupts) {
                workers.get(rnd.nextInt(workers.size())).interrupt();
                ctx.interruptsSent.increment();
            }
        }
    }

    void join() throws InterruptedException {
        for (Thread t : workers) {
            t.join();
        }
    }

    /** Sends equal receives in count and hash per cell; adds the cell to the totals, or fails the soak. */
    void check() {
        long s = 0, sh = 0, r = 0, rh = 0;
        for (Tally t : tallies) {
            s += t.sends;
            sh += t.sendHash;
            r += t.recvs;
            rh += t.recvHash;
            ctx.interruptedOps.add(t.interrupted);
            ctx.completedInterrupted.add(t.completedInterrupted);
            ctx.closedSends.add(t.closedSends);
            ctx.timeouts.add(t.timeouts);
            ctx.drops.add(t.drops);
        }
        if (s != r || sh != rh) {
            ctx.fail(String.format(Locale.ROOT, "%s: %,d elements sent, %,d received; hash sums %016x / %016x",
                    desc, s, r, sh, rh));
        }
        if (violation.get() != null) {
            ctx.fail(desc + ": " + violation.get());
        }
        ctx.sends.add(s);
        ctx.receives.add(r);
        ctx.cellsByKind[kind.ordinal()].increment();
        ctx.cells.increment();
    }

    // ================================================================================================ operations

    /**
     * A worker's operation mode (see {@link #sendOne} and {@link #recvOne}): timed operations one time in eight,
     * so that timeouts fire regularly without leaving the cores idle waiting for them.
     */
    static int mode(SplittableRandom rnd) {
        int r = rnd.nextInt(8);
        return r == 0 ? 1 : r <= 2 ? 2 : 0;
    }

    /**
     * Sends {@code v} on {@code ch} (link {@code link}) until it is sent (true) or the channel is closed (false):
     * an interrupt or a timeout means nothing was sent, so it tries again. Modes: 0 {@code send}, 1 a timed
     * {@code trySend}, 2 {@code trySend} then {@code send}. A closed-channel exception from a channel that is not
     * closed fails the soak.
     */
    boolean sendOne(Chan<Long> ch, int link, long v, Tally t, int mode) {
        Long e = v;
        for (;;) {
            try {
                switch (mode) {
                    case 0 -> ch.send(e);
                    case 1 -> {
                        if (!ch.trySend(e, TIMEOUTS[(int) (v % TIMEOUTS.length)])) {
                            t.timeouts++;
                            continue;
                        }
                    }
                    default -> {
                        if (!ch.trySend(e)) {
                            ch.send(e);
                        }
                    }
                }
                t.afterOp();
                t.sent(link, v);
                return true;
            } catch (InterruptedException ie) {
                t.interrupted++;
            } catch (ChannelClosedException ce) {
                t.closedSends++;
                if (!ch.isClosed()) {
                    ctx.fail("send threw " + ce + " on a channel that is not closed");
                }
                return false;
            }
        }
    }

    /**
     * Receives one element from {@code ch}, trying again after an interrupt or a timeout; null once {@code ch} is
     * closed and drained. Modes: 0 and 2 {@code recv}, 1 a timed {@code tryRecv} ({@code recv} once closed). The
     * caller counts the element ({@link Tally#received}).
     */
    static Long recvOne(Chan<Long> ch, Tally t, int mode) {
        for (;;) {
            try {
                Long v;
                if (mode == 1) {
                    v = ch.tryRecv(TIMEOUTS[(int) (t.recvs % TIMEOUTS.length)]);
                    if (v == null) {
                        if (!ch.isClosed()) {
                            t.timeouts++;
                            continue;
                        }
                        v = ch.recv(); // closed: elements sent before the close may still be buffered
                    }
                } else {
                    v = ch.recv();
                }
                t.afterOp();
                return v;
            } catch (InterruptedException e) {
                t.interrupted++;
            }
        }
    }

    /**
     * Receives from {@code ch} (link {@code link}) until it is closed and drained, then checks the closed state.
     * Mode 2 ranges over the channel ({@code for (v : ch)}). With {@code senders > 0}, checks that elements of each
     * sender ({@code v / STRIDE}) arrive in increasing order. Violations go to {@link #expect}.
     */
    void consume(Chan<Long> ch, int link, Tally t, int mode, int senders) {
        long[] last = new long[senders];
        Arrays.fill(last, -1);
        Iterator<Long> it = mode == 2 ? ch.iterator() : null;
        for (;;) {
            Long v;
            if (it != null) {
                try {
                    v = it.hasNext() ? it.next() : null;
                } catch (ChannelInterruptedException e) {
                    Thread.interrupted(); // the iterator sets the status again; nothing was received
                    t.interrupted++;
                    continue;
                }
            } else {
                v = recvOne(ch, t, mode);
            }
            if (v == null) {
                break;
            }
            t.received(link, v);
            if (senders > 0) {
                int p = (int) (v / STRIDE);
                expect(v > last[p], "receiver on link " + link + " got " + v + " after " + last[p]);
                last[p] = v;
            }
        }
        expect(ch.isClosed(), "recv returned null on an open channel " + ch);
        expect(ch.tryRecv() == null, "tryRecv returned an element after the closed state on " + ch);
        if (ThreadLocalRandom.current().nextInt(8) == 0) {
            try {
                boolean sent = ch.trySend(UNUSED);
                expect(false, "trySend on closed " + ch + " returned " + sent + " instead of throwing");
            } catch (ChannelClosedException expected) {
                // as Go panics
            }
        }
    }

    // ================================================================================================ helpers

    /**
     * One goroutine's counts, written only by it and read by its coordinator after the join (happens-before).
     * Hash sums wrap; equality of count and sum is the check.
     */
    static final class Tally {
        long sends, sendHash, recvs, recvHash, drops, interrupted, completedInterrupted, closedSends, timeouts;

        void sent(int link, long v) {
            sends++;
            sendHash += mix(link, v);
        }

        void received(int link, long v) {
            recvs++;
            recvHash += mix(link, v);
        }

        /** After an operation returned normally: it may have completed although the interrupt came first. */
        void afterOp() {
            if (Thread.interrupted()) { // cleared, so each interrupt is counted once
                completedInterrupted++;
            }
        }

        private static long mix(int link, long v) {
            long z = v * 0x9E3779B97F4A7C15L + (link + 1) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    /**
     * Closes a channel once, whoever asks first (its producers at the end, or the coordinator early); any thread
     * may call {@link #close}. One close in 16 also checks that closing again throws.
     */
    static final class CloseOnce {
        private final Chan<Long> ch;
        private final SoakContext ctx;
        private final AtomicBoolean closed = new AtomicBoolean();

        private CloseOnce(Chan<Long> ch, SoakContext ctx) {
            this.ch = ch;
            this.ctx = ctx;
        }

        /** Closes the channel if no one has yet; true if this call closed it. */
        boolean close() {
            if (!closed.compareAndSet(false, true)) {
                return false;
            }
            ch.close();
            if (ThreadLocalRandom.current().nextInt(16) == 0) {
                ctx.doubleCloses.increment();
                try {
                    ch.close();
                    ctx.fail("close of closed " + ch + " did not throw");
                } catch (ChannelClosedException expected) {
                    // as Go panics
                }
            }
            return true;
        }
    }
}
