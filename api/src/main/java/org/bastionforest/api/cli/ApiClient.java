package org.bastionforest.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A small client of the REST API for the command line: one base URL, one credential (Basic or an
 * API token), TLS trusting the JVM's store, a given PEM file, or (loopback only) anything. Errors
 * become {@link CliFailure}s with an exit code by kind. Never prints or keeps a credential beyond
 * the header it builds.
 *
 * <p>Not thread-safe; one per command run.
 */
final class ApiClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String authorization;
    private final HttpClient http;

    ApiClient(URI base, String authorization, SSLContext tls) {
        this.base = base;
        this.authorization = authorization;
        HttpClient.Builder b =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(10));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    static String basic(String user, char[] password) {
        String pair = user + ":" + new String(password);
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    static String bearer(String token) {
        return "Bearer " + token.strip();
    }

    /** TLS trusting the certificates in a PEM file. */
    static SSLContext trusting(Path pem) throws CliFailure {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new CliFailure(
                        CliFailure.USAGE, "--ca-file " + pem + " holds no certificate");
            }
            TrustManagerFactory f =
                    TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, f.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new CliFailure(
                    CliFailure.USAGE, "cannot read --ca-file " + pem + ": " + e.getMessage());
        }
    }

    /** TLS that trusts any certificate: only for a loopback URL (--insecure). */
    static SSLContext insecure(URI url) throws CliFailure {
        try {
            if (!InetAddress.getByName(url.getHost()).isLoopbackAddress()) {
                throw new CliFailure(
                        CliFailure.USAGE,
                        "--insecure is only allowed for a loopback URL; use --ca-file");
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(
                    null,
                    new TrustManager[] {
                        new X509TrustManager() {
                            @Override
                            public void checkClientTrusted(X509Certificate[] chain, String type) {}

                            @Override
                            public void checkServerTrusted(X509Certificate[] chain, String type) {}

                            @Override
                            public X509Certificate[] getAcceptedIssuers() {
                                return new X509Certificate[0];
                            }
                        }
                    },
                    new SecureRandom());
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            throw new CliFailure(CliFailure.USAGE, "--insecure: " + e.getMessage());
        }
    }

    JsonNode get(String path) throws CliFailure {
        return json(send(request(path).GET(), path));
    }

    byte[] getBytes(String path) throws CliFailure {
        return send(request(path).GET(), path).body();
    }

    JsonNode post(String path, Object body) throws CliFailure {
        try {
            String text = body == null ? "" : JSON.writeValueAsString(body);
            return json(
                    send(
                            request(path)
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString(text)),
                            path));
        } catch (IOException e) {
            throw new CliFailure(CliFailure.USAGE, e.getMessage());
        }
    }

    JsonNode postText(String path, String contentType, String body) throws CliFailure {
        return json(
                send(
                        request(path)
                                .header("Content-Type", contentType)
                                .POST(HttpRequest.BodyPublishers.ofString(body)),
                        path));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofMinutes(5))
                .header("Authorization", authorization)
                .header("Accept", "application/json, application/problem+json, */*");
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder b, String path) throws CliFailure {
        HttpResponse<byte[]> r;
        try {
            r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (ConnectException e) {
            throw new CliFailure(CliFailure.UNAVAILABLE, "cannot connect to " + base);
        } catch (IOException e) {
            throw new CliFailure(
                    CliFailure.UNAVAILABLE,
                    "talking to "
                            + base
                            + " failed: "
                            + e.getClass().getSimpleName()
                            + " "
                            + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(CliFailure.UNAVAILABLE, "interrupted");
        }
        if (r.statusCode() >= 400) {
            throw CliFailure.of(r.statusCode(), problem(r.body()), path);
        }
        return r;
    }

    private static JsonNode problem(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws CliFailure {
        try {
            return r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new CliFailure(
                    CliFailure.UNAVAILABLE, "the service answered something that is not JSON");
        }
    }
}
