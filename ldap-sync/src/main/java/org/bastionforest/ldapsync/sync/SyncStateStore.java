package org.bastionforest.ldapsync.sync;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.storage.Database;

/**
 * The sync's tables ({@code V6__sync_state.sql}): checkpoints, pending deletions, finished runs.
 * Stateless apart from the database; thread-safe.
 */
final class SyncStateStore {
    static final int MAX_MESSAGE = 2000;

    private final Database database;

    SyncStateStore(Database database) {
        this.database = database;
    }

    Optional<String> checkpoint(String source) throws StorageException {
        return database.inTransaction(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT state FROM sync_state WHERE source_key = ?")) {
                        ps.setString(1, source);
                        try (ResultSet rs = ps.executeQuery()) {
                            return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                        }
                    }
                });
    }

    /** When the last completed full run of {@code source} started. */
    Optional<Instant> lastFullRun(String source) throws StorageException {
        return database.inTransaction(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT MAX(started_at) FROM sync_runs WHERE source_key = ?"
                                            + " AND full_sync = TRUE AND outcome = 'COMPLETED'")) {
                        ps.setString(1, source);
                        try (ResultSet rs = ps.executeQuery()) {
                            OffsetDateTime t =
                                    rs.next() ? rs.getObject(1, OffsetDateTime.class) : null;
                            return Optional.ofNullable(t).map(OffsetDateTime::toInstant);
                        }
                    }
                });
    }

    static void saveCheckpoint(Connection c, String source, String state, Instant now)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE sync_state SET state = ?, updated_at = ? WHERE source_key = ?")) {
            ps.setString(1, state);
            ps.setObject(2, utc(now));
            ps.setString(3, source);
            if (ps.executeUpdate() == 1) {
                return;
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO sync_state (source_key, state, updated_at) VALUES (?, ?, ?)")) {
            ps.setString(1, source);
            ps.setString(2, state);
            ps.setObject(3, utc(now));
            ps.executeUpdate();
        }
    }

    void clear(String source) throws StorageException {
        database.inTransaction(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement("DELETE FROM sync_state WHERE source_key = ?")) {
                        ps.setString(1, source);
                        return ps.executeUpdate();
                    }
                });
    }

    static void addPending(Connection c, String source, ObjectGuid anchor, Instant now)
            throws SQLException {
        try (PreparedStatement check =
                c.prepareStatement(
                        "SELECT 1 FROM sync_pending_deletions WHERE source_key = ? AND anchor = ?")) {
            check.setString(1, source);
            check.setString(2, anchor.toString());
            try (ResultSet rs = check.executeQuery()) {
                if (rs.next()) {
                    return;
                }
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO sync_pending_deletions (source_key, anchor, seen_at)"
                                + " VALUES (?, ?, ?)")) {
            ps.setString(1, source);
            ps.setString(2, anchor.toString());
            ps.setObject(3, utc(now));
            ps.executeUpdate();
        }
    }

    /** Pending deletions are few (guarded); read them all. */
    List<ObjectGuid> pending(String source) throws StorageException {
        return database.inTransaction(
                c -> {
                    List<ObjectGuid> out = new ArrayList<>();
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT anchor FROM sync_pending_deletions WHERE source_key = ?"
                                            + " ORDER BY seen_at, anchor")) {
                        ps.setString(1, source);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                out.add(ObjectGuid.parse(rs.getString(1)));
                            }
                        }
                    }
                    return out;
                });
    }

    void removePending(String source, ObjectGuid anchor) throws StorageException {
        database.inTransaction(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "DELETE FROM sync_pending_deletions WHERE source_key = ? AND"
                                            + " anchor = ?")) {
                        ps.setString(1, source);
                        ps.setString(2, anchor.toString());
                        return ps.executeUpdate();
                    }
                });
    }

    static void recordRun(Connection c, String source, SyncResult r) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO sync_runs (run_id, source_key, outcome, full_sync, started_at,"
                                + " finished_at, added, updated, renamed, deleted, failed,"
                                + " unchanged, revoked, pending_deletions, checkpoint, message)"
                                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            SyncResult.Counts n = r.counts();
            ps.setObject(1, r.runId());
            ps.setString(2, source);
            ps.setString(3, r.outcome().name());
            ps.setBoolean(4, r.full());
            ps.setObject(5, utc(r.startedAt()));
            ps.setObject(6, utc(r.startedAt().plus(r.duration())));
            ps.setInt(7, n.added());
            ps.setInt(8, n.updated());
            ps.setInt(9, n.renamed());
            ps.setInt(10, n.deleted());
            ps.setInt(11, n.failed());
            ps.setInt(12, n.unchanged());
            ps.setInt(13, n.revoked());
            ps.setInt(14, r.pendingDeletions());
            ps.setString(15, r.checkpoint().orElse(null));
            ps.setString(16, truncate(r.message()));
            ps.executeUpdate();
        }
    }

    List<SyncResult> recent(int limit) throws StorageException {
        return database.inTransaction(
                c -> {
                    List<SyncResult> out = new ArrayList<>();
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT run_id, outcome, full_sync, started_at, finished_at,"
                                            + " added, updated, renamed, deleted, failed,"
                                            + " unchanged, revoked, pending_deletions, checkpoint,"
                                            + " message FROM sync_runs ORDER BY finished_at DESC,"
                                            + " started_at DESC FETCH FIRST "
                                            + limit
                                            + " ROWS ONLY")) {
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                Instant started = rs.getObject(4, OffsetDateTime.class).toInstant();
                                Instant finished =
                                        rs.getObject(5, OffsetDateTime.class).toInstant();
                                out.add(
                                        new SyncResult(
                                                rs.getObject(1, UUID.class),
                                                SyncResult.Outcome.valueOf(rs.getString(2)),
                                                rs.getBoolean(3),
                                                started,
                                                Duration.between(started, finished),
                                                new SyncResult.Counts(
                                                        rs.getInt(6),
                                                        rs.getInt(7),
                                                        rs.getInt(8),
                                                        rs.getInt(9),
                                                        rs.getInt(10),
                                                        rs.getInt(11),
                                                        rs.getInt(12)),
                                                rs.getInt(13),
                                                Optional.ofNullable(rs.getString(14)),
                                                rs.getString(15)));
                            }
                        }
                    }
                    return out;
                });
    }

    static String truncate(String s) {
        return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) : s;
    }

    static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
