package dev.goloom.jmh.chan;

import dev.goloom.channels.Chan;
import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;

/**
 * One side of a channel benchmark: a queue implementation on a scheduler. The {@code @Param} strings are
 * {@code <queue>@<scheduler>}: goloom channels, {@code jdkq} ({@link SynchronousQueue} when unbuffered,
 * {@link ArrayBlockingQueue} otherwise) or jox, on goloom ({@code maxProcs} = available processors) or on the JDK's
 * default virtual-thread scheduler.
 */
public enum Impl {
    GOLOOM_ON_GOLOOM("chan", true),
    GOLOOM_ON_JDK("chan", false),
    JDKQ_ON_JDK("jdkq", false),
    JOX_ON_GOLOOM("jox", true),
    JOX_ON_JDK("jox", false);

    /** Values for {@code @Param}. */
    public static final String ALL = "goloom@goloom,goloom@jdk,jdkq@jdk,jox@goloom,jox@jdk";

    final String queue;
    final boolean onGoloom;

    Impl(String queue, boolean onGoloom) {
        this.queue = queue;
        this.onGoloom = onGoloom;
    }

    public static Impl parse(String param) {
        return switch (param) {
            case "goloom@goloom" -> GOLOOM_ON_GOLOOM;
            case "goloom@jdk" -> GOLOOM_ON_JDK;
            case "jdkq@jdk" -> JDKQ_ON_JDK;
            case "jox@goloom" -> JOX_ON_GOLOOM;
            case "jox@jdk" -> JOX_ON_JDK;
            default -> throw new IllegalArgumentException("unknown implementation " + param + ", expected one of " + ALL);
        };
    }

    /** The minimal blocking queue interface the workloads need. */
    public interface Q {
        void put(Integer v) throws InterruptedException;

        Integer take() throws InterruptedException;
    }

    public Q newQueue(int capacity) {
        return switch (queue) {
            case "chan" -> new ChanQ(Chan.make(capacity));
            case "jox" -> new JoxQ(capacity == 0 ? com.softwaremill.jox.Channel.newRendezvousChannel()
                    : com.softwaremill.jox.Channel.newBufferedChannel(capacity));
            default -> new BlockingQ(capacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(capacity));
        };
    }

    /** Starts the scheduler this side runs on (null for the JDK default) and returns a thread factory. */
    public Env open(String name) {
        if (!onGoloom) {
            return new Env(Thread.ofVirtual().name(name + "-v", 0).factory(), null);
        }
        GoScheduler s = GoScheduler.builder().maxProcs(Runtime.getRuntime().availableProcessors()).name(name).build();
        return new Env(GoVirtualThreads.ofVirtual(s).name(name + "-g", 0).factory(), s);
    }

    public record Env(ThreadFactory threads, GoScheduler scheduler) implements AutoCloseable {
        @Override
        public void close() {
            if (scheduler != null) {
                scheduler.close();
            }
        }
    }

    record ChanQ(Chan<Integer> c) implements Q {
        @Override
        public void put(Integer v) throws InterruptedException {
            c.send(v);
        }

        @Override
        public Integer take() throws InterruptedException {
            return c.recv();
        }
    }

    record JoxQ(com.softwaremill.jox.Channel<Integer> c) implements Q {
        @Override
        public void put(Integer v) throws InterruptedException {
            c.send(v);
        }

        @Override
        public Integer take() throws InterruptedException {
            return c.receive();
        }
    }

    record BlockingQ(BlockingQueue<Integer> q) implements Q {
        @Override
        public void put(Integer v) throws InterruptedException {
            q.put(v);
        }

        @Override
        public Integer take() throws InterruptedException {
            return q.take();
        }
    }

    /** Runs {@code body} in a new thread of {@code env}; rethrows failures at {@link #join}. */
    /** Starts a thread of {@code env} running {@code body}; an interrupt inside it becomes an unchecked failure. */
    public static Thread start(Env env, Body body) {
        Thread t = env.threads().newThread(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        return t;
    }

    /** Joins {@code t}; an interrupt (never expected in a benchmark) becomes an unchecked failure. */
    public static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @FunctionalInterface
    public interface Body {
        void run() throws InterruptedException;
    }
}
