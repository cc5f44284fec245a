package org.bastionforest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.api.ProcessApi.await;
import static org.bastionforest.api.ProcessApi.endOf;
import static org.bastionforest.api.ProcessApi.isMember;
import static org.bastionforest.api.ProcessApi.sleepUntil;

import com.fasterxml.jackson.databind.JsonNode;
import com.unboundid.ldap.sdk.Entry;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldif.LDIFReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.PostgresServer;
import org.bastionforest.testsupport.SlapdServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode and a directory outage, with the packaged service: two nodes in separate processes
 * share a real PostgreSQL database (Quartz clustered) and an OpenLDAP bastion directory. Node A
 * takes the requests and is killed with -9; node B ends every grant on time. Then the bastion
 * directory is stopped before an expiry: the database says EXPIRED at the end time, health shows
 * the backlog, and the membership is removed once the directory is back.
 */
class ClusterIT {
    static final String ROOT = "dc=priv,dc=example";
    static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration," + ROOT;
    static final Duration ON_TIME = ScheduledEndsIT.ON_TIME;
    static final List<String> USERS = List.of("oivanova", "jmunoz", "htanaka");

    @TempDir Path dir;

    @Test
    void cluster_whenNodeADies_thenNodeBEndsItsGrantsOnTime_andAnOutageDelaysOnlyTheRemoval()
            throws Exception {
        PostgresServer pg = PostgresServer.shared();
        String db = pg.createDatabase("cluster_it"); // its JDBC URL
        Path key = dir.resolve("master.key");
        Files.writeString(key, Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'k'));
        Sid sqlAdmins = Sid.parse(Fixtures.DEMO_DOMAIN_SID + "-3103");

