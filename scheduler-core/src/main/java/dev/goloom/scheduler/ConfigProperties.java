package dev.goloom.scheduler;

import java.time.Duration;
import java.util.Locale;

/**
 * Reads goloom's {@code -Dgoloom.*} system properties for {@link SchedulerConfig}: an unset or blank property gives
 * the default, a bad value an {@code IllegalArgumentException} that names the property and the value.
 */
final class ConfigProperties {
    private ConfigProperties() {
    }

    /** Parses {@code 10ms}, {@code 500us}, {@code 2s}, or a bare number of milliseconds. */
    static Duration parseDuration(String v, String source) {
        String t = v.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            } else if (t.endsWith("us")) {
                d = Duration.ofNanos(1000 * Long.parseLong(t.substring(0, t.length() - 2).trim()));
            } else if (t.endsWith("s")) {
                d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1).trim()));
            } else {
                d = Duration.ofMillis(Long.parseLong(t));
            }
            if (d.compareTo(Duration.ofMillis(1)) < 0) {
                throw new IllegalArgumentException(source + " must be >= 1ms, got '" + v + "'");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " must be a duration like 10ms, 500us or 1s, got '" + v + "'");
        }
    }

    static boolean parseBooleanProperty(String key, boolean dflt) {
        String v = System.getProperty(key);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        if (v.trim().equalsIgnoreCase("false")) {
            return false;
        }
        if (v.trim().equalsIgnoreCase("true")) {
            return true;
        }
        throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
    }

    static int parseIntProperty(String key, int dflt, int min, int max) {
        String v = System.getProperty(key);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "], got " + n);
        }
        return n;
    }

    static long parseSeedProperty(String key) {
        String v = System.getProperty(key);
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            long seed = Long.parseLong(v.trim());
            if (seed == 0) {
                throw new NumberFormatException();
            }
            return seed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " must be a non-zero integer seed, got '" + v + "'");
        }
    }

    static Duration parseDurationProperty(String key, Duration dflt) {
        String v = System.getProperty(key);
        return v == null || v.isBlank() ? dflt : parseDuration(v, key);
    }
}
