package org.bastionforest.shadowgroups.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the {@link Installation} record (table {@code installation}, one row), creating it the
 * first time it is asked for.
 *
 * <p>Several threads or nodes asking at once for the first time all get the same installation: the
 * table holds one row at most, and the losers of the race read the winner's row.
 *
 * <pre>{@code
 * Installation installation = new InstallationStore(db, Clock.systemUTC()).installation();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class InstallationStore {
    private static final Logger LOG = LoggerFactory.getLogger(InstallationStore.class);

    private final Database database;
    private final Clock clock;

    /**
     * @param database where the record is kept
     * @param clock gives the creation time of a new record
     */
    public InstallationStore(Database database, Clock clock) {
        this.database = Objects.requireNonNull(database, "database");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * The installation record, created now (with a random id) if there is none yet.
     *
     * @throws StorageException if the database failed
     */
    public Installation installation() throws StorageException {
        Optional<Installation> existing = database.inTransaction(InstallationStore::read);
        if (existing.isPresent()) {
            return existing.get();
        }
        Installation fresh =
                new Installation(UUID.randomUUID(), clock.instant().truncatedTo(ChronoUnit.MICROS));
        try {
            Installation stored =
                    database.inTransaction(
                            c -> {
                                Optional<Installation> raced = read(c);
                                if (raced.isPresent()) {
                                    return raced.get();
                                }
                                insert(c, fresh);
                                return fresh;
                            });
            if (stored == fresh) {
                LOG.info("installation.created: installation id {}", fresh.id());
            }
            return stored;
        } catch (StorageException e) {
            if (!Database.isUniqueViolation(e)) {
                throw e;
            }
            // another node or thread inserted the row after our read: theirs is the one
            return database.inTransaction(InstallationStore::read)
                    .orElseThrow(
                            () ->
                                    new StorageException(
                                            "installation row missing after a conflicting insert",
                                            e));
        }
    }

    private static Optional<Installation> read(Connection c) throws SQLException {
        try (PreparedStatement ps =
                        c.prepareStatement(
                                "SELECT installation_id, created_at FROM installation"
                                        + " WHERE singleton = 1");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(
                    new Installation(
                            rs.getObject(1, UUID.class),
                            rs.getObject(2, OffsetDateTime.class).toInstant()));
        }
    }

    private static void insert(Connection c, Installation installation) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO installation (singleton, installation_id, created_at)"
                                + " VALUES (1, ?, ?)")) {
            ps.setObject(1, installation.id());
            ps.setObject(2, installation.createdAt().atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }
}
