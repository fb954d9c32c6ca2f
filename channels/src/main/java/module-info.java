/**
 * Go channels for Java threads: {@link dev.goloom.channels.Chan}, its directional views
 * {@link dev.goloom.channels.SendChannel} / {@link dev.goloom.channels.ReceiveChannel}, and timer channels in
 * {@link dev.goloom.channels.Chans}. Works on any thread (platform or virtual, on goloom or on the JDK's default
 * scheduler).
 *
 * <p>{@code dev.goloom.channels.internal} (waiters, channel internals) is exported only to {@code dev.goloom.select},
 * which implements Go's {@code selectgo} on top of it.
 */
module dev.goloom.channels {
    // Optional: the scheduler's timers when running on goloom (internal.TimerSupport checks for it at run time).
    requires static dev.goloom.scheduler;
    // The goloom.ChannelWait JFR event (internal.ChannelEvents; loaded only once JFR is initialized).
    requires jdk.jfr;
    exports dev.goloom.channels;
    exports dev.goloom.channels.internal to dev.goloom.select;
}
