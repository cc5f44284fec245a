package org.bastionforest.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.unboundid.ldap.sdk.LDAPInterface;
import com.unboundid.ldap.sdk.SearchResultEntry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;

/**
 * Talks to a {@link ServiceProcess}'s REST API (plain HTTP on loopback) as demo users, and prepares
 * and reads its bastion directory. For the scheduler's process-level tests.
 */
final class ProcessApi {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ADMIN = "zangstroem";

    private final HttpClient http =
            HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
    private final URI base;

    ProcessApi(int port) {
        base = URI.create("http://127.0.0.1:" + port + "/");
    }

    JsonNode post(String path, String user, Object body) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(base.resolve(path))
                                .header("Authorization", basic(user))
                                .header("Content-Type", "application/json")
                                .timeout(Duration.ofSeconds(30))
                                .POST(
                                        HttpRequest.BodyPublishers.ofString(
                                                JSON.writeValueAsString(body)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new AssertionError("POST " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    JsonNode get(String path, String user) throws Exception {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(base.resolve(path))
                                .header("Authorization", basic(user))
                                .timeout(Duration.ofSeconds(30))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() >= 300) {
            throw new AssertionError("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    /** Defines shadow group sql-admins: no approval, 1 to 60 minutes, for {@code users}. */
    void defineGroup(Sid sqlAdmins, List<String> users) throws Exception {
        defineGroup(sqlAdmins, Map.of("users", users));
    }

    /** Defines shadow group sql-admins: no approval, 1 to 60 minutes, for {@code eligible}. */
    void defineGroup(Sid sqlAdmins, Map<String, List<String>> eligible) throws Exception {
        Map<String, Object> group =
                Map.of(
                        "id",
                        "sql-admins",
                        "production-group",
                        Map.of("dn", Fixtures.DEMO_SQL_ADMINS_DN, "sid", sqlAdmins.toString()),
                        "eligible",
                        eligible,
                        "duration",
                        Map.of("default", "1m", "maximum", "60m"),
                        "justification",
                        false);
        post("api/v1/shadow-groups", ADMIN, group);
    }

    /** A one-minute grant for {@code user}; returns the request (ACTIVE). */
    JsonNode grantOneMinute(String user) throws Exception {
        return grant(user, "PT1M");
    }

    /** A grant of sql-admins for {@code user}; returns the request (ACTIVE). */
    JsonNode grant(String user, String duration) throws Exception {
        JsonNode r =
                post("api/v1/requests", user, Map.of("group", "sql-admins", "duration", duration));
        if (!r.get("state").asText().equals("ACTIVE")) {
            throw new AssertionError("not active: " + r);
        }
        return r;
    }

    static Instant endOf(JsonNode request) {
        return Instant.parse(request.get("grant").get("endsAt").asText());
    }

    static String basic(String user) {
        return "Basic "
                + Base64.getEncoder()
                        .encodeToString(
                                (user + ":" + Fixtures.DEMO_USER_PASSWORD)
                                        .getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Runs the sync through the API (waiting out the service's own first run), which makes the
     * bastion accounts and the shadow principals of the defined shadow groups.
     */
    void sync() throws Exception {
        for (int i = 0; ; i++) {
            try {
                JsonNode run = post("api/v1/sync", ADMIN, Map.of());
                if (!run.get("outcome").asText().equals("COMPLETED")) {
                    throw new AssertionError("sync: " + run);
                }
                return;
            } catch (AssertionError busy) {
                if (i > 600 || !busy.getMessage().contains("409")) {
                    throw busy;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Whether {@code user}'s account is a member of the SQL Admins shadow principal now. */
    static boolean isMember(LDAPInterface bastion, String container, String user) {
        try {
            SearchResultEntry e = bastion.getEntry("CN=SQL Admins," + container, "member");
            if (e == null || !e.hasAttribute("member")) {
                return false;
            }
            for (String dn : e.getAttributeValues("member")) {
                if (dn.toLowerCase().startsWith("cn=" + user.toLowerCase() + ",")) {
                    return true;
                }
            }
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /** Waits until {@code condition} holds or {@code timeout} passes; the instant it held. */
    static Instant await(Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (condition.getAsBoolean()) {
                return Instant.now();
            }
            Thread.sleep(50);
        }
        return condition.getAsBoolean() ? Instant.now() : null;
    }

    /** Sleeps until {@code t}. */
    static void sleepUntil(Instant t) throws InterruptedException {
        long ms = Duration.between(Instant.now(), t).toMillis();
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }
}
