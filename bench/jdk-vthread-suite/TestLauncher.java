import dev.goloom.loom.Go;
import dev.goloom.scheduler.GoScheduler;
import dev.goloom.scheduler.SchedulerStats;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs one action of a JDK jtreg test in this JVM, on the thread that {@code where} names, and exits with 0 if it
 * passed, 1 if it failed. Started by {@code VThreadSuite}, one JVM per action:
 *
 * <pre>TestLauncher (jdk | goloom | jdk-vthread) (main | junit) TestClass [args...]</pre>
 *
 * <ul>
 *   <li>{@code jdk}: on this JVM's main thread, a platform thread, as jtreg runs it (the control);</li>
 *   <li>{@code goloom}: in a goroutine of {@code GoScheduler.defaultScheduler()}, so every virtual thread the test
 *       starts with {@code Thread.ofVirtual()} (and every virtual thread those start) inherits goloom as its
 *       scheduler;</li>
 *   <li>{@code jdk-vthread}: in a virtual thread of the JDK's own scheduler: the same harness as {@code goloom} with
 *       the JDK's scheduler, to tell a failure caused by goloom from one caused by the test's thread being
 *       virtual.</li>
 * </ul>
 *
 * {@code main} calls the class's {@code public static void main(String[])}: it passes if it returns (jtreg's rule).
 * {@code junit} runs the class with the JUnit Platform and prints one line per test and a summary line
 * ({@code [junit] tests=.. passed=.. failed=.. aborted=.. skipped=..}). On goloom a last line gives the
 * scheduler's counters, evidence that the test's threads ran there.
 */
public final class TestLauncher {
    private TestLauncher() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: TestLauncher (jdk|goloom|jdk-vthread) (main|junit) TestClass [args...]");
            System.exit(2);
        }
        String where = args[0];
        String kind = args[1];
        String className = args[2];
        String[] testArgs = Arrays.copyOfRange(args, 3, args.length);
        Callable<Boolean> action = switch (kind) {
            case "main" -> () -> runMain(className, testArgs);
            case "junit" -> () -> runJUnit(className);
            default -> throw new IllegalArgumentException("action kind must be main or junit, got '" + kind + "'");
        };
        boolean passed = switch (where) {
            case "jdk" -> action.call();
            case "goloom" -> OnGoloom.run(action);
            case "jdk-vthread" -> inJdkVirtualThread(action);
            default -> throw new IllegalArgumentException("where must be jdk, goloom or jdk-vthread, got '" + where + "'");
        };
        System.out.println("[launcher] " + (passed ? "PASSED" : "FAILED") + " (" + where + ")");
        System.out.flush();
        System.exit(passed ? 0 : 1); // like jtreg's othervm wrapper: leftover non-daemon threads do not keep us
    }

    /** goloom's classes are touched only here, so the jdk runs never load them. */
    private static final class OnGoloom {
        static boolean run(Callable<Boolean> action) throws Exception {
            GoScheduler scheduler = GoScheduler.defaultScheduler();
            AtomicReference<Boolean> result = new AtomicReference<>();
            Thread main = Go.go(scheduler, wrap(action, result));
            main.join();
            SchedulerStats s = scheduler.stats();
            System.out.println("[launcher] goloom scheduler '" + s.name() + "': procs=" + s.procs() + " tasksRun=" + s.tasksRun()
                    + " threadsHighWater=" + s.threadsHighWater() + " handoffsBlocked=" + s.handoffsBlocked()
                    + " sysmonFailures=" + s.sysmonFailures() + " carrierFailures=" + s.carrierFailures());
            return Boolean.TRUE.equals(result.get());
        }
    }

    private static boolean inJdkVirtualThread(Callable<Boolean> action) throws InterruptedException {
        AtomicReference<Boolean> result = new AtomicReference<>();
        Thread.ofVirtual().start(wrap(action, result)).join();
        return Boolean.TRUE.equals(result.get());
    }

    private static Runnable wrap(Callable<Boolean> action, AtomicReference<Boolean> result) {
        return () -> {
            try {
                result.set(action.call());
            } catch (Throwable e) {
                e.printStackTrace();
                result.set(false);
            }
        };
    }

    private static boolean runMain(String className, String[] args) throws Exception {
        Class<?> c = Class.forName(className, true, ClassLoader.getSystemClassLoader());
        Method m = c.getMethod("main", String[].class);
        if (!Modifier.isStatic(m.getModifiers())) {
            throw new IllegalArgumentException(className + ".main is not static");
        }
        try {
            m.invoke(null, (Object) args);
            return true;
        } catch (InvocationTargetException e) {
            System.out.println("[launcher] " + className + ".main threw:");
            e.getCause().printStackTrace(System.out);
            return false;
        }
    }

    private static boolean runJUnit(String className) {
        int[] counts = new int[4]; // passed, failed, aborted, skipped
        TestExecutionListener listener = new TestExecutionListener() {
            @Override
            public void executionSkipped(TestIdentifier id, String reason) {
                if (id.isTest()) {
                    counts[3]++;
                    System.out.println("[junit] SKIPPED " + id.getDisplayName() + ": " + reason);
                }
            }

            @Override
            public void executionFinished(TestIdentifier id, TestExecutionResult r) {
                if (!id.isTest() && r.getStatus() == TestExecutionResult.Status.SUCCESSFUL) {
                    return;
                }
                String name = id.isTest() ? testName(id) : "container " + id.getDisplayName();
                switch (r.getStatus()) {
                    case SUCCESSFUL -> {
                        counts[0]++;
                        System.out.println("[junit] PASSED " + name);
                    }
                    case ABORTED -> {
                        counts[2]++;
                        System.out.println("[junit] ABORTED " + name + ": "
                                + r.getThrowable().map(Throwable::toString).orElse(""));
                    }
                    case FAILED -> {
                        counts[1]++;
                        System.out.println("[junit] FAILED " + name + ": "
                                + r.getThrowable().map(Throwable::toString).orElse(""));
                        r.getThrowable().ifPresent(e -> e.printStackTrace(System.out));
                    }
                }
            }
        };
        Launcher launcher = LauncherFactory.create();
        launcher.execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(DiscoverySelectors.selectClass(className)).build(), listener);
        int total = counts[0] + counts[1] + counts[2] + counts[3];
        System.out.println("[junit] tests=" + total + " passed=" + counts[0] + " failed=" + counts[1]
                + " aborted=" + counts[2] + " skipped=" + counts[3]);
        return counts[1] == 0 && total > 0; // no test found is a failure (a wrong class name, say)
    }

    /** "testJoin1()" becomes "testJoin1()", a parameterized case "[2] true" becomes "testFoo(boolean) [2] true". */
    private static String testName(TestIdentifier id) {
        String display = id.getDisplayName();
        String legacy = id.getLegacyReportingName();
        return legacy.equals(display) ? display : legacy + " " + display;
    }
}
