/**
 * goloom's M:P:G engine: Go's runtime scheduler as a {@link java.util.concurrent.Executor} for virtual-thread
 * continuations. Start with {@link dev.goloom.scheduler.GoScheduler}.
 */
module dev.goloom.scheduler {
    requires java.management;
    exports dev.goloom.scheduler;
    // The seam through which loom-bridge (and only loom-bridge) tells the scheduler about virtual threads.
    exports dev.goloom.scheduler.spi to dev.goloom.loom;
}
