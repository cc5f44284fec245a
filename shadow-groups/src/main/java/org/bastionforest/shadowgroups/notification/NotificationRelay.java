package org.bastionforest.shadowgroups.notification;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.audit.AuditRecord;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.notification.Notification.Kind;
import org.bastionforest.shadowgroups.policy.ActivationPolicy;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.ShadowGroupService;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.RequestId;
import org.bastionforest.shadowgroups.storage.Database;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns committed audit events into {@link Notification}s: a request waiting for approval (to its
 * approvers), approved, denied, timed out, a grant started, a grant ends soon, a grant ended. The
 * audit log is written in the same transaction as every change, so it is the durable, ordered
 * record of what happened; the relay reads it after a stored cursor ({@code notification_cursor})
 * and advances the cursor in the transaction that holds the cursor's row lock, so two nodes do not
 * relay the same events.
 *
 * <p>Delivery is at least once: after a crash between sending and committing the cursor, the same
 * notifications are sent again with the same {@link Notification#id()} (derived from the audit
 * event), so receivers can drop duplicates. Nothing here can undo or block the change a
 * notification reports. "Ending soon" notifications come from the scheduler.
 *
 * <pre>{@code
 * NotificationRelay relay = new NotificationRelay(database, audit, notifier);
 * relay.relayDue(); // e.g. every second, from the scheduler
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class NotificationRelay {
    private static final Logger LOG = LoggerFactory.getLogger(NotificationRelay.class);
    private static final int BATCH = 500;

    private final Database database;
    private final AuditLog audit;
    private final Notifier notifier;

    public NotificationRelay(Database database, AuditLog audit, Notifier notifier) {
        this.database = Objects.requireNonNull(database, "database");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.notifier = Objects.requireNonNull(notifier, "notifier");
    }

    /**
     * Sends the notifications of every audit event committed since the last call (up to a batch).
     *
     * @return how many notifications were handed to the notifier
     * @throws StorageException if the database failed; the cursor then stays where it was
     */
    public int relayDue() throws StorageException {
        return database.inTransaction(
                c -> {
                    long cursor = lockCursor(c);
                    List<AuditRecord> records =
                            audit.query(AuditQuery.after(cursor, BATCH)).records();
                    int sent = 0;
                    long last = cursor;
                    for (AuditRecord r : records) {
                        Optional<Notification> n = toNotification(c, r);
                        if (n.isPresent()) {
                            try {
                                notifier.send(n.get());
                                sent++;
                            } catch (RuntimeException e) {
                                // the contract says it never throws; a broken sender must not stall
                                LOG.error(
                                        "notification.send-failed: {} for event {}",
                                        n.get().kind(),
                                        r.seq(),
                                        e);
                            }
                        }
                        last = r.seq();
                    }
                    if (last != cursor) {
                        try (PreparedStatement ps =
                                c.prepareStatement(
                                        "UPDATE notification_cursor SET last_seq = ? WHERE singleton = 1")) {
                            ps.setLong(1, last);
                            ps.executeUpdate();
                        }
                    }
                    return sent;
                });
    }

    private static long lockCursor(Connection c) throws SQLException {
        try (PreparedStatement ps =
                        c.prepareStatement(
                                "SELECT last_seq FROM notification_cursor WHERE singleton = 1 FOR UPDATE");
                ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the notification cursor row is missing");
            }
            return rs.getLong(1);
        }
    }

    private static Optional<Notification> toNotification(Connection c, AuditRecord record)
            throws SQLException {
        AuditEvent e = record.event();
        Optional<Kind> kind =
                switch (e.type()) {
                    case "request.submitted" ->
                            "PENDING_APPROVAL".equals(e.details().get("state"))
                                    ? Optional.of(Kind.APPROVAL_WAITING)
                                    : Optional.empty();
                    case "request.approved" -> Optional.of(Kind.APPROVED);
                    case "request.denied" -> Optional.of(Kind.DENIED);
                    case "request.timed-out" -> Optional.of(Kind.TIMED_OUT);
                    case "grant.started" -> Optional.of(Kind.GRANT_STARTED);
                    case "grant.ending-soon" -> Optional.of(Kind.GRANT_ENDING_SOON);
                    case "grant.expired", "grant.revoked", "grant.closed" ->
                            Optional.of(Kind.GRANT_ENDED);
                    default -> Optional.empty();
                };
        if (kind.isEmpty()
                || e.requestId().isEmpty()
                || e.groupId().isEmpty()
                || e.subjectUser().isEmpty()) {
            return Optional.empty();
        }
        UserId requester = UserId.of(e.subjectUser().get());
        ShadowGroupId group = ShadowGroupId.of(e.groupId().get());
        Set<UserId> recipients = Set.of(requester);
        Set<org.bastionforest.shadowgroups.model.Sid> groups = Set.of();
        if (kind.get() == Kind.APPROVAL_WAITING) {
            Optional<ShadowGroup> g = ShadowGroupService.find(c, group, false);
            ActivationPolicy policy = g.map(ShadowGroup::policy).orElse(null);
            recipients = policy == null ? Set.of() : policy.approverUsers();
            groups = policy == null ? Set.of() : policy.approverGroups();
        }
        Optional<Instant> endsAt =
                Optional.ofNullable(e.details().get("endsAt")).map(Instant::parse);
        UUID id =
                UUID.nameUUIDFromBytes(
                        (record.eventId() + "/" + kind.get()).getBytes(StandardCharsets.UTF_8));
        return Optional.of(
                new Notification(
                        id,
                        kind.get(),
                        e.occurredAt(),
                        new RequestId(e.requestId().get()),
                        group,
                        requester,
                        recipients,
                        groups,
                        endsAt));
    }
}
