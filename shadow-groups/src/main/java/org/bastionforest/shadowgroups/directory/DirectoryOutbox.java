package org.bastionforest.shadowgroups.directory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Records an intended bastion-directory change in table {@code directory_outbox}, inside the
 * caller's transaction (the one that changes the grant), for {@link MembershipDispatcher} to apply.
 *
 * <p>Stateless and thread-safe.
 */
public final class DirectoryOutbox {
    private DirectoryOutbox() {}

    /** What an outbox entry does. */
    public enum Operation {
        /** {@link BastionDirectory#addMember}. */
        ADD,
        /** {@link BastionDirectory#removeMember}. */
        REMOVE
    }

    /**
     * Records "add {@code user} to {@code principal} until {@code until}" for grant {@code
     * grantId}.
     *
     * @throws SQLException if the database failed
     */
    public static void enqueueAdd(
            Connection c, UUID grantId, UserId user, Sid principal, Instant until, Instant now)
            throws SQLException {
        insert(c, Operation.ADD, grantId, user, principal, until, now);
    }

    /**
     * Records "remove {@code user} from {@code principal}" for grant {@code grantId} ({@code null}
     * when the reconciler asks).
     *
     * @throws SQLException if the database failed
     */
    public static void enqueueRemove(
            Connection c, UUID grantId, UserId user, Sid principal, Instant now)
            throws SQLException {
        insert(c, Operation.REMOVE, grantId, user, principal, null, now);
    }

    private static void insert(
            Connection c,
            Operation op,
            UUID grantId,
            UserId user,
            Sid principal,
            Instant until,
            Instant now)
            throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO directory_outbox (op_id, operation, user_id, principal_sid,"
                                + " member_until, grant_id, created_at, status, attempts,"
                                + " next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'PENDING', 0, ?)")) {
            ps.setObject(1, UUID.randomUUID());
            ps.setString(2, op.name());
            ps.setString(3, user.value());
            ps.setString(4, principal.toString());
            ps.setObject(5, until == null ? null : until.atOffset(ZoneOffset.UTC));
            ps.setObject(6, grantId);
            ps.setObject(7, now.atOffset(ZoneOffset.UTC));
            ps.setObject(8, now.atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
    }
}
