package dev.goloom.report;

import dev.goloom.channels.Chan;
import dev.goloom.channels.ChannelClosedException;
import dev.goloom.report.SoakCell.CloseOnce;
import dev.goloom.report.SoakCell.Tally;
import dev.goloom.select.Select;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.goloom.report.SoakCell.STRIDE;
import static dev.goloom.report.SoakCell.TIMEOUTS;
import static dev.goloom.report.SoakCell.UNUSED;
import static dev.goloom.report.SoakCell.mode;
import static dev.goloom.report.SoakCell.recvOne;

/**
 * The {@link Soak}'s cell shapes: each builds one cell at random, starts its goroutines and returns; the
 * coordinator then disturbs, joins and checks the cell ({@link SoakCell}). A shape gives each goroutine its own
 * {@link Tally} and uses the cell's checked operations, so that every element sent and received is counted per
 * link; it registers with {@link SoakCell#closable} the channels the coordinator may close early. Called only by a
 * coordinator, for a cell that is building.
 */
final class SoakCells {
    private static final int[] CAPS = {0, 0, 1, 16, 256};

    /** The shapes, in the order the totals list them. */
    enum Kind { DIRECT, FANIN, FANOUT, CHAIN, SPAWN }

    private SoakCells() {
    }

    /** Builds {@code cell} as a {@code kind} cell with sizes and modes drawn from {@code rnd}. */
    static void build(Kind kind, SoakCell cell, SplittableRandom rnd) {
        switch (kind) {
            case DIRECT -> direct(cell, rnd);
            case FANIN -> fanin(cell, rnd);
            case FANOUT -> fanout(cell, rnd);
            case CHAIN -> chain(cell, rnd);
            case SPAWN -> spawn(cell, rnd);
        }
    }

    /** {@code direct}: producers into one channel, consumers out of it. */
    private static void direct(SoakCell cell, SplittableRandom rnd) {
        int cap = CAPS[rnd.nextInt(CAPS.length)], producers = rnd.nextInt(1, 5), consumers = rnd.nextInt(1, 5);
        int per = rnd.nextInt(100, 5_000);
        cell.describe("direct cap=" + cap + " producers=" + producers + " consumers=" + consumers + " per=" + per);
        Chan<Long> ch = Chan.make(cap);
        CloseOnce close = cell.closeOnce(ch);
        AtomicInteger left = new AtomicInteger(producers);
        for (int p = 0; p < producers; p++) {
            long base = p * STRIDE;
            int mode = mode(rnd);
            Tally t = cell.tally();
            cell.go(() -> {
                for (int i = 0; i < per && cell.sendOne(ch, 0, base + i, t, mode); i++) {
                    // sent
                }
                if (left.decrementAndGet() == 0) {
                    close.close();
                }
            });
        }
        for (int c = 0; c < consumers; c++) {
            int mode = mode(rnd);
            Tally t = cell.tally();
            cell.go(() -> cell.consume(ch, 0, t, mode, producers));
        }
        cell.closable(close);
    }

    /** {@code fanin}: a producer per input, mergers selecting over every input and the output, consumers. */
    private static void fanin(SoakCell cell, SplittableRandom rnd) {
        int inputs = rnd.nextInt(2, 7), mergers = rnd.nextInt(1, 3), consumers = rnd.nextInt(1, 4);
        int outCap = CAPS[rnd.nextInt(CAPS.length)], per = rnd.nextInt(100, 2_000);
        boolean timed = rnd.nextInt(4) == 0;
        @SuppressWarnings("unchecked")
        Chan<Long>[] in = new Chan[inputs];
        StringBuilder caps = new StringBuilder();
        for (int p = 0; p < inputs; p++) {
            in[p] = Chan.make(CAPS[rnd.nextInt(CAPS.length)]);
            caps.append(p == 0 ? "" : ",").append(in[p].cap());
        }
        cell.describe("fanin inputs=" + inputs + " caps=" + caps + " mergers=" + mergers + " out cap=" + outCap
                + " consumers=" + consumers + " per=" + per + (timed ? " timed" : ""));
        Chan<Long> outCh = Chan.make(outCap);
        CloseOnce outClose = cell.closeOnce(outCh);
        for (int p = 0; p < inputs; p++) {
            Chan<Long> ch = in[p];
            int link = 1 + p, mode = mode(rnd);
            long base = p * STRIDE;
            CloseOnce close = cell.closeOnce(ch);
            cell.closable(close);
            Tally t = cell.tally();
            cell.go(() -> {
                for (int i = 0; i < per && cell.sendOne(ch, link, base + i, t, mode); i++) {
                    // sent
                }
                close.close();
            });
        }
        AtomicInteger left = new AtomicInteger(mergers);
        for (int m = 0; m < mergers; m++) {
            int maxHeld = rnd.nextInt(1, 5);
            Duration timeout = timed ? TIMEOUTS[rnd.nextInt(TIMEOUTS.length)] : null;
            Tally t = cell.tally();
            cell.go(() -> {
                merge(in, outCh, maxHeld, timeout, t);
                if (left.decrementAndGet() == 0) {
                    outClose.close();
                }
            });
        }
        for (int c = 0; c < consumers; c++) {
            int mode = mode(rnd);
            Tally t = cell.tally();
            cell.go(() -> cell.consume(outCh, 0, t, mode, 0));
        }
    }

