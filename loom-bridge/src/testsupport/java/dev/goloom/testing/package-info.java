/**
 * Goroutine leak checks for tests, Go's {@code go.uber.org/goleak} for goloom: {@link dev.goloom.testing.GoLeakCheck}
 * on a JUnit 5 test class or method fails each test whose goroutines outlive it, and {@link dev.goloom.testing.GoLeaks}
 * does the same check from any code.
 *
 * <p>Shipped in loom-bridge's {@code test-support} jar ({@code dev.goloom:loom-bridge:<version>:test-support},
 * automatic module {@code dev.goloom.testing}), not in the {@code dev.goloom.loom} module: it needs JUnit Jupiter's
 * API, which goloom itself does not depend on at run time. {@link dev.goloom.testing.GoLeaks} and
 * {@link dev.goloom.testing.GoLeakOptions} use no JUnit class, so code without JUnit can call them.
 */
package dev.goloom.testing;
