/**
 * Go's {@code select} over goloom channels: {@link dev.goloom.select.Select}. Built like Go's {@code selectgo} on
 * the channel internals that {@code dev.goloom.channels} exports to this module only.
 */
module dev.goloom.select {
    requires transitive dev.goloom.channels;
    exports dev.goloom.select;
}