    /**
     * A fan-in merger: Go's {@code select { case v, ok := <-in[i]: ...; case out <- held[0]: ... }}, the receive
     * cases enabled while fewer than {@code maxHeld} elements are held, the send case while any is held, a closed
     * input's case disabled for good. Input {@code i} is link {@code 1 + i}, the output link 0.
     */
    private static void merge(Chan<Long>[] in, Chan<Long> outCh, int maxHeld, Duration timeout, Tally t) {
        ArrayDeque<Long> held = new ArrayDeque<>(maxHeld);
        Select sel = new Select();
        for (Chan<Long> ch : in) {
            sel.recv(ch);
        }
        int sendCase = in.length;
        sel.sendFrom(outCh, () -> held.isEmpty() ? UNUSED : held.peekFirst(), null);
        boolean[] closed = new boolean[in.length];
        int open = in.length;
        boolean receiving = true;
        while (open > 0 || !held.isEmpty()) {
            boolean wantRecv = held.size() < maxHeld;
            if (wantRecv != receiving) {
                for (int i = 0; i < in.length; i++) {
                    if (!closed[i]) {
                        if (wantRecv) {
                            sel.enable(i);
                        } else {
                            sel.disable(i);
                        }
                    }
                }
                receiving = wantRecv;
            }
            if (held.isEmpty()) {
                sel.disable(sendCase);
            } else {
                sel.enable(sendCase);
            }
            int c;
            try {
                c = timeout == null ? sel.select() : sel.select(timeout);
            } catch (InterruptedException e) {
                t.interrupted++;
                continue;
            }
            t.afterOp();
            if (c == Select.TIMED_OUT) {
                t.timeouts++;
            } else if (c == sendCase) {
                t.sent(0, held.removeFirst());
            } else {
                Long v = sel.received();
                if (v == null) {
                    closed[c] = true;
                    open--;
                    sel.disable(c);
                } else {
                    t.received(1 + c, v);
                    held.addLast(v);
                }
            }
        }
    }

    /** {@code fanout}: one producer selecting over send cases on 2 to 4 outputs, consumers on each output. */
    private static void fanout(SoakCell cell, SplittableRandom rnd) {
        int outputs = rnd.nextInt(2, 5), per = rnd.nextInt(200, 5_000);
        boolean timed = rnd.nextInt(4) == 0;
        Duration timeout = timed ? TIMEOUTS[rnd.nextInt(TIMEOUTS.length)] : null;
        @SuppressWarnings("unchecked")
        Chan<Long>[] outs = new Chan[outputs];
        CloseOnce[] closes = new CloseOnce[outputs];
        StringBuilder caps = new StringBuilder();
        for (int k = 0; k < outputs; k++) {
            outs[k] = Chan.make(CAPS[rnd.nextInt(CAPS.length)]);
            closes[k] = cell.closeOnce(outs[k]);
            cell.closable(closes[k]);
            caps.append(k == 0 ? "" : ",").append(outs[k].cap());
        }
        int[] consumers = new int[outputs];
        for (int k = 0; k < outputs; k++) {
            consumers[k] = rnd.nextInt(1, 3);
        }
        cell.describe("fanout outputs=" + outputs + " caps=" + caps + " consumers=" + Arrays.toString(consumers)
                + " per=" + per + (timed ? " timed" : ""));
        Tally pt = cell.tally();
        cell.go(() -> {
            Long[] value = {0L};
            Select sel = new Select();
            for (Chan<Long> ch : outs) {
                sel.sendFrom(ch, () -> value[0], null);
            }
            boolean[] enabled = new boolean[outputs];
            Arrays.fill(enabled, true);
            int open = outputs;
            for (int i = 0; i < per && open > 0; ) {
                int c;
                try {
                    c = timeout == null ? sel.select() : sel.select(timeout);
                } catch (InterruptedException e) {
                    pt.interrupted++;
                    continue;
                } catch (ChannelClosedException e) {
                    pt.closedSends++;
                    for (int k = 0; k < outputs; k++) {
                        if (enabled[k] && outs[k].isClosed()) {
                            enabled[k] = false;
                            open--;
                            sel.disable(k);
                        }
                    }
                    continue;
                }
                pt.afterOp();
                if (c == Select.TIMED_OUT) {
                    pt.timeouts++;
                    continue;
                }
                pt.sent(c, value[0]);
                value[0] = (long) ++i;
            }
            for (CloseOnce close : closes) {
                close.close();
            }
        });
        for (int k = 0; k < outputs; k++) {
            for (int c = 0; c < consumers[k]; c++) {
                int link = k, mode = mode(rnd);
                Chan<Long> ch = outs[k];
                Tally t = cell.tally();
                cell.go(() -> cell.consume(ch, link, t, mode, 1));
            }
        }
    }

