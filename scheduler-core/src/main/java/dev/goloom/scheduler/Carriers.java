package dev.goloom.scheduler;

import dev.goloom.scheduler.internal.TimerHeap;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The carrier threads of one scheduler and their lifecycle. Go: {@code allm}, {@code sched.midle} /
 * {@code sched.nmidle}, and {@code newm}, {@code stopm}, {@code mput}, {@code mget}. The idle-M list is part of
 * Go's {@code schedt} and is guarded by the same lock ({@code Sched.lock}); it lives here so that {@link Sched}
 * keeps the Ps, tokens and queues.
 */
final class Carriers {
    private final Sched sched;
    /** Go: sched.midle. Guarded by the sched lock. */
    private M midle;
    /** Go: sched.nmidle. Written under the sched lock. */
    private volatile int nmidle;
    /** Every live carrier (Go: allm). */
    private final Set<M> allm = ConcurrentHashMap.newKeySet();
    private final AtomicInteger mcount = new AtomicInteger();
    private final AtomicInteger mHighWater = new AtomicInteger();
    private final AtomicInteger nextMid = new AtomicInteger();
    private volatile boolean maxThreadsLogged;

    Carriers(Sched sched) {
        this.sched = sched;
    }

    /** Go: {@code newm}. Starts a new carrier that begins with {@code p}, unless maxThreads carriers exist. */
    void newm(P p, boolean spinning) {
        int n = mcount.incrementAndGet();
        if (n > sched.config.maxThreads) {
            mcount.decrementAndGet();
            sched.giveBack(p, spinning);
            if (!maxThreadsLogged) {
                maxThreadsLogged = true;
                System.getLogger("dev.goloom.scheduler").log(System.Logger.Level.WARNING,
                        "goloom scheduler ''{0}'' reached maxThreads={1} carrier threads (many carriers blocked?);"
                                + " not adding more (raise -Dgoloom.maxThreads)",
                        sched.config.name, sched.config.maxThreads);
            }
            return;
        }
        mHighWater.accumulateAndGet(n, Math::max);
        M m = null;
        try {
            m = new M(sched, nextMid.incrementAndGet(), p, spinning);
            allm.add(m);
            sched.sysmon.startOnce(); // before the carrier runs anything: it also starts the wait clock
            m.start();
        } catch (Throwable e) { // OutOfMemoryError (a full heap, or "unable to create native thread"), or similar
            if (m != null) {
                allm.remove(m);
            }
            mcount.decrementAndGet();
            sched.giveBack(p, spinning);
            throw e;
        }
    }

    /**
     * Called by carrier {@code m} as its thread ends: its counts move to the shared counters (before it leaves
     * {@code allm}, so totals never go backwards; a snapshot taken in between may count them twice).
     */
    void mexit(M m) {
        for (Counter c : Counter.ALL) {
            long v = m.counters.get(c);
            if (v != 0) {
                sched.counters.add(c, v);
            }
        }
        allm.remove(m);
        mcount.decrementAndGet();
    }

    /**
     * Go: {@code stopm}. Parks carrier {@code m} (which holds no P) on the idle list until {@code startm} hands it
     * a P. Returns true with the P acquired, or false if the carrier must exit (keep-alive expired, or the
     * scheduler terminated). Called by {@code m} only.
     */
    boolean stopm(M m) {
        sched.lock.lock();
        try {
            if (sched.isTerminated()) {
                return false;
            }
            if (!sched.runq.isEmpty() || sched.anyLocalWork()) {
                // A token may have come back since this carrier looked (Sched.giveBack returns one without a
                // carrier when newm is refused at maxThreads): take it rather than park beside queued work.
                P p = sched.pidleget();
                if (p != null) {
                    Sched.acquirep(m, p);
                    m.spinning = false;
                    return true;
                }
            }
            mput(m);
        } finally {
            sched.lock.unlock();
        }
        m.counters.inc(Counter.THREAD_PARKS);
        long deadline = System.nanoTime() + sched.config.keepAliveNanos;
        for (;;) {
            m.parking = true;
            P np = m.nextp; // after the write of parking: see M.parking
            if (np != null) {
                m.parking = false;
                m.counters.inc(Counter.THREAD_UNPARKS);
                return takeHandedP(m, np);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || sched.isTerminated()) {
                sched.lock.lock();
                boolean removed;
                try {
                    removed = m.idle && mremove(m);
                } finally {
                    sched.lock.unlock();
                }
                if (removed) {
                    return false;
                }
                // startm took this M off the list and is about to hand it a P: wait for nextp.
                left = TimeUnit.MILLISECONDS.toNanos(1);
            }
            LockSupport.parkNanos(this, left);
        }
    }

