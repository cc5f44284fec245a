package org.bastionforest.shadowgroups.policy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bastionforest.shadowgroups.audit.AuditEvent;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.errors.AccessDeniedException;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.SqlWork;

/**
 * Defines shadow groups (table {@code shadow_groups}): administrators create, change and delete
 * them; every change writes an audit event ({@code policy.created}, {@code policy.updated}, {@code
 * policy.deleted}) in the same transaction.
 *
 * <p>A deleted shadow group keeps its row (its requests, grants and audit events refer to it) and
 * its id cannot be used again. A group with open requests or active grants cannot be deleted. Two
 * live shadow groups never stand for the same production group (SID).
 *
 * <pre>{@code
 * ShadowGroupService groups = new ShadowGroupService(db, audit, facts, admins, clock);
 * groups.create(UserId.of("root-admin"), sqlAdmins);
 * }</pre>
 *
 * <p>Thread-safe; immutable.
 */
public final class ShadowGroupService {
    private final Database database;
    private final AuditLog audit;
    private final DirectoryFacts facts;
    private final Administrators administrators;
    private final Clock clock;

    /**
     * @param database where shadow groups are kept
     * @param audit where changes are recorded
     * @param facts resolves administrator groups
     * @param administrators who may define shadow groups
     * @param clock the time
     */
    public ShadowGroupService(
            Database database,
            AuditLog audit,
            DirectoryFacts facts,
            Administrators administrators,
            Clock clock) {
        this.database = Objects.requireNonNull(database, "database");
        this.audit = Objects.requireNonNull(audit, "audit");
        this.facts = Objects.requireNonNull(facts, "facts");
        this.administrators = Objects.requireNonNull(administrators, "administrators");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Defines a new shadow group.
     *
     * @throws AccessDeniedException if {@code admin} is no administrator
     * @throws ConflictException if the id is taken (also by a deleted group) or another live group
     *     stands for the same production group
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved
     * @throws StorageException if the database failed
     */
    public ShadowGroup create(UserId admin, ShadowGroup group)
            throws AccessDeniedException,
                    ConflictException,
                    DirectoryUnavailableException,
                    StorageException {
        requireAdmin(admin);
        Instant now = now();
        try {
            return database.inTransaction(
                    c -> {
                        insert(c, admin, group, now);
                        return group;
                    });
        } catch (StorageException e) {
            if (Database.isUniqueViolation(e)) {
                throw new ConflictException("shadow group " + group.id() + " exists already", e);
            }
            throw e;
        }
    }

    /**
     * Replaces a live shadow group's definition (same id). Open requests and active grants are
     * judged by the new policy from now on; a grant's end is not changed.
     *
     * @throws AccessDeniedException if {@code admin} is no administrator
     * @throws NotFoundException if there is no live group with that id
     * @throws ConflictException if another live group stands for the new production group
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved
     * @throws StorageException if the database failed
     */
    public ShadowGroup update(UserId admin, ShadowGroup group)
            throws AccessDeniedException,
                    NotFoundException,
                    ConflictException,
                    DirectoryUnavailableException,
                    StorageException {
        requireAdmin(admin);
        Instant now = now();
        return tx(
                c -> {
                    replace(c, admin, group, now);
                    return group;
                });
    }

    /**
     * Deletes a shadow group that has no open request and no active grant.
     *
     * @throws AccessDeniedException if {@code admin} is no administrator
     * @throws NotFoundException if there is no live group with that id
     * @throws ConflictException if the group has open requests or active grants
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved
     * @throws StorageException if the database failed
     */
    public void delete(UserId admin, ShadowGroupId id)
            throws AccessDeniedException,
                    NotFoundException,
                    ConflictException,
                    DirectoryUnavailableException,
                    StorageException {
        requireAdmin(admin);
        Instant now = now();
        tx(
                c -> {
                    remove(c, admin, id, now);
                    return null;
                });
    }

    /**
     * Policy as code, dry run: what {@link #apply} would do to make the live shadow groups equal
     * {@code desired}. Changes nothing.
     *
     * @param desired the complete wanted set (e.g. read from a YAML file)
     * @param deleteMissing whether live groups absent from {@code desired} are to be deleted
     * @throws InvalidInputException if {@code desired} names an id or a production group twice
     * @throws StorageException if the database failed
     */
    public PolicyPlan plan(List<ShadowGroup> desired, boolean deleteMissing)
            throws InvalidInputException, StorageException {
        checkDistinct(desired);
        return database.inTransaction(c -> plan(c, desired, deleteMissing));
    }

    /**
     * Policy as code: makes the live shadow groups equal {@code desired} in one transaction (all or
     * nothing), auditing every change as {@link #create}, {@link #update} and {@link #delete} do
     * and the import itself as {@code policy.imported}.
     *
     * @return the plan that was applied
     * @throws AccessDeniedException if {@code admin} is no administrator
     * @throws InvalidInputException if {@code desired} names an id or a production group twice
     * @throws ConflictException if a change is refused (an id used by a deleted group, a group to
     *     delete that has open requests); nothing was changed then
     * @throws DirectoryUnavailableException if administrator groups cannot be resolved
     * @throws StorageException if the database failed
     */
    public PolicyPlan apply(UserId admin, List<ShadowGroup> desired, boolean deleteMissing)
            throws AccessDeniedException,
                    InvalidInputException,
                    ConflictException,
                    DirectoryUnavailableException,
                    StorageException {
        requireAdmin(admin);
        checkDistinct(desired);
        Instant now = now();
        try {
            return tx(
                    c -> {
                        PolicyPlan plan = plan(c, desired, deleteMissing);
                        // deletions first: they free production groups that creations may take
                        for (ShadowGroupId id : plan.deletes()) {
                            remove(c, admin, id, now);
                        }
                        for (PolicyPlan.Change change : plan.updates()) {
                            replace(c, admin, change.after(), now);
                        }
                        for (ShadowGroup group : plan.creates()) {
                            insert(c, admin, group, now);
                        }
                        audit.append(
                                c,
                                AuditEvent.of("policy.imported", now, admin.value())
                                        .withDetail("created", plan.creates().size())
                                        .withDetail("updated", plan.updates().size())
                                        .withDetail("deleted", plan.deletes().size()));
                        return plan;
                    });
        } catch (NotFoundException e) {
            throw new ConflictException("a shadow group changed during the import; try again", e);
        }
    }

    private static PolicyPlan plan(Connection c, List<ShadowGroup> desired, boolean deleteMissing)
            throws SQLException {
        Map<ShadowGroupId, ShadowGroup> live = new TreeMap<>();
        for (ShadowGroup g : list(c)) {
            live.put(g.id(), g);
        }
        List<ShadowGroup> creates = new ArrayList<>();
        List<PolicyPlan.Change> updates = new ArrayList<>();
        Set<ShadowGroupId> wanted = new HashSet<>();
        for (ShadowGroup g : desired) {
            wanted.add(g.id());
            ShadowGroup before = live.get(g.id());
            if (before == null) {
                creates.add(g);
            } else if (!before.equals(g)) {
                updates.add(new PolicyPlan.Change(before, g, PolicyPlan.differences(before, g)));
            }
        }
        List<ShadowGroupId> deletes = new ArrayList<>();
        if (deleteMissing) {
            for (ShadowGroupId id : live.keySet()) {
                if (!wanted.contains(id)) {
                    deletes.add(id);
                }
            }
        }
        return new PolicyPlan(creates, updates, deletes);
    }

    private static void checkDistinct(List<ShadowGroup> desired) throws InvalidInputException {
        Set<ShadowGroupId> ids = new HashSet<>();
        Set<Sid> sids = new HashSet<>();
        for (ShadowGroup g : desired) {
            if (!ids.add(g.id())) {
                throw new InvalidInputException("shadow group " + g.id() + " is defined twice");
            }
            if (!sids.add(g.productionGroupSid())) {
                throw new InvalidInputException(
                        "production group "
                                + g.productionGroupSid()
                                + " has more than one shadow group");
            }
        }
    }

    private void insert(Connection c, UserId admin, ShadowGroup group, Instant now)
            throws SQLException, ConflictException {
        if (exists(c, group.id())) {
            throw new ConflictException(
                    "shadow group " + group.id() + " exists already (or existed)");
        }
        requireSidFree(c, group);
        try (PreparedStatement ps =
                c.prepareStatement(
                        "INSERT INTO shadow_groups (group_id, display_name, description,"
                                + " production_dn, production_sid, policy, revision, created_at,"
                                + " updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)")) {
            ps.setString(1, group.id().value());
            ps.setString(2, group.displayName());
            ps.setString(3, group.description());
            ps.setString(4, group.productionGroupDn());
            ps.setString(5, group.productionGroupSid().toString());
            ps.setString(6, PolicyCodec.encode(group.policy()));
            ps.setObject(7, now.atOffset(ZoneOffset.UTC));
            ps.setObject(8, now.atOffset(ZoneOffset.UTC));
            ps.executeUpdate();
        }
        audit.append(c, event("policy.created", now, admin, group));
    }

    private void replace(Connection c, UserId admin, ShadowGroup group, Instant now)
            throws SQLException, NotFoundException, ConflictException {
        ShadowGroup before = find(c, group.id(), true).orElseThrow(() -> notFound(group.id()));
        requireSidFree(c, group);
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE shadow_groups SET display_name = ?, description = ?,"
                                + " production_dn = ?, production_sid = ?, policy = ?,"
                                + " revision = revision + 1, updated_at = ? WHERE group_id = ?")) {
            ps.setString(1, group.displayName());
            ps.setString(2, group.description());
            ps.setString(3, group.productionGroupDn());
            ps.setString(4, group.productionGroupSid().toString());
            ps.setString(5, PolicyCodec.encode(group.policy()));
            ps.setObject(6, now.atOffset(ZoneOffset.UTC));
            ps.setString(7, group.id().value());
            ps.executeUpdate();
        }
        audit.append(
                c,
                event("policy.updated", now, admin, group)
                        .withDetail("previousPolicy", PolicyCodec.encode(before.policy()))
                        .withDetail("previousSid", before.productionGroupSid().toString())
                        .withDetail(
                                "changed",
                                String.join(",", PolicyPlan.differences(before, group))));
    }

    private void remove(Connection c, UserId admin, ShadowGroupId id, Instant now)
            throws SQLException, NotFoundException, ConflictException {
        ShadowGroup group = find(c, id, true).orElseThrow(() -> notFound(id));
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT COUNT(*) FROM access_requests WHERE group_id = ?"
                                + " AND open_key IS NOT NULL")) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    throw new ConflictException(
                            "shadow group "
                                    + id
                                    + " has "
                                    + rs.getInt(1)
                                    + " open requests or active grants; end them first");
                }
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "UPDATE shadow_groups SET deleted_at = ?, revision = revision + 1"
                                + " WHERE group_id = ?")) {
            ps.setObject(1, now.atOffset(ZoneOffset.UTC));
            ps.setString(2, id.value());
            ps.executeUpdate();
        }
        audit.append(c, event("policy.deleted", now, admin, group));
    }

    /**
     * The live shadow group with this id, if any (no authorization: for the service's own use and
     * for listings that every signed-in user may see).
     *
     * @throws StorageException if the database failed
     */
    public Optional<ShadowGroup> find(ShadowGroupId id) throws StorageException {
        return database.inTransaction(c -> find(c, id, false));
    }

    /**
     * Every live shadow group, by id.
     *
     * @throws StorageException if the database failed
     */
    public List<ShadowGroup> list() throws StorageException {
        return database.inTransaction(ShadowGroupService::list);
    }

    /** Every (not deleted) shadow group by id, in the caller's transaction. */
    public static List<ShadowGroup> listAll(Connection c) throws SQLException {
        return list(c);
    }

    private static List<ShadowGroup> list(Connection c) throws SQLException {
        List<ShadowGroup> groups = new ArrayList<>();
        try (PreparedStatement ps =
                        c.prepareStatement(
                                "SELECT group_id, display_name, description, production_dn,"
                                        + " production_sid, policy FROM shadow_groups"
                                        + " WHERE deleted_at IS NULL ORDER BY group_id");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                groups.add(read(rs));
            }
        }
        return groups;
    }

    /**
     * The live shadow group with this id, read on {@code c} (inside the caller's transaction),
     * optionally locking its row until the transaction ends.
     *
     * @throws SQLException if the database failed
     */
    public static Optional<ShadowGroup> find(Connection c, ShadowGroupId id, boolean lock)
            throws SQLException {
        if (lock) {
            try (PreparedStatement ps =
                    c.prepareStatement(
                            "UPDATE shadow_groups SET revision = revision WHERE group_id = ?")) {
                ps.setString(1, id.value());
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT group_id, display_name, description, production_dn,"
                                + " production_sid, policy FROM shadow_groups"
                                + " WHERE group_id = ? AND deleted_at IS NULL")) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static ShadowGroup read(ResultSet rs) throws SQLException {
        try {
            return new ShadowGroup(
                    ShadowGroupId.of(rs.getString(1)),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    Sid.parse(rs.getString(5)),
                    PolicyCodec.decode(rs.getString(6)));
        } catch (IllegalArgumentException e) {
            throw new SQLException(
                    "stored shadow group " + rs.getString(1) + " is invalid: " + e.getMessage(), e);
        }
    }

    private static boolean exists(Connection c, ShadowGroupId id) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT 1 FROM shadow_groups WHERE group_id = ?")) {
            ps.setString(1, id.value());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static void requireSidFree(Connection c, ShadowGroup group)
            throws SQLException, ConflictException {
        try (PreparedStatement ps =
                c.prepareStatement(
                        "SELECT group_id FROM shadow_groups WHERE production_sid = ?"
                                + " AND deleted_at IS NULL AND group_id <> ?")) {
            ps.setString(1, group.productionGroupSid().toString());
            ps.setString(2, group.id().value());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    throw new ConflictException(
                            "production group "
                                    + group.productionGroupSid()
                                    + " already has shadow group "
                                    + rs.getString(1));
                }
            }
        }
    }

    /** Runs work that may refuse with "not found" or "conflict". */
    private <T> T tx(SqlWork<T, BastionException> work)
            throws NotFoundException, ConflictException, StorageException {
        try {
            return database.inTransaction(work);
        } catch (NotFoundException | ConflictException | StorageException e) {
            throw e;
        } catch (BastionException e) {
            throw new IllegalStateException("unexpected refusal " + e.errorId(), e);
        }
    }

    private void requireAdmin(UserId admin)
            throws AccessDeniedException, DirectoryUnavailableException {
        if (!administrators.includes(admin, facts)) {
            throw new AccessDeniedException(admin + " is not an administrator");
        }
    }

    private static NotFoundException notFound(ShadowGroupId id) {
        return new NotFoundException("shadow group " + id + " not found");
    }

    private static AuditEvent event(String type, Instant now, UserId admin, ShadowGroup g) {
        return AuditEvent.of(type, now, admin.value())
                .withGroup(g.id().value())
                .withDetail("displayName", g.displayName())
                .withDetail("productionGroupDn", g.productionGroupDn())
                .withDetail("productionGroupSid", g.productionGroupSid().toString())
                .withDetail("policy", PolicyCodec.encode(g.policy()));
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }
}
