package org.bastionforest.api.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.SearchResultEntry;
import com.unboundid.ldap.sdk.SearchScope;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bastionforest.api.config.ConfigLoader;
import org.bastionforest.api.service.BastionService;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;

/**
 * A service started in this JVM on its embedded defaults (demo production directory, embedded
 * bastion directory, HSQLDB under a temporary data directory), plain HTTP on a free loopback port,
 * and a small HTTP client for it. Each test class gets its own.
 */
final class TestApi implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PASSWORD = Fixtures.DEMO_USER_PASSWORD;

    final BastionService service;
    final Path dataDir;
    final URI base;
    final HttpClient http =
            HttpClient.newBuilder()
                    // plain HTTP/1.1: the JDK's h2c upgrade offer is not what API clients send
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();

    TestApi(Path dataDir, Map<String, String> extraEnv) throws Exception {
        this.dataDir = dataDir;
        Map<String, String> env = new HashMap<>();
        env.put("BASTION_DATA_DIR", dataDir.toString());
        env.put("BASTION_REST_PORT", "0");
        env.put("BASTION_REST_TLS_MODE", "none");
        env.put("BASTION_REST_MANAGEMENT_ENABLED", "false");
        env.put("BASTION_PRODUCTION_DEMO_PORT", "0");
        env.put("BASTION_BASTION_EMBEDDED_LDAP_PORT", "0");
        env.put("BASTION_BASTION_EMBEDDED_LDAPS_PORT", "0");
        env.put("BASTION_KDC_TCP_PORT", "0");
        env.put("BASTION_KDC_UDP_PORT", "0");
        env.put("BASTION_SCHEDULER_DISPATCH_INTERVAL", "200ms");
        env.putAll(extraEnv);
        service = BastionService.start(ConfigLoader.load(Optional.empty(), env));
        base = URI.create("http://127.0.0.1:" + service.restPort() + "/");
    }

    /** A user's Basic credentials. */
    static String basic(String user, String password) {
        return "Basic "
                + Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static String basic(String user) {
        return basic(user, PASSWORD);
    }

    /** An answer. */
    record Answer(int status, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(raw.body());
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + raw.body(), e);
            }
        }

        String contentType() {
            return raw.headers().firstValue("Content-Type").orElse("");
        }

        List<String> header(String name) {
            return raw.headers().allValues(name);
        }
    }

    Answer get(String path, String auth) throws Exception {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET(), auth);
    }

    Answer post(String path, String auth, Object body) throws Exception {
        String text = body instanceof String s ? s : JSON.writeValueAsString(body);
        return send(
                HttpRequest.newBuilder(base.resolve(path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(text)),
                auth);
    }

    Answer send(HttpRequest.Builder b, String auth) throws Exception {
        if (auth != null) {
            b.header("Authorization", auth);
        }
        HttpResponse<String> r =
                http.send(
                        b.timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r);
    }

    /** Reads the demo production directory as the sync account. */
    LDAPConnection production() throws Exception {
        return new LDAPConnection(
                "127.0.0.1",
                service.productionPort(),
                Fixtures.DEMO_SYNC_ACCOUNT_DN,
                Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD);
    }

    /** The sAMAccountNames of the direct members of a demo group. */
    List<String> members(String groupDn) throws Exception {
        try (LDAPConnection c = production()) {
            SearchResultEntry g = c.getEntry(groupDn, "member");
            List<String> names = new java.util.ArrayList<>();
            for (String dn : g.getAttributeValues("member")) {
                SearchResultEntry m = c.getEntry(dn, "sAMAccountName", "objectClass");
                if (m.hasObjectClass("user")) {
                    names.add(m.getAttributeValue("sAMAccountName"));
                }
            }
            return names;
        }
    }

    /** The member values of a shadow principal in the embedded bastion directory. */
    List<String> bastionMembers(String principalCn) throws Exception {
        String password =
                java.nio.file.Files.readString(
                        dataDir.resolve("secrets/bastion-directory-admin.password"));
        try (LDAPConnection c =
                new LDAPConnection(
                        "127.0.0.1",
                        service.bastionLdapPort(),
                        "CN=bastion-admin,DC=priv,DC=example",
                        password)) {
            SearchResultEntry e =
                    c.getEntry(
                            "CN="
                                    + principalCn
                                    + ",CN=Shadow Principal Configuration,CN=Services,CN=Configuration,DC=priv,DC=example",
                            "member");
            if (e == null) {
                throw new AssertionError("no shadow principal " + principalCn);
            }
            return e.hasAttribute("member") ? List.of(e.getAttributeValues("member")) : List.of();
        }
    }

    /** A demo object's SID. */
    Sid sid(String dn) throws Exception {
        try (LDAPConnection c = production()) {
            return Sid.fromBytes(c.getEntry(dn, "objectSid").getAttributeValueBytes("objectSid"));
        }
    }

    /** A demo group's DN by its CN. */
    String groupDn(String cn) throws Exception {
        try (LDAPConnection c = production()) {
            return c.search(
                            Fixtures.DEMO_ROOT,
                            SearchScope.SUB,
                            com.unboundid.ldap.sdk.Filter.createANDFilter(
                                    com.unboundid.ldap.sdk.Filter.createEqualityFilter(
                                            "objectClass", "group"),
                                    com.unboundid.ldap.sdk.Filter.createEqualityFilter("cn", cn)))
                    .getSearchEntries()
                    .get(0)
                    .getDN();
        }
    }

    @Override
    public void close() {
        service.close();
    }
}