    /** The M took the P that startm handed it through nextp. Called by {@code m} only. */
    private static boolean takeHandedP(M m, P np) {
        m.nextp = null;
        Sched.acquirep(m, np);
        m.spinning = m.startSpinning;
        return true;
    }

    /**
     * Carrier {@code m} is dying of {@code error} thrown outside any task (its loop caught it): it gives its P and
     * token back so that no run token is lost with the thread, wakes another carrier for the P's work, and logs the
     * error. Called by {@code m} only, as its last act.
     */
    void carrierFailed(M m, Throwable error) {
        sched.counters.inc(Counter.CARRIER_FAILURES);
        P p = m.p;
        if (p != null) {
            int st = p.status();
            if (st == P.SYSCALL) {
                p.casStatus(P.SYSCALL, P.RUNNING);
            }
            p.runq.drain(); // its queue goes where any carrier can take it
            long moved = TimerHeap.NONE;
            sched.lock.lock();
            try {
                if (p.status() != P.IDLE && p.status() != P.DEAD) {
                    moved = sched.putIdle(p); // RUNNING frees its token, BLOCKED has none, RETIRING is retired
                }
                m.p = null;
            } finally {
                sched.lock.unlock();
            }
            sched.timers.moved(moved);
        }
        if (m.spinning) {
            m.spinning = false;
            sched.xaddNmspinning(-1);
        }
        sched.wakep();
        try {
            System.getLogger("dev.goloom.scheduler").log(System.Logger.Level.ERROR,
                    "goloom scheduler '" + sched.config.name + "': carrier " + m.getName() + " died; its P was handed back",
                    error);
        } catch (Throwable ignored) {
            // out of memory again: the count in stats() still shows it
        }
    }

    /** Go: {@code mput}. Requires the sched lock. */
    void mput(M m) {
        assert sched.lock.isHeldByCurrentThread();
        m.link = midle;
        m.idle = true;
        midle = m;
        nmidle = nmidle + 1;
    }

    /** Go: {@code mget}. Requires the sched lock. */
    M mget() {
        assert sched.lock.isHeldByCurrentThread();
        M m = midle;
        if (m != null) {
            midle = m.link;
            m.link = null;
            m.idle = false;
            nmidle = nmidle - 1;
        }
        return m;
    }

    /** Removes {@code m} from the idle list (keep-alive expiry). Requires the sched lock. */
    boolean mremove(M m) {
        assert sched.lock.isHeldByCurrentThread();
        M prev = null;
        for (M x = midle; x != null; prev = x, x = x.link) {
            if (x == m) {
                if (prev == null) {
                    midle = x.link;
                } else {
                    prev.link = x.link;
                }
                x.link = null;
                x.idle = false;
                nmidle = nmidle - 1;
                return true;
            }
        }
        return false;
    }

    /** Wakes every carrier so that idle ones see termination. Any thread. */
    void unparkAll() {
        for (M m : allm) {
            LockSupport.unpark(m);
        }
    }

    /**
     * Appends a line per live carrier (Go: scheddetail's M lines): its P, whether it spins, is idle or runs a task.
     * Any thread; racy reads of fields owned by each carrier.
     */
    void describe(StringBuilder out) {
        for (M m : allm) {
            P p = m.loP();
            out.append("  M").append(m.mid).append(": p=").append(p == null ? -1 : p.id)
                    .append(" curg=").append((m.loRunSeq() & 1) != 0)
                    .append(" spinning=").append(m.loSpinning())
                    .append(" idle=").append(m.nextp == null && p == null)
                    .append(" tid=").append(m.tid).append('\n');
        }
    }

    /** Every live carrier (a weakly consistent view, for dumps). Any thread. */
    Iterable<M> all() {
        return allm;
    }

    /** Adds every live carrier's counters into {@code totals}. Any thread. */
    void addCounters(long[] totals) {
        for (M m : allm) {
            m.counters.addTo(totals);
        }
    }

    /** Carriers alive (Go: mcount). */
    int mcount() {
        return mcount.get();
    }

    /** Carriers on the idle list (Go: sched.nmidle). */
    int nmidle() {
        return nmidle;
    }

    /** The most carriers ever alive at once. */
    int mHighWater() {
        return mHighWater.get();
    }
}
