package org.bastionforest.ldapsync.writer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnectionPool;
import com.unboundid.ldap.sdk.LDAPException;
import com.unboundid.ldap.sdk.SimpleBindRequest;
import com.unboundid.ldap.sdk.SingleServerSet;
import java.util.List;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.testsupport.SambaDc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The writer against a real Samba AD DC (4.17) as the bastion directory. Samba does not implement
 * the Windows Server 2016 PAM feature: with the shadow principal schema objects added (the harness
 * does), a shadow principal can be created and found by its SID, but Samba's SAM module refuses
 * every change of its {@code member} attribute ("operations error", samldb.c). These tests pin that
 * behaviour down: the writer reports it as a clean {@link DirectoryUnavailableException} and writes
 * nothing, so the core's outbox keeps retrying instead of believing a membership exists. Should a
 * Samba release accept the change, {@link
 * #addMember_whenSamba417_thenRefusedCleanlyAndNothingWritten} fails and the full contract should
 * run here.
 */
class SambaBastionDirectoryWriterIT {
    static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration," + SambaDc.BASE_DN;
    static final Sid SID = Sid.parse("S-1-5-21-2614736917-1203569437-3412578221-512");
    static SambaDc dc;
    static LDAPConnectionPool pool;

    @BeforeAll
    static void start() throws Exception {
        dc = SambaDc.shared();
        pool =
                new LDAPConnectionPool(
                        new SingleServerSet("127.0.0.1", 389),
                        new SimpleBindRequest(dc.adminDn(), dc.adminPassword()),
                        1,
                        4);
        for (String sam : new String[] {"alice", "bob"}) {
            if (pool.getEntry("CN=" + sam + ",CN=Users," + SambaDc.BASE_DN) == null) {
                dc.sambaTool("user", "create", sam, "Writer-Test-Passw0rd!");
            }
        }
        if (pool.getEntry(CONTAINER) == null) {
            pool.add(
                    "dn: " + CONTAINER,
                    "objectClass: top",
                    "objectClass: msDS-ShadowPrincipalContainer",
                    "cn: Shadow Principal Configuration");
        }
        String principal = "CN=Corp Domain Admins," + CONTAINER;
        if (pool.getEntry(principal) == null) {
            Entry e = new Entry(principal);
            e.addAttribute("objectClass", "top", "msDS-ShadowPrincipal");
            e.addAttribute("cn", "Corp Domain Admins");
            e.addAttribute("msDS-ShadowPrincipalSid", SID.toBytes());
            pool.add(e);
        }
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    private LdapBastionDirectory writer() {
        return new LdapBastionDirectory(pool, accountsBase(), container());
    }

    @Test
    void members_whenPrincipalCreatedWithTheSid_thenFoundAndEmpty() throws Exception {
        assertThat(writer().members(SID)).isEmpty();
    }

    @Test
    void addMember_whenSamba417_thenRefusedCleanlyAndNothingWritten() throws Exception {
        assertThatThrownBy(
                        () ->
                                writer().addMember(
                                                new UserId("alice"),
                                                SID,
                                                BastionDirectoryContract.UNTIL))
                .isInstanceOf(DirectoryUnavailableException.class)
                .hasMessageContaining("operations error");
        assertThat(pool.getEntry(principalDn().toString(), "member").hasAttribute("member"))
                .isFalse();
    }

    @Test
    void addMember_whenAccountUnknownOrInjection_thenUnavailableBeforeAnyWrite() {
        for (String attack : List.of("nobody-here", "*", "alice)(sAMAccountName=*")) {
            assertThatThrownBy(
                            () ->
                                    writer().addMember(
                                                    new UserId(attack),
                                                    SID,
                                                    BastionDirectoryContract.UNTIL))
                    .as(attack)
                    .isInstanceOf(DirectoryUnavailableException.class)
                    .hasMessageContaining("no bastion account");
        }
    }

    @Test
    void removeMember_whenSamba417_thenRefusedCleanlyToo() throws Exception {
        assertThatThrownBy(() -> writer().removeMember(new UserId("alice"), SID))
                .isInstanceOf(DirectoryUnavailableException.class)
                .hasMessageContaining("operations error");
        assertThat(writer().members(SID)).isEmpty();
    }

    private DN accountsBase() {
        return dn("CN=Users," + SambaDc.BASE_DN);
    }

    private DN container() {
        return dn(CONTAINER);
    }

    private DN principalDn() {
        return dn("CN=Corp Domain Admins," + CONTAINER);
    }

    private static DN dn(String dn) {
        try {
            return new DN(dn);
        } catch (LDAPException e) {
            throw new IllegalStateException(e);
        }
    }
}
