package org.bastionforest.api.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.List;
import org.bastionforest.api.config.Secret;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TlsMaterialTest {
    @TempDir Path dir;

    @Test
    void selfSigned_whenFirstStart_thenGeneratedForLoopbackAndReusedAfterwards() throws Exception {
        Secret pin = Secret.of("pin-for-test-only");
        TlsMaterial first =
                TlsMaterial.selfSigned(dir, pin, List.of("bastion.example", "192.0.2.7"));
        TlsMaterial second = TlsMaterial.selfSigned(dir, pin, List.of());

        assertThat(second.certificate()).isEqualTo(first.certificate());
        List<String> names =
                first.certificate().getSubjectAlternativeNames().stream()
                        .map(entry -> String.valueOf(entry.get(1)))
                        .toList();
        assertThat(names).contains("localhost", "127.0.0.1", "bastion.example", "192.0.2.7");
        assertThat(first.certificate().getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1");
        assertThat(first.sslContext().getProtocol()).isEqualTo("TLS");
    }

    @Test
    void load_whenWrongPassword_thenRefused() throws Exception {
        TlsMaterial.selfSigned(dir, Secret.of("right-password"), List.of());
        assertThatThrownBy(
                        () ->
                                TlsMaterial.load(
                                        dir.resolve("server.p12"), "PKCS12", Secret.of("wrong")))
                .isInstanceOfAny(java.io.IOException.class, GeneralSecurityException.class);
    }
}
