package org.bastionforest.scheduler;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.directory.MembershipDispatcher;
import org.bastionforest.shadowgroups.directory.MembershipReconciler;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.ActivationPolicy;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.ShadowGroupService;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.NewRequest;
import org.bastionforest.shadowgroups.request.RequestId;
import org.bastionforest.shadowgroups.request.RequestService;
import org.bastionforest.shadowgroups.request.RequestState;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;

/**
 * One service node for tests: the core on a database, the recording directory, and a {@link
 * GrantScheduler} (not started). Several nodes may share one PostgreSQL database.
 */
final class Node implements AutoCloseable {
    static final UserId ROOT = UserId.of("root-admin");
    static final Sid DOMAIN = Sid.parse("S-1-5-21-1004336348-1177238915-682003330");
    static final Sid SQL_ADMINS = Sid.of(DOMAIN, 1108);
    static final Sid ELIGIBLE = Sid.of(DOMAIN, 1201);
    static final ShadowGroupId SQL = ShadowGroupId.of("sql-admins");

    /** The shortest grant a policy allows. */
    static final Duration GRANT = ActivationPolicy.MIN_DURATION;

    /** Everybody is in ELIGIBLE. */
    static final DirectoryFacts FACTS =
            new DirectoryFacts() {
                @Override
                public boolean isMemberOf(UserId user, Sid group) {
                    return ELIGIBLE.equals(group);
                }

                @Override
                public Optional<Sid> userSid(UserId user) {
                    return Optional.empty();
                }
            };

    final Database db;
    final ShiftClock clock = new ShiftClock();
    final RecordingDirectory directory;
    final AuditLog audit;
    final ShadowGroupService groups;
    final RequestService requests;
    final MembershipDispatcher dispatcher;
    final MembershipReconciler reconciler;
    final GrantScheduler scheduler;

    Node(
            DatabaseOptions options,
            RecordingDirectory directory,
            GrantScheduler.Options schedulerOptions)
            throws BastionException {
        this(options, directory, schedulerOptions, SyncRunner.NONE);
    }

    Node(
            DatabaseOptions options,
            RecordingDirectory directory,
            GrantScheduler.Options schedulerOptions,
            SyncRunner sync)
            throws BastionException {
        this.directory = directory;
        db = Database.open(options);
        try {
            audit = new AuditLog(db);
            Administrators admins = new Administrators(Set.of(ROOT), Set.of());
            groups = new ShadowGroupService(db, audit, FACTS, admins, clock);
            dispatcher =
                    new MembershipDispatcher(
                            db,
                            directory,
                            audit,
                            clock,
                            new MembershipDispatcher.Options(
                                    Duration.ofMillis(200), Duration.ofSeconds(1), 500));
            reconciler = new MembershipReconciler(db, directory, audit, clock);
            scheduler =
                    new GrantScheduler(db, dispatcher, reconciler, sync, clock, schedulerOptions);
            requests =
                    new RequestService(
                            db, audit, FACTS, (user, code) -> false, admins, clock, scheduler);
            scheduler.bind(requests);
        } catch (BastionException | RuntimeException e) {
            db.close();
            throw e;
        }
    }

    /** Test options: few threads, short intervals, not clustered. */
    static GrantScheduler.Options options(String instanceId) {
        return new GrantScheduler.Options(
                4,
                Duration.ofSeconds(2),
                false,
                Duration.ofSeconds(2),
                instanceId,
                Duration.ofMillis(500),
                Duration.ofSeconds(30),
                Duration.ofHours(1),
                Duration.ofHours(1));
    }

    /** Defines shadow group "sql-admins" without approval (no-op when it exists). */
    void defineGroup() throws BastionException {
        try {
            groups.create(
                    ROOT,
                    ShadowGroup.of(
                            SQL,
                            "SQL Admins",
                            "Administrators of the SQL estate",
                            "CN=SQL Admins,OU=Groups,DC=corp,DC=example",
                            SQL_ADMINS,
                            ActivationPolicy.builder()
                                    .eligibleGroups(Set.of(ELIGIBLE))
                                    .noApproval()
                                    .noTicket()
                                    .defaultDuration(GRANT)
                                    .maximumDuration(Duration.ofHours(1))
                                    .maximumExtensions(5)
                                    .build()));
        } catch (ConflictException exists) {
            // defined by another node
        }
    }

    /**
     * An active one-minute grant for {@code user} that ends {@code endsIn} from now: requested as
     * if it were {@code GRANT - endsIn} ago.
     */
    AccessRequest grantEndingIn(UserId user, Duration endsIn) throws BastionException {
        clock.shift(endsIn.minus(GRANT));
        try {
            AccessRequest r = requests.submit(user, NewRequest.of(SQL, GRANT, "test", null, null));
            if (r.state() != RequestState.ACTIVE) {
                throw new IllegalStateException("not active: " + r);
            }
            return r;
        } finally {
            clock.shift(Duration.ZERO);
        }
    }

    Instant endOf(AccessRequest r) {
        return r.grant().orElseThrow().endsAt();
    }

    /** The request's state and, for a grant, when it ended, straight from the database. */
    record Row(RequestState state, Optional<Instant> endedAt) {}

    Row row(RequestId id) throws BastionException {
        return db.inTransaction(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT r.state, g.ended_at FROM access_requests r LEFT JOIN"
                                            + " grants g ON g.request_id = r.request_id WHERE"
                                            + " r.request_id = ?")) {
                        ps.setObject(1, id.uuid());
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            java.time.OffsetDateTime ended =
                                    rs.getObject(2, java.time.OffsetDateTime.class);
                            return new Row(
                                    RequestState.valueOf(rs.getString(1)),
                                    Optional.ofNullable(ended)
                                            .map(java.time.OffsetDateTime::toInstant));
                        }
                    }
                });
    }

    int count(String sql) throws BastionException {
        return db.inTransaction(
                c -> {
                    try (PreparedStatement ps = c.prepareStatement(sql);
                            ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        return rs.getInt(1);
                    }
                });
    }

    /** Waits until {@code condition} holds, at most {@code timeout}; returns whether it did. */
    static boolean await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    @Override
    public void close() {
        scheduler.close();
        db.close();
    }
}
