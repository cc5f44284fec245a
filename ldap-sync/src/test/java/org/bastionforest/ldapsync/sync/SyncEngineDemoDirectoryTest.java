package org.bastionforest.ldapsync.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bastionforest.ldapsync.embedded.EmbeddedDemoProductionDirectory;
import org.bastionforest.ldapsync.writer.LdapBastionDirectory;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine against the demo production directory (AD-like, 2,000 people, read-only, no USN in its
 * root DSE: every run reads everything) and the embedded bastion directory.
 */
class SyncEngineDemoDirectoryTest {
    static EmbeddedDemoProductionDirectory demo;
    static LDAPConnectionPool production;
    static int usersInDemo;
    static Sid sqlAdmins;
    static Sid domainAdmins;

    @TempDir Path dir;
    SyncFixture fixture;

    @BeforeAll
    static void startDemo() throws Exception {
        try (InputStream ldif = Fixtures.open(Fixtures.DEMO_AD_FOREST)) {
            demo =
                    EmbeddedDemoProductionDirectory.start(
                            new DN(Fixtures.DEMO_ROOT), "127.0.0.1", 0, ldif);
        }
        production =
                new LDAPConnectionPool(
                        new SingleServerSet("127.0.0.1", demo.port()),
                        new SimpleBindRequest(
                                Fixtures.DEMO_SYNC_ACCOUNT_DN, Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD),
                        1,
                        4);
        usersInDemo =
                production
                        .search(
                                Fixtures.DEMO_ROOT,
                                SearchScope.SUB,
                                SyncOptions.AD_USER_FILTER,
                                "1.1")
                        .getEntryCount();
        sqlAdmins = sidOf(Fixtures.DEMO_SQL_ADMINS_DN);
        domainAdmins = sidOf(Fixtures.DEMO_DOMAIN_ADMINS_DN);
    }

    static Sid sidOf(String dn) throws Exception {
        return Sid.fromBytes(
                production.getEntry(dn, "objectSid").getAttributeValueBytes("objectSid"));
    }

    @AfterAll
    static void stopDemo() {
        production.close();
        demo.close();
    }

    /** The database the engine keeps its state in (the Postgres IT overrides it). */
    protected DatabaseOptions database() {
        return SyncFixture.hsqldb();
    }

