package org.bastionforest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectory;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectoryOptions;
import org.bastionforest.ldapsync.embedded.EmbeddedDemoProductionDirectory;
import org.bastionforest.ldapsync.facts.ProductionDirectoryFacts;
import org.bastionforest.ldapsync.writer.LdapBastionDirectory;
import org.bastionforest.shadowgroups.audit.AuditLog;
import org.bastionforest.shadowgroups.audit.AuditQuery;
import org.bastionforest.shadowgroups.audit.AuditRecord;
import org.bastionforest.shadowgroups.directory.MembershipDispatcher;
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
import org.bastionforest.shadowgroups.request.RequestState;
import org.bastionforest.shadowgroups.storage.Database;
import org.bastionforest.shadowgroups.storage.DatabaseOptions;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's acceptance through the core API, on real components: the demo production directory
 * (eligibility and approvers, nested groups), an HSQLDB file database, the embedded bastion
 * directory, the membership writer and dispatcher, and the real {@code ldapsearch}. Define a shadow
 * group for the demo "SQL Admins", request it as an eligible user (a member of DBA Team, nested in
 * SQL Admins' eligibility), approve it as a member of "PAM Approvers", see the membership with
 * ldapsearch, close it early, see it gone; every step is in the audit log and the chain verifies.
 *
 * <p>Only the bastion accounts and the shadow principal are created by this test: that is the
 * sync's job (issue 3), which does not exist yet.
 */
class CoreStoryIT {
    static final String BASTION_ROOT = "DC=priv,DC=example";
    static final String ADMIN_DN = "CN=bastion-admin," + BASTION_ROOT;
    static final String ADMIN_PASSWORD = "core-story-admin-password-0123456789";
    @TempDir Path dir;

    @Test
    void story_requestApproveMembershipCloseGone_thenAuditChainVerifies() throws Exception {
        Path ldapsearch = ExternalTools.require("ldapsearch", "ldap-utils");
        Clock clock = Clock.systemUTC();
        try (InputStream ldif = Fixtures.open(Fixtures.DEMO_AD_FOREST);
                EmbeddedDemoProductionDirectory production =
                        EmbeddedDemoProductionDirectory.start(
                                new DN(Fixtures.DEMO_ROOT), "127.0.0.1", 0, ldif);
                EmbeddedBastionDirectory bastion =
                        EmbeddedBastionDirectory.start(
                                new EmbeddedBastionDirectoryOptions(
                                        new DN(BASTION_ROOT),
                                        "127.0.0.1",
                                        0,
                                        0,
                                        Optional.empty(),
                                        dir.resolve("bastion"),
                                        new DN(ADMIN_DN),
                                        ADMIN_PASSWORD.toCharArray()));
                Database database = Database.open(DatabaseOptions.embedded(dir));
                LDAPConnectionPool reader =
                        new LDAPConnectionPool(
                                new SingleServerSet("127.0.0.1", production.port()),
                                new SimpleBindRequest(
                                        Fixtures.DEMO_SYNC_ACCOUNT_DN,
                                        Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD),
                                1,
                                4)) {
            // the demo forest: SQL Admins, eligible DBA Team (nested in SQL Admins), approvers PAM
            // Approvers
            Entry sqlAdmins = group(reader, "SQL Admins");
            Sid sqlAdminsSid = Sid.fromBytes(sqlAdmins.getAttributeValueBytes("objectSid"));
            Sid dbaTeam =
                    Sid.fromBytes(group(reader, "DBA Team").getAttributeValueBytes("objectSid"));
            Sid approvers =
                    Sid.fromBytes(
                            group(reader, "PAM Approvers").getAttributeValueBytes("objectSid"));
            UserId requester = firstPerson(reader, "DBA Team");
            UserId approver = firstPerson(reader, "PAM Approvers");
            UserId outsider = firstPerson(reader, "Helpdesk");
            UserId admin = new UserId("pam-admin");

            // what the sync (issue 3) will do: bastion accounts and the shadow principal
            for (UserId u : List.of(requester, approver)) {
                bastion.pool()
                        .add(
                                "dn: CN=" + u.value() + ",CN=Users," + BASTION_ROOT,
                                "objectClass: top",
                                "objectClass: person",
                                "objectClass: organizationalPerson",
                                "objectClass: user",
                                "cn: " + u.value(),
                                "sn: " + u.value(),
                                "sAMAccountName: " + u.value());
            }
            String principalDn = "CN=SQL Admins," + bastion.shadowPrincipalContainer();
            Entry principal = new Entry(principalDn);
            principal.addAttribute("objectClass", "top", "msDS-ShadowPrincipal");
            principal.addAttribute("cn", "SQL Admins");
            principal.addAttribute("msDS-ShadowPrincipalSid", sqlAdminsSid.toBytes());
            bastion.pool().add(principal);

            // the core, wired as the service will wire it
            AuditLog audit = new AuditLog(database);
            ProductionDirectoryFacts facts =
                    new ProductionDirectoryFacts(
                            reader,
                            List.of(new DN(Fixtures.DEMO_ROOT)),
                            ProductionDirectoryFacts.Nesting.EXPAND);
            Administrators administrators = new Administrators(Set.of(admin), Set.of());
            ShadowGroupService groups =
                    new ShadowGroupService(database, audit, facts, administrators, clock);
            RequestService requests =
                    new RequestService(
                            database, audit, facts, (user, code) -> false, administrators, clock);
            MembershipDispatcher dispatcher =
                    new MembershipDispatcher(
                            database,
                            new LdapBastionDirectory(
                                    bastion.pool(),
                                    bastion.options().usersContainer(),
                                    bastion.shadowPrincipalContainer()),
                            audit,
                            clock,
                            MembershipDispatcher.Options.defaults());

            ShadowGroupId id = new ShadowGroupId("sql-admins");
            groups.create(
                    admin,
                    new ShadowGroup(
                            id,
                            "SQL Admins",
                            "Demo SQL Admins",
                            sqlAdmins.getDN(),
                            sqlAdminsSid,
                            ActivationPolicy.builder()
                                    .eligibleGroups(Set.of(dbaTeam))
                                    .defaultDuration(Duration.ofHours(1))
                                    .maximumDuration(Duration.ofHours(8))
                                    .approval(Set.of(), Set.of(approvers), 1)
                                    .mfaRequired(false)
                                    .justificationRequired(true)
                                    .noTicket()
                                    .build()));

            // an outsider may not ask; the eligible user may
            NewRequest ask =
                    new NewRequest(
                            id,
                            Optional.of(Duration.ofHours(1)),
                            "patch the SQL cluster",
                            Optional.empty(),
                            Optional.empty());
            assertThatThrownBy(() -> requests.submit(outsider, ask))
                    .isInstanceOf(BastionException.class);
            AccessRequest pending = requests.submit(requester, ask);
            assertThat(pending.state()).isEqualTo(RequestState.PENDING_APPROVAL);

            // nobody approves their own request; an approver does
            assertThatThrownBy(() -> requests.approve(pending.id(), requester))
                    .isInstanceOf(BastionException.class);
            AccessRequest active = requests.approve(pending.id(), approver);
            assertThat(active.state()).isEqualTo(RequestState.ACTIVE);

            dispatcher.dispatchDue();
            String members = ldapsearch(ldapsearch, bastion, principalDn);
            assertThat(members)
                    .contains("member: CN=" + requester.value() + ",CN=Users," + BASTION_ROOT);

            // the requester ends it early: the membership goes
            AccessRequest closed = requests.close(pending.id(), requester, "done early");
            assertThat(closed.state()).isEqualTo(RequestState.CLOSED);
            dispatcher.dispatchDue();
            assertThat(ldapsearch(ldapsearch, bastion, principalDn)).doesNotContain("member:");

            // every step is audited and the chain verifies
            List<String> types = new ArrayList<>();
            for (AuditRecord r : audit.query(AuditQuery.after(0, AuditQuery.MAX_LIMIT)).records()) {
                types.add(r.event().type());
            }
            assertThat(types)
                    .containsExactly(
                            "policy.created",
                            "request.submitted",
                            "request.approval",
                            "request.approved",
                            "grant.started",
                            "directory.member-added",
                            "grant.closed",
                            "directory.member-removed");
            assertThat(audit.verify().intact()).isTrue();
        }
    }

    private static Entry group(LDAPConnectionPool reader, String name) throws Exception {
        return reader.searchForEntry(
                Fixtures.DEMO_ROOT,
                SearchScope.SUB,
                Filter.createANDFilter(
                        Filter.createEqualityFilter("objectClass", "group"),
                        Filter.createEqualityFilter("sAMAccountName", name)));
    }

    private static UserId firstPerson(LDAPConnectionPool reader, String group) throws Exception {
        for (String dn : group(reader, group).getAttributeValues("member")) {
            Entry e = reader.getEntry(dn, "sAMAccountName", "objectClass");
            if (e.hasObjectClass("user")) {
                return new UserId(e.getAttributeValue("sAMAccountName"));
            }
        }
        throw new AssertionError("no person in " + group);
    }

    private static String ldapsearch(Path ldapsearch, EmbeddedBastionDirectory bastion, String dn)
            throws Exception {
        Process p =
                new ProcessBuilder(
                                ldapsearch.toString(),
                                "-LLL",
                                "-o",
                                "ldif-wrap=no",
                                "-x",
                                "-H",
                                "ldap://127.0.0.1:" + bastion.ldapPort(),
                                "-D",
                                ADMIN_DN,
                                "-w",
                                ADMIN_PASSWORD,
                                "-b",
                                dn,
                                "-s",
                                "base",
                                "member")
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }
}
