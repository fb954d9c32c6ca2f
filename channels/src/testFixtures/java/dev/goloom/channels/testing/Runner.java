package dev.goloom.channels.testing;

import dev.goloom.loom.GoVirtualThreads;
import dev.goloom.scheduler.GoScheduler;

import java.util.concurrent.ThreadFactory;

/** The three kinds of threads every concurrency test runs on. */
public enum Runner {
    /** Goroutines on a goloom scheduler with two Ps. */
    GOLOOM {
        @Override
        public ThreadFactory factory() {
            return GoVirtualThreads.ofVirtual(Holder.SCHEDULER).name("g-", 0).factory();
        }
    },
    /** Virtual threads on the JDK's default scheduler. */
    JDK_VIRTUAL {
        @Override
        public ThreadFactory factory() {
            return Thread.ofVirtual().name("v-", 0).factory();
        }
    },
    /** Platform threads. */
    PLATFORM {
        @Override
        public ThreadFactory factory() {
            return Thread.ofPlatform().name("p-", 0).daemon(true).factory();
        }
    };

    public abstract ThreadFactory factory();

    private ThreadFactory shared;

    /** Starts {@code r} in a new thread of this kind (names are numbered per kind, for hang reports). */
    public Thread start(Runnable r) {
        ThreadFactory f;
        synchronized (this) {
            f = shared == null ? (shared = factory()) : shared;
        }
        Thread t = f.newThread(r);
        t.start();
        return t;
    }

    /** The goloom test scheduler's schedtrace line, for hang diagnostics. */
    public static String goloomTrace() {
        return Holder.SCHEDULER.stats().schedtrace();
    }

    private static final class Holder {
        static final GoScheduler SCHEDULER = GoScheduler.builder().maxProcs(2).name("goloom-test").build();
    }
}
