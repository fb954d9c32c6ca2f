package dev.goloom.scheduler.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The field layout of a {@link LocalRunQueue}, in layers so that the JVM cannot reorder fields across them:
 * cold fields, 64 bytes of padding, {@code head} (written by every consumer's CAS), 64 bytes of padding, then the
 * owner-written {@code tail}, {@code runnext} and put stamp. {@code byte} padding survives the field reordering of
 * JDK 15+ within a class, and each layer's fields are laid out after its superclass's.
 *
 * <p>Accessor prefixes name the memory ordering (JCTools style): {@code la} load-acquire, {@code lo} load-opaque,
 * {@code so} store-release, {@code cas} compare-and-set (volatile).
 */
final class RunQueueLayout {
    private RunQueueLayout() {
    }

    /** Written once at construction. */
    abstract static class Cold {
        final Runnable[] ring;
        final int mask;

        Cold(int capacity) {
            if (capacity < 2 || Integer.bitCount(capacity) != 1) {
                throw new IllegalArgumentException("run queue capacity must be a power of two >= 2, got "
                        + capacity);
            }
            ring = new Runnable[capacity];
            mask = capacity - 1;
        }
    }

    /** Keeps {@code head} off the cold fields' cache line. */
    abstract static class Pad1 extends Cold {
        byte p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
        byte p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;
        byte p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;
        byte p30, p31, p32, p33, p34, p35, p36, p37, p38, p39, p3a, p3b, p3c, p3d, p3e, p3f;

        Pad1(int capacity) {
            super(capacity);
        }
    }

    abstract static class Head extends Pad1 {
        /** Next slot to consume. Changed only by CAS, by the owner and by thieves. */
        volatile int head;

        Head(int capacity) {
            super(capacity);
        }
    }

    /** Keeps the owner-written fields off the line that every thief's CAS on {@code head} dirties. */
    abstract static class Pad2 extends Head {
        byte q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q0a, q0b, q0c, q0d, q0e, q0f;
        byte q10, q11, q12, q13, q14, q15, q16, q17, q18, q19, q1a, q1b, q1c, q1d, q1e, q1f;
        byte q20, q21, q22, q23, q24, q25, q26, q27, q28, q29, q2a, q2b, q2c, q2d, q2e, q2f;
        byte q30, q31, q32, q33, q34, q35, q36, q37, q38, q39, q3a, q3b, q3c, q3d, q3e, q3f;

        Pad2(int capacity) {
            super(capacity);
        }
    }

    abstract static class Fields extends Pad2 {
        /** Next slot to produce into. Written only by the owner (store-release); read by thieves (load-acquire). */
        int tail;
        /** Go's runnext: the LIFO slot. Set non-null only by the owner; CASed to null by anyone. */
        volatile Object runnext;
        /** Heuristic stamp of runnext puts (see LocalRunQueue): owner writes, thieves read, both opaque. */
        int nextPuts;

        private static final VarHandle HEAD;
        private static final VarHandle TAIL;
        private static final VarHandle RUNNEXT;
        private static final VarHandle NEXT_PUTS;

        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                HEAD = l.findVarHandle(Head.class, "head", int.class);
                TAIL = l.findVarHandle(Fields.class, "tail", int.class);
                RUNNEXT = l.findVarHandle(Fields.class, "runnext", Object.class);
                NEXT_PUTS = l.findVarHandle(Fields.class, "nextPuts", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        Fields(int capacity) {
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

        /** Owner only: exchange (a full fence), which publishes {@code task} to consumers' CAS. */
        final Object xchgRunnext(Object task) {
            return RUNNEXT.getAndSet(this, task);
        }

        final boolean casRunnext(Object expect, Object update) {
            return RUNNEXT.compareAndSet(this, expect, update);
        }

        final int loNextPuts() {
            return (int) NEXT_PUTS.getOpaque(this);
        }

        /** Owner only (the single writer). */
        final void soNextPutsOpaque(int value) {
            NEXT_PUTS.setOpaque(this, value);
        }
    }
}
