package org.bastionforest.ldapsync.writer;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPInterface;
import java.nio.file.Path;
import java.util.Optional;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectory;
import org.bastionforest.ldapsync.embedded.EmbeddedBastionDirectoryOptions;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer against the embedded bastion directory. */
class EmbeddedBastionDirectoryWriterTest extends BastionDirectoryContract {
    static final String ROOT = "DC=priv,DC=example";
    static final Sid SID = Sid.parse("S-1-5-21-2614736917-1203569437-3412578221-512");
    @TempDir static Path dir;
    static EmbeddedBastionDirectory directory;

    @BeforeAll
    static void start() throws Exception {
        directory =
                EmbeddedBastionDirectory.start(
                        new EmbeddedBastionDirectoryOptions(
                                new DN(ROOT),
                                "127.0.0.1",
                                0,
                                0,
                                Optional.empty(),
                                dir,
                                new DN("CN=bastion-admin," + ROOT),
                                "writer-test-password-0123456789".toCharArray()));
        for (String sam : new String[] {"alice", "bob"}) {
            directory
                    .pool()
                    .add(
                            "dn: CN=" + sam + ",CN=Users," + ROOT,
                            "objectClass: top",
                            "objectClass: person",
                            "objectClass: organizationalPerson",
                            "objectClass: user",
                            "cn: " + sam,
                            "sn: " + sam,
                            "sAMAccountName: " + sam);
        }
        com.unboundid.ldap.sdk.Entry principal =
                new com.unboundid.ldap.sdk.Entry(
                        "CN=Domain Admins," + directory.shadowPrincipalContainer());
        principal.addAttribute("objectClass", "top", "msDS-ShadowPrincipal");
        principal.addAttribute("cn", "Domain Admins");
        principal.addAttribute("msDS-ShadowPrincipalSid", SID.toBytes());
        directory.pool().add(principal);
    }

    @AfterAll
    static void stop() {
        directory.close();
    }

    @Override
    protected LDAPInterface ldap() {
        return directory.pool();
    }

    @Override
    protected DN accountsBase() {
        return directory.options().usersContainer();
    }

    @Override
    protected DN container() {
        return directory.shadowPrincipalContainer();
    }

    @Override
    protected Sid principalSid() {
        return SID;
    }

    @Override
    protected DN principalDn() {
        try {
            return new DN("CN=Domain Admins," + directory.shadowPrincipalContainer());
        } catch (com.unboundid.ldap.sdk.LDAPException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    protected DN accountDn(String sam) {
        try {
            return new DN("CN=" + sam + ",CN=Users," + ROOT);
        } catch (com.unboundid.ldap.sdk.LDAPException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void addMember_whenDirectoryDown_thenUnavailable() throws Exception {
        EmbeddedBastionDirectory other =
                EmbeddedBastionDirectory.start(
                        new EmbeddedBastionDirectoryOptions(
                                new DN(ROOT),
                                "127.0.0.1",
                                0,
                                0,
                                Optional.empty(),
                                dir.resolve("down"),
                                new DN("CN=bastion-admin," + ROOT),
                                "writer-test-password-0123456789".toCharArray()));
        LdapBastionDirectory downWriter =
                new LdapBastionDirectory(other.pool(), accountsBase(), container());
        other.close();
        assertThatThrownBy(() -> downWriter.addMember(new UserId("alice"), SID, UNTIL))
                .isInstanceOf(DirectoryUnavailableException.class);
    }
}
