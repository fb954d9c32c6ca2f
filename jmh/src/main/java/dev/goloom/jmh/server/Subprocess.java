package dev.goloom.jmh.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Runs a process with a time limit, handing each output line (stdout and stderr merged) to a consumer. */
final class Subprocess {
    private Subprocess() {
    }

    /**
     * Runs {@code cmd}; the calling thread reads its output. A watchdog kills it after {@code limit} (the read
     * then ends).
     *
     * @return the exit status
     * @throws IOException if it cannot start, or was killed at the limit
     */
    static int run(List<String> cmd, Duration limit, Consumer<String> lines)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        boolean[] killed = new boolean[1];
        Thread watchdog = Thread.ofPlatform().daemon().name("load-watchdog").start(() -> {
            try {
                if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                    killed[0] = true;
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        });
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.accept(line);
            }
        } finally {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            watchdog.interrupt();
            watchdog.join(5_000);
        }
        if (killed[0]) {
            throw new IOException(cmd.getFirst() + " still running " + limit.toSeconds() + " s after it started: "
                    + "killed");
        }
        if (p.isAlive()) {
            throw new IOException(cmd.getFirst() + " did not stop after it was killed");
        }
        return p.exitValue();
    }
}
