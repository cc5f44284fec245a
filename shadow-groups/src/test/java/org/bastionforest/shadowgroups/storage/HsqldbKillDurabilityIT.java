package org.bastionforest.shadowgroups.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 3 on embedded HSQLDB: a commit that was acknowledged survives {@code kill -9} of the
 * process. (With HSQLDB's default 500 ms write delay this test loses tens of rows.)
 */
class HsqldbKillDurabilityIT {
    /** Acknowledged commits to see before killing the child. */
    private static final int KILL_AFTER = 300;

    @TempDir Path dataDir;

    @Test
    void commit_whenProcessIsKilledWithSignal9_thenEveryAcknowledgedRowSurvives() throws Exception {
        try (Database db = Database.open(DatabaseOptions.embedded(dataDir))) {
            db.inTransaction(
                    c -> {
                        try (Statement s = c.createStatement()) {
                            return s.executeUpdate(
                                    "CREATE TABLE durability_rows (seq INTEGER NOT NULL,"
                                            + " CONSTRAINT durability_rows_pk PRIMARY KEY (seq))");
                        }
                    });
        }

        Path childLog = dataDir.resolve("child.log");
        Process child =
                new ProcessBuilder(
                                List.of(
                                        Path.of(System.getProperty("java.home"), "bin", "java")
                                                .toString(),
                                        "-Xmx256m",
                                        "-XX:TieredStopAtLevel=1",
                                        "-cp",
                                        System.getProperty("java.class.path"),
                                        DurabilityChild.class.getName(),
                                        dataDir.toString()))
                        .redirectError(childLog.toFile())
                        .start();
        int acknowledged = 0;
        try (BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(DurabilityChild.COMMITTED)) {
                    acknowledged =
                            Integer.parseInt(line.substring(DurabilityChild.COMMITTED.length()));
                    if (acknowledged >= KILL_AFTER) {
                        child.destroyForcibly(); // SIGKILL: no shutdown hooks, no SHUTDOWN
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(acknowledged).as(Files.readString(childLog)).isEqualTo(KILL_AFTER);
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(128 + 9);
        assertThat(dataDir.resolve("db/bastion.lck")).as("left behind by the crash").exists();

        // reopening waits until the dead process's lock heartbeat is stale (about 10 s)
        int stored;
        int highest;
        int acknowledgedStored;
        int acked = acknowledged;
        try (Database db = Database.open(DatabaseOptions.embedded(dataDir))) {
            int[] counts =
                    db.inTransaction(
                            c -> {
                                try (PreparedStatement ps =
                                        c.prepareStatement(
                                                "SELECT COUNT(*), MAX(seq),"
                                                        + " SUM(CASE WHEN seq <= ? THEN 1 ELSE 0 END)"
                                                        + " FROM durability_rows")) {
                                    ps.setInt(1, acked);
                                    try (ResultSet rs = ps.executeQuery()) {
                                        rs.next();
                                        return new int[] {rs.getInt(1), rs.getInt(2), rs.getInt(3)};
                                    }
                                }
                            });
            stored = counts[0];
            highest = counts[1];
            acknowledgedStored = counts[2];
        }

        assertThat(acknowledgedStored).as("acknowledged rows still there").isEqualTo(acknowledged);
        assertThat(highest)
                .as("rows committed but not yet acknowledged may be there too")
                .isGreaterThanOrEqualTo(acknowledged);
        assertThat(stored).as("no holes").isEqualTo(highest);
    }
}
