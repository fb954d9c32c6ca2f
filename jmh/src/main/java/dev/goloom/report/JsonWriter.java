package dev.goloom.report;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A small JSON writer for report.json (the project takes no JSON library for one file). Objects print one member per
 * line, indented by two spaces; an array whose first element is a number, string, boolean or null stays on one line,
 * an array of objects or arrays prints one element per line. Strings are escaped per RFC 8259 (quote, backslash,
 * control characters), plus U+2028, U+2029 and unpaired surrogates as {@code \}{@code uXXXX}, so the output is valid
 * JSON, valid UTF-8 and safe to paste into JavaScript. A double that is NaN or infinite (a figure that does not exist)
 * is written as {@code null}.
 *
 * <p>Misuse (a value in an object without a name, a name outside an object, a close that does not match, a second
 * top-level value, {@link #toString} before the last close) throws {@link IllegalStateException}.
 */
final class JsonWriter {
    private final StringBuilder out = new StringBuilder();
    private final Deque<Frame> open = new ArrayDeque<>();
    private boolean done;

    /** An open object or array. */
    private static final class Frame {
        final boolean object;
        int count;
        /** Object: a name was written and waits for its value. */
        boolean named;
        /** Array: elements go on their own lines (decided by the first element). */
        boolean multiline;

        Frame(boolean object) {
            this.object = object;
            this.multiline = object;
        }
    }

    JsonWriter beginObject() {
        beforeValue(true);
        out.append('{');
        open.push(new Frame(true));
        return this;
    }

    JsonWriter endObject() {
        return close(true, '}');
    }

    JsonWriter beginArray() {
        beforeValue(true);
        out.append('[');
        open.push(new Frame(false));
        return this;
    }

    JsonWriter endArray() {
        return close(false, ']');
    }

    /** The next member's name; the member's value must follow. */
    JsonWriter name(String name) {
        Frame f = open.peek();
        if (f == null || !f.object) {
            throw new IllegalStateException("name \"" + name + "\" outside an object");
        }
        if (f.named) {
            throw new IllegalStateException("name \"" + name + "\" after a name without a value");
        }
        if (f.count > 0) {
            out.append(',');
        }
        newline(open.size());
        quote(name, out);
        out.append(": ");
        f.named = true;
        return this;
    }

    /** A string, or {@code null} for null. */
    JsonWriter value(String s) {
        beforeValue(false);
        if (s == null) {
            out.append("null");
        } else {
            quote(s, out);
        }
        return this;
    }

    /** A number; {@code null} for NaN or an infinity. */
    JsonWriter value(double d) {
        beforeValue(false);
        out.append(Double.isFinite(d) ? Double.toString(d) : "null");
        return this;
    }

    JsonWriter value(long l) {
        beforeValue(false);
        out.append(l);
        return this;
    }

    JsonWriter value(boolean b) {
        beforeValue(false);
        out.append(b);
        return this;
    }

    JsonWriter nullValue() {
        return value((String) null);
    }

    /** Shorthand for {@code name(name).value(s)}. */
    JsonWriter member(String name, String s) {
        return name(name).value(s);
    }

    JsonWriter member(String name, double d) {
        return name(name).value(d);
    }

    JsonWriter member(String name, long l) {
        return name(name).value(l);
    }

    JsonWriter member(String name, boolean b) {
        return name(name).value(b);
    }

    /** An array of numbers on one line. */
    JsonWriter member(String name, double[] values) {
        name(name).beginArray();
        for (double v : values) {
            value(v);
        }
        return endArray();
    }

    /** The document, ending in a newline. */
    @Override
    public String toString() {
        if (!done) {
            throw new IllegalStateException("JSON document not complete: " + open.size() + " open, "
                    + (out.isEmpty() ? "nothing written" : "last close missing"));
        }
        return out + "\n";
    }

    private void beforeValue(boolean container) {
        if (done) {
            throw new IllegalStateException("a second top-level JSON value");
        }
        Frame f = open.peek();
        if (f == null) {
            if (!container) {
                done = true; // a scalar document
            }
            return;
        }
        if (f.object) {
            if (!f.named) {
                throw new IllegalStateException("a value inside an object needs a name first");
            }
            f.named = false;
        } else {
            if (f.count == 0) {
                f.multiline = container;
            } else {
                out.append(f.multiline ? "," : ", ");
            }
            if (f.multiline) {
                newline(open.size());
            }
        }
        f.count++;
    }

    private JsonWriter close(boolean object, char bracket) {
        Frame f = open.peek();
        if (f == null || f.object != object) {
            throw new IllegalStateException("'" + bracket + "' does not close the open "
                    + (f == null ? "nothing" : f.object ? "object" : "array"));
        }
        if (f.named) {
            throw new IllegalStateException("object closed after a name without a value");
        }
        open.pop();
        if (f.multiline && f.count > 0) {
            newline(open.size());
        }
        out.append(bracket);
        if (open.isEmpty()) {
            done = true;
        }
        return this;
    }

    private void newline(int depth) {
        out.append('\n');
        out.append("  ".repeat(depth));
    }

    /** Appends {@code s} as a JSON string literal, quotes included. */
    static void quote(String s, StringBuilder b) {
        b.append('"');
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
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || c == 0x7f) {
                        unicode(c, b);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1))) {
                        b.append(c).append(s.charAt(++i)); // a whole pair: written as is (UTF-8 on output)
                    } else if (Character.isSurrogate(c)) {
                        unicode(c, b); // unpaired: not encodable in UTF-8
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }

    /** {@code s} as a JSON string literal. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        quote(s, b);
        return b.toString();
    }

    private static void unicode(char c, StringBuilder b) {
        b.append("\\u");
        String hex = Integer.toHexString(c);
        b.append("0".repeat(4 - hex.length())).append(hex);
    }
}
