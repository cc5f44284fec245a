package org.bastionforest.ldapsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.ExtendedResult;
import com.unboundid.ldap.sdk.Filter;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.Modification;
import com.unboundid.ldap.sdk.ModificationType;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldap.sdk.SearchResult;
import com.unboundid.ldap.sdk.SearchScope;
import com.unboundid.ldap.sdk.extensions.PasswordModifyExtendedRequest;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.shadowgroups.model.ObjectGuid;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The demo forest served by the demo production directory, read over LDAP. */
class EmbeddedDemoProductionDirectoryTest {
    static EmbeddedDemoProductionDirectory demo;
    static LDAPConnection sync;

    @BeforeAll
    static void start() throws Exception {
        try (InputStream ldif = Fixtures.open(Fixtures.DEMO_AD_FOREST)) {
            demo =
                    EmbeddedDemoProductionDirectory.start(
                            new DN(Fixtures.DEMO_ROOT), "127.0.0.1", 0, ldif);
        }
        sync = new LDAPConnection("127.0.0.1", demo.port());
        sync.bind(Fixtures.DEMO_SYNC_ACCOUNT_DN, Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD);
    }

    @AfterAll
    static void stop() {
        sync.close();
        demo.close();
    }

    private static Entry group(String name) throws LDAPException {
        return sync.searchForEntry(
                Fixtures.DEMO_ROOT,
                SearchScope.SUB,
                Filter.createANDFilter(
                        Filter.createEqualityFilter("objectClass", "group"),
                        Filter.createEqualityFilter("sAMAccountName", name)));
    }

    @Test
    void objectSids_decodeToDomainSidsAndWellKnownRids() throws Exception {
        assertThat(Sid.fromBytes(group("Domain Admins").getAttributeValueBytes("objectSid")))
                .hasToString(Fixtures.DEMO_DOMAIN_SID + "-512");
        assertThat(Sid.fromBytes(group("Server Operators").getAttributeValueBytes("objectSid")))
                .hasToString("S-1-5-32-549");
        SearchResult users =
                sync.search(
                        Fixtures.DEMO_ROOT,
                        SearchScope.SUB,
                        "(objectClass=user)",
                        "objectSid",
                        "objectGUID");
        assertThat(users.getEntryCount()).isGreaterThan(Fixtures.DEMO_USERS);
        for (Entry u : users.getSearchEntries()) {
            assertThat(Sid.fromBytes(u.getAttributeValueBytes("objectSid")).toString())
                    .startsWith("S-1-5-21-");
            assertThat(ObjectGuid.fromBytes(u.getAttributeValueBytes("objectGUID"))).isNotNull();
        }
    }

