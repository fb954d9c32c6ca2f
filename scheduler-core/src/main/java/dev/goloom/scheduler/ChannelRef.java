package dev.goloom.scheduler;

import java.util.Objects;

/**
 * A channel a goroutine waits on, as a goroutine dump reports it: a plain send or receive has one, a blocked
 * {@code select} one per enabled case.
 *
 * @param id          the channel's unique id ({@code Chan#7} has id 7)
 * @param send        true if the goroutine waits to send on it, false to receive
 * @param description the channel's {@code toString()} at dump time, such as {@code Chan#7[cap=0]}
 */
public record ChannelRef(long id, boolean send, String description) {
    /**
     * @throws NullPointerException if {@code description} is null
     */
    public ChannelRef {
        Objects.requireNonNull(description, "description");
    }

    /** {@code "send"} or {@code "receive"}. */
    public String direction() {
        return send ? "send" : "receive";
    }
}
