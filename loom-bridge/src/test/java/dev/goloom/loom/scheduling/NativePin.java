package dev.goloom.loom.scheduling;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Runs code with a native frame under it, which pins a virtual thread to its carrier for the duration, as often as a
 * test likes (a class initializer pins only once). The code runs as the comparator of a two-element {@code qsort}
 * from the C library, called through the FFM API. Needs {@code --enable-native-access=ALL-UNNAMED} (loom-bridge's
 * test JVMs have it).
 */
final class NativePin {
    private static final MethodHandle QSORT;
    private static final MemorySegment COMPARATOR;
    private static final ThreadLocal<Runnable> BODY = new ThreadLocal<>();
    private static final ThreadLocal<Throwable> FAILURE = new ThreadLocal<>();

    static {
        Linker linker = Linker.nativeLinker();
        MemorySegment qsort = linker.defaultLookup().find("qsort")
                .orElseThrow(() -> new ExceptionInInitializerError("qsort not found in the C library"));
        QSORT = linker.downcallHandle(qsort, FunctionDescriptor.ofVoid(
                ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS));
        try {
            MethodHandle compare = MethodHandles.lookup().findStatic(NativePin.class, "compare",
                    MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class));
            COMPARATOR = linker.upcallStub(compare,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS),
                    Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private NativePin() {
    }

    /** Runs {@code body} pinned on the calling (virtual) thread; rethrows what it threw. */
    static void run(Runnable body) {
        BODY.set(body);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment two = arena.allocate(ValueLayout.JAVA_INT, 2);
            QSORT.invokeExact(two, 2L, 4L, COMPARATOR);
        } catch (Throwable e) {
            throw new IllegalStateException("qsort call failed", e);
        } finally {
            BODY.remove();
        }
        Throwable failure = FAILURE.get();
        if (failure != null) {
            FAILURE.remove();
            if (failure instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(failure);
        }
    }

    /** The upcall: runs the body once (an exception must not cross the native frame, or the JVM exits). */
    private static int compare(MemorySegment a, MemorySegment b) {
        Runnable body = BODY.get();
        if (body != null) {
            BODY.remove();
            try {
                body.run();
            } catch (Throwable e) {
                FAILURE.set(e);
            }
        }
        return 0;
    }
}
