package org.bastionforest.ldapsync.testing;

import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.util.ssl.KeyStoreKeyManager;
import com.unboundid.util.ssl.SSLUtil;
import com.unboundid.util.ssl.TrustAllTrustManager;
import com.unboundid.util.ssl.cert.ManageCertificates;
import java.io.OutputStream;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * A self-signed server certificate for tests, valid for {@code localhost} and {@code 127.0.0.1}
 * only (so a connection to another loopback address fails host-name verification).
 */
public final class TestTls {
    private TestTls() {}

    public static SSLContext serverContext(Path dir) throws Exception {
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
                "--subject-alternative-name-dns",
                "localhost",
                "--subject-alternative-name-ip-address",
                "127.0.0.1");
        return new SSLUtil(
                        new KeyStoreKeyManager(
                                keystore.toFile(), pin.toCharArray(), "PKCS12", "server"),
                        null)
                .createSSLContext();
    }

    /**
     * Exports the certificate made by {@link #serverContext(Path)} in {@code dir} as PEM, for
     * OpenLDAP clients ({@code LDAPTLS_CACERT}).
     */
    public static Path certificatePem(Path dir) {
        Path pem = dir.resolve("tls.pem");
        ResultCode rc =
                ManageCertificates.main(
                        null,
                        OutputStream.nullOutputStream(),
                        OutputStream.nullOutputStream(),
                        "export-certificate",
                        "--keystore",
                        dir.resolve("tls.p12").toString(),
                        "--keystore-password",
                        "test-keystore-pin",
                        "--keystore-type",
                        "PKCS12",
                        "--alias",
                        "server",
                        "--output-format",
                        "PEM",
                        "--output-file",
                        pem.toString());
        if (rc != ResultCode.SUCCESS) {
            throw new IllegalStateException("could not export the test certificate: " + rc);
        }
        return pem;
    }

    public static SSLUtil trustAll() {
        return new SSLUtil(new TrustAllTrustManager());
    }
}
