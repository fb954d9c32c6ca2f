package dev.goloom.jmh.server;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The bounded Java load client, used when {@code wrk} is not installed: a fixed number of keep-alive HTTP/1.1
 * connections, one platform thread each, sending {@code GET /} back to back for a fixed time. Latency of every
 * request answered 200 inside the measured window goes into an HdrHistogram.
 *
 * <pre>java -cp ... dev.goloom.jmh.server.LoadClient HOST PORT CONNECTIONS WARMUP_MS DURATION_MS</pre>
 *
 * Only loopback hosts are accepted. It prints {@link #START_LINE} when the measured window opens and one
 * {@link LoadResult} line when it closes, then exits; a connection that hangs gives up after 5 s (socket timeout),
 * and the process exits 10 s after its window even if a thread is stuck. Responses must carry a Content-Length (both
 * benchmark servers send one); anything else counts as an error and the connection is reopened.
 */
public final class LoadClient {
    /** Printed when the measured window opens. */
    public static final String START_LINE = "GOLOOM-LOAD-START";

    private static final int SOCKET_TIMEOUT_MS = 5_000;

    private LoadClient() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: LoadClient HOST PORT CONNECTIONS WARMUP_MS DURATION_MS");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        long warmupNs = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[3]));
        long durationNs = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[4]));
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved() || !address.getAddress().isLoopbackAddress()) {
            System.err.println("LoadClient only loads loopback addresses, got " + host);
            System.exit(2);
        }
        if (connections < 1 || connections > LoadGenerator.MAX_CONNECTIONS || durationNs <= 0 || warmupNs < 0
                || durationNs > TimeUnit.MINUTES.toNanos(10)) {
            System.err.println("LoadClient: connections 1.." + LoadGenerator.MAX_CONNECTIONS
                    + ", duration 1 ms..10 min, warm-up >= 0");
            System.exit(2);
        }

        long start = System.nanoTime() + warmupNs;
        long end = start + durationNs;
        byte[] request = ("GET / HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUser-Agent: goloom-LoadClient\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
        List<Connection> conns = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            Connection c = new Connection(address, request, start, end);
            conns.add(c);
            threads.add(Thread.ofPlatform().daemon().name("load-" + i).start(c));
        }
        sleepUntil(start);
        System.out.println(START_LINE);
        System.out.flush();
        sleepUntil(end);
        long giveUp = end + TimeUnit.SECONDS.toNanos(10);
        for (Thread t : threads) {
            long left = giveUp - System.nanoTime();
            if (left > 0) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
        Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long requests = 0;
        long errors = 0;
        for (int i = 0; i < conns.size(); i++) {
            Connection c = conns.get(i);
            if (threads.get(i).isAlive()) {
                errors++; // stuck past the window: its numbers are not safe to read
                continue;
            }
            all.add(c.latency);
            requests += c.requests;
            errors += c.errors;
        }
        LoadResult r = new LoadResult(requests, durationNs / 1e9, errors, us(all, 50), us(all, 99), us(all, 99.9),
                all.getTotalCount() == 0 ? Double.NaN : all.getMaxValue() / 1e3);
        System.out.println(r.line());
        System.out.flush();
        System.exit(0);
    }

    private static double us(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1e3;
    }

    private static void sleepUntil(long deadline) {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    /** One keep-alive connection and its loop. Fields are read by main after the thread has ended. */
    private static final class Connection implements Runnable {
        private final InetSocketAddress address;
        private final byte[] request;
        private final long start;
        private final long end;
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long requests;
        long errors;

        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int lim;
        private boolean closeAfter;

        Connection(InetSocketAddress address, byte[] request, long start, long end) {
            this.address = address;
            this.request = request;
            this.start = start;
            this.end = end;
        }

        @Override
        public void run() {
            try {
                long t0;
                while ((t0 = System.nanoTime()) < end) {
                    boolean ok;
                    try {
                        if (socket == null) {
                            open();
                        }
                        out.write(request);
                        ok = response();
                        if (closeAfter) {
                            close();
                        }
                    } catch (IOException e) {
                        ok = false;
                        close();
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // no hot loop on a refused connect
                    }
                    long t1 = System.nanoTime();
                    if (t0 >= start && t1 <= end) {
                        if (ok) {
                            requests++;
                            latency.recordValue(Math.min(t1 - t0, latency.getHighestTrackableValue()));
                        } else {
                            errors++;
                        }
                    }
                }
            } finally {
                close();
            }
        }

        private void open() throws IOException {
            Socket s = new Socket();
            s.setTcpNoDelay(true);
            s.setSoTimeout(SOCKET_TIMEOUT_MS);
            s.connect(address, SOCKET_TIMEOUT_MS);
            socket = s;
            in = s.getInputStream();
            out = s.getOutputStream();
            pos = 0;
            lim = 0;
        }

        private void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                socket = null;
            }
        }

        /** Reads one response; true if its status is 200. */
        private boolean response() throws IOException {
            int headerEnd;
            while ((headerEnd = headerEnd()) < 0) {
                fill();
            }
            int status = status();
            long contentLength = -1;
            closeAfter = false;
            int line = indexOf(pos, headerEnd, (byte) '\n') + 1;
            while (line < headerEnd) {
                int eol = indexOf(line, headerEnd, (byte) '\n');
                if (eol < 0) {
                    eol = headerEnd;
                }
                if (startsWithIgnoreCase(line, eol, "content-length:")) {
                    contentLength = Long.parseLong(value(line + "content-length:".length(), eol));
                } else if (startsWithIgnoreCase(line, eol, "connection:")) {
                    closeAfter = value(line + "connection:".length(), eol).equalsIgnoreCase("close");
                } else if (startsWithIgnoreCase(line, eol, "transfer-encoding:")) {
                    throw new IOException("chunked response: the Java client needs a Content-Length");
                }
                line = eol + 1;
            }
            if (contentLength < 0) {
                throw new IOException("response without Content-Length");
            }
            pos = headerEnd + 4;
            long body = contentLength;
            while (body > 0) {
                if (pos == lim) {
                    pos = 0;
                    lim = 0;
                    fill();
                }
                int n = (int) Math.min(body, lim - pos);
                pos += n;
                body -= n;
            }
            if (pos == lim) {
                pos = 0;
                lim = 0;
            }
            return status == 200;
        }

        private void fill() throws IOException {
            if (lim == buf.length) {
                if (pos == 0) {
                    throw new IOException("response header over " + buf.length + " bytes");
                }
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= pos;
                pos = 0;
            }
            int n = in.read(buf, lim, buf.length - lim);
            if (n < 0) {
                throw new IOException("connection closed by the server");
            }
            lim += n;
        }

        /** Index of the "\r\n\r\n" ending the header block at pos, or -1. */
        private int headerEnd() {
            for (int i = pos; i + 3 < lim; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        /** The status code of "HTTP/1.1 200 OK" at pos. */
        private int status() throws IOException {
            int sp = indexOf(pos, lim, (byte) ' ');
            if (sp < 0 || sp + 4 > lim) {
                throw new IOException("bad status line");
            }
            int code = 0;
            for (int i = sp + 1; i < sp + 4; i++) {
                int d = buf[i] - '0';
                if (d < 0 || d > 9) {
                    throw new IOException("bad status code");
                }
                code = code * 10 + d;
            }
            return code;
        }

        private int indexOf(int from, int to, byte b) {
            for (int i = from; i < to; i++) {
                if (buf[i] == b) {
                    return i;
                }
            }
            return -1;
        }

        private boolean startsWithIgnoreCase(int from, int to, String prefix) {
            if (to - from < prefix.length()) {
                return false;
            }
            for (int i = 0; i < prefix.length(); i++) {
                if (Character.toLowerCase((char) buf[from + i]) != prefix.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        private String value(int from, int to) {
            return new String(buf, from, to - from, StandardCharsets.ISO_8859_1).trim();
        }
    }
}
