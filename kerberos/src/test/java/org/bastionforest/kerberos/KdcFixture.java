package org.bastionforest.kerberos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.bastionforest.shadowgroups.audit.AuditJournal;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.ActivationPolicy;
import org.bastionforest.shadowgroups.policy.Administrators;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.ShadowGroupService;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.NewRequest;
import org.bastionforest.shadowgroups.request.RequestService;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;

/**
 * The real core (in-memory HSQLDB, audit log, shadow groups, requests and grants) with a bastion
 * KDC on free loopback ports, on the system clock (MIT clients use it). Two shadow groups; alice
 * and bob are bastion accounts eligible for both.
 */
final class KdcFixture implements AutoCloseable {
    static final String REALM = "BASTION.TEST";
    static final String PASSWORD = "correct horse battery staple";
    static final UserId ROOT = UserId.of("root-admin");
    static final UserId ALICE = UserId.of("alice");
    static final UserId BOB = UserId.of("bob");
    static final Sid DOMAIN = Sid.parse("S-1-5-21-1004336348-1177238915-682003330");
    static final Sid BASTION_DOMAIN = Sid.parse("S-1-5-21-2000000001-2000000002-2000000003");
    static final Sid SQL_ADMINS = Sid.of(DOMAIN, 1108);
    static final Sid WEB_ADMINS = Sid.of(DOMAIN, 1109);
    static final ShadowGroupId SQL = ShadowGroupId.of("sql-admins");
    static final ShadowGroupId WEB = ShadowGroupId.of("web-admins");

    final Clock clock = Clock.systemUTC();
    final Database db;
    final AuditLog audit;

    /** With {@code kdc.ticket-audit: journal}: the journal, in a temporary directory; else null. */
    final AuditJournal journal;

    private final Path journalDirectory;
    final ShadowGroupService groups;
    final RequestService requests;
    final Map<UserId, AccountSource.Account> accounts = new ConcurrentHashMap<>();
    final BastionKdc kdc;

    /** When set, answers instead of the request service (for windows it cannot make). */
    volatile GrantWindows grantsOverride;

    KdcFixture() throws Exception {
        this(BastionKdc.Options.defaults(REALM).withAddress("127.0.0.1", 0, 0));
    }

    KdcFixture(BastionKdc.Options options) throws Exception {
        this(options, AuthorizationDataProvider.none());
    }

    KdcFixture(BastionKdc.Options options, AuthorizationDataProvider provider) throws Exception {
        this(
                options,
                provider,
                new DatabaseOptions(
                        "jdbc:hsqldb:mem:kdc" + System.nanoTime(),
                        "SA",
                        "",
                        4,
                        Duration.ofSeconds(5)));
    }

    KdcFixture(
            BastionKdc.Options options,
            AuthorizationDataProvider provider,
            DatabaseOptions database)
            throws Exception {
        db = Database.open(database);
        audit = new AuditLog(db);
        DirectoryFacts facts =
                new DirectoryFacts() {
                    @Override
                    public boolean isMemberOf(UserId user, Sid group) {
                        return false;
                    }

                    @Override
                    public Optional<Sid> userSid(UserId user) {
                        return Optional.of(Sid.of(DOMAIN, 5000 + user.value().length()));
                    }
                };
        Administrators admins = new Administrators(Set.of(ROOT), Set.of());
        groups = new ShadowGroupService(db, audit, facts, admins, clock);
        requests = new RequestService(db, audit, facts, (user, code) -> false, admins, clock);
        for (ShadowGroupId id : Set.of(SQL, WEB)) {
            groups.create(
                    ROOT,
                    ShadowGroup.of(
                            id,
                            id.toString(),
                            "test group",
                            "CN=" + id + ",OU=Groups,DC=corp,DC=example",
                            id.equals(SQL) ? SQL_ADMINS : WEB_ADMINS,
                            ActivationPolicy.builder()
                                    .eligibleUsers(Set.of(ALICE, BOB))
                                    .defaultDuration(Duration.ofHours(1))
                                    .maximumDuration(Duration.ofHours(8))
                                    .noApproval()
                                    .mfaRequired(false)
                                    .build()));
        }
        for (UserId u : Set.of(ALICE, BOB)) {
            accounts.put(u, account(u, true));
        }
        if (options.ticketAudit() == TicketAudit.JOURNAL) {
            journalDirectory = Files.createTempDirectory("kdc-journal");
            journal =
                    AuditJournal.open(
                            journalDirectory, audit, clock, AuditJournal.Settings.defaults());
        } else {
            journalDirectory = null;
            journal = null;
        }
        kdc =
                new BastionKdc(
                        options,
                        db,
                        audit,
                        journal,
                        user -> Optional.ofNullable(accounts.get(user)),
                        user -> {
                            GrantWindows override = grantsOverride;
                            return override != null
                                    ? override.effectiveWindow(user)
                                    : requests.effectiveWindow(user);
                        },
                        provider,
                        clock,
                        new byte[32]);
        kdc.start();
    }

    static AccountSource.Account account(UserId u, boolean enabled) {
        return new AccountSource.Account(
                u,
                enabled,
                Optional.of(Sid.of(BASTION_DOMAIN, 1000 + u.value().length())),
                Optional.of(u.value() + "@bastion.test"),
                u.value());
    }

    /** Activates a grant of {@code group} for {@code user} lasting {@code duration}. */
    AccessRequest grant(UserId user, ShadowGroupId group, Duration duration)
            throws BastionException {
        return requests.submit(user, NewRequest.of(group, duration, "kerberos test", null, null));
    }

    @Override
    public void close() {
        kdc.close();
        if (journal != null) {
            journal.close();
            try (Stream<Path> files = Files.walk(journalDirectory)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        audit.close();
        db.close();
    }
}
