package org.bastionforest.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.bastionforest.api.config.Secret;
import org.bastionforest.api.service.ComponentHealth;
import org.bastionforest.api.service.HealthRegistry;
import org.bastionforest.api.tls.TlsMaterial;
import org.glassfish.grizzly.http.server.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpServersTest {
    @TempDir Path dir;
    private HttpServer server;
    private TlsMaterial tls;
    private final AtomicBoolean databaseUp = new AtomicBoolean(true);

    @BeforeEach
    void start() throws Exception {
        tls = TlsMaterial.selfSigned(dir, Secret.of("test-pin"), List.of());
        HealthRegistry health = new HealthRegistry();
        health.register(
                "database",
                () ->
                        databaseUp.get()
                                ? ComponentHealth.up("ok")
                                : ComponentHealth.down("connection refused"));
        health.register("bastionDirectory", () -> ComponentHealth.up("ok"));
        Services services =
                new Services()
                        .add(HealthRegistry.class, health)
                        .add(
                                VersionResource.VersionInfo.class,
                                new VersionResource.VersionInfo("p", "1.2.3", "id", "1", "17"));
        server =
                HttpServers.start(
                        "127.0.0.1",
                        0,
                        HttpServers.application(
                                List.of(HealthResource.class, VersionResource.class), services),
                        tls.sslContext());
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
    }

    private HttpClient trustingClient(String... protocols) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", tls.certificate());
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        SSLParameters parameters = new SSLParameters();
        if (protocols.length > 0) {
            parameters.setProtocols(protocols);
        }
        return HttpClient.newBuilder().sslContext(context).sslParameters(parameters).build();
    }

    private HttpResponse<String> get(HttpClient client, String path) throws Exception {
        URI uri = URI.create("https://127.0.0.1:" + HttpServers.port(server) + path);
        return client.send(
                HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void health_whenAllComponentsUp_then200WithEachComponent() throws Exception {
        HttpResponse<String> response = get(trustingClient(), "/health");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(response.body())
                .contains("\"status\":\"UP\"")
                .contains("\"database\":{\"status\":\"UP\"")
                .contains("\"bastionDirectory\"");
    }

    @Test
    void health_whenOneComponentDown_then503NamingIt() throws Exception {
        databaseUp.set(false);
        HttpResponse<String> response = get(trustingClient(), "/health");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body())
                .startsWith("{\"status\":\"DOWN\"")
                .contains("\"database\":{\"status\":\"DOWN\",\"detail\":\"connection refused\"}");
    }

    @Test
    void version_whenAsked_thenJson() throws Exception {
        HttpResponse<String> response = get(trustingClient(), "/version");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("\"version\":\"1.2.3\"");
    }

    @Test
    void unknownPath_then404WithoutServerDetails() throws Exception {
        HttpResponse<String> response = get(trustingClient(), "/nope");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.headers().map().toString()).doesNotContainIgnoringCase("grizzly");
        assertThat(response.body())
                .doesNotContainIgnoringCase("grizzly")
                .doesNotContain("Exception");
    }

    @Test
    void tls_whenClientOffersOnlyTls11_thenHandshakeRefused() {
        assertThatThrownBy(() -> get(trustingClient("TLSv1.1"), "/health"))
                .hasRootCauseInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void tls_whenClientDoesNotTrustCertificate_thenHandshakeFails() {
        assertThatThrownBy(() -> get(HttpClient.newHttpClient(), "/health"))
                .isInstanceOf(SSLHandshakeException.class);
    }
}
