package dev.goloom.jmh.chan;

import dev.goloom.channels.Chan;
import dev.goloom.jmh.support.Session;
import dev.goloom.jmh.support.Side;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.SynchronousQueue;

/**
 * One side of a channel benchmark: a queue implementation on a scheduler. The {@code @Param} strings are
 * {@code <queue>@<scheduler>}: goloom channels, {@code jdkq} ({@link SynchronousQueue} when unbuffered,
 * {@link ArrayBlockingQueue} otherwise) or jox, on goloom ({@code maxProcs} = available processors) or on the JDK's
 * default virtual-thread scheduler.
 */
public enum Impl {
    GOLOOM_ON_GOLOOM("chan", Side.GOLOOM),
    GOLOOM_ON_JDK("chan", Side.JDK),
    JDKQ_ON_JDK("jdkq", Side.JDK),
    JOX_ON_GOLOOM("jox", Side.GOLOOM),
    JOX_ON_JDK("jox", Side.JDK);

    /** Values for {@code @Param}. */
    public static final String ALL = "goloom@goloom,goloom@jdk,jdkq@jdk,jox@goloom,jox@jdk";

    final String queue;
    final Side side;

    Impl(String queue, Side side) {
        this.queue = queue;
        this.side = side;
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

    /**
     * Opens the scheduler this implementation runs on: a goloom scheduler called {@code name}, or the JDK default.
     * Its threads are named {@code name-g0, name-g1, ...} on goloom and {@code name-v0, ...} on the JDK.
     */
    public Session open(String name) {
        return side.open(name, name + (side == Side.GOLOOM ? "-g" : "-v"));
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
}
