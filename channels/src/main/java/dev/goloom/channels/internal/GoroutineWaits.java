package dev.goloom.channels.internal;

import dev.goloom.channels.Chan;

import java.util.ArrayList;
import java.util.List;

/**
 * What goroutine dumps ({@code dev.goloom.scheduler.Goroutines}) learn about a thread blocked in a channel
 * operation or a select. Go: {@code gopark}'s {@code waitReasonChanReceive} and friends, and {@code g.waitsince}.
 *
 * <p>A blocked operation parks with its {@link Waiter} (plain send and receive) or its {@link SelectOwner} (select)
 * as the {@code LockSupport.park} blocker; the JDK keeps the blocker in a plain field of the thread, and a dump reads
 * it back with {@code LockSupport.getBlocker}. What the dump needs is in the blocker: the operation, the channel(s)
 * and the start of the wait, from {@link #now()}. So a blocking operation pays three plain stores into the waiter
 * it allocates anyway plus one volatile load; no per-thread table, no clock call.
 *
 * <p>scheduler-core is optional: without it {@link #now()} is 0 (unknown) and nothing is registered (there are no
 * goroutines to dump). With it, the describer is registered with the scheduler's {@code spi.WaitDescriber} when this
 * class initialises, which happens before the first wait records its start. The same describer carries out deadlock
 * detection's aborts ({@code -Dgoloom.deadlock=fail}). Only the nested {@code OnGoloom} class names scheduler
 * classes, and it is loaded only if scheduler-core is there (see {@link TimerSupport}).
 *
 * <p>Exported to {@code dev.goloom.select} only. {@link #now()} is called by blocking threads, the describer by
 * dumping threads; nothing here blocks.
 */
public final class GoroutineWaits {
    private static final boolean SCHEDULER_PRESENT = TimerSupport.schedulerPresent();

    static {
        if (SCHEDULER_PRESENT) {
            OnGoloom.register();
        }
    }

    private GoroutineWaits() {
    }

    /**
     * The start of a wait beginning now: the scheduler's coarse wait clock ({@code spi.WaitClock}, one volatile
     * load, at most one sysmon round old), or 0 (unknown) without scheduler-core or while no sysmon runs. Any thread.
     */
    public static long now() {
        return SCHEDULER_PRESENT ? OnGoloom.now() : 0L;
    }

    /** The only code that names scheduler classes; loaded only if scheduler-core is present. */
    private static final class OnGoloom {
        static long now() {
            return dev.goloom.scheduler.spi.WaitClock.now();
        }

        static void register() {
            dev.goloom.scheduler.spi.WaitDescriber.register(new Describer());
        }
    }

    /**
     * Reads a {@link Waiter} or {@link SelectOwner} blocker. Racy reads of fields its thread wrote before parking;
     * a select's case arrays are bound-checked ({@link SelectOwner#forEachCase}).
     */
    private static final class Describer extends dev.goloom.scheduler.spi.WaitDescriber {
        private static final ChanOps OPS = ChanOps.get();

        @Override
        protected Wait describe(Object blocker) {
            if (blocker instanceof Waiter w) {
                if (w.select != null || w.chan == null) {
                    return null;
                }
                return new Wait(w.send ? dev.goloom.scheduler.WaitReason.CHAN_SEND
                        : dev.goloom.scheduler.WaitReason.CHAN_RECEIVE, w.since, List.of(ref(w.chan, w.send)));
            }
            if (blocker instanceof SelectOwner o) {
                if (o.noCases()) {
                    return new Wait(dev.goloom.scheduler.WaitReason.SELECT_NO_CASES, o.waitSince(), List.of());
                }
                List<dev.goloom.scheduler.ChannelRef> cases = new ArrayList<>();
                o.forEachCase((c, send) -> cases.add(ref(c, send)));
                return new Wait(dev.goloom.scheduler.WaitReason.SELECT, o.waitSince(), cases);
            }
            return null;
        }

        /**
         * Deadlock detection's abort: a plain waiter is withdrawn under its channel's lock ({@link ChanOps#abort}),
         * a select by winning its arbitration word ({@link SelectOwner#abort}). The message names the operation.
         */
        @Override
        protected boolean abort(Object blocker, String message) {
            if (blocker instanceof Waiter w) {
                if (w.select != null || w.chan == null) {
                    return false;
                }
                return OPS.abort(w.chan, w, message + ": " + operation(w.chan, w.send));
            }
            if (blocker instanceof SelectOwner o) {
                if (o.noCases()) {
                    return o.abort(message + ": select (no cases)");
                }
                StringBuilder b = new StringBuilder(message).append(": select (");
                int start = b.length();
                o.forEachCase((c, send) -> b.append(b.length() == start ? "" : ", ").append(operation(c, send)));
                return o.abort(b.append(')').toString());
            }
            return false;
        }

        /** {@code chan send to Chan#1[cap=0]}, {@code chan receive from ...}: the wait reason and the channel. */
        private static String operation(Chan<?> c, boolean send) {
            return send ? "chan send to " + c : "chan receive from " + c;
        }

        private static dev.goloom.scheduler.ChannelRef ref(Chan<?> c, boolean send) {
            return new dev.goloom.scheduler.ChannelRef(OPS.id(c), send, c.toString());
        }
    }
}
