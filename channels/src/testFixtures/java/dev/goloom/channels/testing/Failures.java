package dev.goloom.channels.testing;

import java.util.concurrent.ConcurrentLinkedQueue;

/** Collects exceptions thrown in worker threads so the test thread can fail with them. */
public final class Failures {
    private final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();

    public Runnable wrap(TestSupport.Body body) {
        return () -> {
            try {
                body.run();
            } catch (Throwable t) {
                errors.add(t);
            }
        };
    }

    public void check() {
        Throwable first = errors.peek();
        if (first != null) {
            AssertionError e = new AssertionError("worker failed (" + errors.size() + " error(s))", first);
            errors.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
