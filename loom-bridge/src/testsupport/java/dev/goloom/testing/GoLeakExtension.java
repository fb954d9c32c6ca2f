package dev.goloom.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.Optional;

/**
 * {@link GoLeakCheck}'s JUnit 5 extension: notes the live goroutines before each test and runs
 * {@link GoLeaks#verifyNone(GoLeakOptions)} after it. Registered by the annotation; not public API.
 *
 * <p>Order: {@code beforeEach} callbacks run before the test's {@code @BeforeEach} methods and {@code afterEach}
 * callbacks after its {@code @AfterEach} methods, so goroutines the test's own set-up starts and tear-down ends are
 * part of the test. A failure of the test stays primary: JUnit adds an exception thrown here to it as suppressed.
 */
final class GoLeakExtension implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(GoLeakExtension.class);
    private static final String OPTIONS = "options";

    @Override
    public void beforeEach(ExtensionContext context) {
        GoLeakOptions options = options(context).ignoreCurrent();
        context.getStore(NAMESPACE).put(OPTIONS, options);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        GoLeakOptions options = context.getStore(NAMESPACE).remove(OPTIONS, GoLeakOptions.class);
        if (options != null) { // null: beforeEach failed (bad attributes), and said so already
            GoLeaks.verifyNone(options);
        }
    }

    /**
     * The options of the nearest {@link GoLeakCheck}: on the test method, else on its class (or a superclass, or
     * a meta-annotation), else on the classes enclosing a {@code @Nested} class; the defaults for an extension
     * registered with {@code @ExtendWith} alone.
     *
     * @throws IllegalArgumentException if an attribute is bad, naming it, its value and where the annotation is
     */
    static GoLeakOptions options(ExtensionContext context) {
        AnnotatedElement where = context.getRequiredTestMethod();
        Optional<GoLeakCheck> found = AnnotationSupport.findAnnotation(where, GoLeakCheck.class);
        for (Class<?> c = context.getRequiredTestClass(); found.isEmpty() && c != null;
                c = Modifier.isStatic(c.getModifiers()) ? null : c.getEnclosingClass()) {
            where = c;
            found = AnnotationSupport.findAnnotation(c, GoLeakCheck.class);
        }
        return found.isEmpty() ? GoLeakOptions.defaults() : options(found.get(), where);
    }

    static GoLeakOptions options(GoLeakCheck a, AnnotatedElement where) {
        if (a.settleMillis() < 0) {
            throw new IllegalArgumentException("@GoLeakCheck settleMillis: must be >= 0: " + a.settleMillis()
                    + ", on " + where);
        }
        try {
            return GoLeakOptions.defaults()
                    .settle(Duration.ofMillis(a.settleMillis()))
                    .schedulers(a.schedulers())
                    .ignoreNames(a.ignoreNames())
                    .ignoreTopFunctions(a.ignoreTopFunctions())
                    .ignoreAnyFunctions(a.ignoreAnyFunctions());
        } catch (IllegalArgumentException e) {
            // GoLeakOptions names the option, which is the attribute's name: "ignoreNames: not a regular expression"
            throw new IllegalArgumentException("@GoLeakCheck " + e.getMessage() + ", on " + where, e);
        }
    }
}
