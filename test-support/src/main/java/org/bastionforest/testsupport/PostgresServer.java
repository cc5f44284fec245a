package org.bastionforest.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL server (Debian's {@code postgresql} package) started for tests in a temporary
 * directory, listening on 127.0.0.1 on a free port, with a generated superuser password
 * (scram-sha-256).
 *
 * <p>Most test classes share the one server of the JVM and create their own database on it:
 *
 * <pre>{@code
 * class GrantStoreIT {
 *     static PostgresServer pg;
 *     static String jdbcUrl;
 *
 *     @BeforeAll
 *     static void startServer() {
 *         pg = PostgresServer.shared();                   // skips the class if PostgreSQL is missing
 *         jdbcUrl = pg.createDatabase("grant_store_it");  // jdbc:postgresql://127.0.0.1:<port>/grant_store_it
 *     }
 *     // connect with pg.username() and pg.password()
 * }
 * }</pre>
 *
 * <p>A test that stops the server (to see what happens when the database goes away) starts its own
 * with {@link #start()} and closes it. The server uses the highest version under {@code
 * /usr/lib/postgresql/<version>/bin}; when it is missing the calling test is skipped (failed when
 * {@code CI=true}, see {@link ExternalTools}). When the tests run as root, the directory is given
 * to the {@code postgres} system user and the server runs as that user through {@code setpriv}
 * (which execs, so the process id held is the postmaster's). For speed the server runs with {@code
 * fsync=off}: data survives the server's or the test's process being killed, not a power cut.
 *
 * <p>Stopping (by {@link #close()}, {@link #stop()} or a JVM shutdown hook) sends SIGINT (fast
 * shutdown: open sessions are ended) to the postmaster's process id, then SIGTERM and SIGKILL if it
 * does not end, and deletes the directory.
 *
 * <p>Thread-safe. Mutable: it can be stopped.
 */
public final class PostgresServer implements AutoCloseable {
    /** The address the server listens on. */
    public static final String HOST = "127.0.0.1";

    private static final Logger LOG = LoggerFactory.getLogger(PostgresServer.class);
    private static final String SUPERUSER = "postgres";
    private static final String SYSTEM_USER = "postgres";
    private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);

    private static PostgresServer shared;

    private final Path binDir;
    private final Path directory;
    private final int port;
    private final String password;
    private final boolean sharedInstance;
    private final ManagedProcess process;
    private final Thread shutdownHook;
    private boolean stopped;

    private PostgresServer(
            Path binDir,
            Path directory,
            int port,
            String password,
            boolean sharedInstance,
            ManagedProcess process) {
        this.binDir = binDir;
        this.directory = directory;
        this.port = port;
        this.password = password;
        this.sharedInstance = sharedInstance;
        this.process = process;
        this.shutdownHook = new Thread(this::stopNow, "stop-postgres-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The server shared by all tests of this JVM, started on first use and stopped when the JVM
     * exits. {@link #close()} on it does nothing.
     */
    public static synchronized PostgresServer shared() {
        if (shared == null || !shared.isRunning()) {
            shared = launch(true);
        }
        return shared;
    }

    /** Starts a new server that the caller owns and must {@link #close()}. */
    public static PostgresServer start() {
        return launch(false);
    }

    /** The port the server listens on (on {@link #HOST}). */
    public int port() {
        return port;
    }

    /** The superuser's name. */
    public String username() {
        return SUPERUSER;
    }

    /** The superuser's generated password. */
    public String password() {
        return password;
    }

    /** The server's directory (data, socket, logs); deleted when the server stops. */
    public Path directory() {
        return directory;
    }

    /** The JDBC URL of {@code database} on this server (which need not exist yet). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + checkName(database);
    }

    /**
     * Creates an empty database owned by the superuser.
     *
     * @param name lower-case letters, digits and {@code _}, at most 63, not starting with a digit
     * @return its JDBC URL
     * @throws IllegalStateException if the server refused (e.g. the database exists)
     */
    public synchronized String createDatabase(String name) {
        checkName(name);
        if (stopped) {
            throw new IllegalStateException("the PostgreSQL server has been stopped");
        }
        List<String> command =
                List.of(
                        binDir.resolve("psql").toString(),
                        "--no-psqlrc",
                        "--quiet",
                        "-h",
                        HOST,
                        "-p",
                        Integer.toString(port),
                        "-U",
                        SUPERUSER,
                        "-d",
                        "postgres",
                        "-v",
                        "ON_ERROR_STOP=1",
                        "-c",
                        "CREATE DATABASE " + name);
        run("psql", command, directory, Map.of("PGPASSWORD", password, "PGCONNECT_TIMEOUT", "10"));
        return jdbcUrl(name);
    }

    /** True until the server is stopped or dies. */
    public boolean isRunning() {
        return process.isAlive();
    }

    /** The postmaster's process id. */
    public long pid() {
        return process.pid();
    }

    /**
     * Stops the server now (fast shutdown, by process id) and deletes its directory.
     *
     * @throws IllegalStateException on the {@linkplain #shared() shared} server
     */
    public void stop() {
        if (sharedInstance) {
            throw new IllegalStateException(
                    "the shared PostgreSQL server is stopped when the JVM exits; start() your own");
        }
        stopNow();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    /**
     * Stops a server from {@link #start()}; does nothing on the {@linkplain #shared() shared} one.
     */
    @Override
    public void close() {
        if (!sharedInstance) {
            stop();
        }
    }

    @Override
    public String toString() {
        return "PostgresServer[" + HOST + ":" + port + ", " + directory + "]";
    }

    private static PostgresServer launch(boolean sharedInstance) {
        Path postgres = findPostgres();
        Path binDir = realParent(postgres);
        boolean root = isRoot();
        Path directory = createDirectory(root);
        try {
            String password = newPassword();
            Path pwfile = directory.resolve("pwfile");
            Files.writeString(pwfile, password + "\n");
            Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
            if (root) {
                giveToSystemUser(directory);
            }
            run(
                    "initdb",
                    asServerUser(
                            root,
                            List.of(
                                    binDir.resolve("initdb").toString(),
                                    "-D",
                                    directory.resolve("data").toString(),
                                    "-U",
                                    SUPERUSER,
                                    "--pwfile=" + pwfile,
                                    "--auth=scram-sha-256",
                                    "--encoding=UTF8",
                                    "--locale=C",
                                    "--no-sync")),
                    directory,
                    Map.of());
            Files.delete(pwfile);
            int port = FreePorts.next();
            ManagedProcess process =
                    ManagedProcess.start(
                            "postgres",
                            asServerUser(
                                    root,
                                    List.of(
                                            postgres.toString(),
                                            "-D",
                                            directory.resolve("data").toString(),
                                            "-k",
                                            directory.toString(),
                                            "-p",
                                            Integer.toString(port),
                                            "-c",
                                            "listen_addresses=" + HOST,
                                            "-c",
                                            "lc_messages=C",
                                            "-c",
                                            "fsync=off",
                                            "-c",
                                            "full_page_writes=off",
                                            "-c",
                                            "max_connections=100")),
                            directory,
                            localeEnv());
            PostgresServer server =
                    new PostgresServer(binDir, directory, port, password, sharedInstance, process);
            try {
                process.awaitReady(START_TIMEOUT, server::acceptsConnections);
            } catch (RuntimeException e) {
                server.stopNow();
                throw e;
            }
            LOG.info(
                    "PostgreSQL ({}) started on {}:{} in {}{}",
                    binDir,
                    HOST,
                    port,
                    directory,
                    sharedInstance ? " (shared)" : "");
            return server;
        } catch (IOException e) {
            deleteRecursively(directory);
            throw new UncheckedIOException("could not prepare PostgreSQL in " + directory, e);
        } catch (RuntimeException e) {
            deleteRecursively(directory);
            throw e;
        }
    }

    private static Path findPostgres() {
        List<String> candidates = new ArrayList<>();
        Path versions = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(versions)) {
            try (Stream<Path> dirs = Files.list(versions)) {
                dirs.filter(d -> d.getFileName().toString().matches("[0-9]+(\\.[0-9]+)?"))
                        .sorted(
                                Comparator.comparingDouble(
                                                (Path d) ->
                                                        Double.parseDouble(
                                                                d.getFileName().toString()))
                                        .reversed())
                        .map(d -> d.resolve("bin/postgres").toString())
                        .forEach(candidates::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + versions, e);
            }
        }
        return ExternalTools.require("postgres", "postgresql", candidates.toArray(String[]::new));
    }

    private static Path realParent(Path executable) {
        try {
            return executable.toRealPath().getParent();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + executable, e);
        }
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /**
     * A new directory; under /tmp when running as root, so that the {@code postgres} user can reach
     * it whatever {@code java.io.tmpdir} is.
     */
    private static Path createDirectory(boolean root) {
        try {
            Path base =
                    root ? Path.of("/tmp") : Path.of(System.getProperty("java.io.tmpdir", "/tmp"));
            return Files.createTempDirectory(base, "bastion-pg-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for PostgreSQL", e);
        }
    }

    private static void giveToSystemUser(Path directory) throws IOException {
        UserPrincipalLookupService lookup =
                directory.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user;
        GroupPrincipal group;
        try {
            user = lookup.lookupPrincipalByName(SYSTEM_USER);
            group = lookup.lookupPrincipalByGroupName(SYSTEM_USER);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "running as root, but there is no '"
                            + SYSTEM_USER
                            + "' user to run PostgreSQL as (Debian's postgresql package creates"
                            + " it)",
                    e);
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                PosixFileAttributeView view =
                        Files.getFileAttributeView(p, PosixFileAttributeView.class);
                view.setOwner(user);
                view.setGroup(group);
            }
        }
    }

    private static List<String> asServerUser(boolean root, List<String> command) {
        if (!root) {
            return command;
        }
        Path setpriv = ExternalTools.require("setpriv", "util-linux");
        List<String> wrapped = new ArrayList<>();
        wrapped.add(setpriv.toString());
        wrapped.add("--reuid=" + SYSTEM_USER);
        wrapped.add("--regid=" + SYSTEM_USER);
        wrapped.add("--init-groups");
        wrapped.addAll(command);
        return wrapped;
    }

    private static String newPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static Map<String, String> localeEnv() {
        return Map.of("LC_ALL", "C", "LANG", "C", "TZ", "UTC");
    }

    /** Runs a short-lived tool to its end; output goes to {@code <directory>/<name>.log}. */
    private static void run(
            String name, List<String> command, Path directory, Map<String, String> env) {
        Path log = directory.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.directory(directory.toFile());
        pb.environment().putAll(localeEnv());
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            Process p = pb.start();
            if (!p.waitFor(TOOL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(name + " did not finish in " + TOOL_TIMEOUT);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(
                        name + " failed with exit code " + p.exitValue() + ":\n" + tail(log));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + name, e);
        }
    }

    private boolean acceptsConnections() {
        if (!tail(process.log()).contains("ready to accept connections")) {
            return false;
        }
        Optional<Path> pgIsReady =
                ExternalTools.find("pg_isready", binDir.resolve("pg_isready").toString());
        if (pgIsReady.isEmpty()) {
            return true;
        }
        ProcessBuilder pb =
                new ProcessBuilder(
                        pgIsReady.get().toString(),
                        "-q",
                        "-h",
                        HOST,
                        "-p",
                        Integer.toString(port),
                        "-t",
                        "2");
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        try {
            Process p = pb.start();
            return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private synchronized void stopNow() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (process.isAlive()) {
            signal("INT", process.pid());
            try {
                process.process().waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        process.close(); // SIGTERM, then SIGKILL, if it is still running
        deleteRecursively(directory);
        LOG.info("PostgreSQL on {}:{} stopped", HOST, port);
    }

    private static void signal(String signal, long pid) {
        Optional<Path> kill = ExternalTools.find("kill");
        if (kill.isEmpty()) {
            return;
        }
        try {
            Process p =
                    new ProcessBuilder(kill.get().toString(), "-s", signal, Long.toString(pid))
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            LOG.warn("could not send SIG{} to {}: {}", signal, pid, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String checkName(String database) {
        if (database == null || !DATABASE_NAME.matcher(database).matches()) {
            throw new IllegalArgumentException(
                    "database name must be lower-case letters, digits and _, at most 63: "
                            + database);
        }
        return database;
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete {}: {}", directory, e.toString());
        }
    }
}
