package dev.goloom.loom;

import dev.goloom.scheduler.GoScheduler;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** Programs that tests run in a child JVM ({@link ChildJvm}) because they need a fresh JVM. */
public final class ChildPrograms {
    private ChildPrograms() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "ofVirtual" -> {
                // Let the failure escape main: the JVM prints it as the top-level error.
                GoScheduler s = GoScheduler.builder().maxProcs(1).name("probe").build();
                GoVirtualThreads.ofVirtual(s).start(() -> { }).join();
                System.out.println("STARTED");
            }
            case "go-twice" -> {
                for (int i = 1; i <= 2; i++) {
                    try {
                        Go.go(() -> { }).join();
                        System.out.println("ATTEMPT " + i + " STARTED");
                    } catch (Throwable e) {
                        System.out.println("ATTEMPT " + i + " " + e.getClass().getName() + ": " + e.getMessage());
                    }
                }
            }
            case "flag" -> {
                GoScheduler s = GoScheduler.builder().maxProcs(1).name("probe").build();
                boolean[] on = new boolean[1];
                GoVirtualThreads.ofVirtual(s).start(() -> on[0] = Goroutines.runsOn(s)).join();
                s.close();
                System.out.println("RAN_ON_GOLOOM " + on[0]);
            }
            case "socket-then-close" -> socketThenClose();
            default -> throw new IllegalArgumentException("unknown child program " + args[0]);
        }
    }

    /**
     * The first blocking socket operation of a virtual thread in this JVM happens in a goroutine; afterwards the
     * scheduler must still terminate (the JDK's I/O poller threads must not become its goroutines).
     */
    private static void socketThenClose() throws Exception {
        GoScheduler s = GoScheduler.builder().maxProcs(2).name("io").build();
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        try (ServerSocket server = new ServerSocket(0, 1, loopback)) {
            server.setSoTimeout(20_000);
            Thread echo = Go.go(s, () -> {
                try (Socket c = server.accept()) {
                    c.setSoTimeout(20_000);
                    int b = c.getInputStream().read();
                    c.getOutputStream().write(b);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            int[] got = {-1};
            Thread client = Go.go(s, () -> {
                try (Socket c = new Socket(loopback, server.getLocalPort())) {
                    c.setSoTimeout(20_000);
                    OutputStream out = c.getOutputStream();
                    InputStream in = c.getInputStream();
                    out.write(42);
                    got[0] = in.read();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            System.out.println("JOINED " + (echo.join(Duration.ofSeconds(20)) && client.join(Duration.ofSeconds(20))));
            System.out.println("ECHOED " + got[0]);
        }
        s.shutdown();
        boolean terminated = s.awaitTermination(Duration.ofSeconds(10));
        System.out.println("TERMINATED " + terminated);
        System.out.println("LIVE " + s.goroutines().stream().map(Thread::getName).sorted().toList());
        System.exit(0); // carriers are daemons, but do not let a stuck scheduler keep the child alive
    }
}
