package org.bastionforest.ldapsync.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.unboundid.ldap.listener.InMemoryDirectoryServer;
import com.unboundid.ldap.listener.InMemoryDirectoryServerConfig;
import com.unboundid.ldap.listener.InMemoryListenerConfig;
import com.unboundid.ldap.sdk.DN;
import com.unboundid.ldap.sdk.LDAPURL;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.bastionforest.ldapsync.testing.TestTls;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.testsupport.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real in-memory directory listening with LDAP and LDAPS on loopback. */
class LdapEndpointTest {
    private static final String BIND_DN = "cn=reader,dc=example,dc=org";
    private static final String PASSWORD = "reader-password-for-test";

    @TempDir Path dir;
    private InMemoryDirectoryServer server;
    private Path caFile;

    @BeforeEach
    void start() throws Exception {
        SSLContext tls = TestTls.serverContext(dir);
        caFile = TestTls.certificatePem(dir);

        InMemoryDirectoryServerConfig config =
                new InMemoryDirectoryServerConfig("dc=example,dc=org");
        config.addAdditionalBindCredentials(BIND_DN, PASSWORD);
        InetAddress lo = InetAddress.getByName("127.0.0.1");
        config.setListenerConfigs(
                InMemoryListenerConfig.createLDAPConfig("ldap", lo, 0, null),
                InMemoryListenerConfig.createLDAPSConfig(
                        "ldaps", lo, 0, tls.getServerSocketFactory(), null));
        server = new InMemoryDirectoryServer(config);
        server.add(
                "dn: dc=example,dc=org", "objectClass: top", "objectClass: domain", "dc: example");
        server.startListening();
    }

    @AfterEach
    void stop() {
        server.shutDown(true);
    }

    private LdapEndpointOptions options(List<String> urls, String password, Optional<Path> ca)
            throws Exception {
        List<LDAPURL> parsed = new java.util.ArrayList<>();
        for (String url : urls) {
            parsed.add(new LDAPURL(url));
        }
        return new LdapEndpointOptions(
                parsed,
                new DN(BIND_DN),
                password.toCharArray(),
                ca,
                Duration.ofSeconds(2),
                Duration.ofSeconds(5),
                2);
    }

    private String ldaps(String host) {
        return "ldaps://" + host + ":" + server.getListenPort("ldaps");
    }

    @Test
    void check_whenLdapsWithTrustedCaAndMatchingName_thenUp() throws Exception {
        try (LdapEndpoint endpoint =
                LdapEndpoint.open(
                        options(List.of(ldaps("localhost")), PASSWORD, Optional.of(caFile)))) {
            assertThat(endpoint.check()).contains("1 server(s)");
            assertThat(endpoint.pool().getEntry("dc=example,dc=org")).isNotNull();
        }
    }

    @Test
    void check_whenCertificateNotTrusted_thenDownWithoutConnecting() throws Exception {
        try (LdapEndpoint endpoint =
                LdapEndpoint.open(
                        options(List.of(ldaps("localhost")), PASSWORD, Optional.empty()))) {
            assertThatThrownBy(endpoint::check)
                    .isInstanceOf(DirectoryUnavailableException.class)
                    .hasMessageNotContaining(PASSWORD);
        }
    }

    @Test
    void check_whenHostNameDoesNotMatchCertificate_thenDown() throws Exception {
        // the certificate names localhost and 127.0.0.1; the loopback alias 127.0.0.2 is neither
        String url = "ldaps://127.0.0.2:" + server.getListenPort("ldaps");
        try (LdapEndpoint endpoint =
                LdapEndpoint.open(options(List.of(url), PASSWORD, Optional.of(caFile)))) {
            assertThatThrownBy(endpoint::check).isInstanceOf(DirectoryUnavailableException.class);
        }
    }

    @Test
    void check_whenPasswordWrong_thenDownSayingInvalidCredentialsOnly() throws Exception {
        String url = "ldap://127.0.0.1:" + server.getListenPort("ldap");
        try (LdapEndpoint endpoint =
                LdapEndpoint.open(options(List.of(url), "wrong-password-xyz", Optional.empty()))) {
            assertThatThrownBy(endpoint::check)
                    .isInstanceOf(DirectoryUnavailableException.class)
                    .hasMessage("the bind was refused: invalid credentials");
        }
    }

    @Test
    void check_whenFirstServerDown_thenFailsOverToSecond() throws Exception {
        String dead = "ldap://127.0.0.1:" + FreePorts.next();
        String live = "ldap://127.0.0.1:" + server.getListenPort("ldap");
        try (LdapEndpoint endpoint =
                LdapEndpoint.open(options(List.of(dead, live), PASSWORD, Optional.empty()))) {
            assertThat(endpoint.check()).contains("2 server(s)");
        }
    }

    @Test
    void open_whenAllServersDown_thenOpensAndReportsDownUntilOneIsUp() throws Exception {
        String dead = "ldap://127.0.0.1:" + FreePorts.next();
        try (LdapEndpoint endpoint =
                LdapEndpoint.open(options(List.of(dead), PASSWORD, Optional.empty()))) {
            assertThatThrownBy(endpoint::check)
                    .isInstanceOf(DirectoryUnavailableException.class)
                    .hasMessage("no server could be reached");
        }
    }

    @Test
    void options_whenInvalid_thenRejectedNamingTheField() throws Exception {
        assertThatThrownBy(() -> options(List.of(), PASSWORD, Optional.empty()))
                .hasMessageStartingWith("urls:");
        assertThatThrownBy(() -> options(List.of("ldap://h"), "", Optional.empty()))
                .hasMessageStartingWith("password:");
        assertThat(options(List.of("ldap://h"), PASSWORD, Optional.empty()).toString())
                .doesNotContain(PASSWORD);
    }
}
