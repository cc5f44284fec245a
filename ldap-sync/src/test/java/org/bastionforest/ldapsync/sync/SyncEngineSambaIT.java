package org.bastionforest.ldapsync.sync;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bastionforest.ldapsync.sync.ad.RootDse;
import org.bastionforest.ldapsync.writer.LdapBastionDirectory;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.testsupport.ExternalTools;
import org.bastionforest.testsupport.SambaDc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Full and incremental sync from a real Samba AD DC, by DirSync and by uSNChanged, into the
 * embedded bastion: adds, attribute changes, renames (of users and of the managed group),
 * membership changes (which change nothing in the bastion), disables and deletes. Each run works in
 * its own OU.
 */
class SyncEngineSambaIT {
    static SambaDc dc;
    static LDAPConnectionPool production;

    @TempDir Path dir;
    SyncFixture fixture;
    String ou;
    DN ouDn;

    @BeforeAll
    static void start() throws Exception {
        dc = SambaDc.shared();
        production =
                new LDAPConnectionPool(
                        new SingleServerSet("127.0.0.1", 389),
                        new SimpleBindRequest(dc.adminDn(), dc.adminPassword()),
                        1,
                        4);
    }

    @AfterAll
    static void stop() {
        production.close();
    }

    @BeforeEach
    void open() throws Exception {
        fixture = new SyncFixture(dir);
        ou = "sync" + Long.toString(System.nanoTime() % 2_176_782_336L, 36);
        ouDn = new DN("OU=" + ou + "," + SambaDc.BASE_DN);
        production.add("dn: " + ouDn, "objectClass: organizationalUnit", "ou: " + ou);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    private void createUser(String sam) {
        dc.sambaTool(
                "user",
                "create",
                sam,
                "Sync-Passw0rd!1",
                "--userou=OU=" + ou,
                "--mail-address=" + sam + "@corp.samba.test");
    }

    private SearchResultEntry production(String sam) throws Exception {
        return production.searchForEntry(
                SambaDc.BASE_DN,
                SearchScope.SUB,
                Filter.createEqualityFilter("sAMAccountName", sam),
                "objectSid",
                "objectGUID",
                "userAccountControl");
    }

    @ParameterizedTest
    @EnumSource(
            value = SourceKind.class,
            names = {"AD_DIRSYNC", "AD_USN"})
    void run_whenSambaChanges_thenFullThenIncrementalFollowsEveryKindOfChange(SourceKind kind)
            throws Exception {
        assertThat(RootDse.read(production).supports(RootDse.DIRSYNC_OID)).isTrue();
        createUser(ou + "a");
        createUser(ou + "b");
        createUser(ou + "c");
        String groupName = "Sync Admins " + ou;
        dc.sambaTool("group", "add", groupName, "--groupou=OU=" + ou);
        SearchResultEntry group =
                production.searchForEntry(
                        ouDn.toString(),
                        SearchScope.SUB,
                        Filter.createEqualityFilter("sAMAccountName", groupName),
                        "objectSid");
        Sid groupSid = Sid.fromBytes(group.getAttributeValueBytes("objectSid"));
        SyncOptions options =
                SyncOptions.activeDirectory(kind, new DN(SambaDc.BASE_DN))
                        .withUserBases(List.of(ouDn))
                        .withMassDeleteShare(0.5);
        SyncEngine engine = fixture.engine(options, production, Set.of(groupSid));

        // full
        SyncResult first = engine.run();
        assertThat(first.outcome()).as(first.message()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(first.full()).isTrue();
        assertThat(first.counts().added()).isEqualTo(4); // three accounts, one principal
        assertThat(first.checkpoint()).isPresent();
        for (String sam : List.of(ou + "a", ou + "b", ou + "c")) {
            SearchResultEntry p = production(sam);
            SearchResultEntry b = fixture.account(sam).orElseThrow();
            assertThat(b.getAttributeValueBytes("objectSid"))
                    .isEqualTo(p.getAttributeValueBytes("objectSid"));
            assertThat(b.getAttributeValueBytes("objectGUID"))
                    .isEqualTo(p.getAttributeValueBytes("objectGUID"));
            assertThat(b.getAttributeValue("mail")).isEqualTo(sam + "@corp.samba.test");
        }
        // the values are what ldapsearch shows
        SearchResultEntry a = fixture.account(ou + "a").orElseThrow();
        String shown = ldapsearch(ou + "a");
        assertThat(shown)
                .contains(
                        "objectGUID:: "
                                + Base64.getEncoder()
                                        .encodeToString(a.getAttributeValueBytes("objectGUID")))
                .contains(
                        "objectSid:: "
                                + Base64.getEncoder()
                                        .encodeToString(a.getAttributeValueBytes("objectSid")));
        assertThat(fixture.principals())
                .singleElement()
                .satisfies(
                        p -> {
                            assertThat(p.getAttributeValue("cn")).isEqualTo(groupName);
                            assertThat(
                                            Sid.fromBytes(
                                                    p.getAttributeValueBytes(
                                                            "msDS-ShadowPrincipalSid")))
                                    .isEqualTo(groupSid);
                        });

        // nothing changed: nothing written
        SyncResult idle = engine.run();
        assertThat(idle.outcome()).as(idle.message()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(idle.full()).isFalse();
        assertThat(idle.counts().anyChange()).as(idle.message()).isFalse();

        // c and a hold grants: their memberships must end with the account or its logon name
        LdapBastionDirectory memberships =
                new LdapBastionDirectory(
                        fixture.target.ldap(),
                        fixture.target.accountsBase(),
                        fixture.target.shadowPrincipalContainer());
        memberships.addMember(UserId.of(ou + "c"), groupSid, Instant.now().plusSeconds(600));
        memberships.addMember(UserId.of(ou + "a"), groupSid, Instant.now().plusSeconds(600));

        // every kind of change
        ObjectGuid aGuid =
                ObjectGuid.fromBytes(production(ou + "a").getAttributeValueBytes("objectGUID"));
        createUser(ou + "d");
        production.modify(
                production(ou + "b").getDN(),
                new Modification(
                        ModificationType.REPLACE, "mail", "new-" + ou + "@corp.samba.test"));
        String cOld = production(ou + "c").getDN();
        production.modify(
                cOld, new Modification(ModificationType.REPLACE, "sAMAccountName", ou + "cc"));
        production.modifyDN(cOld, "CN=" + ou + "cc", true);
        dc.sambaTool("group", "addmembers", groupName, ou + "b"); // a membership: not copied
        production.modifyDN(group.getDN(), "CN=Renamed " + groupName, true);
        dc.sambaTool("user", "disable", ou + "b");
        dc.sambaTool("user", "delete", ou + "a");

        SyncPlan plan = engine.dryRun();
        assertThat(plan.counts().added()).as(plan.changes().toString()).isEqualTo(1);
        assertThat(fixture.account(ou + "d")).isEmpty();

        SyncResult incremental = engine.run();
        assertThat(incremental.outcome())
                .as(incremental.message())
                .isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(incremental.full()).isFalse();
        SyncResult.Counts n = incremental.counts();
        assertThat(n.added()).as(incremental.message()).isEqualTo(1);
        assertThat(n.updated()).as(incremental.message()).isEqualTo(1);
        assertThat(n.renamed()).as(incremental.message()).isEqualTo(2); // user and principal
        assertThat(n.deleted()).as(incremental.message()).isEqualTo(1);
        assertThat(fixture.account(ou + "d")).isPresent();
        Entry b = fixture.account(ou + "b").orElseThrow();
        assertThat(b.getAttributeValue("mail")).isEqualTo("new-" + ou + "@corp.samba.test");
        assertThat(b.getAttributeValue("userAccountControl")).isEqualTo("514");
        assertThat(b.hasAttribute("member")).isFalse();
        assertThat(fixture.account(ou + "c")).isEmpty();
        assertThat(fixture.account(ou + "cc").orElseThrow().getDN())
                .isEqualTo("CN=" + ou + "cc,CN=Users," + SyncFixture.BASTION_ROOT);
        assertThat(fixture.accountByGuid(aGuid)).isEmpty();
        assertThat(fixture.principals())
                .singleElement()
                .satisfies(
                        p ->
                                assertThat(p.getAttributeValue("cn"))
                                        .isEqualTo("Renamed " + groupName));
        assertThat(fixture.principals().get(0).hasAttribute("member")).isFalse();
        assertThat(memberships.members(groupSid)).isEmpty();
        assertThat(fixture.retired).containsKeys(ou + "a", ou + "b", ou + "c");

        SyncResult after = engine.run();
        assertThat(after.counts().anyChange()).as(after.message()).isFalse();
        assertThat(after.full()).isFalse();
        assertThat(engine.recentRuns(10)).hasSize(4);

        // a day later the run reads everything again, and still changes nothing
        SyncResult nextDay =
                fixture.engine(
                                options,
                                production,
                                Set.of(groupSid),
                                Clock.offset(Clock.systemUTC(), Duration.ofDays(1)))
                        .run();
        assertThat(nextDay.full()).isTrue();
        assertThat(nextDay.outcome()).as(nextDay.message()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(nextDay.counts().anyChange()).as(nextDay.message()).isFalse();
        assertThat(nextDay.counts().unchanged()).isEqualTo(4); // b, cc, d and the principal
    }

    @ParameterizedTest
    @EnumSource(
            value = SourceKind.class,
            names = {"AD_DIRSYNC", "AD_USN"})
    void run_whenTombstonesTripTheGuard_thenTheyStayPendingUntilAllowed(SourceKind kind)
            throws Exception {
        createUser(ou + "a");
        createUser(ou + "b");
        createUser(ou + "c");
        SyncEngine engine =
                fixture.engine(
                        SyncOptions.activeDirectory(kind, new DN(SambaDc.BASE_DN))
                                .withUserBases(List.of(ouDn)),
                        production,
                        Set.of());
        assertThat(engine.run().counts().added()).isEqualTo(3);
        dc.sambaTool("user", "delete", ou + "a");
        dc.sambaTool("user", "delete", ou + "b");

        SyncResult tripped = engine.run();
        assertThat(tripped.outcome())
                .as(tripped.message())
                .isEqualTo(SyncResult.Outcome.GUARD_TRIPPED);
        assertThat(tripped.pendingDeletions()).isEqualTo(2);
        assertThat(fixture.accounts()).hasSize(3);
        // the checkpoint moved on, the deletions did not get lost
        SyncResult again = engine.run();
        assertThat(again.outcome()).isEqualTo(SyncResult.Outcome.GUARD_TRIPPED);
        assertThat(again.pendingDeletions()).isEqualTo(2);
        assertThat(fixture.retired).isEmpty();

        SyncResult allowed = engine.run(true);
        assertThat(allowed.outcome()).as(allowed.message()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(allowed.counts().deleted()).isEqualTo(2);
        assertThat(fixture.accounts()).hasSize(1);
        assertThat(fixture.retired).containsOnlyKeys(ou + "a", ou + "b");
        assertThat(engine.run().counts().anyChange()).isFalse();
        assertThat(fixture.auditTypes())
                .containsExactly(
                        "sync.completed",
                        "sync.guard-tripped",
                        "sync.guard-tripped",
                        "sync.completed",
                        "sync.completed");
    }

    @ParameterizedTest
    @EnumSource(
            value = SourceKind.class,
            names = {"AD_DIRSYNC", "AD_USN"})
    void run_whenScopedByNestedGroups_thenMembershipChangesBringUsersInAndOut(SourceKind kind)
            throws Exception {
        for (String u : List.of("a", "b", "c", "d", "e")) {
            createUser(ou + u);
        }
        String outer = "Bastion Users " + ou;
        String inner = "Bastion Inner " + ou;
        dc.sambaTool("group", "add", outer, "--groupou=OU=" + ou);
        dc.sambaTool("group", "add", inner, "--groupou=OU=" + ou);
        dc.sambaTool("group", "addmembers", outer, ou + "a," + ou + "b," + inner);
        dc.sambaTool("group", "addmembers", inner, ou + "c," + ou + "d");
        DN outerDn = new DN("CN=" + outer + "," + ouDn);
        SyncEngine engine =
                fixture.engine(
                        SyncOptions.activeDirectory(kind, new DN(SambaDc.BASE_DN))
                                .withUserBases(List.of(ouDn))
                                .withScopeGroups(List.of(outerDn))
                                .withMassDeleteShare(0.5),
                        production,
                        Set.of());
        engine.rangeStep = 1; // one value per request: AD's ranged retrieval, for real
        assertThat(production.getEntry(outerDn.toString(), "member;range=0-0").getAttributes())
                .extracting(a -> a.getName())
                .containsExactly("member;range=0-0"); // Samba answers in ranges
        assertThat(
                        new GroupExpansion(production, SyncOptions.activeDirectory(kind, ouDn), 1)
                                .members(outerDn))
                .hasSize(3);

        SyncResult first = engine.run();
        assertThat(first.outcome()).as(first.message()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(fixture.accounts())
                .extracting(e -> e.getAttributeValue("sAMAccountName"))
                .containsExactlyInAnyOrder(ou + "a", ou + "b", ou + "c", ou + "d");
        assertThat(engine.run().counts().anyChange()).isFalse();

        // a membership change touches only the group: the changed member set forces a full read
        dc.sambaTool("group", "addmembers", inner, ou + "e");
        dc.sambaTool("group", "removemembers", outer, ou + "a");
        SyncResult changed = engine.run();
        assertThat(changed.outcome()).as(changed.message()).isEqualTo(SyncResult.Outcome.COMPLETED);
        assertThat(changed.full()).isTrue();
        assertThat(changed.counts().added()).isEqualTo(1);
        assertThat(changed.counts().deleted()).isEqualTo(1);
        assertThat(fixture.accounts())
                .extracting(e -> e.getAttributeValue("sAMAccountName"))
                .containsExactlyInAnyOrder(ou + "b", ou + "c", ou + "d", ou + "e");
        assertThat(fixture.retired).containsOnlyKeys(ou + "a");

        SyncResult idle = engine.run();
        assertThat(idle.full()).isFalse();
        assertThat(idle.counts().anyChange()).isFalse();

        // with the default guard, one of four leaving trips it, and keeps tripping until allowed
        SyncEngine guarded =
                fixture.engine(
                        SyncOptions.activeDirectory(kind, new DN(SambaDc.BASE_DN))
                                .withUserBases(List.of(ouDn))
                                .withScopeGroups(List.of(outerDn)),
                        production,
                        Set.of());
        dc.sambaTool("group", "removemembers", outer, ou + "b");
        assertThat(guarded.run().outcome()).isEqualTo(SyncResult.Outcome.GUARD_TRIPPED);
        SyncResult again = guarded.run();
        assertThat(again.outcome()).isEqualTo(SyncResult.Outcome.GUARD_TRIPPED);
        assertThat(again.full()).isTrue();
        SyncResult allowed = guarded.run(true);
        assertThat(allowed.counts().deleted()).as(allowed.message()).isEqualTo(1);
        assertThat(guarded.run().counts().anyChange()).isFalse();
        assertThat(fixture.account(ou + "b")).isEmpty();
    }

    private static String ldapsearch(String sam) throws IOException, InterruptedException {
        Path tool = ExternalTools.require("ldapsearch", "ldap-utils", "/usr/bin/ldapsearch");
        Process p =
                new ProcessBuilder(
                                tool.toString(),
                                "-LLL",
                                "-x",
                                "-H",
                                "ldap://127.0.0.1:389",
                                "-D",
                                dc.adminDn(),
                                "-w",
                                dc.adminPassword(),
                                "-b",
                                SambaDc.BASE_DN,
                                "(sAMAccountName=" + sam + ")",
                                "objectGUID",
                                "objectSid")
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
