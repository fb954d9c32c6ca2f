package dev.goloom.testing;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Fails a JUnit 5 test whose goroutines outlive it: Go's {@code go.uber.org/goleak} ({@code defer
 * goleak.VerifyNone(t)}) for goloom. On a test method, that test is checked; on a test class, each of its test
 * methods (and those of its {@code @Nested} classes and subclasses). A method's annotation replaces its class's
 * whole; it is not merged with it.
 *
 * <pre>{@code
 * @GoLeakCheck
 * class WorkerPoolTest {
 *     @Test
 *     void closeStopsTheWorkers() throws Exception { ... }
 * }
 * }</pre>
 *
 * <h2>The check</h2>
 * Before each test (before its {@code @BeforeEach} methods) the ids of the live goroutines of every goloom
 * scheduler are noted; after it (after its {@code @AfterEach} methods) every goroutine alive then that was not alive
 * before, on the checked schedulers and not forgiven by an {@code ignore...} attribute, is a leak. The extension
 * waits up to {@link #settleMillis()} for such goroutines to end, then fails the test with a {@link GoLeakError}
 * (an {@link AssertionError}, so reported as a failure of the test), whose message is
 * {@code found unexpected goroutines:} and each one in Go's traceback shape: header with wait reason and wait time,
 * the channels it waits on, its stack, who started it. The check is {@link GoLeaks#verifyNone(GoLeakOptions)}; its
 * class comment says what happens with interrupts, with schedulers that close during the check, and why tests run
 * in parallel need schedulers of their own.
 *
 * <h2>A test that failed already</h2>
 * The check still runs, and the original failure stays the test's failure: JUnit adds the {@link GoLeakError} to it
 * as a suppressed exception, so both are reported, and a leak never masks why the test failed (a failed assertion
 * often leaves goroutines blocked; the leak report then shows where).
 *
 * <h2>Bad attributes</h2>
 * A negative {@link #settleMillis()}, a pattern that is not a regular expression, a function not of the form
 * {@code Class.method}, an empty scheduler name: the test fails before it runs (before its {@code @BeforeEach}
 * methods) with an {@link IllegalArgumentException} naming the attribute and the value, such as
 * {@code @GoLeakCheck settleMillis: must be >= 0: -1, on class com.example.WorkerPoolTest}.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(GoLeakExtension.class)
public @interface GoLeakCheck {
    /**
     * The names of the schedulers whose goroutines are checked ({@code GoScheduler.name()}); empty, the default,
     * for every goloom scheduler. See {@link GoLeakOptions#schedulers}.
     */
    String[] schedulers() default {};

    /**
     * How long to wait, at most, for new goroutines to end before they are reported, in milliseconds: 1000 by
     * default; 0 looks once. Only a leaking test waits that long. See {@link GoLeakOptions#settle}.
     */
    long settleMillis() default 1000;

    /**
     * Regular expressions; a goroutine whose whole name matches one is not a leak. See
     * {@link GoLeakOptions#ignoreNames}.
     */
    String[] ignoreNames() default {};

    /**
     * Functions ({@code com.example.Cache$Evictor.run}); a goroutine whose top function (its innermost frame of code
     * outside the JDK and goloom) is one of them is not a leak. See {@link GoLeakOptions#ignoreTopFunctions}.
     */
    String[] ignoreTopFunctions() default {};

    /**
     * Functions; a goroutine with one of them anywhere on its stack is not a leak. See
     * {@link GoLeakOptions#ignoreAnyFunctions}.
     */
    String[] ignoreAnyFunctions() default {};
}