    /** {@code chain}: producer, 1 to 4 forwarding stages, consumer; link {@code j} is channel {@code j}. */
    private static void chain(SoakCell cell, SplittableRandom rnd) {
        int stages = rnd.nextInt(1, 5), per = rnd.nextInt(200, 5_000);
        @SuppressWarnings("unchecked")
        Chan<Long>[] links = new Chan[stages + 1];
        CloseOnce[] closes = new CloseOnce[stages + 1];
        StringBuilder caps = new StringBuilder();
        for (int j = 0; j <= stages; j++) {
            links[j] = Chan.make(CAPS[rnd.nextInt(CAPS.length)]);
            closes[j] = cell.closeOnce(links[j]);
            cell.closable(closes[j]);
            caps.append(j == 0 ? "" : ",").append(links[j].cap());
        }
        cell.describe("chain stages=" + stages + " caps=" + caps + " per=" + per);
        int pmode = mode(rnd);
        Tally pt = cell.tally();
        cell.go(() -> {
            for (int i = 0; i < per && cell.sendOne(links[0], 0, i, pt, pmode); i++) {
                // sent
            }
            closes[0].close();
        });
        for (int j = 0; j < stages; j++) {
            int link = j, mode = mode(rnd);
            Tally t = cell.tally();
            cell.go(() -> {
                Chan<Long> in = links[link], next = links[link + 1];
                long last = -1;
                boolean outClosed = false;
                for (Long v; (v = recvOne(in, t, mode)) != null; ) {
                    t.received(link, v);
                    cell.expect(v > last, "stage " + link + " received " + v + " after " + last);
                    last = v;
                    if (outClosed || !cell.sendOne(next, link + 1, v, t, mode)) {
                        outClosed = true;
                        t.drops++;
                    }
                }
                closes[link + 1].close();
            });
        }
        int cmode = mode(rnd);
        Tally ct = cell.tally();
        cell.go(() -> cell.consume(links[stages], stages, ct, cmode, 1));
    }

    /** {@code spawn}: a feeder, many one-element goroutines, a collector. */
    private static void spawn(SoakCell cell, SplittableRandom rnd) {
        int n = rnd.nextInt(50, 401);
        Chan<Long> work = Chan.make(CAPS[rnd.nextInt(CAPS.length)]);
        Chan<Long> results = Chan.make(CAPS[rnd.nextInt(CAPS.length)]);
        cell.describe("spawn goroutines=" + n + " work cap=" + work.cap() + " results cap=" + results.cap());
        CloseOnce workClose = cell.closeOnce(work), resultsClose = cell.closeOnce(results);
        AtomicInteger left = new AtomicInteger(n);
        for (int i = 0; i < n; i++) {
            int mode = i % 8 == 0 ? 1 : i % 8 <= 2 ? 2 : 0;
            Tally t = cell.tally();
            cell.go(() -> {
                Long v = recvOne(work, t, mode);
                if (v != null) {
                    t.received(0, v);
                    cell.sendOne(results, 1, v, t, mode);
                }
                if (left.decrementAndGet() == 0) {
                    resultsClose.close();
                }
            });
        }
        Tally ft = cell.tally();
        cell.go(() -> {
            for (int i = 0; i < n && cell.sendOne(work, 0, i, ft, 0); i++) {
                // sent
            }
            workClose.close();
        });
        Tally ct = cell.tally();
        int cmode = mode(rnd);
        cell.go(() -> cell.consume(results, 1, ct, cmode, 0));
    }
}
