package org.bastionforest.shadowgroups.directory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.storage.Database;

/**
 * Compares the bastion directory with the database (invariant 2): a member of a shadow principal
 * that no active grant backs is standing privilege, reported and removed; an active grant whose
 * member is missing is added again. Both go through the outbox (applied by {@link
 * MembershipDispatcher}) and are audited ({@code directory.standing-privilege}, {@code
 * directory.member-missing}).
 *
 * <p>Memberships with an outbox operation pending, or applied since the pass started, are left
 * alone: the dispatcher is already making them right. The directory is read before the database, so
 * a grant that starts during the pass is never taken for standing privilege.
 *
 * <pre>{@code
 * ReconcileResult r = new MembershipReconciler(db, directory, audit, clock).reconcile();
 * }</pre>
 *
 * <p>Thread-safe; immutable.
 */
public final class MembershipReconciler {
    private final Database database;
    private final BastionDirectory directory;
    private final AuditLog audit;
    private final Clock clock;

    /**
     * What one pass found.
     *
     * @param principalsChecked shadow principals compared
     * @param standing memberships no active grant backed (removal queued), as "user|SID"
     * @param missing active grants whose membership was missing (addition queued), as "user|SID"
     * @param unreachable shadow principals the directory could not list (retry later)
     */
    public record ReconcileResult(
            int principalsChecked,
            Set<String> standing,
            Set<String> missing,
            Set<Sid> unreachable) {
        /** Copies the sets. */
        public ReconcileResult {
            standing = Set.copyOf(standing);
            missing = Set.copyOf(missing);
            unreachable = Set.copyOf(unreachable);
        }
    }

    /**
     * @param database the source of truth
     * @param directory the bastion directory
     * @param audit where findings are recorded
     * @param clock the time
     */
    public MembershipReconciler(
            Database database, BastionDirectory directory, AuditLog audit, Clock clock) {
        this.database = Objects.requireNonNull(database, "database");
        this.directory = Objects.requireNonNull(directory, "directory");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Runs one pass over every shadow principal.
     *
     * @throws StorageException if the database failed
     */
    public ReconcileResult reconcile() throws StorageException {
        Instant start = clock.instant().truncatedTo(ChronoUnit.MICROS);
        List<Sid> principals = database.inTransaction(MembershipReconciler::principals);
        Map<Sid, Set<UserId>> members = new HashMap<>();
        Set<Sid> unreachable = new TreeSet<>();
        for (Sid sid : principals) {
            try {
                members.put(sid, directory.members(sid));
            } catch (DirectoryUnavailableException e) {
                unreachable.add(sid);
            }
        }
        Set<String> standing = new TreeSet<>();
        Set<String> missing = new TreeSet<>();
        database.inTransaction(
                c -> {
                    Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                    Map<String, Instant> backed = activeGrants(c, now);
                    Set<String> busy = busy(c, start);
                    for (Map.Entry<Sid, Set<UserId>> e : members.entrySet()) {
                        Sid sid = e.getKey();
                        for (UserId user : e.getValue()) {
                            String key = user.value() + "|" + sid;
                            if (!backed.containsKey(key) && !busy.contains(key)) {
                                standing.add(key);
                                DirectoryOutbox.enqueueRemove(c, null, user, sid, now);
                                audit.append(
                                        c,
                                        AuditEvent.of(
                                                        "directory.standing-privilege",
                                                        now,
                                                        AuditEvent.SYSTEM)
                                                .withUser(user.value())
                                                .withDetail("principalSid", sid));
                            }
                        }
                    }
                    for (Map.Entry<String, Instant> g : backed.entrySet()) {
                        String[] parts = g.getKey().split("\\|", 2);
                        UserId user = UserId.of(parts[0]);
                        Sid sid = Sid.parse(parts[1]);
                        if (members.containsKey(sid)
                                && !members.get(sid).contains(user)
                                && !busy.contains(g.getKey())) {
                            missing.add(g.getKey());
                            DirectoryOutbox.enqueueAdd(c, null, user, sid, g.getValue(), now);
                            audit.append(
                                    c,
                                    AuditEvent.of(
                                                    "directory.member-missing",
                                                    now,
                                                    AuditEvent.SYSTEM)
                                            .withUser(user.value())
                                            .withDetail("principalSid", sid)
                                            .withDetail("until", g.getValue()));
                        }
                    }
                    return null;
                });
        return new ReconcileResult(members.size(), standing, missing, unreachable);
    }

    private static List<Sid> principals(Connection c) throws SQLException {
        List<Sid> sids = new ArrayList<>();
        try (PreparedStatement ps =
                        c.prepareStatement("SELECT DISTINCT production_sid FROM shadow_groups");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                sids.add(Sid.parse(rs.getString(1)));
            }
        }
        return sids;
    }

    private static Map<String, Instant> activeGrants(Connection c, Instant now)
            throws SQLException {
        Map<String, Instant> grants = new HashMap<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT user_id, principal_sid, ends_at FROM grants"
                                + " WHERE ended_at IS NULL AND ends_at > ?")) {
            ps.setObject(1, now.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    grants.put(
                            rs.getString(1) + "|" + rs.getString(2),
                            rs.getObject(3, OffsetDateTime.class).toInstant());
                }
            }
        }
        return grants;
    }

    private static Set<String> busy(Connection c, Instant start) throws SQLException {
        Set<String> keys = new HashSet<>();
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT user_id, principal_sid FROM directory_outbox"
                                + " WHERE status = 'PENDING' OR done_at >= ?")) {
            ps.setObject(1, start.atOffset(ZoneOffset.UTC));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getString(1) + "|" + rs.getString(2));
                }
            }
        }
        return keys;
    }
}
