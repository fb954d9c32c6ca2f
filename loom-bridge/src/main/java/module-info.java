/**
 * Runs JDK virtual threads on goloom: {@link dev.goloom.loom.GoVirtualThreads#ofVirtual} is the drop-in for
 * {@code Thread.ofVirtual()}, and {@link dev.goloom.loom.Go#go} is Go's {@code go} statement.
 *
 * <p>Needs {@code --add-opens java.base/java.lang=dev.goloom.loom} on the module path, or
 * {@code --add-opens java.base/java.lang=ALL-UNNAMED} on the class path.
 */
module dev.goloom.loom {
    requires transitive dev.goloom.scheduler;
    exports dev.goloom.loom;
}
