package org.bastionforest.ldapsync.embedded;

import com.unboundid.util.ssl.KeyStoreKeyManager;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustAllTrustManager;
import com.unboundid.util.ssl.cert.ManageCertificates;
import java.io.OutputStream;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/** A self-signed server certificate for tests. */
final class TestTls {
    private TestTls() {}

    static SSLContext serverContext(Path dir) throws Exception {
        Path keystore = dir.resolve("tls.p12");
        String pin = "test-keystore-pin";
        ManageCertificates.main(
                null,
                OutputStream.nullOutputStream(),
                OutputStream.nullOutputStream(),
                "generate-self-signed-certificate",
                "--keystore",
                keystore.toString(),
                "--keystore-password",
                pin,
                "--keystore-type",
                "PKCS12",
                "--alias",
                "server",
                "--subject-dn",
                "CN=localhost",
                "--key-algorithm",
                "EC",
                "--key-size-bits",
                "256",
                "--signature-algorithm",
                "SHA256withECDSA",
                "--subject-alternative-name-ip-address",
                "127.0.0.1");
        return new SSLUtil(
                        new KeyStoreKeyManager(
                                keystore.toFile(), pin.toCharArray(), "PKCS12", "server"),
                        null)
                .createSSLContext();
    }

    static SSLUtil trustAll() {
        return new SSLUtil(new TrustAllTrustManager());
    }
}
