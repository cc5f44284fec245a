package org.bastionforest.ldapsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.listener.Base64PasswordEncoderOutputFormatter;
import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.SaltedMessageDigestInMemoryPasswordEncoder;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.ldif.LDIFReader;
import org.bastionforest.testldif.Fixtures;
import org.junit.jupiter.api.Test;

/** The generic LDAPv3 fixture loads under the standard schema and its {SSHA} passwords verify. */
class GenericLdapFixtureTest {
    @Test
    void genericTree_loadsAndPeopleCanBind() throws Exception {
        InMemoryDirectoryServerConfig config =
                new InMemoryDirectoryServerConfig("dc=example,dc=org");
        config.setPasswordEncoders(
                new SaltedMessageDigestInMemoryPasswordEncoder(
                        "{SSHA}",
                        Base64PasswordEncoderOutputFormatter.getInstance(),
                        new PerThreadDigest("SHA-1"),
                        8,
                        true,
                        true));
        InMemoryDirectoryServer server = new InMemoryDirectoryServer(config);
        try (LDIFReader reader = new LDIFReader(Fixtures.open(Fixtures.GENERIC_LDAP))) {
            assertThat(server.importFromLDIF(true, reader)).isEqualTo(50 + 4 + 3);
        }
        server.startListening();
        try (LDAPConnection c = server.getConnection()) {
            assertThat(
                            c.bind(
                                            "uid=alice.adams,ou=people,dc=example,dc=org",
                                            Fixtures.GENERIC_USER_PASSWORD)
                                    .getResultCode())
                    .isEqualTo(ResultCode.SUCCESS);
            assertThat(
                            c.getEntry("cn=db-admins,ou=groups,dc=example,dc=org")
                                    .getAttributeValues("member"))
                    .contains("cn=db-operators,ou=groups,dc=example,dc=org");
        } finally {
            server.shutDown(true);
        }
    }
}
