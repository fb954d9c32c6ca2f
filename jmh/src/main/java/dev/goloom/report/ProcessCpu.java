package dev.goloom.report;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;

/**
 * The whole process's CPU time (every thread: carriers, GC, JIT, and threads that have ended), for the report's CPU
 * column. On Linux it reads {@code clock_gettime(CLOCK_PROCESS_CPUTIME_ID)} through the foreign function API, to the
 * nanosecond; {@code OperatingSystemMXBean.getProcessCpuTime()} counts there in 10 ms clock ticks, which is 5-10% of a
 * {@code --quick} round. Elsewhere, or if the call cannot be made, it falls back to the MXBean, and {@link #source()}
 * says so. Not thread-safe: the report reads it from one thread.
 */
final class ProcessCpu {
    private ProcessCpu() {
    }

    /** Linux's {@code CLOCK_PROCESS_CPUTIME_ID}. */
    private static final int CLOCK_PROCESS_CPUTIME_ID = 2;

    private static final MethodHandle CLOCK_GETTIME;
    /** A {@code struct timespec} (two 64-bit fields on 64-bit Linux), reused by every call. */
    private static final MemorySegment TIMESPEC;
    private static final String SOURCE;

    static {
        MethodHandle handle = null;
        MemorySegment timespec = null;
        String source;
        if (System.getProperty("os.name", "").startsWith("Linux") && ValueLayout.ADDRESS.byteSize() == 8) {
            try {
                Linker linker = Linker.nativeLinker();
                handle = linker.downcallHandle(linker.defaultLookup().find("clock_gettime").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
                timespec = Arena.global().allocate(16, 8);
                if ((int) handle.invokeExact(CLOCK_PROCESS_CPUTIME_ID, timespec) != 0) {
                    throw new IllegalStateException("clock_gettime failed");
                }
                source = "clock_gettime(CLOCK_PROCESS_CPUTIME_ID)";
            } catch (Throwable e) {
                handle = null;
                source = "OperatingSystemMXBean.getProcessCpuTime (clock_gettime not callable: " + e + ")";
            }
        } else {
            source = "OperatingSystemMXBean.getProcessCpuTime";
        }
        CLOCK_GETTIME = handle;
        TIMESPEC = timespec;
        SOURCE = source;
    }

    /** The process's CPU time in nanoseconds, user and system, since it started. */
    static long nanos() {
        if (CLOCK_GETTIME != null) {
            try {
                if ((int) CLOCK_GETTIME.invokeExact(CLOCK_PROCESS_CPUTIME_ID, TIMESPEC) == 0) {
                    return TIMESPEC.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L
                            + TIMESPEC.get(ValueLayout.JAVA_LONG, 8);
                }
            } catch (Throwable e) {
                throw new IllegalStateException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) failed", e);
            }
            throw new IllegalStateException("clock_gettime(CLOCK_PROCESS_CPUTIME_ID) returned an error");
        }
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Where {@link #nanos()} comes from, for the report's notes. */
    static String source() {
        return SOURCE;
    }
}
