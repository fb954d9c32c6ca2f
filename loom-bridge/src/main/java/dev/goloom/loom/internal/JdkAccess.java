package dev.goloom.loom.internal;

import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.spi.SystemGoroutines;
import dev.goloom.scheduler.spi.TaskSupport;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.concurrent.Executor;

/**
 * The one class that touches JDK internals (JDK 25, {@code java.lang.VirtualThread} and friends). Everything is
 * looked up once, in the static initialiser, through {@code MethodHandles.privateLookupIn}, which needs
 * {@code java.lang} opened to this module. If it is not, {@link #check()} throws one
 * {@link IllegalStateException} that names the exact {@code --add-opens} flag.
 *
 * <p>What it reaches, and why:
 * <ul>
 *   <li>{@code ThreadBuilders.VirtualThreadBuilder(Executor)}: the package-private constructor that gives a virtual
 *       thread a custom scheduler. The public {@code Thread.ofVirtual().scheduler(..)} is not in JDK 25.</li>
 *   <li>{@code Thread.currentCarrierThread()}: the scheduler needs the current P when a goroutine unparks
 *       another, and the P hangs off the carrier.</li>
 *   <li>{@code VirtualThread.runContinuation} (the task the JDK submits), the field of that method reference
 *       holding its thread, and {@code VirtualThread.state}: to tell a new start from a resume from a
 *       {@code Thread.yield()}, and to see when a goroutine terminated.</li>
 * </ul>
 */
public final class JdkAccess {
    private JdkAccess() {
    }

    private static final String FLAG_TARGET = JdkAccess.class.getModule().isNamed()
            ? JdkAccess.class.getModule().getName() : "ALL-UNNAMED";
    /** The exact JVM flag goloom needs. */
    public static final String ADD_OPENS_FLAG = "--add-opens java.base/java.lang=" + FLAG_TARGET;

    /**
     * Where the JDK's socket pollers run: {@code jdk} (the default: the JDK's own scheduler, see
     * {@link #startJdkPollers()}) or {@code goloom} (as system goroutines of {@code GoScheduler.defaultScheduler()},
     * see {@link #hostPollers()}). Read once.
     */
    public static final String POLLERS_PROPERTY = "goloom.pollers";
    private static final boolean HOST_POLLERS;
    /** The message for a bad {@link #POLLERS_PROPERTY}, or null. */
    private static final String BAD_POLLERS;
    /** The pollers have a home (set once {@link #hostPollers()} ran, or at once in {@code jdk} mode). */
    private static volatile boolean pollersHosted;
    private static final Throwable FAILURE;
    private static final MethodHandle NEW_BUILDER;      // (Executor) -> Thread.Builder.OfVirtual
    private static final MethodHandle CURRENT_CARRIER;  // () -> Thread
    private static final Class<?> RUN_CONTINUATION_CLASS;
    private static final MethodHandle THREAD_OF_TASK;   // (Runnable) -> Thread
    private static final VarHandle STATE;               // VirtualThread.state (int, volatile)
    private static final int STARTED, YIELDED, TERMINATED, SUSPENDED;

    static {
        Throwable failure = null;
        MethodHandle newBuilder = null, currentCarrier = null, threadOfTask = null;
        Class<?> taskClass = null;
        VarHandle state = null;
        int started = -1, yielded = -1, terminated = -1, suspended = 0;
        try {
            MethodHandles.Lookup lang = MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
            Class<?> builderClass = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            newBuilder = lang.findConstructor(builderClass, MethodType.methodType(void.class, Executor.class))
                    .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
            currentCarrier = lang.findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));

            Class<?> vtClass = Class.forName("java.lang.VirtualThread");
            MethodHandles.Lookup vtLookup = MethodHandles.privateLookupIn(vtClass, MethodHandles.lookup());
            state = vtLookup.findVarHandle(vtClass, "state", int.class);
            started = constant(vtClass, "STARTED");
            yielded = constant(vtClass, "YIELDED");
            terminated = constant(vtClass, "TERMINATED");
            suspended = constant(vtClass, "SUSPENDED");