    @BeforeEach
    void open() throws Exception {
        fixture = new SyncFixture(dir, database());
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    SyncOptions options() throws Exception {
        return SyncOptions.activeDirectory(SourceKind.AD_USN, new DN(Fixtures.DEMO_ROOT));
    }

    SyncEngine engine(SyncOptions options) {
        return fixture.engine(options, production, Set.of(sqlAdmins, domainAdmins));
    }

    @Test
    void run_whenTheBastionIsEmpty_thenEveryUserAndManagedGroupIsCopiedWithSidsAndGuids()
            throws Exception {
        SyncResult result = engine(options()).run();

        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(result.full()).isTrue();
        assertThat(usersInDemo).isGreaterThanOrEqualTo(Fixtures.DEMO_USERS);
        assertThat(result.counts().added()).isEqualTo(usersInDemo + 2);
        assertThat(fixture.accounts()).hasSize(usersInDemo);

        SearchResultEntry prod =
                production.getEntry(Fixtures.DEMO_DOMAIN_ADMIN_USER_DN, "objectSid", "objectGUID");
        SearchResultEntry zoe = fixture.account("zangstroem").orElseThrow();
        assertThat(zoe.getAttributeValueBytes("objectSid"))
                .isEqualTo(prod.getAttributeValueBytes("objectSid"));
        assertThat(zoe.getAttributeValueBytes("objectGUID"))
                .isEqualTo(prod.getAttributeValueBytes("objectGUID"));
        assertThat(zoe.getAttributeValue("userAccountControl")).isEqualTo("512");
        assertThat(zoe.getAttributeValue("displayName")).isEqualTo("Zoë Ångström");
        assertThat(fixture.account("htanaka").orElseThrow().getDN())
                .isEqualTo("CN=htanaka,CN=Users," + SyncFixture.BASTION_ROOT);
        assertThat(
                        fixture.account("ddeparted")
                                .orElseThrow()
                                .getAttributeValue("userAccountControl"))
                .isEqualTo("514");

        assertThat(fixture.principals())
                .extracting(e -> Sid.fromBytes(e.getAttributeValueBytes("msDS-ShadowPrincipalSid")))
                .containsExactlyInAnyOrder(sqlAdmins, domainAdmins);
        assertThat(fixture.principals())
                .extracting(SearchResultEntry::getDN)
                .contains("CN=SQL Admins," + fixture.target.shadowPrincipalContainer());

        // the membership writer finds what the sync wrote
        LdapBastionDirectory writer =
                new LdapBastionDirectory(
                        fixture.target.ldap(),
                        fixture.target.accountsBase(),
                        fixture.target.shadowPrincipalContainer());
        writer.addMember(UserId.of("zangstroem"), sqlAdmins, Instant.now().plusSeconds(60));
        assertThat(writer.members(sqlAdmins)).containsExactly(UserId.of("zangstroem"));

        assertThat(fixture.auditTypes()).containsExactly("sync.completed");
        assertThat(engine(options()).recentRuns(5))
                .extracting(SyncResult::runId)
                .containsExactly(result.runId());
    }

    @Test
    void run_whenRunTwiceWithoutChanges_thenTheSecondWritesNothing() throws Exception {
        engine(options()).run();
        long modifiedBefore = lastChange();

        SyncResult second = engine(options()).run();

        assertThat(second.outcome()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(second.counts().anyChange()).isFalse();
        assertThat(second.counts().unchanged()).isEqualTo(usersInDemo + 2);
        assertThat(lastChange()).isEqualTo(modifiedBefore);
        assertThat(fixture.retired).isEmpty();
    }

    /** A digest of every account and shadow principal, DN and attributes. */
    private long lastChange() throws Exception {
        long h = 0;
        for (SearchResultEntry e : fixture.accounts()) {
            h = h * 31 + e.toLDIFString().hashCode();
        }
        for (SearchResultEntry e : fixture.principals()) {
            h = h * 31 + e.toLDIFString().hashCode();
        }
        return h;
    }

    @Test
    void dryRun_whenTheBastionIsEmpty_thenThePlanListsTheAddsAndNothingIsWritten()
            throws Exception {
        SyncPlan plan = engine(options()).dryRun();

        assertThat(plan.full()).isTrue();
        assertThat(plan.counts().added()).isEqualTo(usersInDemo + 2);
        assertThat(plan.changes()).hasSize(Math.min(SyncPlan.MAX_LISTED, usersInDemo + 2));
        assertThat(plan.changes().get(0).action()).isEqualTo(SyncPlan.Action.ADD);
        assertThat(fixture.accounts()).isEmpty();
        assertThat(fixture.principals()).isEmpty();
        assertThat(fixture.auditTypes()).isEmpty();
        assertThat(engine(options()).recentRuns(5)).isEmpty();
    }

    @Test
    void run_whenProductionLooksEmpty_thenTheGuardTripsAndNothingIsDeleted() throws Exception {
        engine(options()).run();
        SyncOptions nobody =
                options()
                        .withUserFilter(
                                Filter.createEqualityFilter("sAMAccountName", "nobody-at-all"));

        SyncResult result = engine(nobody).run();

        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.GUARD_TRIPPED);
        assertThat(result.counts().deleted()).isZero();
        assertThat(result.pendingDeletions()).isEqualTo(usersInDemo);
        assertThat(result.message()).contains("no user in scope");
        assertThat(fixture.accounts()).hasSize(usersInDemo);
        assertThat(fixture.retired).isEmpty();
        assertThat(fixture.auditTypes()).endsWith("sync.guard-tripped");
    }

    @Test
    void run_whenMoreThanTheShareWouldGo_thenTheGuardTripsUnlessAllowed() throws Exception {
        engine(options()).run();
        SyncOptions serviceAccountsOnly =
                options()
                        .withUserBases(
                                List.of(new DN("OU=Service Accounts," + Fixtures.DEMO_ROOT)));

        SyncPlan plan = engine(serviceAccountsOnly).dryRun();
        assertThat(plan.guardWouldTrip()).isTrue();
        assertThat(plan.counts().deleted()).isGreaterThan(usersInDemo / 2);
        assertThat(plan.changes())
                .hasSize(Math.min(SyncPlan.MAX_LISTED, plan.counts().deleted()))
                .allSatisfy(c -> assertThat(c.action()).isEqualTo(SyncPlan.Action.DELETE))
                .allSatisfy(c -> assertThat(c.kind()).isEqualTo(SyncPlan.ObjectKind.ACCOUNT));
        assertThat(fixture.accounts()).hasSize(usersInDemo);

        SyncResult tripped = engine(serviceAccountsOnly).run();
        assertThat(tripped.outcome()).isEqualTo(SyncResult.Outcome.GUARD_TRIPPED);
        assertThat(tripped.message()).contains("bastion accounts would be deleted");
        assertThat(fixture.accounts()).hasSize(usersInDemo);

        LdapBastionDirectory writer =
                new LdapBastionDirectory(
                        fixture.target.ldap(),
                        fixture.target.accountsBase(),
                        fixture.target.shadowPrincipalContainer());
        writer.addMember(UserId.of("zangstroem"), sqlAdmins, Instant.now().plusSeconds(600));

        SyncResult allowed = engine(serviceAccountsOnly).run(true);
        assertThat(allowed.outcome()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(allowed.counts().deleted()).isEqualTo(usersInDemo - fixture.accounts().size());
        assertThat(fixture.account("zangstroem")).isEmpty();
        assertThat(fixture.account("svc-bastion-sync")).isPresent();
        assertThat(fixture.retired).containsKey("zangstroem");
        assertThat(writer.members(sqlAdmins)).isEmpty(); // no membership of a deleted account
    }

    @Test
    void run_whenProductionIsUnreachable_thenFailedRecordedAndNothingDeleted() throws Exception {
        engine(options()).run();
        try (LDAPConnectionPool down =
                new LDAPConnectionPool(
                        new SingleServerSet("127.0.0.1", FreePorts.next()),
                        new SimpleBindRequest(),
                        0,
                        1,
                        null,
                        false)) {
            SyncResult result =
                    fixture.engine(options(), down, Set.of(sqlAdmins, domainAdmins)).run();

            assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.FAILED);
            assertThat(result.message()).contains("could not be reached");
        }
        assertThat(fixture.accounts()).hasSize(usersInDemo);
        assertThat(fixture.principals()).hasSize(2);
        assertThat(fixture.auditTypes()).endsWith("sync.failed");
    }

    @Test
    void run_whenAnAccountIsAnchoredByGuid_thenAHandMadeAccountIsLeftAlone() throws Exception {
        fixture.target
                .ldap()
                .add(
                        "dn: CN=breakglass,CN=Users," + SyncFixture.BASTION_ROOT,
                        "objectClass: top",
                        "objectClass: person",
                        "objectClass: organizationalPerson",
                        "objectClass: user",
                        "cn: breakglass",
                        "sn: breakglass",
                        "sAMAccountName: breakglass");
        engine(options()).run();
        engine(options()).run();

        assertThat(fixture.account("breakglass")).isPresent();
        ObjectGuid zoe =
                ObjectGuid.fromBytes(
                        production
                                .getEntry(Fixtures.DEMO_DOMAIN_ADMIN_USER_DN, "objectGUID")
                                .getAttributeValueBytes("objectGUID"));
        assertThat(fixture.accountByGuid(zoe)).isPresent();
    }

    @Test
    void run_whenAnotherRunIsUnderWay_thenConflictAtOnceAndTheFirstCompletes() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ManagedGroups slow =
                () -> {
                    inside.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Set.of(sqlAdmins);
                };
        SyncEngine first =
                new SyncEngine(
                        options(),
                        production,
                        fixture.target,
                        fixture.db,
                        fixture.audit,
                        slow,
                        fixture.lifecycle,
                        Clock.systemUTC());
        ExecutorService thread = Executors.newSingleThreadExecutor();
        try {
            Future<SyncResult> running = thread.submit(() -> first.run());
            assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();

            assertThatThrownBy(() -> engine(options()).run())
                    .isInstanceOf(ConflictException.class)
                    .hasMessageContaining("running already");
            assertThatThrownBy(() -> engine(options()).dryRun())
                    .isInstanceOf(ConflictException.class);

            release.countDown();
            assertThat(running.get(60, TimeUnit.SECONDS).outcome())
                    .isEqualTo(SyncResult.Outcome.COMPLETED);
        } finally {
            release.countDown();
            thread.shutdownNow();
        }
        assertThat(engine(options()).run().outcome()).isEqualTo(SyncResult.Outcome.COMPLETED);
    }

