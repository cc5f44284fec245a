package org.bastionforest.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.api.ProcessApi.ADMIN;
import static org.bastionforest.api.ProcessApi.await;
import static org.bastionforest.api.ProcessApi.endOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.unboundid.ldap.sdk.LDAPConnection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The story of the README, end to end against the packaged service and with real clients: an
 * administrator defines SQL Admins and syncs; a DBA enrols a Kerberos password and asks for a
 * one-minute grant; an approver approves; {@code ldapsearch} sees the membership; MIT {@code kinit}
 * gets a TGT that ends exactly when the grant does ({@code klist}); the grant ends and the
 * membership is gone; the audit chain verifies.
 */
class StoryIT {
    static final String REQUESTER = "oivanova";
    static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration,DC=priv,DC=example";

    @TempDir Path dir;

    @Test
    void story_requestApproveMembershipKinitCappedEndGoneChainIntact() throws Exception {
        Path ldapsearch = ExternalTools.require("ldapsearch", "ldap-utils");
        Path kinit = ExternalTools.require("kinit", "krb5-user");
        Path klist = ExternalTools.require("klist", "krb5-user");
        try (ServiceProcess s = new ServiceProcess(dir)) {
            s.env.put("BASTION_REST_TLS_MODE", "none");
            s.env.put("BASTION_KDC_UDP_PORT", "-1"); // TCP only: its port is known free
            s.env.put("BASTION_SCHEDULER_DISPATCH_INTERVAL", "200ms");
            // SPNEGO with the service's own HTTP principal in its own KDC
            s.env.put("BASTION_REST_SPNEGO_PRINCIPAL", "HTTP/localhost@PRIV.EXAMPLE");
            s.start();
            ProcessApi api = new ProcessApi(s.restPort);

            Sid sqlAdmins;
            String approver;
            try (LDAPConnection demo =
                    new LDAPConnection(
                            "127.0.0.1",
                            s.demoPort,
                            Fixtures.DEMO_SYNC_ACCOUNT_DN,
                            Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD)) {
                sqlAdmins =
                        Sid.fromBytes(
                                demo.getEntry(Fixtures.DEMO_SQL_ADMINS_DN, "objectSid")
                                        .getAttributeValueBytes("objectSid"));
                String approversDn = "CN=PAM Approvers,OU=Groups," + Fixtures.DEMO_ROOT;
                String first = demo.getEntry(approversDn, "member").getAttributeValues("member")[0];
                approver =
                        demo.getEntry(first, "sAMAccountName").getAttributeValue("sAMAccountName");
                Sid approvers =
                        Sid.fromBytes(
                                demo.getEntry(approversDn, "objectSid")
                                        .getAttributeValueBytes("objectSid"));
                api.post(
                        "api/v1/shadow-groups",
                        ADMIN,
                        Map.of(
                                "id", "sql-admins",
                                "production-group",
                                        Map.of(
                                                "dn",
                                                Fixtures.DEMO_SQL_ADMINS_DN,
                                                "sid",
                                                sqlAdmins.toString()),
                                "eligible", Map.of("users", List.of(REQUESTER)),
                                "duration", Map.of("default", "1m", "maximum", "1h"),
                                "approval",
                                        Map.of(
                                                "groups",
                                                List.of(approvers.toString()),
                                                "quorum",
                                                1)));
            }
            // the sync (also started once after start): bastion accounts and the shadow principal
            JsonNode run = null;
            for (int i = 0; i < 600; i++) {
                try {
                    run = api.post("api/v1/sync", ADMIN, Map.of());
                    break;
                } catch (AssertionError busy) {
                    Thread.sleep(100); // 409 while the startup sync runs
                }
            }
            assertThat(run).isNotNull();
            assertThat(run.get("outcome").asText()).isEqualTo("COMPLETED");

            String password = "Kerberos-Story-Passw0rd!";
            JsonNode principal =
                    api.post(
                            "api/v1/me/kerberos-password", REQUESTER, Map.of("password", password));
            assertThat(principal.get("principal").asText()).isEqualTo(REQUESTER + "@PRIV.EXAMPLE");

            JsonNode pending =
                    api.post(
                            "api/v1/requests",
                            REQUESTER,
                            Map.of(
                                    "group",
                                    "sql-admins",
                                    "duration",
                                    "PT1M",
                                    "justification",
                                    "INC0042 patch"));
            assertThat(pending.get("state").asText()).isEqualTo("PENDING_APPROVAL");
            JsonNode active =
                    api.post(
                            "api/v1/approvals/" + pending.get("id").asText() + "/approve",
                            approver,
                            Map.of());
            assertThat(active.get("state").asText()).isEqualTo("ACTIVE");
            Instant end = endOf(active);

            Path adminPassword = s.dataDir.resolve("secrets/bastion-directory-admin.password");
            assertThat(
                            await(
                                    Duration.ofSeconds(5),
                                    () ->
                                            members(ldapsearch, s, adminPassword)
                                                    .contains("CN=" + REQUESTER + ",")))
                    .as("membership seen by ldapsearch")
                    .isNotNull();

            // kinit with the krb5.conf the service hands out
            String krb5 = get(s.restPort, "api/v1/krb5.conf", REQUESTER);
            Path conf = Files.writeString(dir.resolve("krb5.conf"), krb5);
            Map<String, String> env = new HashMap<>();
            env.put("KRB5_CONFIG", conf.toString());
            env.put("KRB5CCNAME", "FILE:" + dir.resolve("ccache"));
            env.put("TZ", "UTC");
            env.put("LC_ALL", "C");
            assertThat(run(env, password + "\n", kinit.toString(), REQUESTER + "@PRIV.EXAMPLE"))
                    .startsWith("0:");
            String listed = run(env, "", klist.toString());
            Instant expires = expiry(listed, "krbtgt/PRIV.EXAMPLE@PRIV.EXAMPLE");
            assertThat(expires)
                    .as("the TGT ends when the grant does: " + listed)
                    .isEqualTo(end.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));

            // the same ticket, through SPNEGO, authenticates to the API
            Path curl = ExternalTools.require("curl", "curl");
            String me =
                    run(
                            env,
                            "",
                            curl.toString(),
                            "-s",
                            "--negotiate",
                            "-u",
                            ":",
                            "http://localhost:" + s.restPort + "/api/v1/me");
            assertThat(me)
                    .startsWith("0:")
                    .contains("\"user\":\"" + REQUESTER + "\"")
                    .contains("NEGOTIATE");

            // the grant ends: the membership goes, on time
            Instant gone =
                    await(
                            Duration.between(Instant.now(), end).plusSeconds(10),
                            () ->
                                    !members(ldapsearch, s, adminPassword)
                                            .contains("CN=" + REQUESTER + ","));
            assertThat(gone).isNotNull();
            assertThat(Duration.between(end, gone)).isLessThan(Duration.ofSeconds(2));
            JsonNode ended = api.get("api/v1/requests/" + pending.get("id").asText(), REQUESTER);
            assertThat(ended.get("state").asText()).isEqualTo("EXPIRED");
            JsonNode verified = api.post("api/v1/audit/verify", ADMIN, Map.of());
            assertThat(verified.get("intact").asBoolean()).as(verified.toString()).isTrue();
            assertThat(verified.get("journal").get("intact").asBoolean()).isTrue();
            // the tickets are in this node's journal (kdc.ticket-audit: journal, the default)
            JsonNode issued =
                    api.get("api/v1/audit/journal?type=kerberos.ticket.issued", ADMIN).get("items");
            assertThat(issued.toString()).contains(REQUESTER).contains(sqlAdmins.toString());
        }
    }

    private static String members(Path ldapsearch, ServiceProcess s, Path password) {
        try {
            return run(
                    Map.of(),
                    "",
                    ldapsearch.toString(),
                    "-LLL",
                    "-x",
                    "-H",
                    "ldap://127.0.0.1:" + s.bastionLdapPort,
                    "-D",
                    "CN=bastion-admin,DC=priv,DC=example",
                    "-y",
                    password.toString(),
                    "-b",
                    "CN=SQL Admins," + CONTAINER,
                    "-s",
                    "base",
                    "member");
        } catch (Exception e) {
            return "";
        }
    }

    /** The expiry klist shows for {@code service} (klist prints local time; TZ=UTC). */
    static Instant expiry(String klist, String service) {
        Matcher m =
                Pattern.compile(
                                "(\\d\\d/\\d\\d/\\d\\d(?:\\d\\d)?) (\\d\\d:\\d\\d:\\d\\d)\\s+(\\d\\d/\\d\\d/\\d\\d(?:\\d\\d)?) (\\d\\d:\\d\\d:\\d\\d)\\s+"
                                        + Pattern.quote(service))
                        .matcher(klist);
        if (!m.find()) {
            throw new AssertionError("no " + service + " in: " + klist);
        }
        String date = m.group(3);
        DateTimeFormatter f =
                DateTimeFormatter.ofPattern(
                        date.length() == 8 ? "MM/dd/yy HH:mm:ss" : "MM/dd/yyyy HH:mm:ss");
        return LocalDateTime.parse(date + " " + m.group(4), f).toInstant(ZoneOffset.UTC);
    }

    private static String get(int port, String path, String user) throws Exception {
        HttpResponse<String> r =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .build()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create("http://127.0.0.1:" + port + "/" + path))
                                        .header("Authorization", ProcessApi.basic(user))
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    /** Runs a command; answers "exit:stdout+stderr". */
    static String run(Map<String, String> env, String input, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command)));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() + ":" + out;
    }
}
