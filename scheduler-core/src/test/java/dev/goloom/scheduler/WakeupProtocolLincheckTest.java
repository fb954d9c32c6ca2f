package dev.goloom.scheduler;

import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.jetbrains.lincheck.datastructures.verifier.EpsilonVerifier;
import org.junit.jupiter.api.Test;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lincheck model checking of the "Delicate dance" (package overview): no task is left queued while a run token is
 * free and every carrier that could take it is parked (a lost wake-up).
 *
 * <h2>The model</h2>
 * {@link Model} mirrors the protocol's shared variables and steps, with the same atomics and fences, and names the
 * production lines each step copies. Two Ps (2 run tokens), two carriers:
 * <ul>
 *   <li><b>M0</b> holds P0 and runs a long goroutine that readies tasks ({@link Model#readyLocal}: into P0's own
 *       queue, then {@code wakepAfterRmw}) or submits them to the global queue ({@link Model#submitGlobal}:
 *       {@code runq.put}, then {@code wakep}). M0 never looks for work itself in the model (its goroutine keeps
 *       running), so P0's queue is only reachable by stealing.</li>
 *   <li><b>M1</b> holds P1 and looks for work ({@link Model#schedule}: one pass of {@code M.findRunnable} steps 3
 *       to 7: global queue, spinning and stealing from P0, {@code Sched.releasep}, the fence and re-check,
 *       {@code Carriers.stopm}), or, parked, takes a P handed to it ({@code nextp}).</li>
 * </ul>
 * {@code startm} may find no idle carrier and call {@code newm}: with {@code maxThreads == 3} a new carrier starts
 * with the P (it counts as one that will find the work); with {@code maxThreads == 2} ({@link AtMaxThreads}) newm
 * is refused and {@code Sched.giveBack} returns the token: the path fixed by commit 0c62c88.
 *
 * <p>The check ({@link Model#noLostWakeup}, a validation function run in every quiescent state): if a task is
 * queued (global queue or P0's queue) and a token is free, then M1 holds a P or has been handed one, or a new
 * carrier was started.
 *
 * <h2>Negative controls</h2>
 * Lincheck explores interleavings under sequential consistency, so dropping a {@code fullFence} alone cannot fail
 * here (that is a JMM reordering); what it can catch is a missing step. Planted: {@link NoRecheck} drops
 * findRunnable step 6's re-check (the carrier parks right after giving up its P); {@link Before0c62c88} removes
 * both halves of commit 0c62c88 (giveBack's hand-off to an idle carrier and stopm's re-check under the lock), at
 * maxThreads. Each must fail; the tests assert that it does.
 *
 * <p>Bounded by default (targeted scenarios, a few seconds); {@code -Dgoloom.lincheck.deep=true} adds random
 * scenarios.
 */
class WakeupProtocolLincheckTest {

    /** The protocol's shared state and steps. Owner of each field in its comment, as in production. */
    public abstract static class Model {
        static final int PROCS = 2;

        // ------------------------------------------------------------------------------- Sched (schedt) state
        /** Sched.lock. Guards the idle-P list (p1Idle), the idle-M list (m1Idle) and writes of freeTokens. */
        private final Object schedLock = new Object();
        /** Sched.freeTokens: volatile, written under schedLock. P0 always holds one (M0 runs), P1 starts with M1. */
        private volatile int freeTokens = 0;
        /** Sched.nmspinning: atomic read-modify-writes only (each a full fence). */
        private final AtomicInteger nmspinning = new AtomicInteger();
        /** Sched.runq: the global queue's volatile count, changed under its own lock (GlobalRunQueue.lock). */
        private volatile int runq;
        private final Object runqLock = new Object();
        /** P1 on the idle-P list (Sched.pidle). Guarded by schedLock. */
        private boolean p1Idle;

        // --------------------------------------------------------------------------------------- P0's queue
        /** P0's local queue length (ring + runnext): M0 publishes (exchange: a full fence), thieves CAS. */
        private final AtomicInteger local0 = new AtomicInteger();

        // --------------------------------------------------------------------------------------- carriers
        /** M1 holds a P (it owns m1HasP and m1Spinning). */
        private volatile boolean m1HasP = true;
        private boolean m1Spinning;
        /** M1 on the idle-M list (Carriers.midle). Guarded by schedLock. */
        private boolean m1Idle;
        /** M.nextp: a P handed to parked M1 by startm or giveBack (volatile, as in M). */
        private volatile boolean m1Handed;
        /** M.startSpinning, written before nextp. */
        private volatile boolean m1StartSpinning;
        /** Carriers that newm started with a P (each will find the work). */
        private final AtomicInteger newCarriers = new AtomicInteger();
        /** Carriers.mcount: M0 and M1. */
        private final AtomicInteger mcount = new AtomicInteger(2);
        private final int maxThreads;

        Model(int maxThreads) {
            this.maxThreads = maxThreads;
        }

        // ============================================================================ operations (two threads)

        /**
         * M0's goroutine readies a task on P0: GoScheduler.execute -> P.runqput(task, next=true) (the runnext
         * exchange, a full fence) -> Sched.wakepAfterRmw.
         */
        @Operation(nonParallelGroup = "m0")
        public void readyLocal() {
            local0.incrementAndGet(); // LocalRunQueue.putNext: RUNNEXT.getAndSet, a full fence
            wakepAfterRmw();
        }

        /** A task submitted to the global queue: GoScheduler.execute -> sched.runq.put(task) -> Sched.wakep. */
        @Operation(nonParallelGroup = "m0")
        public void submitGlobal() {
            synchronized (runqLock) { // GlobalRunQueue.put: the count is stored under its lock
                runq = runq + 1;
            }
            wakep();
        }

        /**
         * One pass of M1's loop: if parked, take a handed P (Carriers.stopm's nextp read) or stay parked;
         * otherwise M.findRunnable from step 3 until it finds a task (returns) or parks.
         */
        @Operation(nonParallelGroup = "m1")
        public String schedule() {
            if (!m1HasP) {
                if (!m1Handed) {
                    return "parked";
                }
                m1Handed = false;                       // Carriers.takeHandedP
                m1HasP = true;
                m1Spinning = m1StartSpinning;
            }
            for (int round = 0; round < 4; round++) {
                // 3. Global run queue (M.findRunnable: `if (!sched.runq.isEmpty()) t = sched.globrunqget(...)`).
                if (takeGlobal()) {
                    return ranTask("global");
                }
                // 4. Steal, if allowed to spin (M.findRunnable: `if (spinning || 2 * nmspinning < procs - free...`).
                int nms = nmspinning.get();
                if (m1Spinning || 2 * nms < PROCS - freeTokens) {
                    if (!m1Spinning) {
                        m1Spinning = true;              // M.becomeSpinning
                        nmspinning.getAndAdd(1);
                    }
                    if (stealFromP0()) {
                        return ranTask("stolen");
                    }
                }
                // 5. Sched.releasep: under the lock, unless the global queue has work.
                synchronized (schedLock) {
                    if (runq != 0) {
                        continue;                       // `if (!sched.releasep(this, pp)) continue;`
                    }
                    p1Idle = true;                      // pidleput(p, true)
                    freeTokens = freeTokens + 1;
                    m1HasP = false;
                }
                // 6. "Delicate dance", carrier side: (2) full fence, (3) re-check.
                boolean wasSpinning = m1Spinning;
                if (wasSpinning) {
                    m1Spinning = false;
                    nmspinning.getAndAdd(-1);           // sched.xaddNmspinning(-1): a full fence
                } else {
                    VarHandle.fullFence();
                }
                if (recheckAfterRelease()
                        && (runq != 0 || (wasSpinning ? local0.get() != 0 : false))) { // anyLocalWork / tokenless
                    if (takeIdleP()) {                  // Sched.takeIdleP
                        m1HasP = true;                  // Sched.acquirep
                        m1Spinning = true;              // becomeSpinning
                        nmspinning.getAndAdd(1);
                        continue;
                    }
                }
                // 7. Carriers.stopm.
                if (stopm()) {
                    continue;
                }
                return "parked";
            }
            return "still looking";
        }

        // ======================================================================================= the steps

        /**
         * M.schedule after findRunnable returned a task: resetspinning if it was spinning, which wakes another
         * carrier only if work is left to find (the global queue or a P's queue).
         */
        private String ranTask(String where) {
            if (m1Spinning) {                           // M.resetspinning
                m1Spinning = false;
                nmspinning.getAndAdd(-1);               // a full fence before the look
                if (runq != 0 || local0.get() != 0) {
                    wakepAfterRmw();
                }
            }
            return "ran " + where;
        }

        private boolean takeGlobal() {
            if (runq == 0) {                            // GlobalRunQueue.isEmpty: volatile read
                return false;
            }
            synchronized (runqLock) {                   // GlobalRunQueue.take under its lock
                if (runq == 0) {
                    return false;
                }
                runq = runq - 1;
                return true;
            }
        }

        /** LocalRunQueue.stealFrom on P0 (RUNNING): takes one task by CAS, or none. */
        private boolean stealFromP0() {
            for (;;) {
                int n = local0.get();
                if (n == 0) {
                    return false;
                }
                if (local0.compareAndSet(n, n - 1)) {
                    return true;
                }
            }
        }

        /** Sched.wakep: step 2 of the submitter's side, then wakepAfterRmw. */
        final void wakep() {
            VarHandle.fullFence();
            wakepAfterRmw();
        }

        /** Sched.wakepAfterRmw: step 3 of the submitter's side. */
        final void wakepAfterRmw() {
            if (freeTokens == 0) {
                return;
            }
            if (nmspinning.get() != 0 || !nmspinning.compareAndSet(0, 1)) {
                return;
            }
            startm(true);
        }

        /** Sched.startm(null, spinning). */
        private void startm(boolean spinning) {
            boolean idleM;
            synchronized (schedLock) {
                if (!pidleget()) {
                    if (spinning) {
                        nmspinning.getAndAdd(-1);
                    }
                    return;
                }
                idleM = mget();
            }
            if (!idleM) {
                newm(spinning);
                return;
            }
            m1StartSpinning = spinning;
            m1Handed = true;                            // m.nextp = p (volatile), then unpark
        }

        /** Carriers.newm: a new carrier with the P, unless maxThreads carriers exist. */
        private void newm(boolean spinning) {
            int n = mcount.incrementAndGet();
            if (n > maxThreads) {
                mcount.decrementAndGet();
                giveBack(spinning);
                return;
            }
            newCarriers.incrementAndGet();
        }

        /** Sched.giveBack(p, spinning): the refused newm's token goes back to the idle list. */
        void giveBack(boolean spinning) {
            boolean idleM = false;
            boolean handed = false;
            synchronized (schedLock) {
                p1Idle = true;                          // pidleput(p, true)
                freeTokens = freeTokens + 1;
                // 0c62c88 + the local-work gap: `idle = runq.isEmpty() && !anyLocalWork() ? null : carriers.mget();`
                idleM = queueCheckUnderLock() && (runq != 0 || local0.get() != 0) && mget();
                if (idleM) {
                    handed = pidleget();
                }
            }
            if (spinning) {
                nmspinning.getAndAdd(-1);
            }
            if (idleM) {
                m1StartSpinning = false;
                m1Handed = handed;
            }
        }

        /** Carriers.stopm, up to the park. True if M1 took a P instead of parking. */
        boolean stopm() {
            synchronized (schedLock) {
                // 0c62c88 + the local-work gap: `if (!sched.runq.isEmpty() || sched.anyLocalWork()) { P p = ...`
                if (queueCheckUnderLock() && (runq != 0 || local0.get() != 0) && pidleget()) {
                    m1HasP = true;
                    m1Spinning = false;
                    return true;
                }
                m1Idle = true;                          // mput(m)
            }
            return false; // then spinForP / park until nextp: the next schedule() call looks at m1Handed
        }

        /** Whether findRunnable step 6 re-checks the queues (production: always). */
        boolean recheckAfterRelease() {
            return true;
        }

        private boolean takeIdleP() {
            synchronized (schedLock) {
                return pidleget();
            }
        }

        /** Sched.pidleget, under the lock: only P1 can be idle here. */
        private boolean pidleget() {
            if (freeTokens == 0 || !p1Idle) {
                return false;
            }
            p1Idle = false;
            freeTokens = freeTokens - 1;
            return true;
        }

        /** Carriers.mget, under the lock. */
        private boolean mget() {
            if (!m1Idle) {
                return false;
            }
            m1Idle = false;
            return true;
        }

        /** Does the 0c62c88 check in giveBack and stopm (production: yes). */
        boolean queueCheckUnderLock() {
            return true;
        }

        // ======================================================================================= the check

        /** No lost wake-up: queued work with a free token has a carrier that holds, or was handed, a P. */
        @Validate
        public void noLostWakeup() {
            int queued = runq + local0.get();
            if (queued > 0 && freeTokens > 0 && !m1HasP && !m1Handed && newCarriers.get() == 0) {
                throw new IllegalStateException("lost wake-up: " + runq + " task(s) in the global queue, "
                        + local0.get() + " in P0's queue, " + freeTokens + " token(s) free, M1 parked and "
                        + "nobody woken");
            }
        }
    }

    /** Production protocol; newm may start a third carrier. */
    public static class Production extends Model {
        public Production() {
            super(3);
        }
    }

    /** Production protocol at maxThreads: newm is refused and giveBack returns the token (the 0c62c88 path). */
    public static class AtMaxThreads extends Model {
        public AtMaxThreads() {
            super(2);
        }
    }

    /**
     * PLANTED BUG: findRunnable step 6 without its re-check (the carrier parks right after giving up its P). stopm's
     * look under the lock (0c62c88, widened to local queues) would cover for it, so it is taken out too.
     */
    public static class NoRecheck extends Model {
        public NoRecheck() {
            super(3);
        }

        @Override
        boolean recheckAfterRelease() {
            return false;
        }

        @Override
        boolean queueCheckUnderLock() {
            return false;
        }
    }

    /** PLANTED BUG: the parent of 0c62c88, at maxThreads: giveBack wakes nobody, stopm parks without looking. */
    public static class Before0c62c88 extends Model {
        public Before0c62c88() {
            super(2);
        }

        @Override
        boolean queueCheckUnderLock() {
            return false;
        }
    }

    // =================================================================================================== tests

    /**
     * M1 giving up while M0 readies a task locally or submits one globally, once or twice, with M1 starting from
     * its P or from the idle list.
     */
    static List<ExecutionScenario> scenarios(Class<? extends Model> m) {
        return List.of(
                scenario(m, "", "readyLocal", "schedule"),
                scenario(m, "", "submitGlobal", "schedule"),
                scenario(m, "", "submitGlobal readyLocal", "schedule schedule"),
                scenario(m, "schedule", "submitGlobal", "schedule"),
                scenario(m, "schedule", "readyLocal submitGlobal", "schedule schedule"));
    }

    /** The same with global submissions only: the path commit 0c62c88 fixed. */
    static List<ExecutionScenario> globalScenarios(Class<? extends Model> m) {
        return List.of(
                scenario(m, "", "submitGlobal", "schedule"),
                scenario(m, "", "submitGlobal submitGlobal", "schedule schedule"),
                scenario(m, "schedule", "submitGlobal", "schedule"),
                scenario(m, "schedule", "submitGlobal submitGlobal", "schedule schedule"));
    }

    static ExecutionScenario scenario(Class<?> model, String init, String m0, String m1) {
        return new ExecutionScenario(actors(model, init), List.of(actors(model, m0), actors(model, m1)),
                List.of(), actors(model, "noLostWakeup").get(0));
    }

    private static List<Actor> actors(Class<?> model, String names) {
        List<Actor> actors = new ArrayList<>();
        for (String name : names.split(" ")) {
            if (!name.isEmpty()) {
                try {
                    actors.add(new Actor(model.getMethod(name), List.of()));
                } catch (NoSuchMethodException e) {
                    throw new IllegalArgumentException(name, e);
                }
            }
        }
        return actors;
    }

    /**
     * Explores {@code scenarios}, each up to the invocation bound; with {@code random}, random scenarios too (2 by
     * default, 100 when deep). Random scenarios mix every operation, so the global-only checks do without them.
     */
    static void check(Class<? extends Model> model, List<ExecutionScenario> scenarios, boolean random) {
        boolean deep = Boolean.getBoolean("goloom.lincheck.deep");
        ModelCheckingOptions o = new ModelCheckingOptions()
                .iterations(random ? Integer.getInteger("goloom.lincheck.iterations", deep ? 100 : 2) : 0)
                .invocationsPerIteration(Integer.getInteger("goloom.lincheck.invocations", deep ? 10_000 : 500))
                .threads(2)
                .actorsPerThread(deep ? 3 : 2)
                .actorsBefore(2)
                .actorsAfter(0)
                .verifier(EpsilonVerifier.class);
        for (ExecutionScenario s : scenarios) {
            o.addCustomScenario(s);
        }
        o.check(model);
    }

    @Test
    void noLostWakeup() {
        check(Production.class, scenarios(Production.class), true);
    }

    @Test
    void noLostWakeupOfGlobalWorkWhenNewmIsRefusedAtMaxThreads() {
        check(AtMaxThreads.class, globalScenarios(AtMaxThreads.class), false);
    }

    @Test
    void plantedMissingRecheckIsCaught() {
        assertThatThrownBy(() -> check(NoRecheck.class, scenarios(NoRecheck.class), true))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("lost wake-up");
    }

    @Test
    void plantedPre0c62c88IsCaught() {
        assertThatThrownBy(() -> check(Before0c62c88.class, globalScenarios(Before0c62c88.class), false))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("lost wake-up: 1 task(s) in the global queue");
    }

    /**
     * A gap this model found: at maxThreads, a task readied into a running P's own queue while the only idle
     * carrier was between its re-check and its park got no token from giveBack, and stopm did not see it either
     * (both looked at the global queue only); it waited for its P's carrier or for sysmon. Both now look at the
     * local queues too ({@code Sched.anyLocalWork}).
     */
    @Test
    void noLostWakeupOfLocalWorkWhenNewmIsRefusedAtMaxThreads() {
        check(AtMaxThreads.class, List.of(scenario(AtMaxThreads.class, "", "readyLocal", "schedule"),
                scenario(AtMaxThreads.class, "", "readyLocal readyLocal", "schedule schedule"),
                scenario(AtMaxThreads.class, "schedule", "readyLocal submitGlobal", "schedule")), false);
    }
}
