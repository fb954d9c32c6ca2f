package dev.goloom.scheduler;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.RecursiveTask;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * goloom's carriers are {@link ForkJoinWorkerThread}s with a never-run mark in their queue, so that the JDK's
 * {@code java.util.concurrent} waiters park at once on them (docs/adr/0011). A plain task therefore runs "in a
 * pool": these tests pin down that fork/join, blocking and common-pool calls from plain tasks still behave.
 */
class PlainTaskForkJoinTest {

    private static void await(CountDownLatch l) throws InterruptedException {
        assertThat(l.await(30, TimeUnit.SECONDS)).as("latch released in time").isTrue();
    }

    /** Fib by fork/join: every subtask runs on the carrier (in its queue, or helped by join). */
    private static final class Fib extends RecursiveTask<Integer> {
        private final int n;

        Fib(int n) {
            this.n = n;
        }

        @Override
        protected Integer compute() {
            if (n < 2) {
                return n;
            }
            Fib left = new Fib(n - 1);
            left.fork();
            return new Fib(n - 2).compute() + left.join();
        }
    }

    @Test
    void carriersAreForkJoinWorkersWithQueuedWork() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("fjw").build()) {
            AtomicReference<Thread> carrier = new AtomicReference<>();
            AtomicInteger queued = new AtomicInteger(-1);
            CountDownLatch done = new CountDownLatch(1);
            s.execute(() -> {
                carrier.set(Thread.currentThread());
                queued.set(QueuedCount.ofCurrentWorker());
                done.countDown();
            });
            await(done);
            assertThat(carrier.get()).isInstanceOf(ForkJoinWorkerThread.class);
            assertThat(carrier.get().getName()).startsWith("fjw-m");
            assertThat(queued.get()).as("tasks queued on the carrier: the mark").isEqualTo(1);
        }
    }

    /** Subtasks a plain task forks and never joins still run, once each, after the task. */
    @RepeatedTest(5)
    void subtasksForkedAndNotJoinedRunAfterThePlainTask() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("forked").build()) {
            int tasks = 200;
            int forks = 10;
            AtomicInteger ran = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(tasks * forks);
            for (int i = 0; i < tasks; i++) {
                s.execute(() -> {
                    for (int k = 0; k < forks; k++) {
                        ForkJoinTask.adapt(() -> {
                            ran.incrementAndGet();
                            done.countDown();
                        }).fork();
                    }
                });
            }
            await(done);
            assertThat(ran.get()).isEqualTo(tasks * forks);
            AtomicInteger queued = new AtomicInteger(-1);
            CountDownLatch looked = new CountDownLatch(1);
            s.execute(() -> {
                queued.set(QueuedCount.ofCurrentWorker());
                looked.countDown();
            });
            await(looked);
            assertThat(queued.get()).as("only the mark is left in the queue").isEqualTo(1);
        }
    }

    @Test
    void forkJoinBlockingAndCommonPoolCallsFromPlainTasksComplete() throws Exception {
        try (GoScheduler s = GoScheduler.builder().maxProcs(2).name("plain-fj").build()) {
            AtomicInteger fib = new AtomicInteger();
            AtomicInteger supplied = new AtomicInteger();
            AtomicInteger submitted = new AtomicInteger();
            AtomicInteger taken = new AtomicInteger();
            CountDownLatch done = new CountDownLatch(4);
            s.execute(() -> {
                fib.set(new Fib(20).invoke());
                done.countDown();
            });
            s.execute(() -> {
                supplied.set(CompletableFuture.supplyAsync(() -> 42).join());
                done.countDown();
            });
            s.execute(() -> {
                submitted.set(ForkJoinPool.commonPool().submit(() -> 5).join());
                done.countDown();
            });
            s.execute(() -> {
                SynchronousQueue<Integer> q = new SynchronousQueue<>();
                Thread producer = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 1; i <= 1000; i++) {
                            q.put(i);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                try {
                    int sum = 0;
                    for (int i = 0; i < 1000; i++) {
                        sum += q.take();
                    }
                    taken.set(sum);
                    producer.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                done.countDown();
            });
            await(done);
            assertThat(fib.get()).isEqualTo(6765);
            assertThat(supplied.get()).isEqualTo(42);
            assertThat(submitted.get()).isEqualTo(5);
            assertThat(taken.get()).isEqualTo(1000 * 1001 / 2);
        }
    }

    /** Reaches ForkJoinTask's protected queue count. */
    private abstract static class QueuedCount extends ForkJoinTask<Void> {
        static int ofCurrentWorker() {
            return getQueuedTaskCount();
        }
    }
}