    @Test
    void run_whenAnAccountCannotBeWritten_thenFailedNamingItNoDeletionAndTheNextRunCatchesUp()
            throws Exception {
        engine(options()).run();
        fixture.target.ldap().delete("CN=zangstroem,CN=Users," + SyncFixture.BASTION_ROOT);
        // a hand-made entry in the way of zangstroem's account
        fixture.target
                .ldap()
                .add(
                        "dn: CN=zangstroem,CN=Users," + SyncFixture.BASTION_ROOT,
                        "objectClass: top",
                        "objectClass: person",
                        "objectClass: organizationalPerson",
                        "objectClass: user",
                        "cn: zangstroem",
                        "sn: zangstroem",
                        "sAMAccountName: zangstroem-by-hand");
        SyncOptions fewer =
                options().withUserBases(List.of(new DN("OU=People," + Fixtures.DEMO_ROOT)));

        SyncResult failed = engine(fewer.withMassDeleteShare(1)).run();

        assertThat(failed.outcome()).isEqualTo(SyncResult.Outcome.FAILED);
        assertThat(failed.counts().failed()).isEqualTo(1);
        assertThat(failed.message()).contains("Zoë Ångström").contains("entry already exists");
        assertThat(failed.counts().deleted()).isZero(); // no deletion after a failed batch
        assertThat(fixture.account("svc-bastion-sync")).isPresent();
        assertThat(fixture.auditTypes()).endsWith("sync.failed");

        fixture.target.ldap().delete("CN=zangstroem,CN=Users," + SyncFixture.BASTION_ROOT);
        SyncResult next = engine(fewer.withMassDeleteShare(1)).run();
        assertThat(next.outcome()).as(next.message()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(next.counts().added()).isEqualTo(1);
        assertThat(next.counts().deleted()).isPositive(); // the service accounts left the scope
        assertThat(fixture.account("zangstroem")).isPresent();
        assertThat(fixture.account("svc-bastion-sync")).isEmpty();
    }

    @Test
    void run_whenScopedBySqlAdmins_thenOnlyItsDirectAndNestedMembers() throws Exception {
        Set<String> expected = new java.util.TreeSet<>();
        for (String group : List.of(Fixtures.DEMO_SQL_ADMINS_DN, Fixtures.DEMO_DBA_TEAM_DN)) {
            for (String member :
                    production.getEntry(group, "member").getAttributeValues("member")) {
                SearchResultEntry e = production.getEntry(member, "sAMAccountName", "objectClass");
                if (!e.hasObjectClass("group")) {
                    expected.add(
                            e.getAttributeValue("sAMAccountName")
                                    .toLowerCase(java.util.Locale.ROOT));
                }
            }
        }
        SyncEngine engine =
                engine(options().withScopeGroups(List.of(new DN(Fixtures.DEMO_SQL_ADMINS_DN))));
        engine.rangeStep = 2; // the in-memory server has no ranges: plain member is read

        SyncResult result = engine.run();

        assertThat(result.outcome()).as(result.message()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(expected).contains("svc-sql").hasSizeGreaterThan(6);
        assertThat(fixture.accounts())
                .extracting(
                        e ->
                                e.getAttributeValue("sAMAccountName")
                                        .toLowerCase(java.util.Locale.ROOT))
                .containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void run_whenDirSyncIsNotOffered_thenFailedSayingWhatToConfigureAndNothingWritten()
            throws Exception {
        SyncResult result =
                engine(
                                SyncOptions.activeDirectory(
                                        SourceKind.AD_DIRSYNC, new DN(Fixtures.DEMO_ROOT)))
                        .run();

        assertThat(result.outcome()).isEqualTo(SyncResult.Outcome.FAILED);
        assertThat(result.message()).contains("DirSync").contains("AD_USN");
        assertThat(fixture.accounts()).isEmpty();
        assertThat(fixture.auditTypes()).containsExactly("sync.failed");
    }
}
