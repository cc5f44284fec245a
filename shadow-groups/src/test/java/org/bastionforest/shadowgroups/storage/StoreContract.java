package org.bastionforest.shadowgroups.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every database the service supports must do. Each subclass provides fresh, empty databases
 * of one vendor; each test gets its own, opened in {@link #openNewDatabase()}.
 */
abstract class StoreContract {
    /** The latest migration's version: bump it with every new migration. */
    static final String EXPECTED_SCHEMA_VERSION = "10";

    /**
     * How many migrations a new database runs: V1 to V10 (common) and V4_1 (vendor: Quartz's
     * tables).
     */
    static final int EXPECTED_MIGRATIONS = 11;

    static final String WRONG_PASSWORD = "wrong-password-Zq81x";

    protected DatabaseOptions options;
    protected Database db;

    /** Options for a new, empty database with a non-empty password; a new one on every call. */
    protected abstract DatabaseOptions newDatabaseOptions();

    protected abstract Vendor expectedVendor();

    @BeforeEach
    void openNewDatabase() throws StorageException {
        options = newDatabaseOptions();
        assertThat(options.password()).isNotEmpty();
        db = Database.open(options);
        db.inTransaction(
                c -> {
                    try (Statement s = c.createStatement()) {
                        s.execute(
                                "CREATE TABLE contract_rows (id INTEGER NOT NULL,"
                                        + " label VARCHAR(100) NOT NULL,"
                                        + " CONSTRAINT contract_rows_pk PRIMARY KEY (id))");
                        s.execute(
                                "CREATE TABLE contract_counter (id INTEGER NOT NULL,"
                                        + " n INTEGER NOT NULL,"
                                        + " CONSTRAINT contract_counter_pk PRIMARY KEY (id))");
                        s.execute("INSERT INTO contract_counter (id, n) VALUES (1, 0)");
                    }
                    return null;
                });
    }

    @AfterEach
    void closeDatabase() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void open_whenDatabaseIsNew_thenMigrationsAreAppliedAndSchemaVersionIsReported()
            throws Exception {
        assertThat(db.vendor()).isEqualTo(expectedVendor());
        assertThat(db.schemaVersion()).isEqualTo(EXPECTED_SCHEMA_VERSION);
        assertThat(count("installation")).isZero();
        assertThat(successfulMigrations()).isEqualTo(EXPECTED_MIGRATIONS);
    }

    @Test
    void afterTransaction_runsOnceTheCommitIsVisible_afterARollbackToo_andOnlyInsideOne()
            throws Exception {
        List<Integer> seen = new ArrayList<>();
        db.inTransaction(
                c -> {
                    insert(c, 1, "one");
                    db.afterTransaction(
                            () -> {
                                try {
                                    seen.add(count("contract_rows"));
                                } catch (StorageException e) {
                                    throw new IllegalStateException(e);
                                }
                            });
                    return null;
                });
        assertThat(seen).as("another transaction saw the row: committed first").containsExactly(1);

        List<String> ran = new ArrayList<>();
        assertThatThrownBy(
                        () ->
                                db.inTransaction(
                                        c -> {
                                            insert(c, 2, "two");
                                            db.afterTransaction(() -> ran.add("after"));
                                            throw new SQLException("boom");
                                        }))
                .isInstanceOf(StorageException.class);
        assertThat(ran).containsExactly("after");
        assertThat(count("contract_rows")).isEqualTo(1);

        assertThatThrownBy(() -> db.afterTransaction(() -> ran.add("never")))
                .isInstanceOf(IllegalStateException.class);
        // an action that throws does not undo the commit nor stop the others
        db.inTransaction(
                c -> {
                    db.afterTransaction(
                            () -> {
                                throw new IllegalStateException("action failed");
                            });
                    db.afterTransaction(() -> ran.add("second"));
                    return null;
                });
        assertThat(ran).containsExactly("after", "second");
    }

    @Test
    void open_whenDatabaseIsNew_thenQuartzJobStoreTablesExistAndAreEmpty() throws Exception {
        for (String table :
                List.of(
                        "qrtz_job_details",
                        "qrtz_triggers",
                        "qrtz_simple_triggers",
                        "qrtz_cron_triggers",
                        "qrtz_simprop_triggers",
                        "qrtz_blob_triggers",
                        "qrtz_calendars",
                        "qrtz_paused_trigger_grps",
                        "qrtz_fired_triggers",
                        "qrtz_scheduler_state",
                        "qrtz_locks")) {
            assertThat(count(table)).as(table).isZero();
        }
    }

    @Test
    void open_whenReopened_thenNoMigrationRunsTwiceAndDataIsKept() throws Exception {
        Installation first = new InstallationStore(db, Clock.systemUTC()).installation();
        insertRow(7, "kept");
        int historyRows = count("\"flyway_schema_history\"");
        db.close();

        db = Database.open(options);

        assertThat(new InstallationStore(db, Clock.systemUTC()).installation()).isEqualTo(first);
        assertThat(label(7)).isEqualTo("kept");
        assertThat(count("\"flyway_schema_history\"")).isEqualTo(historyRows);
        assertThat(db.schemaVersion()).isEqualTo(EXPECTED_SCHEMA_VERSION);
    }

    @Test
    void open_whenSchemaIsNewerThanThisBuild_thenRefusedAndNothingChanged() throws Exception {
        db.inTransaction(
                c -> {
                    try (var st =
                            c.prepareStatement(
                                    "INSERT INTO \"flyway_schema_history\" (\"installed_rank\","
                                            + " \"version\", \"description\", \"type\","
                                            + " \"script\", \"checksum\", \"installed_by\","
                                            + " \"execution_time\", \"success\") VALUES (999,"
                                            + " '999', 'from a newer build', 'SQL',"
                                            + " 'V999__future.sql', 1, 'test', 1, TRUE)")) {
                        return st.executeUpdate();
                    }
                });
        int historyRows = count("\"flyway_schema_history\"");
        db.close();
        db = null;

        assertThatThrownBy(() -> Database.open(options))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("migrating the schema");

        // nothing was migrated; once the future migration is gone the database opens again
        try (var c =
                        java.sql.DriverManager.getConnection(
                                options.jdbcUrl(), options.username(), options.password());
                var st = c.createStatement()) {
            try (var rs = st.executeQuery("SELECT COUNT(*) FROM \"flyway_schema_history\"")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(historyRows);
            }
            st.executeUpdate(
                    "DELETE FROM \"flyway_schema_history\" WHERE \"installed_rank\" = 999");
            if (expectedVendor() == Vendor.HSQLDB) {
                st.execute("SHUTDOWN");
            }
        }
        db = Database.open(options);
        assertThat(db.schemaVersion()).isEqualTo(EXPECTED_SCHEMA_VERSION);
    }

    @Test
    void installation_whenAskedRepeatedly_thenSameIdAndCreationTimeFromTheClock() throws Exception {
        Instant now = Instant.parse("2026-03-01T10:15:30.123456Z");
        Clock clock = Clock.fixed(now, ZoneOffset.ofHours(5));

        Installation created = new InstallationStore(db, clock).installation();
        Installation again =
                new InstallationStore(db, Clock.offset(clock, Duration.ofDays(1))).installation();

        assertThat(created.createdAt()).isEqualTo(now);
        assertThat(again).isEqualTo(created);
        assertThat(count("installation")).isEqualTo(1);
    }

    @Test
    void installation_whenManyThreadsAskFirst_thenAllGetTheSameOne() throws Exception {
        List<Installation> seen =
                runConcurrently(
                        4, i -> new InstallationStore(db, Clock.systemUTC()).installation());

        assertThat(new HashSet<>(seen)).hasSize(1);
        assertThat(count("installation")).isEqualTo(1);
    }

    @Test
    void inTransaction_whenWorkReturns_thenCommittedAndVisibleToOtherConnections()
            throws Exception {
        String result =
                db.inTransaction(
                        c -> {
                            insert(c, 1, "one");
                            insert(c, 2, "two");
                            return "done";
                        });

        assertThat(result).isEqualTo("done");
        try (Connection other = db.dataSource().getConnection()) {
            assertThat(countOn(other, "contract_rows")).isEqualTo(2);
        }
    }

    @Test
    void inTransaction_whenWorkThrowsUncheckedException_thenItPropagatesAndNothingIsLeft()
            throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");

        assertThatThrownBy(
                        () ->
                                db.inTransaction(
                                        c -> {
                                            insert(c, 1, "one");
                                            insert(c, 2, "two");
                                            throw boom;
                                        }))
                .isSameAs(boom);

        assertThat(count("contract_rows")).isZero();
    }

    @Test
    void inTransaction_whenWorkThrowsItsOwnCheckedException_thenItPropagatesUnwrapped()
            throws Exception {
        assertThatThrownBy(
                        () ->
                                db.inTransaction(
                                        c -> {
                                            insert(c, 1, "one");
                                            throw new ConflictException("request is not pending");
                                        }))
                .isInstanceOf(ConflictException.class)
                .hasMessage("request is not pending");

        assertThat(count("contract_rows")).isZero();
    }

    @Test
    void inTransaction_whenAStatementFails_thenStorageExceptionAndEarlierStatementsRolledBack()
            throws Exception {
        assertThatThrownBy(
                        () ->
                                db.inTransaction(
                                        c -> {
                                            insert(c, 1, "one");
                                            insert(c, 2, "two");
                                            insert(c, 1, "duplicate");
                                            return null;
                                        }))
                .isInstanceOfSatisfying(
                        StorageException.class,
                        e -> {
                            assertThat(e.errorId()).isEqualTo("storage-failure");
                            assertThat(e).hasCauseInstanceOf(SQLException.class);
                            assertThat(e.getMessage()).contains("SQLState 23505");
                            assertThat(Database.isUniqueViolation(e)).isTrue();
                        });

        assertThat(count("contract_rows")).isZero();
    }

    @Test
    void inTransaction_whenSqlIsInvalid_thenStorageExceptionThatIsNoUniqueViolation() {
        assertThatThrownBy(
                        () ->
                                db.inTransaction(
                                        c -> {
                                            try (Statement s = c.createStatement()) {
                                                return s.executeUpdate("DELETE FROM no_such_table");
                                            }
                                        }))
                .isInstanceOfSatisfying(
                        StorageException.class,
                        e -> assertThat(Database.isUniqueViolation(e)).isFalse());
    }

    @Test
    void inTransaction_whenManyThreadsWriteAtOnce_thenEveryCommitIsKept() throws Exception {
        int threads = 4;
        int perThread = 25;

        runConcurrently(
                threads,
                t -> {
                    for (int i = 0; i < perThread; i++) {
                        int id = t * 1000 + i;
                        db.inTransaction(
                                c -> {
                                    insert(c, id, "thread " + t);
                                    try (Statement s = c.createStatement()) {
                                        s.executeUpdate(
                                                "UPDATE contract_counter SET n = n + 1 WHERE id = 1");
                                    }
                                    return null;
                                });
                    }
                    return null;
                });

        assertThat(count("contract_rows")).isEqualTo(threads * perThread);
        assertThat(counter()).isEqualTo(threads * perThread);
    }

    @Test
    void inTransaction_whenDatabaseIsClosed_thenStorageException() {
        db.close();

        assertThatThrownBy(() -> db.inTransaction(c -> null)).isInstanceOf(StorageException.class);
    }

    @Test
    void check_whenOpen_thenUp() {
        Health health = db.check(Duration.ofSeconds(5));

        assertThat(health.status()).isEqualTo(Health.Status.UP);
        assertThat(health.isUp()).isTrue();
        assertThat(health.detail()).contains(expectedVendor().name());
    }

    @Test
    void check_whenDatabaseIsClosed_thenDownWithANonSecretDetail() {
        db.close();

        Health health = db.check(Duration.ofSeconds(2));

        assertThat(health.status()).isEqualTo(Health.Status.DOWN);
        assertThat(health.detail()).isNotBlank().doesNotContain(options.password());
    }

    @Test
    void close_whenCalledTwice_thenSecondCallDoesNothing() {
        db.close();
        db.close();

        assertThat(db.check(Duration.ofSeconds(1)).isUp()).isFalse();
    }

    @Test
    void open_whenPasswordIsWrong_thenStorageExceptionWithoutSecrets() throws Exception {
        db.close();
        DatabaseOptions wrong =
                new DatabaseOptions(
                        options.jdbcUrl(),
                        options.username(),
                        WRONG_PASSWORD,
                        options.maxPoolSize(),
                        options.connectionTimeout());

        assertThatThrownBy(() -> Database.open(wrong))
                .isInstanceOfSatisfying(
                        StorageException.class,
                        e ->
                                assertThat(messages(e))
                                        .doesNotContain(WRONG_PASSWORD, options.password()));
    }

    @Test
    void open_whenEverythingIsLogged_thenNoPasswordAppearsInTheLog() throws Exception {
        db.close();
        DatabaseOptions wrong =
                new DatabaseOptions(
                        options.jdbcUrl(),
                        options.username(),
                        WRONG_PASSWORD,
                        options.maxPoolSize(),
                        options.connectionTimeout());
        String log;
        try (LogCapture capture = LogCapture.everything()) {
            try (Database again = Database.open(options)) {
                again.check(Duration.ofSeconds(2));
                again.inTransaction(c -> countOn(c, "contract_rows"));
            }
            assertThatThrownBy(() -> Database.open(wrong)).isInstanceOf(StorageException.class);
            log = capture.text();
        }
        releaseAfterFailedLogin();

        assertThat(log)
                .contains("storage.opened")
                .doesNotContain(options.password(), WRONG_PASSWORD);
    }

    @Test
    void toString_whenOptionsHaveAPassword_thenItIsHidden() {
        assertThat(options.toString()).doesNotContain(options.password()).contains("password=***");
        assertThat(db.options()).isEqualTo(options);
    }

    // helpers

    /**
     * An in-process HSQLDB database stays open after a refused login (nobody may shut it down
     * without logging in): open and close it properly so that its files are released.
     */
    private void releaseAfterFailedLogin() throws StorageException {
        Database.open(options).close();
    }

    /** Runs {@code task(0..n-1)} on n threads released at the same moment; returns the results. */
    protected static <T> List<T> runConcurrently(int n, ThreadTask<T> task) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(n);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int index = i;
                Callable<T> call =
                        () -> {
                            go.await();
                            return task.run(index);
                        };
                futures.add(threads.submit(call));
            }
            go.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }

    /** One thread's share of {@link #runConcurrently}. */
    @FunctionalInterface
    protected interface ThreadTask<T> {
        T run(int index) throws Exception;
    }

    protected int count(String table) throws StorageException {
        return db.inTransaction(c -> countOn(c, table));
    }

    private static int countOn(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private int successfulMigrations() throws StorageException {
        return db.inTransaction(
                c -> {
                    try (Statement s = c.createStatement();
                            ResultSet rs =
                                    s.executeQuery(
                                            "SELECT COUNT(*) FROM \"flyway_schema_history\""
                                                    + " WHERE \"version\" IS NOT NULL")) {
                        rs.next();
                        return rs.getInt(1);
                    }
                });
    }

    private int counter() throws StorageException {
        return db.inTransaction(
                c -> {
                    try (Statement s = c.createStatement();
                            ResultSet rs =
                                    s.executeQuery("SELECT n FROM contract_counter WHERE id = 1")) {
                        rs.next();
                        return rs.getInt(1);
                    }
                });
    }

    private void insertRow(int id, String label) throws StorageException {
        db.inTransaction(
                c -> {
                    insert(c, id, label);
                    return null;
                });
    }

    private String label(int id) throws StorageException {
        return db.inTransaction(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement("SELECT label FROM contract_rows WHERE id = ?")) {
                        ps.setInt(1, id);
                        try (ResultSet rs = ps.executeQuery()) {
                            return rs.next() ? rs.getString(1) : null;
                        }
                    }
                });
    }

    protected static void insert(Connection c, int id, String label) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO contract_rows (id, label) VALUES (?, ?)")) {
            ps.setInt(1, id);
            ps.setString(2, label);
            ps.executeUpdate();
        }
    }

    /** The messages of {@code e} and all its causes and suppressed exceptions, joined. */
    protected static String messages(Throwable e) {
        StringBuilder all = new StringBuilder();
        Set<Throwable> seen = new HashSet<>();
        collect(e, all, seen);
        return all.toString();
    }

    private static void collect(Throwable t, StringBuilder all, Set<Throwable> seen) {
        if (t == null || !seen.add(t)) {
            return;
        }
        all.append(t).append('\n');
        for (Throwable s : t.getSuppressed()) {
            collect(s, all, seen);
        }
        collect(t.getCause(), all, seen);
    }

    protected static String randomPassword(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }
}