            // Build one unstarted virtual thread to learn the class of its runContinuation task and the field
            // of that (hidden) class that holds the thread.
            Thread.Builder.OfVirtual probeBuilder = (Thread.Builder.OfVirtual) newBuilder.invoke((Executor) r -> {
                throw new IllegalStateException("probe thread is never started");
            });
            Thread probe = probeBuilder.unstarted(() -> { });
            VarHandle runCont = vtLookup.findVarHandle(vtClass, "runContinuation", Runnable.class);
            Runnable task = (Runnable) runCont.get(probe);
            taskClass = task.getClass();
            Field holder = null;
            for (Field f : taskClass.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers()) && f.getType().isAssignableFrom(vtClass)) {
                    holder = f;
                }
            }
            if (holder == null) {
                throw new IllegalStateException("no thread field in " + taskClass);
            }
            holder.setAccessible(true);
            threadOfTask = MethodHandles.lookup().unreflectGetter(holder)
                    .asType(MethodType.methodType(Thread.class, Runnable.class));
            if ((Thread) threadOfTask.invoke(task) != probe) {
                throw new IllegalStateException("runContinuation field does not hold its thread");
            }
        } catch (Throwable e) {
            failure = e;
        }
        String pollers = System.getProperty(POLLERS_PROPERTY, "jdk").trim();
        HOST_POLLERS = pollers.equals("goloom");
        BAD_POLLERS = HOST_POLLERS || pollers.equals("jdk") ? null
                : "-D" + POLLERS_PROPERTY + " must be jdk or goloom, got '" + pollers + "'";
        if (failure == null && BAD_POLLERS != null) {
            failure = new IllegalArgumentException(BAD_POLLERS);
        }
        pollersHosted = !HOST_POLLERS;
        FAILURE = failure;
        NEW_BUILDER = newBuilder;
        CURRENT_CARRIER = currentCarrier;
        RUN_CONTINUATION_CLASS = taskClass;
        THREAD_OF_TASK = threadOfTask;
        STATE = state;
        STARTED = started;
        YIELDED = yielded;
        TERMINATED = terminated;
        SUSPENDED = suspended;
        if (failure == null) {
            if (!HOST_POLLERS && !systemThreadPollers()) {
                startJdkPollers();
            }
            spreadJdkTimers();
            TaskSupport.install(new VirtualThreadSupport());
        }
    }

    /**
     * The JDK starts its socket poller threads lazily, on the first blocking socket call of any virtual thread, and
     * in its default mode starts them with plain {@code Thread.ofVirtual()}. Made from a goroutine, that call would
     * make the JVM's pollers goroutines of that goloom scheduler: the scheduler could never terminate, and every
     * virtual thread's socket I/O would depend on its carriers. Initialising the poller here, before any goroutine
     * exists (this runs on a platform thread or a JDK-scheduled virtual thread), gives the pollers the JDK's own
     * scheduler. No flag is needed; a JDK without this class is left alone.
     *
     * <p>The cost: the JDK's {@code MasterPoller} thread then waits in native {@code epoll_wait} for the rest of the
     * JVM's life, and HotSpot's exit waits up to 300 ms for threads in native code, as in any JVM that started its
     * pollers. {@link #systemThreadPollers()} is the way out.
     */
    private static void startJdkPollers() {
        try {
            Class.forName("sun.nio.ch.Poller", true, null);
        } catch (Throwable ignored) {
            // not this JDK's layout: nothing to protect against
        }
    }

    /** JDK 25's count of timer queues for the timed parks of virtual threads on custom schedulers. */
    static final String TIMER_QUEUES_PROPERTY = "jdk.virtualThreadScheduler.timerQueues";
    /** The fewest such queues goloom asks for (docs/adr/0013). */
    static final int MIN_TIMER_QUEUES = 4;

    /**
     * A goroutine's {@code Thread.sleep}, timed {@code LockSupport.parkNanos} and {@code Object.wait(timeout)} are
     * timed by the JDK, not by goloom: on a custom scheduler, JDK 25 puts each timeout in one of a few
     * {@code ScheduledThreadPoolExecutor}s, each with one {@code VirtualThread-unparker} thread, picked by the id of
     * the thread that arms it (the carrier: the goroutine has unmounted by then). Its default is one queue per 4
     * processors, at least one; on a small machine that single queue's lock and thread limit goroutines to half the
     * JDK's own scheduler's wake-ups a second (docs/adr/0013). So, unless the user set
     * {@value #TIMER_QUEUES_PROPERTY}, ask for at least {@value #MIN_TIMER_QUEUES}. Runs before any goroutine
     * exists, so before the JDK reads the property (on the first timed park of a custom-scheduler virtual thread);
     * the JDK's own scheduler does not use these queues.
     */
    private static void spreadJdkTimers() {
        if (System.getProperty(TIMER_QUEUES_PROPERTY) == null) {
            int jdkDefault = Math.max(Integer.highestOneBit(Runtime.getRuntime().availableProcessors() / 4), 1);
            if (jdkDefault < MIN_TIMER_QUEUES) {
                System.setProperty(TIMER_QUEUES_PROPERTY, Integer.toString(MIN_TIMER_QUEUES));
            }
        }
    }

    /**
     * True if {@code -Djdk.pollerMode} asks for the JDK's {@code SYSTEM_THREADS} pollers ({@code 1}, parsed as
     * {@code sun.nio.ch.Poller} parses it). Its pollers are platform threads, which inherit no scheduler, so they
     * may start lazily, on the first blocking socket call, from a goroutine too: loom-bridge leaves them alone,
     * and a JVM that never does socket I/O from a virtual thread exits without the poller's exit delay.
     */
    static boolean systemThreadPollers() {
        String mode = System.getProperty("jdk.pollerMode");
        return mode != null && (mode.equals("1") || mode.equalsIgnoreCase("SYSTEM_THREADS"));
    }

    /**
     * {@code -Dgoloom.pollers=goloom}: initialises the JDK's poller from a goroutine of
     * {@code GoScheduler.defaultScheduler()}, so that the sub-pollers it starts with plain
     * {@code Thread.ofVirtual()} inherit that scheduler and run there as system goroutines. A sub-poller's
     * {@code unpark} of a goroutine of the default scheduler then goes to the sub-poller's P like any goroutine's
     * wake-up, not to the global queue from a ForkJoinPool carrier. Runs once, before the first goloom virtual
     * thread is built; if the JDK started its pollers earlier (a JDK-scheduled virtual thread did socket I/O first),
     * they stay where they are. The default scheduler may still be shut down; its carriers then stay to run the
     * pollers (see {@code GoScheduler.shutdown()}).
     */
    private static void hostPollers() {
        synchronized (JdkAccess.class) {
            if (pollersHosted) {
                return;
            }
            GoScheduler host = GoScheduler.defaultScheduler();
            try {
                Thread.Builder.OfVirtual b = (Thread.Builder.OfVirtual) NEW_BUILDER.invokeExact((Executor) host);
                Thread starter = b.name(host.name() + "-poller-start").unstarted(JdkAccess::startJdkPollers);
                SystemGoroutines.start(host, starter);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the starter goes on; the pollers still start there
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
            pollersHosted = true;
        }
    }

    private static int constant(Class<?> c, String name) throws ReflectiveOperationException {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.getInt(null);
    }

    /**
     * Throws if goloom cannot reach the JDK internals it needs.
     *
     * @throws IllegalStateException    naming the exact {@code --add-opens} flag to add
     * @throws IllegalArgumentException if {@code -Dgoloom.pollers} is neither {@code jdk} nor {@code goloom}
     */
    public static void check() {
        if (FAILURE != null) {
            throw failure();
        }
    }

    private static RuntimeException failure() {
        if (BAD_POLLERS != null) {
            return new IllegalArgumentException(BAD_POLLERS);
        }
        boolean access = FAILURE instanceof IllegalAccessException || FAILURE instanceof SecurityException
                || FAILURE instanceof java.lang.reflect.InaccessibleObjectException;
        String msg = access
                ? "goloom cannot reach java.lang's virtual-thread hooks: add the JVM flag '" + ADD_OPENS_FLAG + "'"
                : "goloom cannot use this JDK's virtual-thread hooks (goloom needs JDK 25; running "
                        + Runtime.version() + "; JVM flag needed: '" + ADD_OPENS_FLAG + "'): " + FAILURE;
        return new IllegalStateException(msg, FAILURE);
    }

    /** A {@code Thread.ofVirtual()}-style builder whose threads run on {@code scheduler}. */
    public static Thread.Builder.OfVirtual newBuilder(Executor scheduler) {
        check();
        if (!pollersHosted) {
            hostPollers();
        }
        try {
            return (Thread.Builder.OfVirtual) NEW_BUILDER.invokeExact(scheduler);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** The carrier under the calling virtual thread (the calling thread itself if it is a platform thread). */
    static Thread currentCarrier() {
        try {
            return (Thread) CURRENT_CARRIER.invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static Thread threadOf(Runnable task) {
        if (task.getClass() != RUN_CONTINUATION_CLASS) {
            return null;
        }
        try {
            return (Thread) THREAD_OF_TASK.invokeExact(task);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static int state(Thread vt) {
        return ((int) STATE.getVolatile(vt)) & ~SUSPENDED;
    }

    /** The scheduler seam: classifies submitted tasks using the thread state. */
    private static final class VirtualThreadSupport extends TaskSupport {
        @Override
        public Thread currentCarrier() {
            return JdkAccess.currentCarrier();
        }

        @Override
        public int kindOf(Runnable task) {
            Thread vt = threadOf(task);
            if (vt == null) {
                return PLAIN;
            }
            int s = state(vt);
            if (s == STARTED) {
                return START;
            }
            return s == YIELDED ? YIELD : RESUME;
        }

        @Override
        public Thread threadOf(Runnable task) {
            return JdkAccess.threadOf(task);
        }

        @Override
        public boolean isTerminated(Runnable task) {
            Thread vt = threadOf(task);
            return vt == null || state(vt) == TERMINATED;
        }
    }
}
