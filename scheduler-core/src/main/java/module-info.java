/**
 * goloom's M:P:G engine: Go's runtime scheduler as a {@link java.util.concurrent.Executor} for virtual-thread
 * continuations. Start with {@link dev.goloom.scheduler.GoScheduler}.
 */
module dev.goloom.scheduler {
    requires java.management; // sysmon's CPU clock, the scheduler MXBean
    requires jdk.jfr;          // the goloom.* JFR events (loaded only once JFR is initialized)
    exports dev.goloom.scheduler;
    // The seam through which loom-bridge tells the scheduler about virtual threads, and through which channels
    // (an optional dependency: `requires static`) use the scheduler's timers (spi.Timers).
    exports dev.goloom.scheduler.spi to dev.goloom.loom, dev.goloom.channels;
}
