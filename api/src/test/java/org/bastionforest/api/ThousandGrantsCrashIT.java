package org.bastionforest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.api.ProcessApi.ADMIN;
import static org.bastionforest.api.ProcessApi.endOf;
import static org.bastionforest.api.ProcessApi.sleepUntil;

import com.fasterxml.jackson.databind.JsonNode;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.SearchResultEntry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault suite: the packaged service is killed with -9 while it holds 1,000 active grants, half of
 * which end while it is down. After the restart nothing is lost (all 1,000 requests, in the right
 * state), the ended half is gone from the bastion directory before the service reports healthy, the
 * other half is still there, and the audit chain is intact.
 */
class ThousandGrantsCrashIT {
    static final String ROOT = "DC=priv,DC=example";
    static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration," + ROOT;
    static final int GRANTS = 1000;

    @TempDir Path dir;

    @Test
    void crash_whenKilledWithAThousandActiveGrants_thenNothingIsLostAndEndedOnesGoAtStart()
            throws Exception {
        ServiceProcess s = new ServiceProcess(dir);
        s.env.put("BASTION_REST_TLS_MODE", "none");
        s.env.put("BASTION_SCHEDULER_DISPATCH_INTERVAL", "200ms");
        try (s) {
            s.start();
            ProcessApi api = new ProcessApi(s.restPort);
            List<String> users;
            Sid sqlAdmins;
            Sid allStaff;
            try (LDAPConnection demo = s.demoConnection()) {
                sqlAdmins = sid(demo, Fixtures.DEMO_SQL_ADMINS_DN);
                allStaff = sid(demo, Fixtures.DEMO_ALL_STAFF_DN);
                users = new ArrayList<>();
                for (String member :
                        demo.getEntry(Fixtures.DEMO_ALL_STAFF_DN, "member")
                                .getAttributeValues("member")) {
                    users.add(
                            demo.getEntry(member, "sAMAccountName")
                                    .getAttributeValue("sAMAccountName"));
                    if (users.size() == GRANTS) {
                        break;
                    }
                }
            }
            assertThat(users).hasSize(GRANTS);
            api.defineGroup(sqlAdmins, Map.of("groups", List.of(allStaff.toString())));
            api.sync(); // bastion accounts and the shadow principal

            // half for one minute (they end while the service is down), half for an hour
            Instant asked = Instant.now();
            Map<String, JsonNode> granted = new HashMap<>();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                // the hour-long ones first, so that no one-minute grant ends before the crash
                Map<String, Future<JsonNode>> asks = new HashMap<>();
                for (int odd = 0; odd < 2; odd++) {
                    for (int i = 1 - odd; i < GRANTS; i += 2) {
                        String user = users.get(i);
                        String duration = i % 2 == 0 ? "PT1M" : "PT60M";
                        asks.put(user, pool.submit(() -> api.grant(user, duration)));
                    }
                }
                List<String> failed = new ArrayList<>();
                for (Map.Entry<String, Future<JsonNode>> ask : asks.entrySet()) {
                    try {
                        granted.put(ask.getKey(), ask.getValue().get());
                    } catch (java.util.concurrent.ExecutionException e) {
                        failed.add(ask.getKey() + ": " + e.getCause().getMessage());
                    }
                }
                assertThat(failed).isEmpty();
            } finally {
                pool.shutdownNow();
            }
            List<Instant> shortEnds = new ArrayList<>();
            for (int i = 0; i < GRANTS; i += 2) {
                shortEnds.add(endOf(granted.get(users.get(i))));
            }
            Instant lastShortEnd = shortEnds.stream().max(Instant::compareTo).orElseThrow();
            assertThat(shortEnds.stream().min(Instant::compareTo).orElseThrow())
                    .as("the grants were made fast enough for the crash to come before any end")
                    .isAfter(Instant.now().plusSeconds(10));
            Set<String> expected = new HashSet<>();
            users.forEach(u -> expected.add(u.toLowerCase(java.util.Locale.ROOT)));
            Instant allGranted = Instant.now();
            Instant allMembers =
                    ProcessApi.await(Duration.ofSeconds(30), () -> members(s).equals(expected));
            assertThat(members(s))
                    .as("all 1,000 memberships in the bastion directory before the crash")
                    .containsExactlyInAnyOrderElementsOf(expected);

            s.process().kill9();
            sleepUntil(lastShortEnd.plusSeconds(1));
            Instant restarting = Instant.now();
            s.start(); // returns once /health is 200
            System.out.printf(
                    "kill -9 suite: %d grants made in %d ms; all in the directory %d ms later;"
                            + " restart to healthy in %d ms%n",
                    GRANTS,
                    Duration.between(asked, allGranted).toMillis(),
                    allMembers == null ? -1 : Duration.between(allGranted, allMembers).toMillis(),
                    Duration.between(restarting, Instant.now()).toMillis());

            Set<String> members = members(s);
            for (int i = 0; i < GRANTS; i++) {
                String user = users.get(i);
                JsonNode r = granted.get(user);
                if (i % 2 == 0) {
                    assertThat(endOf(r)).isBefore(Instant.now());
                    assertThat(members)
                            .as("ended while down, removed before healthy: " + user)
                            .doesNotContain(user.toLowerCase());
                } else {
                    assertThat(members).as("still granted: " + user).contains(user.toLowerCase());
                }
            }
            Map<String, String> states = new HashMap<>();
            String cursor = null;
            do {
                JsonNode page =
                        api.get(
                                "api/v1/requests?scope=all&limit=200"
                                        + (cursor == null ? "" : "&cursor=" + cursor),
                                ADMIN);
                for (JsonNode r : page.get("items")) {
                    states.put(r.get("id").asText(), r.get("state").asText());
                }
                cursor = page.hasNonNull("next") ? page.get("next").asText() : null;
            } while (cursor != null);
            assertThat(states).as("every request survived the crash").hasSize(GRANTS);
            for (int i = 0; i < GRANTS; i++) {
                String id = granted.get(users.get(i)).get("id").asText();
                assertThat(states.get(id))
                        .as(users.get(i))
                        .isEqualTo(i % 2 == 0 ? "EXPIRED" : "ACTIVE");
            }
            assertThat(api.post("api/v1/audit/verify", ADMIN, Map.of()).get("intact").asBoolean())
                    .as("audit chain intact after kill -9")
                    .isTrue();
        }
    }

    private static Sid sid(LDAPConnection demo, String dn) throws Exception {
        return Sid.fromBytes(demo.getEntry(dn, "objectSid").getAttributeValueBytes("objectSid"));
    }

    /** The account names in the shadow principal's member attribute, lower case. */
    private static Set<String> members(ServiceProcess s) {
        try (LDAPConnection b = s.bastionConnection()) {
            SearchResultEntry e = b.getEntry("CN=SQL Admins," + CONTAINER, "member");
            Set<String> names = new HashSet<>();
            if (e != null && e.hasAttribute("member")) {
                for (String dn : e.getAttributeValues("member")) {
                    String rdn = dn.substring(3, dn.indexOf(','));
                    names.add(rdn.toLowerCase());
                }
            }
            return names;
        } catch (Exception e) {
            throw new IllegalStateException("bastion directory: " + e.getMessage(), e);
        }
    }
}
