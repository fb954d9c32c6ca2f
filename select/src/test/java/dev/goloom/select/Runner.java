package dev.goloom.select;

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

    public Thread start(Runnable r) {
        Thread t = factory().newThread(r);
        t.start();
        return t;
    }

    private static final class Holder {
        static final GoScheduler SCHEDULER = GoScheduler.builder().maxProcs(2).name("select-test").build();
    }
}
