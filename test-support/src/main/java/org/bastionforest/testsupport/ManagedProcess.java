package org.bastionforest.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A server process started by a test: output goes to a log file, it is stopped by its process id
 * (TERM, then KILL after a grace period), and a JVM shutdown hook stops it if the test forgot.
 *
 * <pre>{@code
 * try (ManagedProcess p = ManagedProcess.start("slapd", List.of(slapd.toString(), "-d", "0"), dir, Map.of())) {
 *     p.awaitReady(Duration.ofSeconds(20), () -> canConnect(port));
 *     ...
 * }
 * }</pre>
 *
 * <p>Not thread-safe; one owner per instance.
 */
public final class ManagedProcess implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;
    private final Thread hook;

    private ManagedProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.hook = new Thread(this::destroy, "stop-" + name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts {@code command} in {@code workDir}, with output to {@code workDir/<name>.log}. */
    public static ManagedProcess start(
            String name, List<String> command, Path workDir, Map<String, String> env) {
        return start(name, command, workDir, env, variable -> true);
    }

    /**
     * Starts {@code command} in {@code workDir}, with output to {@code workDir/<name>.log}, with
     * only those of this process's environment variables that {@code inherit} accepts, plus {@code
     * env}.
     */
    public static ManagedProcess start(
            String name,
            List<String> command,
            Path workDir,
            Map<String, String> env,
            java.util.function.Predicate<String> inherit) {
        try {
            Files.createDirectories(workDir);
            Path log = workDir.resolve(name + ".log");
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command));
            pb.directory(workDir.toFile());
            pb.environment().keySet().removeIf(inherit.negate());
            pb.environment().putAll(env);
            pb.redirectErrorStream(true);
            pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            return new ManagedProcess(name, pb.start(), log);
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name + ": " + command, e);
        }
    }

    /**
     * Waits until {@code ready} is true; fails with the tail of the log if the process died or time
     * ran out.
     */
    public void awaitReady(Duration timeout, BooleanSupplier ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ready.getAsBoolean()) {
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        name
                                + " exited with "
                                + process.exitValue()
                                + " before it was ready:\n"
                                + logTail());
            }
            sleep(50);
        }
        throw new IllegalStateException(
                name + " was not ready after " + timeout + ":\n" + logTail());
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    /** The last 40 lines of the process's output, for failure messages. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Sends SIGKILL (kill -9) and waits for the process to end. */
    public void kill9() {
        process.destroyForcibly();
        waitFor(Duration.ofSeconds(10));
    }

    private void destroy() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy(); // SIGTERM
        if (!waitFor(Duration.ofSeconds(10))) {
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(10));
        }
        // children left behind (e.g. samba's forked workers) are stopped too
        process.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    private boolean waitFor(Duration d) {
        try {
            return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        destroy();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }
}
