package org.bastionforest.shadowgroups.testing;

import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.directory.MembershipDispatcher;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.ActivationPolicy;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.ShadowGroupService;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.RequestService;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;

/**
 * The core wired for tests: a fresh database, a movable clock, in-memory production facts and
 * bastion directory, and a fake MFA verifier that accepts {@link #GOOD_CODE}.
 */
public final class Core implements AutoCloseable {
    public static final Instant T0 = Instant.parse("2026-03-02T09:00:00Z"); // a Monday
    public static final String GOOD_CODE = "123456";

    public static final UserId ROOT = UserId.of("root-admin");
    public static final UserId ALICE = UserId.of("alice");
    public static final UserId BOB = UserId.of("bob");
    public static final UserId CAROL = UserId.of("carol");
    public static final UserId DAVE = UserId.of("dave");
    public static final UserId MALLORY = UserId.of("mallory");

    public static final Sid DOMAIN = Sid.parse("S-1-5-21-1004336348-1177238915-682003330");
    public static final Sid SQL_ADMINS = Sid.of(DOMAIN, 1108);
    public static final Sid DBA_TEAM = Sid.of(DOMAIN, 1201);
    public static final Sid DB_ONCALL = Sid.of(DOMAIN, 1202);
    public static final Sid APPROVERS = Sid.of(DOMAIN, 1301);
    public static final ShadowGroupId SQL = ShadowGroupId.of("sql-admins");

    public final Database db;
    public final MutableClock clock = new MutableClock(T0);
    public final InMemoryDirectoryFacts facts = new InMemoryDirectoryFacts();
    public final FakeBastionDirectory directory = new FakeBastionDirectory();
    public final AuditLog audit;
    public final ShadowGroupService groups;
    public final RequestService requests;
    public final MembershipDispatcher dispatcher;
    public final Set<String> usedCodes = ConcurrentHashMap.newKeySet();
    public final java.util.List<RequestService.Deadline> scheduled =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    public Core(DatabaseOptions options) throws StorageException {
        db = Database.open(options);
        audit = new AuditLog(db);
        // dave is a DBA on call: a member of SQL admins' eligible group through nesting
        facts.member(DAVE, DB_ONCALL).nested(DB_ONCALL, DBA_TEAM);
        facts.member(BOB, APPROVERS);
        Administrators admins = new Administrators(Set.of(ROOT), Set.of());
        groups = new ShadowGroupService(db, audit, facts, admins, clock);
        requests =
                new RequestService(
                        db,
                        audit,
                        facts,
                        (user, code) -> GOOD_CODE.equals(code) && usedCodes.add(user + code),
                        admins,
                        clock,
                        scheduled::add);
        dispatcher =
                new MembershipDispatcher(
                        db,
                        directory,
                        audit,
                        clock,
                        new MembershipDispatcher.Options(
                                Duration.ofSeconds(1), Duration.ofSeconds(30), 100));
    }

    /** A fresh in-memory HSQLDB database. */
    public static DatabaseOptions hsqldb() {
        return new DatabaseOptions(
                "jdbc:hsqldb:mem:core" + System.nanoTime(), "SA", "", 4, Duration.ofSeconds(5));
    }

    /** The policy most tests start from: alice and DBA team eligible, 1 h default, 8 h max. */
    public static ActivationPolicy.Builder basePolicy() {
        return ActivationPolicy.builder()
                .eligibleUsers(Set.of(ALICE))
                .eligibleGroups(Set.of(DBA_TEAM))
                .defaultDuration(Duration.ofHours(1))
                .maximumDuration(Duration.ofHours(8));
    }

    /** Defines shadow group "sql-admins" with {@code policy}. */
    public ShadowGroup defineSql(ActivationPolicy policy) throws BastionException {
        return groups.create(
                ROOT,
                ShadowGroup.of(
                        SQL,
                        "SQL Admins",
                        "Administrators of the SQL estate",
                        "CN=SQL Admins,OU=Groups,DC=corp,DC=example",
                        SQL_ADMINS,
                        policy));
    }

    public static Optional<String> code(String c) {
        return Optional.ofNullable(c);
    }

    /** Runs a statement directly (for tamper tests). */
    public int sql(String statement) throws StorageException {
        return db.inTransaction(
                c -> {
                    try (Statement s = c.createStatement()) {
                        return s.executeUpdate(statement);
                    }
                });
    }

    @Override
    public void close() {
        db.close();
    }
}
