package dev.goloom.scheduler;

import dev.goloom.scheduler.spi.TaskSupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * The JSON form of a goroutine dump, in the JDK 25 {@code jcmd <pid> Thread.dump_to_file -format=json} schema
 * ({@code jdk.internal.vm.ThreadDumper}) where the two overlap, so that tools reading the JDK's dumps read these:
 * <pre>
 * { "threadDump": { "processId", "time", "runtimeVersion",
 *     "threadContainers": [ { "container", "parent", "owner", "threads": [ ... ], "threadCount" } ] } }
 * thread: "tid", "time", "virtual", "name", "state", "parkBlocker": { "object" }, "stack": [ ... ], "carrier"
 * </pre>
 * Each goloom scheduler is one thread container ({@code "goloom/<name>"}, no parent or owner) with goloom's
 * {@code "scheduler"} and {@code "maxProcs"}. Each goroutine adds {@code "scheduler"}, {@code "goroutineState"}
 * ({@link GoroutineState#text()}), and while it waits {@code "waitReason"} ({@link WaitReason#text()}),
 * {@code "waitMillis"}, {@code "waitSince"} (an instant, absent when unknown), {@code "waitObserved"} (see
 * {@link GoroutineInfo#waitObserved()}) and {@code "channels"} ({@code [{"id", "direction", "description"}]}), and
 * always {@code "createdBy"} (a thread id). As in the JDK's dump, {@code long} values (ids, counts) are JSON strings,
 * since they may not fit a JSON number exactly; {@code waitMillis} and {@code maxProcs} are numbers. JDK fields that
 * need the JVM's internals ({@code blockedOn}, {@code waitingOn}, {@code monitorsOwned}) are left out.
 *
 * <p>Stateless; any thread.
 */
final class DumpJson {
    private DumpJson() {
    }

    /** One dump of {@code schedulers}, in order; each goroutine printed as soon as it is read. */
    static void print(List<GoScheduler> schedulers, Appendable out) {
        try {
            Instant now = Instant.now();
            out.append("{\n  \"threadDump\": {\n");
            out.append("    \"processId\": \"").append(Long.toString(ProcessHandle.current().pid())).append("\",\n");
            out.append("    \"time\": ").append(str(now.toString())).append(",\n");
            out.append("    \"runtimeVersion\": ").append(str(Runtime.version().toString())).append(",\n");
            out.append("    \"threadContainers\": [");
            for (int i = 0; i < schedulers.size(); i++) {
                out.append(i == 0 ? "\n" : ",\n");
                container(schedulers.get(i), now, out);
            }
            out.append(schedulers.isEmpty() ? "]\n" : "\n    ]\n");
            out.append("  }\n}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void container(GoScheduler s, Instant now, Appendable out) throws IOException {
        out.append("      {\n");
        out.append("        \"container\": ").append(str("goloom/" + s.name())).append(",\n");
        out.append("        \"parent\": null,\n");
        out.append("        \"owner\": null,\n");
        out.append("        \"scheduler\": ").append(str(s.name())).append(",\n");
        out.append("        \"maxProcs\": ").append(Integer.toString(s.maxProcs())).append(",\n");
        out.append("        \"threads\": [");
        TaskSupport ts = TaskSupport.get();
        int n = 0;
        for (G rec : GoroutineDump.live(s)) {
            Thread t = rec.thread();
            GoroutineInfo g = t == null ? null : GoroutineDump.inspect(s, t, rec, ts); // null: collected, a leak
            if (g != null && g.state() != GoroutineState.DONE) {
                out.append(n++ == 0 ? "\n" : ",\n");
                thread(g, now, out);
            }
        }
        out.append(n == 0 ? "],\n" : "\n        ],\n");
        out.append("        \"threadCount\": \"").append(Integer.toString(n)).append("\"\n");
        out.append("      }");
    }

    private static void thread(GoroutineInfo g, Instant now, Appendable out) throws IOException {
        String in = "            ";
        out.append("          {\n");
        out.append(in).append("\"tid\": \"").append(Long.toString(g.id())).append("\",\n");
        out.append(in).append("\"time\": ").append(str(now.toString())).append(",\n");
        out.append(in).append("\"virtual\": true,\n");
        out.append(in).append("\"name\": ").append(str(g.name())).append(",\n");
        out.append(in).append("\"state\": ").append(str(g.threadState().name())).append(",\n");
        if (g.parkBlocker() != null) {
            out.append(in).append("\"parkBlocker\": {\n");
            out.append(in).append("  \"object\": ").append(str(g.parkBlocker())).append('\n');
            out.append(in).append("},\n");
        }
        out.append(in).append("\"stack\": [");
        List<StackTraceElement> stack = g.stack();
        for (int i = 0; i < stack.size(); i++) {
            out.append(i == 0 ? "\n" : ",\n").append(in).append("  ").append(str(stack.get(i).toString()));
        }
        out.append(stack.isEmpty() ? "],\n" : "\n" + in + "],\n");
        if (g.carrierId() >= 0) {
            out.append(in).append("\"carrier\": \"").append(Long.toString(g.carrierId())).append("\",\n");
        }
        out.append(in).append("\"scheduler\": ").append(str(g.scheduler())).append(",\n");
        out.append(in).append("\"goroutineState\": ").append(str(g.state().text())).append(",\n");
        if (g.waitReason() != null) {
            out.append(in).append("\"waitReason\": ").append(str(g.waitReason().text())).append(",\n");
            out.append(in).append("\"waitMillis\": ").append(Long.toString(g.waitMillis())).append(",\n");
            if (g.waitMillis() >= 0) {
                out.append(in).append("\"waitSince\": ").append(str(now.minusMillis(g.waitMillis()).toString()))
                        .append(",\n");
            }
            out.append(in).append("\"waitObserved\": ").append(Boolean.toString(g.waitObserved())).append(",\n");
            out.append(in).append("\"channels\": [");
            List<ChannelRef> cs = g.channels();
            for (int i = 0; i < cs.size(); i++) {
                ChannelRef c = cs.get(i);
                out.append(i == 0 ? "\n" : ",\n").append(in).append("  {\"id\": \"").append(Long.toString(c.id()))
                        .append("\", \"direction\": ").append(str(c.direction()))
                        .append(", \"description\": ").append(str(c.description())).append('}');
            }
            out.append(cs.isEmpty() ? "],\n" : "\n" + in + "],\n");
        }
        out.append(in).append("\"createdBy\": \"").append(Long.toString(g.creatorId())).append("\"\n");
        out.append("          }");
    }

    /** A JSON string literal (RFC 8259 escapes). */
    static String str(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
