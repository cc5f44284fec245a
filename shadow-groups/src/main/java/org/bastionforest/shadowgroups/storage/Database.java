package org.bastionforest.shadowgroups.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's relational database: a connection pool (HikariCP) whose schema has been migrated
 * (Flyway) to the version this code expects, and typed helpers to use it without an ORM.
 *
 * <pre>{@code
 * try (Database db = Database.open(DatabaseOptions.embedded(dataDir))) {
 *     int grants = db.inTransaction(c -> {
 *         try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM grants");
 *                 ResultSet rs = ps.executeQuery()) {
 *             rs.next();
 *             return rs.getInt(1);
 *         }
 *     });
 *     Health health = db.check(Duration.ofSeconds(2));
 * }
 * }</pre>
 *
 * <p><b>Migrations</b> run when the database is opened, from {@code db/migration/common} and the
 * vendor's folder ({@code db/migration/hsqldb} or {@code db/migration/postgresql}); see the README
 * there. Nodes sharing a PostgreSQL database may open it at the same time: Flyway takes a lock.
 *
 * <p><b>Embedded HSQLDB</b> is opened in this process, by one process at a time (HSQLDB's lock
 * file). Every time it is opened the database is set to write and sync its log at each commit
 * ({@code SET FILES WRITE DELAY FALSE}, so an acknowledged commit survives {@code kill -9}), to
 * multi-version concurrency control ({@code SET DATABASE TRANSACTION CONTROL MVCC}) and to create
 * disk-based ({@code CACHED}) tables; {@link #close()} runs {@code SHUTDOWN}, which checkpoints,
 * closes the files and releases the lock. After a crash the lock is released only when its
 * heartbeat is older than about 10 s, so opening right after a crash waits that long. Open each
 * database through one {@code Database} at a time in a process.
 *
 * <p><b>Errors</b>: every {@link SQLException} and every pool or migration failure is translated
 * into a {@link StorageException} in one place; its message names the operation and the SQLState
 * and never holds a password.
 *
 * <p>Thread-safe: share one instance. Mutable only in that it can be closed.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** SQLState of a unique or primary key violation (both vendors). */
    private static final String UNIQUE_VIOLATION = "23505";

    /** HSQLDB's error code when another process holds the database's lock file. */
    private static final int HSQLDB_LOCK_HELD = 451;

    private static final String POOL_NAME = "bastion-db";

    private final DatabaseOptions options;
    private final Vendor vendor;
    private final HikariDataSource pool;
    private final Flyway flyway;
    private final Connection hsqldbAnchor;
    private final ExecutorService probes;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Per thread, the actions to run when each of its open transactions ends (innermost first). */
    private final ThreadLocal<Deque<List<Runnable>>> afterTransaction =
            ThreadLocal.withInitial(ArrayDeque::new);

    private Database(
            DatabaseOptions options, HikariDataSource pool, Flyway flyway, Connection anchor) {
        this.options = options;
        this.vendor = options.vendor();
        this.pool = pool;
        this.flyway = flyway;
        this.hsqldbAnchor = anchor;
        this.probes =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t = new Thread(r, POOL_NAME + "-health");
                            t.setDaemon(true);
                            return t;
                        });
    }

    /**
     * Opens the database: for HSQLDB applies the durability settings, then starts the pool and
     * migrates the schema to the latest version.
     *
     * @throws StorageException if the database cannot be reached, refuses the credentials, is
     *     locked by another process (HSQLDB) or a migration fails; nothing is left open then
     */
    public static Database open(DatabaseOptions options) throws StorageException {
        Objects.requireNonNull(options, "options");
        Vendor vendor = options.vendor();
        Connection anchor = vendor == Vendor.HSQLDB ? openHsqldb(options) : null;
        HikariDataSource pool = null;
        try {
            pool = startPool(options);
            Flyway flyway =
                    Flyway.configure(Database.class.getClassLoader())
                            .loggers("slf4j")
                            .dataSource(pool)
                            .locations("classpath:db/migration/common", vendor.migrationLocation())
                            .failOnMissingLocations(true)
                            .validateMigrationNaming(true)
                            .cleanDisabled(true)
                            // a schema newer than this build (or with migrations this build does
                            // not know) stops the start instead of being used blindly
                            .ignoreMigrationPatterns(new String[0])
                            .validateOnMigrate(true)
                            .load();
            MigrateResult result = flyway.migrate();
            LOG.info(
                    "storage.opened: {} database {}, schema version {} ({} migrations applied"
                            + " now)",
                    vendor,
                    options.jdbcUrl(),
                    result.targetSchemaVersion != null
                            ? result.targetSchemaVersion
                            : result.initialSchemaVersion,
                    result.migrationsExecuted);
            return new Database(options, pool, flyway, anchor);
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            shutdownHsqldb(anchor);
            throw translate(
                    pool == null ? "opening the connection pool" : "migrating the schema", e);
        }
    }

    /** The vendor of this database. */
    public Vendor vendor() {
        return vendor;
    }

    /**
     * The connection pool, for libraries that need a {@link DataSource} (Quartz's job store).
     * Prefer {@link #inTransaction}; a connection taken here must be closed by the taker.
     */
    public DataSource dataSource() {
        return pool;
    }

    /** The options this database was opened with. */
    public DatabaseOptions options() {
        return options;
    }

    /**
     * The version of the latest migration applied to the database, e.g. {@code "1"}.
     *
     * @throws StorageException if the database failed
     */
    public String schemaVersion() throws StorageException {
        try {
            MigrationInfo current = flyway.info().current();
            return current == null ? "0" : current.getVersion().getVersion();
        } catch (FlywayException e) {
            throw translate("reading the schema version", e);
        }
    }

    /**
     * Runs {@code work} in one transaction on one pooled connection: commits when it returns, rolls
     * back when it throws anything. The isolation level is READ COMMITTED (both vendors' default;
     * HSQLDB with MVCC): lock rows with {@code SELECT ... FOR UPDATE} where a decision depends on
     * them.
     *
     * <p>A {@link StorageException} thrown while committing means the outcome is unknown when the
     * connection was lost (the server may have committed); otherwise nothing was written.
     *
     * @return what {@code work} returned
     * @throws StorageException if the database failed ({@link SQLException} from the work, no
     *     connection in time, the database is closed, the commit failed)
     * @throws X the work's own checked exception, unchanged
     */
    public <T, X extends Exception> T inTransaction(SqlWork<T, X> work) throws StorageException, X {
        Objects.requireNonNull(work, "work");
        Deque<List<Runnable>> ending = afterTransaction.get();
        List<Runnable> actions = new ArrayList<>(0);
        ending.push(actions);
        try {
            return transaction(work);
        } finally {
            ending.pop();
            for (Runnable action : actions) {
                try {
                    action.run();
                } catch (RuntimeException e) {
                    LOG.warn("storage.after-transaction-failed: {}", e.getClass().getSimpleName());
                }
            }
        }
    }

    /**
     * Runs {@code action} once the transaction of this database that runs on this thread has ended
     * — after its commit or its roll-back, whichever happens — on this thread. For in-memory state
     * that must not change before the database does (a cache invalidated after commit).
     *
     * @throws IllegalStateException if no transaction of this database runs on this thread
     */
    public void afterTransaction(Runnable action) {
        Objects.requireNonNull(action, "action");
        List<Runnable> actions = afterTransaction.get().peek();
        if (actions == null) {
            throw new IllegalStateException("no transaction of this database on this thread");
        }
        actions.add(action);
    }

    private <T, X extends Exception> T transaction(SqlWork<T, X> work) throws StorageException, X {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (Throwable failure) {
                rollback(c, failure);
                throw failure;
            } finally {
                restoreAutoCommit(c);
            }
        } catch (SQLException e) {
            throw translate("running a transaction", e);
        }
    }

    /**
     * Probes the database: takes a connection and checks that it answers, within {@code timeout}.
     * Never throws.
     *
     * @param timeout how long to wait at most (the pool's own connection timeout also applies)
     * @return up, or down with a short, non-secret detail
     */
    public Health check(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (closed.get() || pool.isClosed()) {
            return Health.down("database is closed");
        }
        Future<Health> probe;
        try {
            probe = probes.submit(() -> probe(timeout));
        } catch (RejectedExecutionException e) {
            return Health.down("database is closed");
        }
        try {
            return probe.get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            probe.cancel(true);
            return Health.down("no answer within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            return Health.down("probe failed (" + e.getCause().getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            probe.cancel(true);
            return Health.down("probe interrupted");
        }
    }

    private Health probe(Duration timeout) {
        if (pool.isClosed()) {
            return Health.down("database is closed");
        }
        int seconds = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toSeconds()));
        try (Connection c = pool.getConnection()) {
            if (!c.isValid(seconds)) {
                return Health.down("connection did not answer");
            }
            return Health.up(vendor + " answers");
        } catch (SQLException e) {
            return Health.down(
                    pool.isClosed() ? "database is closed" : "no connection (" + describe(e) + ")");
        }
    }

    /**
     * True when {@code e} was caused by a unique or primary key violation (SQLState 23505): the row
     * exists already. Stores use it to report a {@link
     * org.bastionforest.shadowgroups.errors.ConflictException} instead.
     */
    public static boolean isUniqueViolation(StorageException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException
                    && UNIQUE_VIOLATION.equals(((SQLException) t).getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Closes the pool (connections in use are closed too) and, for HSQLDB, shuts the database down
     * cleanly. Idempotent; never throws.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        probes.shutdownNow();
        pool.close();
        shutdownHsqldb(hsqldbAnchor);
        LOG.info("storage.closed: {} database {}", vendor, options.jdbcUrl());
    }

    /**
     * The one adapter from third-party exceptions (JDBC, HikariCP, Flyway) to {@link
     * StorageException}. The message names the operation and the SQLState, never a password; the
     * original is the cause.
     */
    static StorageException translate(String operation, Exception e) {
        return new StorageException(
                "database failed while " + operation + " (" + describe(e) + ")", e);
    }

    /** A short, non-secret description: the first SQLState in the cause chain, or a class name. */
    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
                return "SQLState " + ((SQLException) t).getSQLState();
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName();
    }

    private static HikariDataSource startPool(DatabaseOptions options) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(POOL_NAME);
        config.setJdbcUrl(options.jdbcUrl());
        config.setUsername(options.username());
        config.setPassword(options.password());
        config.setMaximumPoolSize(options.maxPoolSize());
        config.setMinimumIdle(Math.min(2, options.maxPoolSize()));
        config.setConnectionTimeout(options.connectionTimeout().toMillis());
        config.setValidationTimeout(
                Math.min(options.connectionTimeout().toMillis(), Duration.ofSeconds(5).toMillis()));
        config.setAutoCommit(true);
        // fail at open when the database cannot be reached, rather than at first use
        config.setInitializationFailTimeout(1);
        return new HikariDataSource(config);
    }

    /**
     * Opens the in-process HSQLDB database with one connection that stays open while the pool is in
     * use (the pool then only attaches to it), applies the durability settings, and waits once more
     * if the lock file is held (after a crash, until its heartbeat is stale).
     */
    private static Connection openHsqldb(DatabaseOptions options) throws StorageException {
        Connection anchor = null;
        for (int attempt = 1; anchor == null; attempt++) {
            try {
                anchor =
                        DriverManager.getConnection(
                                options.jdbcUrl(), options.username(), options.password());
            } catch (SQLException e) {
                if (!isHsqldbLockHeld(e)) {
                    throw translate("opening the HSQLDB database", e);
                }
                if (attempt >= 2) {
                    throw new StorageException(
                            "the HSQLDB database "
                                    + options.jdbcUrl()
                                    + " is locked by another process (one process per database;"
                                    + " use PostgreSQL for several nodes)",
                            e);
                }
                LOG.warn(
                        "storage.locked: the HSQLDB database is locked, maybe by a process that"
                                + " ended without closing it; waiting for the lock to expire");
            }
        }
        try {
            applyHsqldbSettings(anchor, options.isHsqldbFile());
            return anchor;
        } catch (SQLException e) {
            shutdownHsqldb(anchor);
            throw translate("configuring the HSQLDB database", e);
        }
    }

    private static void applyHsqldbSettings(Connection c, boolean files) throws SQLException {
        try (Statement s = c.createStatement()) {
            if (files) {
                s.execute("SET FILES WRITE DELAY FALSE");
            }
            s.execute("SET DATABASE TRANSACTION CONTROL MVCC");
            s.execute("SET DATABASE DEFAULT TABLE TYPE CACHED");
        }
        Map<String, String> applied = hsqldbProperties(c);
        boolean writeDelayOff = !files || "false".equals(applied.get("hsqldb.write_delay"));
        if (!writeDelayOff || !"MVCC".equalsIgnoreCase(applied.get("hsqldb.tx"))) {
            throw new SQLException("HSQLDB did not accept the durability settings: " + applied);
        }
        LOG.debug("HSQLDB settings: {}", applied);
    }

    private static Map<String, String> hsqldbProperties(Connection c) throws SQLException {
        Map<String, String> properties = new LinkedHashMap<>();
        try (PreparedStatement ps =
                        c.prepareStatement(
                                "SELECT property_name, property_value"
                                        + " FROM information_schema.system_properties"
                                        + " WHERE property_name IN"
                                        + " ('hsqldb.write_delay', 'hsqldb.tx', 'hsqldb.lock_file')");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                properties.put(rs.getString(1), rs.getString(2));
            }
        }
        return properties;
    }

    private static boolean isHsqldbLockHeld(SQLException e) {
        return Math.abs(e.getErrorCode()) == HSQLDB_LOCK_HELD;
    }

    private static void shutdownHsqldb(Connection anchor) {
        if (anchor == null) {
            return;
        }
        try (anchor;
                Statement s = anchor.createStatement()) {
            s.execute("SHUTDOWN");
        } catch (SQLException e) {
            LOG.warn(
                    "storage.shutdown-failed: HSQLDB did not shut down cleanly ({}); it recovers"
                            + " from its log at the next open",
                    describe(e));
        }
    }

    private static void rollback(Connection c, Throwable failure) {
        try {
            c.rollback();
        } catch (SQLException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException e) {
            // the pool resets and, if broken, evicts the connection when it is closed
            LOG.debug("could not restore auto-commit ({})", describe(e));
        }
    }
}
