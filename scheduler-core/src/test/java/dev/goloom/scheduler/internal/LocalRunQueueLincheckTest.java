package dev.goloom.scheduler.internal;

import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Validate;
import org.jetbrains.lincheck.datastructures.verifier.EpsilonVerifier;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Lincheck model checking of {@link LocalRunQueue} at capacity 4 (so that scenarios reach full rings, spills and
 * wrap-around): one owner thread (put, putNext, poll, pollNext and drain, confined to it by Lincheck's non-parallel
 * group {@code owner}) against two thieves (each its own group, so each runs in its own thread) that call
 * {@link LocalRunQueue#stealFrom} on their own queue with the owner's {@link RunQueueStealer}.
 *
 * <h2>Two models</h2>
 * <ul>
 *   <li>{@link RingModel}: thieves steal from the ring only ({@code stealRunNext == false}). Checked for
 *       linearizability against {@link RingSpec}, a plain FIFO of 4 slots plus a LIFO slot, in which a steal takes
 *       the oldest {@code ceil(size/2)} tasks and a put into a full ring spills the oldest half plus the new task.
 *       Each operation returns the ids it took, so linearizability means every task is taken exactly once, in the
 *       order the model says; a validation function also counts put against taken after every run. drain is not
 *       in this model: it is a loop of polls, not one atomic step (the model checker showed a steal between two of
 *       its polls taking a newer task than drain's last), which is what it is meant to be; it is checked for
 *       conservation below.</li>
 *   <li>{@link RunnextModel}: thieves also steal {@code runnext} (on a running victim, with the back-off and the
 *       put-stamp check, or without), and the owner's putNext puts the displaced task into the ring as
 *       {@code P.runqput} does. This is not linearizable against a strict spec, by design and as in Go's
 *       {@code runqgrab}: a thief that found the ring empty may take runnext after the owner refilled the ring,
 *       and a thief may decline a runnext that turned over during its back-off. So it is checked for
 *       conservation only: every take is recorded, no task may be taken twice, and after every run the tasks put
 *       are exactly those taken plus those still queued.</li>
 * </ul>
 *
 * <h2>Negative controls</h2>
 * A passing run is evidence only if the same setup catches a planted bug: {@link PlantedRunQueueBugs} holds copies
 * of the steal path with the head CAS, or the runnext CAS, replaced by a plain write. The tests below assert that
 * each model fails with its planted bug. (Lincheck model checks under sequential consistency: a weakened
 * store-release cannot be planted here, see {@link PlantedRunQueueBugs}.)
 *
 * <p>The default build runs a bounded exploration (seconds); {@code -Dgoloom.lincheck.deep=true} (JUnit tag
 * {@code model-check-deep}) runs a longer one.
 */
class LocalRunQueueLincheckTest {
    static final int CAPACITY = 4;
    /** More than any scenario can put (one id per operation). */
    static final int MAX_IDS = 32;
    static final Runnable NO_BACKOFF = () -> { };

    /** A task that is only an id. */
    record Task(int id) implements Runnable {
        @Override
        public void run() {
        }
    }

    /** The steal implementation under test: production's, or a planted bug. */
    @FunctionalInterface
    interface Stealer {
        Runnable steal(LocalRunQueue thief, RunQueueStealer victim, boolean stealRunNext, boolean victimRunning,
                       StealResult out);
    }

    static final Stealer PRODUCTION = (thief, victim, stealRunNext, victimRunning, out) ->
            thief.stealFrom(victim, stealRunNext, victimRunning, NO_BACKOFF, out);

    /**
     * What both models share: the victim queue (owned by Lincheck's owner thread), one queue per thief, and the
     * record of every take. Subclasses declare the operations.
     */
    public abstract static class Harness {
        /** How often each task id was taken (by a poll, a steal, a spill or a drain). */
        final AtomicIntegerArray taken = new AtomicIntegerArray(MAX_IDS);
        final LocalRunQueue q = new LocalRunQueue(CAPACITY, this::spilled);
        /** Ids of the last spill or drain, and how many. Owner only (written from the overflow callback). */
        private final int[] moved = new int[CAPACITY + 1];
        private int movedCount;
        /** Next task id. Owner only (the owner group's thread, or the sequential init and post parts). */
        int nextId;
        private final Stealer stealer;

        Harness(Stealer stealer) {
            this.stealer = stealer;
        }

        private void spilled(Runnable[] batch, int n) {
            for (int i = 0; i < n; i++) {
                moved[movedCount++] = take(batch[i]);
            }
        }

        private static void noSpill(Runnable[] batch, int n) {
            throw new AssertionError("a thief's own queue spilled " + n + " tasks");
        }

        /** The ids moved to the overflow target since the last call, oldest first. Owner only. */
        final List<Integer> takeMoved() {
            List<Integer> ids = new ArrayList<>(movedCount);
            for (int i = 0; i < movedCount; i++) {
                ids.add(moved[i]);
            }
            movedCount = 0;
            return ids;
        }

        /** Records that {@code task} was taken; null for null. */
        final Integer take(Runnable task) {
            if (task == null) {
                return null;
            }
            int id = ((Task) task).id();
            if (taken.incrementAndGet(id) != 1) {
                throw new IllegalStateException("task " + id + " taken twice");
            }
            return id;
        }

        final Task newTask() {
            return new Task(nextId++);
        }

        /**
         * A steal by a thief with a fresh queue of its own (a local object, so the model checker spends no thread
         * switches on it): returns the ids stolen, the ones left in the thief's queue (oldest first), then the one
         * stealFrom returned.
         */
        final List<Integer> steal(boolean stealRunNext, boolean victimRunning) {
            LocalRunQueue thief = new LocalRunQueue(CAPACITY, Harness::noSpill);
            Runnable first = stealer.steal(thief, q.stealer(), stealRunNext, victimRunning, new StealResult());
            List<Integer> ids = new ArrayList<>();
            Runnable t;
            while ((t = thief.poll()) != null) {
                ids.add(take(t));
            }
            if (first != null) {
                ids.add(take(first));
            }
            return ids;
        }

        /**
         * Conservation, checked by Lincheck in quiescent states: every id put was taken exactly once or is still
         * queued (in the victim's ring or runnext; a thief returns all it stole), and nothing is
         * queued twice. Reads the queue without changing it.
         */
        @Validate
        public void everyTaskTakenExactlyOnceOrStillQueued() {
            int[] queued = new int[MAX_IDS];
            int h = q.head;
            int t = q.tail;
            if (t - h < 0 || t - h > CAPACITY) {
                throw new IllegalStateException("ring length " + (t - h) + " out of [0, " + CAPACITY + "]");
            }
            for (int i = h; i != t; i++) {
                queued[((Task) q.ring[i & q.mask]).id()]++;
            }
            if (q.runnext != null) {
                queued[((Task) q.runnext).id()]++;
            }
            for (int id = 0; id < nextId; id++) { // ids >= nextId were never put, so never queued or taken
                int seen = taken.get(id) + queued[id];
                if (seen != 1) {
                    throw new IllegalStateException("task " + id + ": taken " + taken.get(id) + " times, queued "
                            + queued[id] + " times (expected once in all)");
                }
            }
        }
    }

    // ============================================================================================== ring model

    /** Owner operations plus ring-only steals, checked for linearizability against {@link RingSpec}. */
    public static class RingModel extends Harness {
        public RingModel() {
            this(PRODUCTION);
        }

        RingModel(Stealer stealer) {
            super(stealer);
        }

        /** Go: runqput(next=false). Returns the ids spilled to the overflow target (empty if none). */
        @Operation(nonParallelGroup = "owner")
        public List<Integer> put() {
            q.put(newTask());
            return takeMoved();
        }

        /** The runnext exchange alone: returns the displaced task's id, which goes back to the caller. */
        @Operation(nonParallelGroup = "owner")
        public Integer putNext() {
            return take(q.putNext(newTask()));
        }

        @Operation(nonParallelGroup = "owner")
        public Integer poll() {
            return take(q.poll());
        }

        @Operation(nonParallelGroup = "owner")
        public Integer pollNext() {
            return take(q.pollNext());
        }

        @Operation(nonParallelGroup = "thief1")
        public List<Integer> steal1() {
            return steal(false, false);
        }

        @Operation(nonParallelGroup = "thief2")
        public List<Integer> steal2() {
            return steal(false, false);
        }
    }

    /**
     * The sequential model of {@link RingModel}: a FIFO ring of {@value #CAPACITY} slots plus a LIFO runnext slot.
     * Lincheck runs the same operations on it (same names, same id sequence: ids come from the owner's puts,
     * which all happen in one thread or in the sequential parts) and looks for a linearization that explains
     * every result.
     */
    public static class RingSpec {
        private final ArrayDeque<Integer> ring = new ArrayDeque<>();
        private Integer runnext;
        private int nextId;

        public List<Integer> put() {
            int id = nextId++;
            if (ring.size() < CAPACITY) {
                ring.addLast(id);
                return List.of();
            }
            List<Integer> spill = new ArrayList<>(); // runqputslow: the oldest half plus the new task
            for (int i = 0; i < CAPACITY / 2; i++) {
                spill.add(ring.pollFirst());
            }
            spill.add(id);
            return spill;
        }

        public Integer putNext() {
            Integer old = runnext;
            runnext = nextId++;
            return old;
        }

        public Integer poll() {
            return ring.pollFirst();
        }

        public Integer pollNext() {
            Integer r = runnext;
            runnext = null;
            return r;
        }

        /** runqgrab: the oldest half of the ring, rounded up. */
        public List<Integer> steal1() {
            int n = ring.size() - ring.size() / 2;
            List<Integer> stolen = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                stolen.add(ring.pollFirst());
            }
            return stolen;
        }

        public List<Integer> steal2() {
            return steal1();
        }
    }

    // =========================================================================================== runnext model

    /** Owner operations as the scheduler uses them, plus steals that may take runnext: conservation only. */
    public static class RunnextModel extends Harness {
        public RunnextModel() {
            this(PRODUCTION);
        }

        RunnextModel(Stealer stealer) {
            super(stealer);
        }

        @Operation(nonParallelGroup = "owner")
        public void put() {
            q.put(newTask());
            takeMoved();
        }

        /** P.runqput(next=true): the displaced task goes to the tail. */
        @Operation(nonParallelGroup = "owner")
        public void putNext() {
            Runnable displaced = q.putNext(newTask());
            if (displaced != null) {
                q.put(displaced);
                takeMoved();
            }
        }

        @Operation(nonParallelGroup = "owner")
        public Integer poll() {
            return take(q.poll());
        }

        @Operation(nonParallelGroup = "owner")
        public Integer pollNext() {
            return take(q.pollNext());
        }

        @Operation(nonParallelGroup = "owner")
        public void drain() {
            q.drain();
            takeMoved();
        }

        /** A steal from a running victim: back-off, then the runnext put stamp decides. */
        @Operation(nonParallelGroup = "thief1")
        public List<Integer> steal1() {
            return steal(true, true);
        }

        /** A steal from a victim that is not running: runnext is taken at once if the ring is empty. */
        @Operation(nonParallelGroup = "thief2")
        public List<Integer> steal2() {
            return steal(true, false);
        }
    }

    // ============================================================================================ planted bugs

    /** {@link RingModel} with the head CAS of a steal replaced by a plain write. */
    public static class RingModelPlainHeadWrite extends RingModel {
        public RingModelPlainHeadWrite() {
            super((thief, victim, stealRunNext, victimRunning, out) ->
                    PlantedRunQueueBugs.stealWithPlainHeadWrite(thief, victim, stealRunNext, out));
        }
    }

    /** {@link RunnextModel} with the head CAS of a steal replaced by a plain write. */
    public static class RunnextModelPlainHeadWrite extends RunnextModel {
        public RunnextModelPlainHeadWrite() {
            super((thief, victim, stealRunNext, victimRunning, out) ->
                    PlantedRunQueueBugs.stealWithPlainHeadWrite(thief, victim, stealRunNext, out));
        }
    }

    /** {@link RunnextModel} with the runnext CAS of a steal replaced by a read and a plain write of null. */
    public static class RunnextModelPlainRunnextWrite extends RunnextModel {
        public RunnextModelPlainRunnextWrite() {
            super((thief, victim, stealRunNext, victimRunning, out) ->
                    PlantedRunQueueBugs.stealWithPlainRunnextWrite(thief, victim, stealRunNext, out));
        }
    }

    // =================================================================================================== tests

    static boolean deep() {
        return Boolean.getBoolean("goloom.lincheck.deep");
    }

    /**
     * The targeted scenarios (every one explored by the model checker, each up to the invocation bound) plus
     * random ones: owner with 2 operations (3 when deep) against two thieves, after up to 5 owner operations (fills
     * the ring). The default run (200 interleavings per scenario, one random scenario: 10 to 30 s per model on a loaded
     * 2-core machine) is mostly the targeted scenarios; the deep run adds
     * 100 random scenarios of 10,000 interleavings each (minutes).
     */
    static ModelCheckingOptions options(Class<? extends Harness> model, List<ExecutionScenario> scenarios) {
        boolean deep = deep();
        ModelCheckingOptions o = new ModelCheckingOptions()
                .iterations(Integer.getInteger("goloom.lincheck.iterations", deep ? 100 : 1))
                .invocationsPerIteration(Integer.getInteger("goloom.lincheck.invocations", deep ? 10_000 : 200))
                .threads(3)
                .actorsPerThread(deep ? 3 : 2)
                .actorsBefore(5)
                .actorsAfter(2);
        for (ExecutionScenario s : scenarios) {
            o.addCustomScenario(s);
        }
        return o;
    }

    /**
     * A scenario over {@code model}'s operations, by name: {@code init} runs first, then {@code owner},
     * {@code thief1} and {@code thief2} in three threads, then {@code post}. (Built with Lincheck's
     * {@code Actor} and {@code ExecutionScenario} directly: its scenario DSL takes Kotlin function references.)
     */
    static ExecutionScenario scenario(Class<?> model, String init, String owner, String thief1, String thief2,
                                      String post) {
        return new ExecutionScenario(actors(model, init),
                List.of(actors(model, owner), actors(model, thief1), actors(model, thief2)),
                actors(model, post),
                actors(model, "everyTaskTakenExactlyOnceOrStillQueued").get(0));
    }

    private static List<Actor> actors(Class<?> model, String names) {
        List<Actor> actors = new ArrayList<>();
        for (String name : names.split(" ")) {
            if (name.isEmpty()) {
                continue;
            }
            try {
                actors.add(new Actor(model.getMethod(name), List.of()));
            } catch (NoSuchMethodException e) {
                throw new IllegalArgumentException(name, e);
            }
        }
        return actors;
    }

    /**
     * Ring races: a steal against the owner's poll and another steal; a steal against a full ring's spill
     * (runqputslow's CAS) and the put that finds room after all; both of them across the ring's wrap-around
     * (head 2, tail 5 of capacity 4).
     */
    static List<ExecutionScenario> ringScenarios(Class<? extends Harness> m) {
        return List.of(
                scenario(m, "put put put", "poll put", "steal1", "steal2", "poll"),
                scenario(m, "put put put put", "put poll", "steal1", "steal2", "poll poll"),
                scenario(m, "put put poll poll put put put", "put put", "steal1", "steal2", "poll poll"));
    }

    /**
     * Runnext races: a thief's runnext CAS against the owner's pollNext and the next putNext (the put stamp
     * changes under a running victim's thief); putNext displacing into a full ring while both thieves steal; a
     * ring steal against the owner's poll; a runnext steal against drain.
     */
    static List<ExecutionScenario> runnextScenarios(Class<? extends Harness> m) {
        return List.of(
                scenario(m, "putNext", "pollNext putNext", "steal1", "steal2", "pollNext"),
                scenario(m, "put put put put putNext", "putNext poll", "steal1", "steal2", "drain"),
                scenario(m, "put put", "poll pollNext", "steal1", "steal2", "drain"),
                scenario(m, "put putNext", "drain putNext", "steal1", "steal2", "drain"));
    }

    @Test
    void ringStealsAreLinearizableAndConserveTasks() {
        options(RingModel.class, ringScenarios(RingModel.class))
                .sequentialSpecification(RingSpec.class).check(RingModel.class);
    }

    @Test
    void runnextStealsConserveTasks() {
        options(RunnextModel.class, runnextScenarios(RunnextModel.class))
                .verifier(EpsilonVerifier.class).check(RunnextModel.class);
    }

    @Test
    void plantedPlainHeadWriteIsCaughtByTheRingModel() {
        Class<RingModelPlainHeadWrite> m = RingModelPlainHeadWrite.class;
        assertThatThrownBy(() -> options(m, ringScenarios(m)).sequentialSpecification(RingSpec.class).check(m))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void plantedPlainHeadWriteIsCaughtByTheRunnextModel() {
        Class<RunnextModelPlainHeadWrite> m = RunnextModelPlainHeadWrite.class;
        assertThatThrownBy(() -> options(m, runnextScenarios(m)).verifier(EpsilonVerifier.class).check(m))
                .isInstanceOf(AssertionError.class);
    }

    @Test
    void plantedPlainRunnextWriteIsCaughtByTheRunnextModel() {
        Class<RunnextModelPlainRunnextWrite> m = RunnextModelPlainRunnextWrite.class;
        assertThatThrownBy(() -> options(m, runnextScenarios(m)).verifier(EpsilonVerifier.class).check(m))
                .isInstanceOf(AssertionError.class);
    }

    /** The spec itself, sequentially: spill and steal sizes as the production queue computes them. */
    @Test
    void specMatchesTheQueueSequentially() {
        RingModel real = new RingModel();
        RingSpec spec = new RingSpec();
        for (int i = 0; i < 5; i++) {
            assertThat(real.put()).isEqualTo(spec.put());
        }
        assertThat(real.putNext()).isEqualTo(spec.putNext());
        assertThat(real.steal1()).isEqualTo(spec.steal1());
        assertThat(real.poll()).isEqualTo(spec.poll());
        assertThat(real.pollNext()).isEqualTo(spec.pollNext());
        assertThat(real.poll()).isEqualTo(spec.poll());
        real.everyTaskTakenExactlyOnceOrStillQueued();
    }
}