    /**
     * Every member of All Staff binds with the demo password from 8 threads at once. Before the
     * per-thread digest, UnboundID's salted encoder shared one MessageDigest and a few of these
     * correct binds failed with invalid credentials.
     */
    @Test
    void bind_whenManyUsersBindConcurrently_thenEveryCorrectPasswordIsAccepted() throws Exception {
        String[] members = group("All Staff").getAttributeValues("member");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger refused = new AtomicInteger();
        try {
            List<Future<?>> binds = new ArrayList<>();
            for (String dn : members) {
                binds.add(
                        pool.submit(
                                () -> {
                                    try (LDAPConnection c =
                                            new LDAPConnection("127.0.0.1", demo.port())) {
                                        c.bind(dn, Fixtures.DEMO_USER_PASSWORD);
                                    } catch (LDAPException e) {
                                        refused.incrementAndGet();
                                    }
                                }));
            }
            for (Future<?> b : binds) {
                b.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(members).hasSizeGreaterThan(1500);
        assertThat(refused.get()).as("correct passwords refused").isZero();
    }

    @Test
    void allStaff_hasMoreThan1500Members() throws Exception {
        assertThat(group("All Staff").getAttributeValues("member")).hasSizeGreaterThan(1500);
    }

    @Test
    void nonAsciiNames_roundTrip() throws Exception {
        Entry tanaka =
                sync.search(
                                Fixtures.DEMO_ROOT,
                                SearchScope.SUB,
                                Filter.createSubstringFilter(
                                        "displayName", null, new String[] {"田中"}, null))
                        .getSearchEntries()
                        .get(0);
        assertThat(tanaka).isNotNull();
        assertThat(tanaka.getDN()).contains("田中");
        assertThat(sync.getEntry(tanaka.getDN())).isNotNull();
    }

    @Test
    void bind_whenDemoUserWithDemoPassword_thenSucceedsAndWrongPasswordFails() throws Exception {
        Entry member = sync.getEntry(group("DBA Team").getAttributeValues("member")[0]);
        try (LDAPConnection c = new LDAPConnection("127.0.0.1", demo.port())) {
            assertThat(c.bind(member.getDN(), Fixtures.DEMO_USER_PASSWORD).getResultCode())
                    .isEqualTo(ResultCode.SUCCESS);
            assertThatThrownBy(() -> c.bind(member.getDN(), "Demo-Passw0rd?"))
                    .isInstanceOfSatisfying(
                            LDAPException.class,
                            e ->
                                    assertThat(e.getResultCode())
                                            .isEqualTo(ResultCode.INVALID_CREDENTIALS));
        }
    }

    @Test
    void writes_areRefusedAndChangeNothing() throws Exception {
        String admins = group("Domain Admins").getDN();
        int before = group("Domain Admins").getAttributeValues("member").length;
        assertThatThrownBy(
                        () ->
                                sync.modify(
                                        admins,
                                        new Modification(
                                                ModificationType.ADD,
                                                "member",
                                                Fixtures.DEMO_SYNC_ACCOUNT_DN)))
                .isInstanceOfSatisfying(
                        LDAPException.class,
                        e ->
                                assertThat(e.getResultCode())
                                        .isEqualTo(ResultCode.UNWILLING_TO_PERFORM));
        assertThatThrownBy(() -> sync.delete(Fixtures.DEMO_SYNC_ACCOUNT_DN))
                .isInstanceOf(LDAPException.class);
        assertThatThrownBy(
                        () ->
                                sync.add(
                                        "dn: CN=x," + Fixtures.DEMO_ROOT,
                                        "objectClass: container",
                                        "cn: x"))
                .isInstanceOf(LDAPException.class);
        assertThat(group("Domain Admins").getAttributeValues("member")).hasSize(before);
    }

    @Test
    void passwordModify_whenDemoUserChangesOwnPassword_thenRefusedAndPasswordUnchanged()
            throws Exception {
        try (LDAPConnection zoe = new LDAPConnection("127.0.0.1", demo.port())) {
            zoe.bind(Fixtures.DEMO_DOMAIN_ADMIN_USER_DN, Fixtures.DEMO_USER_PASSWORD);
            ExtendedResult result =
                    zoe.processExtendedOperation(
                            new PasswordModifyExtendedRequest(
                                    Fixtures.DEMO_USER_PASSWORD, "Changed-Passw0rd!"));
            assertThat(result.getResultCode()).isEqualTo(ResultCode.UNWILLING_TO_PERFORM);
            assertThat(
                            zoe.bind(
                                            Fixtures.DEMO_DOMAIN_ADMIN_USER_DN,
                                            Fixtures.DEMO_USER_PASSWORD)
                                    .getResultCode())
                    .isEqualTo(ResultCode.SUCCESS);
        }
    }

    @Test
    void bind_whenAccountDisabled_thenInvalidCredentialsLikeAd() throws Exception {
        try (LDAPConnection c = new LDAPConnection("127.0.0.1", demo.port())) {
            assertThatThrownBy(
                            () ->
                                    c.bind(
                                            Fixtures.DEMO_DISABLED_USER_DN,
                                            Fixtures.DEMO_USER_PASSWORD))
                    .isInstanceOfSatisfying(
                            LDAPException.class,
                            e -> {
                                assertThat(e.getResultCode())
                                        .isEqualTo(ResultCode.INVALID_CREDENTIALS);
                                assertThat(e.getDiagnosticMessage()).contains("data 533");
                            });
        }
    }

    @Test
    void documentedFacts_whenReadOverLdap_thenHold() throws Exception {
        Entry tanaka = sync.getEntry(Fixtures.DEMO_CJK_USER_DN, "displayName", "objectSid");
        assertThat(tanaka.getAttributeValue("displayName")).isEqualTo("田中 秀樹");
        assertThat(Sid.fromBytes(tanaka.getAttributeValueBytes("objectSid")).domainSid())
                .hasToString(Fixtures.DEMO_DOMAIN_SID);
        assertThat(sync.getEntry(Fixtures.DEMO_ALL_STAFF_DN).getAttributeValues("member"))
                .hasSize(Fixtures.DEMO_ALL_STAFF_MEMBERS);
        assertThat(sync.getEntry(Fixtures.DEMO_SQL_ADMINS_DN).getAttributeValues("member"))
                .contains(Fixtures.DEMO_DBA_TEAM_DN);
        assertThat(
                        sync.search(
                                        Fixtures.DEMO_ROOT,
                                        SearchScope.SUB,
                                        Filter.createEqualityFilter("userAccountControl", "514"),
                                        "1.1")
                                .getEntryCount())
                .isEqualTo(Fixtures.DEMO_DISABLED_USERS);
    }

    @Test
    void search_whenAnonymous_thenRefused() throws Exception {
        try (LDAPConnection anonymous = new LDAPConnection("127.0.0.1", demo.port())) {
            assertThatThrownBy(
                            () ->
                                    anonymous.search(
                                            Fixtures.DEMO_ROOT,
                                            SearchScope.SUB,
                                            "(objectClass=user)"))
                    .isInstanceOf(LDAPException.class);
        }
        assertThat(demo.check(Fixtures.DEMO_SYNC_ACCOUNT_DN, Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD))
                .startsWith("demo");
    }
}
