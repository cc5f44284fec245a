package org.bastionforest.api.tls;

import com.unboundid.ldap.sdk.ResultCode;
import com.unboundid.util.ssl.cert.ManageCertificates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bastionforest.api.config.Secret;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's TLS identity: one private key and certificate chain, used by the REST API and the
 * embedded bastion directory's LDAPS listener.
 *
 * <p>Either loaded from a configured keystore, or self-signed: generated on first start into {@code
 * <data-dir>/tls/server.p12} (its password in {@code secrets/tls-keystore.password}) and reused
 * afterwards, so clients can pin it.
 *
 * <pre>{@code
 * TlsMaterial tls = TlsMaterial.selfSigned(dataDir.directory("tls"), pin, List.of("bastion.example"));
 * SSLContext context = tls.sslContext();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class TlsMaterial {
    private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);
    private static final String ALIAS = "server";

    private final Path keystore;
    private final SSLContext sslContext;
    private final X509Certificate certificate;

    private TlsMaterial(Path keystore, SSLContext sslContext, X509Certificate certificate) {
        this.keystore = keystore;
        this.sslContext = sslContext;
        this.certificate = certificate;
    }

    /**
     * Loads {@code <dir>/server.p12}, generating a self-signed certificate first if it is missing.
     *
     * @param extraNames host names or IP addresses the certificate must also be valid for
     */
    public static TlsMaterial selfSigned(Path dir, Secret pin, List<String> extraNames)
            throws IOException, GeneralSecurityException {
        Path file = dir.resolve("server.p12");
        if (!Files.exists(file)) {
            generate(file, pin, extraNames);
            LOG.info("tls.generated: self-signed certificate written to {}", file);
        }
        return load(file, "PKCS12", pin);
    }

    /** Loads a keystore holding one private key entry. */
    public static TlsMaterial load(Path file, String type, Secret pin)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(type);
        char[] password = pin.chars();
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password);
            String alias = null;
            for (String candidate : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(candidate)) {
                    if (alias != null) {
                        throw new GeneralSecurityException(
                                "keystore " + file + " holds more than one private key");
                    }
                    alias = candidate;
                }
            }
            if (alias == null) {
                throw new GeneralSecurityException("keystore " + file + " holds no private key");
            }
            KeyManagerFactory kmf =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            return new TlsMaterial(file, context, (X509Certificate) ks.getCertificate(alias));
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
    }

    private static void generate(Path file, Secret pin, List<String> extraNames)
            throws IOException {
        Set<String> dnsNames = new LinkedHashSet<>(List.of("localhost"));
        Set<String> ips = new LinkedHashSet<>(List.of("127.0.0.1", "::1"));
        try {
            dnsNames.add(InetAddress.getLocalHost().getHostName());
        } catch (IOException e) {
            LOG.debug("no local host name for the certificate", e);
        }
        for (String name : extraNames) {
            if (name.matches("[0-9.]+|[0-9a-fA-F:]+")) {
                if (!name.equals("0.0.0.0") && !name.equals("::")) {
                    ips.add(name);
                }
            } else {
                dnsNames.add(name);
            }
        }
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "generate-self-signed-certificate",
                                "--keystore",
                                file.toString(),
                                "--keystore-password",
                                pin.reveal(),
                                "--keystore-type",
                                "PKCS12",
                                "--alias",
                                ALIAS,
                                "--subject-dn",
                                "CN=Bastion Forest,O=Bastion Forest self-signed",
                                "--days-valid",
                                "3650",
                                "--key-algorithm",
                                "EC",
                                "--key-size-bits",
                                "256",
                                "--signature-algorithm",
                                "SHA256withECDSA",
                                "--extended-key-usage",
                                "server-auth"));
        for (String dns : dnsNames) {
            args.add("--subject-alternative-name-dns");
            args.add(dns);
        }
        for (String ip : ips) {
            args.add("--subject-alternative-name-ip-address");
            args.add(ip);
        }
        Files.createDirectories(file.getParent());
        ResultCode rc =
                ManageCertificates.main(
                        null,
                        OutputStream.nullOutputStream(),
                        OutputStream.nullOutputStream(),
                        args.toArray(String[]::new));
        if (rc != ResultCode.SUCCESS) {
            Files.deleteIfExists(file);
            throw new IOException("could not generate a self-signed certificate: " + rc);
        }
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(
                    file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        }
    }

    public SSLContext sslContext() {
        return sslContext;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public Path keystore() {
        return keystore;
    }
}
