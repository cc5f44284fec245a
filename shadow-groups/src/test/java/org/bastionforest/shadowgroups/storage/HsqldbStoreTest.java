package org.bastionforest.shadowgroups.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on embedded HSQLDB file databases, plus what only HSQLDB does. */
class HsqldbStoreTest extends StoreContract {
    @TempDir Path tempDir;

    private int databases;

    @Override
    protected DatabaseOptions newDatabaseOptions() {
        DatabaseOptions embedded = DatabaseOptions.embedded(tempDir.resolve("data" + databases++));
        return new DatabaseOptions(
                embedded.jdbcUrl(),
                embedded.username(),
                randomPassword("hsqldb-secret"),
                embedded.maxPoolSize(),
                embedded.connectionTimeout());
    }

    @Override
    protected Vendor expectedVendor() {
        return Vendor.HSQLDB;
    }

    @Test
    void open_whenEmbedded_thenFilesLiveUnderDataDirDbAndTheLockIsHeld() {
        Path files = tempDir.resolve("data0/db");

        assertThat(files.resolve("bastion.properties")).isRegularFile();
        assertThat(files.resolve("bastion.script")).isRegularFile();
        assertThat(files.resolve("bastion.lck")).isRegularFile();
    }

    @Test
    void close_whenEmbedded_thenDatabaseIsShutDownAndTheLockReleased() throws Exception {
        Path files = tempDir.resolve("data0/db");
        insertOneRow();

        db.close();

        assertThat(files.resolve("bastion.lck")).doesNotExist();
        // SHUTDOWN checkpoints: the log is folded into the data files and removed
        assertThat(files.resolve("bastion.log")).doesNotExist();
        assertThat(files.resolve("bastion.script")).isRegularFile();
    }

    @Test
    void open_whenFileDatabaseWasCreatedWithoutDurabilitySettings_thenTheyAreEnforced()
            throws Exception {
        Path dataDir = tempDir.resolve("legacy");
        String bare = "jdbc:hsqldb:file:" + dataDir.resolve("db/bastion");
        try (Connection c =
                        DriverManager.getConnection(
                                bare + ";hsqldb.write_delay=true;hsqldb.tx=locks", "SA", "");
                Statement s = c.createStatement()) {
            assertThat(properties(c)).containsEntry("hsqldb.write_delay", "true");
            s.execute("SHUTDOWN");
        }

        Map<String, String> applied;
        try (Database legacy = Database.open(DatabaseOptions.embedded(dataDir))) {
            applied = legacy.inTransaction(HsqldbStoreTest::properties);
        }

        assertThat(applied)
                .containsEntry("hsqldb.write_delay", "false")
                .containsEntry("hsqldb.write_delay_millis", "0")
                .containsEntry("hsqldb.tx", "MVCC")
                .containsEntry("hsqldb.lock_file", "true")
                .containsEntry("hsqldb.default_table_type", "CACHED");
        // and they are persisted: a plain connection afterwards sees them too
        try (Connection c = DriverManager.getConnection(bare, "SA", "");
                Statement s = c.createStatement()) {
            assertThat(properties(c)).containsEntry("hsqldb.write_delay", "false");
            s.execute("SHUTDOWN");
        }
    }

    @Test
    void open_whenInMemoryDatabase_thenMigratedAndUsable() throws Exception {
        DatabaseOptions memory =
                new DatabaseOptions(
                        "jdbc:hsqldb:mem:contract" + System.nanoTime(),
                        "SA",
                        "",
                        2,
                        Duration.ofSeconds(5));
        try (Database scratch = Database.open(memory)) {
            assertThat(scratch.schemaVersion()).isEqualTo(EXPECTED_SCHEMA_VERSION);
            assertThat(scratch.check(Duration.ofSeconds(2)).isUp()).isTrue();
        }
    }

    private void insertOneRow() throws StorageException {
        db.inTransaction(
                c -> {
                    insert(c, 1, "one");
                    return null;
                });
    }

    private static Map<String, String> properties(Connection c) throws SQLException {
        Map<String, String> properties = new HashMap<>();
        try (Statement s = c.createStatement();
                ResultSet rs =
                        s.executeQuery(
                                "SELECT property_name, property_value"
                                        + " FROM information_schema.system_properties")) {
            while (rs.next()) {
                properties.put(rs.getString(1), rs.getString(2));
            }
        }
        return properties;
    }
}