        try (SlapdServer slapd = bastionSlapd();
                ServiceProcess a = node(dir.resolve("a"), "node-a", pg, db, key, slapd);
                ServiceProcess b = node(dir.resolve("b"), "node-b", pg, db, key, slapd)) {
            a.start();
            b.start();
            ProcessApi api = new ProcessApi(a.restPort);
            try (LDAPConnection demo =
                    new LDAPConnection(
                            "127.0.0.1",
                            a.demoPort,
                            Fixtures.DEMO_SYNC_ACCOUNT_DN,
                            Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD)) {
                assertThat(
                                Sid.fromBytes(
                                        demo.getEntry(Fixtures.DEMO_SQL_ADMINS_DN, "objectSid")
                                                .getAttributeValueBytes("objectSid")))
                        .as("the SID the bastion fixture was built with")
                        .isEqualTo(sqlAdmins);
            }
            api.defineGroup(sqlAdmins, USERS);
            api.sync(); // accounts and the shadow principal, written into OpenLDAP
            JsonNode first = api.grantOneMinute("oivanova");
            Thread.sleep(3_000);
            JsonNode second = api.grantOneMinute("jmunoz");

            try (LDAPConnection l = ldap(slapd)) {
                assertThat(await(Duration.ofSeconds(5), () -> isMember(l, CONTAINER, "jmunoz")))
                        .isNotNull();
                a.process().kill9();

                for (JsonNode g : List.of(first, second)) {
                    String user = g.get("requester").asText();
                    Instant gone =
                            await(Duration.ofSeconds(75), () -> !isMember(l, CONTAINER, user));
                    assertThat(gone).as(user + " removed by node B").isNotNull();
                    assertThat(Duration.between(endOf(g), gone))
                            .as(user + " removed on time")
                            .isLessThan(ON_TIME);
                }
            }

            // the bastion directory is down when a grant ends
            ProcessApi viaB = new ProcessApi(b.restPort);
            JsonNode third = viaB.grantOneMinute("htanaka");
            try (LDAPConnection l = ldap(slapd)) {
                assertThat(await(Duration.ofSeconds(5), () -> isMember(l, CONTAINER, "htanaka")))
                        .isNotNull();
            }
            sleepUntil(endOf(third).minusSeconds(5));
            slapd.stop();
            sleepUntil(endOf(third).plus(ON_TIME));
            JsonNode ended = viaB.get("api/v1/requests/" + third.get("id").asText(), "htanaka");
            assertThat(ended.get("state").asText()).isEqualTo("EXPIRED");
            Instant endedAt = Instant.parse(ended.get("grant").get("endedAt").asText());
            assertThat(Duration.between(endOf(third), endedAt)).isLessThan(ON_TIME);
            assertThat(viaB.get("api/v1/me/effective-window", "htanaka").get("sids")).isEmpty();
            assertThat(
                            await(
                                    Duration.ofSeconds(10),
                                    () -> b.health().body().contains("directory changes pending")))
                    .as("health shows the backlog: " + b.health().body())
                    .isNotNull();

            slapd.restart();
            try (LDAPConnection l = ldap(slapd)) {
                assertThat(await(Duration.ofSeconds(60), () -> !isMember(l, CONTAINER, "htanaka")))
                        .as("removed once the directory is back")
                        .isNotNull();
            }
        }
    }

    private ServiceProcess node(
            Path work, String id, PostgresServer pg, String db, Path key, SlapdServer slapd)
            throws Exception {
        ServiceProcess s = new ServiceProcess(work);
        s.env.put("BASTION_REST_TLS_MODE", "none");
        s.env.put("BASTION_DATABASE_URL", db);
        s.env.put("BASTION_DATABASE_USERNAME", pg.username());
        s.env.put("BASTION_DATABASE_PASSWORD", pg.password());
        s.env.put("BASTION_SECURITY_MASTER_KEY_FILE", key.toString());
        s.env.put("BASTION_SCHEDULER_CLUSTER_ENABLED", "true");
        s.env.put("BASTION_SCHEDULER_CLUSTER_INSTANCE_ID", id);
        s.env.put("BASTION_SCHEDULER_CLUSTER_CHECKIN_INTERVAL", "2s");
        s.env.put("BASTION_SCHEDULER_DISPATCH_INTERVAL", "200ms");
        s.env.put("BASTION_BASTION_KIND", "ldap");
        s.env.put("BASTION_BASTION_ROOT_DN", ROOT);
        s.env.put("BASTION_BASTION_URL", slapd.url());
        s.env.put("BASTION_BASTION_BIND_DN", slapd.rootDn());
        s.env.put("BASTION_BASTION_BIND_PASSWORD", slapd.rootPassword());
        return s;
    }

    private static LDAPConnection ldap(SlapdServer slapd) throws Exception {
        return new LDAPConnection("127.0.0.1", slapd.port(), slapd.rootDn(), slapd.rootPassword());
    }

    /** OpenLDAP with the AD schema elements and the bastion containers (the sync fills them). */
    private SlapdServer bastionSlapd() throws Exception {
        Entry schema;
        try (LDIFReader reader =
                new LDIFReader(
                        ClusterIT.class.getResourceAsStream(
                                "/org/bastionforest/ldapsync/embedded/ad-schema.ldif"))) {
            schema = reader.readEntry();
        }
        StringBuilder ldif = new StringBuilder();
        ldif.append("dn: ")
                .append(ROOT)
                .append("\nobjectClass: top\nobjectClass: dcObject\n")
                .append("objectClass: organization\ndc: priv\no: bastion\n\n");
        for (String c :
                List.of(
                        "CN=Users," + ROOT,
                        "CN=Configuration," + ROOT,
                        "CN=Services,CN=Configuration," + ROOT)) {
            ldif.append("dn: ")
                    .append(c)
                    .append("\nobjectClass: top\nobjectClass: container\ncn: ")
                    .append(c.substring(3, c.indexOf(',')))
                    .append("\n\n");
        }
        ldif.append("dn: ")
                .append(CONTAINER)
                .append("\nobjectClass: top\nobjectClass: container\n")
                .append("objectClass: msDS-ShadowPrincipalContainer\n")
                .append("cn: Shadow Principal Configuration\n\n");
        Path initial =
                Files.writeString(
                        dir.resolve("bastion.ldif"), ldif.toString(), StandardCharsets.UTF_8);
        return SlapdServer.start(
                ROOT,
                Optional.of(initial),
                List.of(schema.getAttributeValues("attributeTypes")),
                List.of(schema.getAttributeValues("objectClasses")));
    }
}
