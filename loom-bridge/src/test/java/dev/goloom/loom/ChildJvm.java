package dev.goloom.loom;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs {@link ChildPrograms} in a fresh JVM (this JDK, this test class path), bounded in time. */
final class ChildJvm {
    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    private ChildJvm() {
    }

    /** Runs {@code ChildPrograms <program> [args]} with {@code jvmFlags} (nothing else: no {@code --add-opens}). */
    static Result run(List<String> jvmFlags, String program) throws IOException, InterruptedException {
        return run(jvmFlags, ChildPrograms.class, program);
    }

    /** Runs {@code main <program> [args]} (a class with a main method on this class path) with {@code jvmFlags}. */
    static Result run(List<String> jvmFlags, Class<?> main, String program) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(program.split(" "))); // the program name, then its arguments
        Path out = Files.createTempFile("goloom-child", ".out");
        Path err = Files.createTempFile("goloom-child", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            boolean ended = p.waitFor(60, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Result r = new Result(ended ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            assertThat(ended).as("child JVM '%s' ended within 60 s: %s", program, r).isTrue();
            return r;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
