package dev.goloom.jmh.server;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a load generator measured in one round: completed requests, failures and latency percentiles, in the form
 * both generators print on one line ({@code wrk} through its Lua {@code done} hook, the Java client directly):
 * <pre>GOLOOM-LOAD requests=123456 seconds=8.000 errors=0 p50_us=812.0 p99_us=2100.0 p999_us=5300.0 max_us=20123.0</pre>
 *
 * @param requests requests answered with a 2xx status in the measured time
 * @param seconds  the measured duration
 * @param errors   connect, read, write and timeout errors and non-2xx answers
 * @param p50Us    median latency, microseconds
 * @param p99Us    99th percentile, microseconds
 * @param p999Us   99.9th percentile, microseconds
 * @param maxUs    the slowest request, microseconds
 */
public record LoadResult(long requests, double seconds, long errors, double p50Us, double p99Us, double p999Us,
                         double maxUs) {

    /** The line prefix both generators print. */
    public static final String PREFIX = "GOLOOM-LOAD ";

    /** Requests per second. */
    public double requestsPerSecond() {
        return seconds > 0 ? requests / seconds : Double.NaN;
    }

    /** The one-line form, parsed back by {@link #parse}. */
    public String line() {
        return String.format(Locale.ROOT, "%srequests=%d seconds=%.6f errors=%d p50_us=%.1f p99_us=%.1f "
                + "p999_us=%.1f max_us=%.1f", PREFIX, requests, seconds, errors, p50Us, p99Us, p999Us, maxUs);
    }

    /**
     * Parses a {@link #PREFIX} line.
     *
     * @throws IllegalArgumentException if a field is missing or not a number
     */
    public static LoadResult parse(String line) {
        if (!line.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a " + PREFIX.trim() + " line: " + line);
        }
        Map<String, String> f = new HashMap<>();
        for (String kv : line.substring(PREFIX.length()).trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                f.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
        }
        try {
            return new LoadResult((long) num(f, "requests"), num(f, "seconds"), (long) num(f, "errors"),
                    num(f, "p50_us"), num(f, "p99_us"), num(f, "p999_us"), num(f, "max_us"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number in " + line, e);
        }
    }

    private static double num(Map<String, String> f, String key) {
        String v = f.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key + "= field");
        }
        return Double.parseDouble(v);
    }
}
