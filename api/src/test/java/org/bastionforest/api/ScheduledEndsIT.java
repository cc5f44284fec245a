package org.bastionforest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.api.ProcessApi.ADMIN;
import static org.bastionforest.api.ProcessApi.await;
import static org.bastionforest.api.ProcessApi.endOf;
import static org.bastionforest.api.ProcessApi.isMember;
import static org.bastionforest.api.ProcessApi.sleepUntil;

import com.fasterxml.jackson.databind.JsonNode;
import com.unboundid.ldap.sdk.LDAPConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scheduler in the packaged service, in real time with one-minute grants (the shortest a policy
 * allows): a kill -9 while grants end (ended ones are removed at start, before the service is
 * healthy; the rest on time), and reconciliation of a member added by hand with {@code ldapmodify}.
 * The bastion accounts and the shadow principal come from the sync, run through the API.
 */
class ScheduledEndsIT {
    static final String ROOT = "DC=priv,DC=example";
    static final String ACCOUNTS = "CN=Users," + ROOT;
    static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration," + ROOT;

    /** Invariant 2 allows 1 s (p99); 0.5 s more for a loaded 2-core build machine. */
    static final Duration ON_TIME = Duration.ofMillis(1500);

    static final List<String> USERS = List.of("oivanova", "jmunoz", "htanaka");

    @TempDir Path dir;

    private ServiceProcess service() {
        ServiceProcess s = new ServiceProcess(dir);
        s.env.put("BASTION_REST_TLS_MODE", "none");
        s.env.put("BASTION_SCHEDULER_DISPATCH_INTERVAL", "200ms");
        s.env.put("BASTION_SCHEDULER_RECONCILE_INTERVAL", "2s");
        return s;
    }

    private LDAPConnection bastion(ServiceProcess s) throws Exception {
        String password =
                Files.readString(
                        s.dataDir.resolve("secrets/bastion-directory-admin.password"),
                        StandardCharsets.UTF_8);
        return new LDAPConnection(
                "127.0.0.1", s.bastionLdapPort, "CN=bastion-admin," + ROOT, password);
    }

    private Sid sqlAdmins(ServiceProcess s) throws Exception {
        try (LDAPConnection demo =
                new LDAPConnection(
                        "127.0.0.1",
                        s.demoPort,
                        Fixtures.DEMO_SYNC_ACCOUNT_DN,
                        Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD)) {
            return Sid.fromBytes(
                    demo.getEntry(Fixtures.DEMO_SQL_ADMINS_DN, "objectSid")
                            .getAttributeValueBytes("objectSid"));
        }
    }

    @Test
    void crash_whenKilledWhileGrantsEnd_thenEndedOnesGoAtStartAndTheRestOnTime() throws Exception {
        try (ServiceProcess s = service().start()) {
            ProcessApi api = new ProcessApi(s.restPort);
            Sid sid = sqlAdmins(s);
            api.defineGroup(sid, USERS);
            api.sync(); // bastion accounts and the shadow principal
            JsonNode first = api.grantOneMinute("oivanova");
            sleepUntil(endOf(first).minusSeconds(35));
            JsonNode second = api.grantOneMinute("jmunoz"); // ends ~25 s after the first
            try (LDAPConnection b = bastion(s)) {
                assertThat(await(Duration.ofSeconds(5), () -> isMember(b, CONTAINER, "oivanova")))
                        .isNotNull();
                assertThat(await(Duration.ofSeconds(5), () -> isMember(b, CONTAINER, "jmunoz")))
                        .isNotNull();
            }

            s.process().kill9();
            sleepUntil(endOf(first).plusSeconds(2)); // the first ends while the service is down
            s.start(); // returns once /health is 200

            try (LDAPConnection b = bastion(s)) {
                assertThat(isMember(b, CONTAINER, "oivanova"))
                        .as("ended while down: removed by the startup sweep before healthy")
                        .isFalse();
                assertThat(Instant.now())
                        .as("restart in time for the rest")
                        .isBefore(endOf(second));
                assertThat(isMember(b, CONTAINER, "jmunoz")).isTrue();
                Instant gone =
                        await(Duration.ofSeconds(60), () -> !isMember(b, CONTAINER, "jmunoz"));
                assertThat(gone).isNotNull();
                assertThat(Duration.between(endOf(second), gone)).isLessThan(ON_TIME);
            }
            JsonNode a = api.get("api/v1/requests/" + first.get("id").asText(), "oivanova");
            assertThat(a.get("state").asText()).isEqualTo("EXPIRED");
            JsonNode c = api.get("api/v1/requests/" + second.get("id").asText(), "jmunoz");
            assertThat(c.get("state").asText()).isEqualTo("EXPIRED");
            assertThat(
                            api.post("api/v1/audit/verify", ADMIN, java.util.Map.of())
                                    .get("intact")
                                    .asBoolean())
                    .isTrue();
        }
    }

    @Test
    void reconcile_whenAMemberIsAddedByHand_thenItIsRemovedAndReported() throws Exception {
        Path ldapmodify = ExternalTools.require("ldapmodify", "ldap-utils");
        try (ServiceProcess s = service().start()) {
            ProcessApi api = new ProcessApi(s.restPort);
            Sid sid = sqlAdmins(s);
            api.defineGroup(sid, USERS);
            api.sync(); // bastion accounts and the shadow principal

            Path change =
                    Files.writeString(
                            dir.resolve("standing.ldif"),
                            "dn: CN=SQL Admins,"
                                    + CONTAINER
                                    + "\nchangetype: modify\nadd: member\nmember: CN=htanaka,"
                                    + ACCOUNTS
                                    + "\n");
            Process p =
                    new ProcessBuilder(
                                    ldapmodify.toString(),
                                    "-x",
                                    "-H",
                                    "ldap://127.0.0.1:" + s.bastionLdapPort,
                                    "-D",
                                    "CN=bastion-admin," + ROOT,
                                    "-y",
                                    s.dataDir
                                            .resolve("secrets/bastion-directory-admin.password")
                                            .toString(),
                                    "-f",
                                    change.toString())
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();

            try (LDAPConnection b = bastion(s)) {
                assertThat(await(Duration.ofSeconds(15), () -> !isMember(b, CONTAINER, "htanaka")))
                        .as("standing privilege removed by the reconcile job")
                        .isNotNull();
            }
            JsonNode events =
                    api.get("api/v1/audit?type=directory.standing-privilege", ADMIN).get("items");
            assertThat(events).isNotEmpty();
            assertThat(events.get(0).toString()).contains("htanaka");
        }
    }
}
