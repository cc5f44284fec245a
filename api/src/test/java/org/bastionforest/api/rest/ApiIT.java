package org.bastionforest.api.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bastionforest.api.rest.TestApi.Answer;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every resource through real HTTP against a service started in this JVM on its embedded defaults
 * (demo production directory: real LDAP binds for Basic authentication; embedded bastion; HSQLDB):
 * the success paths and the refusals with their problem+json bodies.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiIT {
    static final String ADMIN = "zangstroem"; // Domain Admins
    static final String REQUESTER = "oivanova"; // SQL Admins, eligible by name below

    @TempDir static Path dir;
    TestApi api;
    String approver;
    String outsider;
    Sid sqlAdmins;
    Sid approvers;

    @BeforeAll
    void start() throws Exception {
        api = new TestApi(dir, Map.of());
        approvers = api.sid(api.groupDn("PAM Approvers"));
        approver = api.members(api.groupDn("PAM Approvers")).get(0);
        outsider = api.members(api.groupDn("Helpdesk")).get(0);
        sqlAdmins = api.sid(Fixtures.DEMO_SQL_ADMINS_DN);
        Answer created =
                api.post("api/v1/shadow-groups", TestApi.basic(ADMIN), group("sql-admins"));
        assertThat(created.status()).as(created.raw().body()).isEqualTo(201);

        // the sync makes the bastion accounts and the group's shadow principal
        // (the service starts a sync of its own right after start: 409 until it is done)
        Answer plan = api.post("api/v1/sync?dryRun=true", TestApi.basic(ADMIN), "");
        for (int i = 0; i < 600 && plan.status() == 409; i++) {
            Thread.sleep(100);
            plan = api.post("api/v1/sync?dryRun=true", TestApi.basic(ADMIN), "");
        }
        assertThat(plan.status()).as(plan.raw().body()).isEqualTo(200);
        assertThat(plan.json().get("dryRun").asBoolean()).isTrue();
        Answer run = api.post("api/v1/sync", TestApi.basic(ADMIN), "");
        assertThat(run.status()).as(run.raw().body()).isEqualTo(200);
        assertThat(run.json().get("outcome").asText()).isEqualTo("COMPLETED");
        assertThat(api.bastionMembers("SQL Admins")).isEmpty();
    }

    @Test
    void sync_whenNotAnAdministrator_then403_andRunsAreListed() throws Exception {
        assertProblem(api.post("api/v1/sync", TestApi.basic(REQUESTER), ""), 403, "access-denied");
        JsonNode runs = api.get("api/v1/sync", TestApi.basic(ADMIN)).json().get("items");
        assertThat(runs).isNotEmpty();
        assertThat(runs.get(0).get("outcome").asText()).isIn("COMPLETED", "GUARD_TRIPPED");
    }

    /** Waits up to 5 s for {@code condition}. */
    static boolean eventually(java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (condition.call()) {
                return true;
            }
            Thread.sleep(50);
        }
        return condition.call();
    }

    @AfterAll
    void stop() {
        if (api != null) {
            api.close();
        }
    }

    ObjectNode group(String id) {
        ObjectNode g = TestApi.JSON.createObjectNode();
        g.put("id", id);
        g.put("display-name", "SQL Admins");
        g.putObject("production-group")
                .put("dn", Fixtures.DEMO_SQL_ADMINS_DN)
                .put("sid", sqlAdmins.toString());
        g.putObject("eligible").putArray("users").add(REQUESTER);
        g.putObject("duration").put("default", "1h").put("maximum", "8h");
        ObjectNode approval = g.putObject("approval");
        approval.putArray("groups").add(approvers.toString());
        approval.put("quorum", 1);
        return g;
    }

    static void assertProblem(Answer a, int status, String type) {
        assertThat(a.status()).as(a.raw().body()).isEqualTo(status);
        assertThat(a.contentType()).startsWith("application/problem+json");
        JsonNode p = a.json();
        assertThat(p.get("type").asText()).isEqualTo("urn:bastion-forest:problem:" + type);
        assertThat(p.get("status").asInt()).isEqualTo(status);
        assertThat(p.get("title").asText()).isNotBlank();
    }

    @Test
    void me_withoutCredentials_then401WithChallenges() throws Exception {
        Answer a = api.get("api/v1/me", null);
        assertProblem(a, 401, "unauthenticated");
        assertThat(a.header("WWW-Authenticate"))
                .anyMatch(h -> h.startsWith("Basic"))
                .anyMatch(h -> h.startsWith("Bearer"));
    }

    @Test
    void me_withDirectoryCredentials_thenTheCanonicalUserAndRole() throws Exception {
        JsonNode me = api.get("api/v1/me", TestApi.basic("ZAngstroem@corp.example")).json();
        assertThat(me.get("user").asText()).isEqualTo(ADMIN);
        assertThat(me.get("administrator").asBoolean()).isTrue();
        assertThat(me.get("authentication").asText()).isEqualTo("BASIC");
        JsonNode other = api.get("api/v1/me", TestApi.basic(REQUESTER)).json();
        assertThat(other.get("administrator").asBoolean()).isFalse();
    }

    @Test
    void basic_whenPasswordWrongEmptyOrAccountDisabled_then401() throws Exception {
        assertProblem(
                api.get("api/v1/me", TestApi.basic(REQUESTER, "wrong")), 401, "unauthenticated");
        assertProblem(api.get("api/v1/me", TestApi.basic(REQUESTER, "")), 401, "unauthenticated");
        assertProblem(api.get("api/v1/me", TestApi.basic("ddeparted")), 401, "unauthenticated");
        assertProblem(api.get("api/v1/me", "Basic !!notbase64"), 401, "unauthenticated");
        assertProblem(api.get("api/v1/me", "Bearer bft_nope"), 401, "unauthenticated");
        assertProblem(api.get("api/v1/me", "Digest x"), 401, "unauthenticated");
    }

    @Test
    void basic_whenTheLoginIsAnInjectionAttempt_thenRefusedNeverAnError() throws Exception {
        for (String login :
                List.of(
                        "*",
                        "*)(objectClass=*",
                        "oivanova)(|(sAMAccountName=*",
                        "oivanova\u0000",
                        "a".repeat(5000),
                        "\\",
                        "CN=Zoë Ångström (zangstroem),OU=Engineering,OU=People,DC=corp,DC=example")) {
            Answer a = api.get("api/v1/me", TestApi.basic(login));
            assertThat(a.status())
                    .as(login.length() > 40 ? login.substring(0, 40) : login)
                    .isEqualTo(401);
        }
    }

    @Test
    void request_theWholeFlow_approveActiveWindowClose() throws Exception {
        String alice = TestApi.basic(REQUESTER);
        JsonNode groups = api.get("api/v1/shadow-groups", alice).json().get("items");
        assertThat(groups).hasSize(1);
        assertThat(groups.get(0).get("eligible").asBoolean()).isTrue();
        assertThat(api.get("api/v1/shadow-groups", TestApi.basic(outsider)).json().get("items"))
                .isEmpty();
        assertProblem(
                api.get("api/v1/shadow-groups/sql-admins", TestApi.basic(outsider)),
                404,
                "not-found");

        Answer created =
                api.post(
                        "api/v1/requests",
                        alice,
                        Map.of(
                                "group",
                                "sql-admins",
                                "duration",
                                "PT2H",
                                "justification",
                                "INC0012345 patch"));
        assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
        String id = created.json().get("id").asText();
        assertThat(created.json().get("state").asText()).isEqualTo("PENDING_APPROVAL");
        assertThat(created.header("Location")).anyMatch(l -> l.endsWith("/api/v1/requests/" + id));

        // the requester cannot decide (and knows the request: 403); an outsider cannot see it,
        // and an unknown id looks the same to them
        assertProblem(
                api.post("api/v1/approvals/" + id + "/approve", alice, ""), 403, "access-denied");
        assertProblem(
                api.post("api/v1/approvals/" + id + "/approve", TestApi.basic(outsider), ""),
                404,
                "not-found");
        Answer hidden = api.get("api/v1/requests/" + id, TestApi.basic(outsider));
        Answer unknown =
                api.get(
                        "api/v1/requests/6f1c1b0e-0000-4000-8000-000000000000",
                        TestApi.basic(outsider));
        assertProblem(hidden, 404, "not-found");
        assertProblem(unknown, 404, "not-found");
        assertProblem(api.get("api/v1/requests/not-a-uuid", alice), 404, "not-found");

        JsonNode waiting = api.get("api/v1/approvals", TestApi.basic(approver)).json().get("items");
        assertThat(waiting).extracting(n -> n.get("id").asText()).contains(id);
        JsonNode approved =
                api.post("api/v1/approvals/" + id + "/approve", TestApi.basic(approver), "").json();
        assertThat(approved.get("state").asText()).isEqualTo("ACTIVE");
        assertThat(approved.get("grant").get("endsAt").asText()).isNotBlank();

        assertThat(
                        eventually(
                                () ->
                                        api.bastionMembers("SQL Admins").stream()
                                                .anyMatch(
                                                        m ->
                                                                m.toLowerCase()
                                                                        .startsWith(
                                                                                "cn=oivanova,"))))
                .as("the grant's membership, in the bastion directory")
                .isTrue();
        JsonNode grants = api.get("api/v1/grants", alice).json().get("items");
        assertThat(grants).extracting(n -> n.get("id").asText()).containsExactly(id);
        JsonNode window = api.get("api/v1/me/effective-window", alice).json();
        assertThat(window.get("sids"))
                .extracting(JsonNode::asText)
                .containsExactly(sqlAdmins.toString());
        assertThat(window.get("until").asText())
                .isEqualTo(approved.get("grant").get("endsAt").asText());

        // a second request for the same group is a conflict
        assertProblem(
                api.post(
                        "api/v1/requests",
                        alice,
                        Map.of("group", "sql-admins", "justification", "again")),
                409,
                "conflict");

        JsonNode closed =
                api.post("api/v1/requests/" + id + "/close", alice, Map.of("reason", "done"))
                        .json();
        assertThat(closed.get("state").asText()).isEqualTo("CLOSED");
        assertThat(eventually(() -> api.bastionMembers("SQL Admins").isEmpty()))
                .as("closed early: the membership is gone")
                .isTrue();
        assertThat(api.get("api/v1/me/effective-window", alice).json().get("sids")).isEmpty();
        JsonNode mine = api.get("api/v1/requests?state=CLOSED&limit=10", alice).json();
        assertThat(mine.get("items")).extracting(n -> n.get("id").asText()).contains(id);
    }

    @Test
    void requests_whenTheBodyIsBad_thenClearErrorsAndNothingStored() throws Exception {
        String alice = TestApi.basic(REQUESTER);
        int before = api.get("api/v1/requests?limit=200", alice).json().get("items").size();
        assertProblem(
                api.post("api/v1/requests", alice, Map.of("group", "sql-admins", "sneaky", true)),
                400,
                "unknown-field");
        assertProblem(api.post("api/v1/requests", alice, "{not json"), 400, "bad-json");
        assertProblem(
                api.post(
                        "api/v1/requests",
                        alice,
                        Map.of("group", "sql-admins", "duration", "an hour")),
                400,
                "bad-request");
        assertProblem(
                api.post(
                        "api/v1/requests",
                        alice,
                        Map.of("group", "sql-admins", "duration", "PT9H", "justification", "x")),
                422,
                "invalid-input");
        assertProblem(
                api.post(
                        "api/v1/requests",
                        alice,
                        Map.of("group", "no-such-group", "justification", "x")),
                404,
                "not-found");
        assertProblem(
                api.post(
                        "api/v1/requests",
                        alice,
                        Map.of("group", "Bad Id*)(", "justification", "x")),
                400,
                "bad-request");
        assertProblem(
                api.post(
                        "api/v1/requests",
                        alice,
                        "{\"justification\":\"" + "x".repeat(70_000) + "\"}"),
                413,
                "http-413");
        assertProblem(
                api.send(
                        HttpRequest.newBuilder(api.base.resolve("api/v1/requests"))
                                .header("Content-Type", "text/plain")
                                .POST(HttpRequest.BodyPublishers.ofString("hello")),
                        alice),
                415,
                "http-415");
        assertProblem(api.get("api/v1/requests?limit=0", alice), 400, "bad-request");
        assertProblem(api.get("api/v1/requests?cursor=%40%40%40", alice), 400, "bad-request");
        assertProblem(api.get("api/v1/requests?scope=all", alice), 403, "access-denied");
        assertThat(api.get("api/v1/requests?limit=200", alice).json().get("items")).hasSize(before);
    }

    @Test
    void shadowGroups_whenNotAnAdministrator_then403AndNothingChanges() throws Exception {
        assertProblem(
                api.post("api/v1/shadow-groups", TestApi.basic(REQUESTER), group("mine")),
                403,
                "access-denied");
        assertProblem(
                api.post(
                        "api/v1/shadow-groups", TestApi.basic(ADMIN), "{\"id\":\"x\",\"bogus\":1}"),
                422,
                "invalid-input");
        assertProblem(api.get("api/v1/shadow-groups/mine", TestApi.basic(ADMIN)), 404, "not-found");
    }

    @Test
    void import_whenDryRun_thenThePlanAndNothingApplied() throws Exception {
        String yaml =
                "shadow-groups:\n"
                        + "  - id: dba-oncall\n"
                        + "    production-group: {dn: \"CN=DBA Team,OU=Groups,DC=corp,DC=example\", sid: "
                        + api.sid(Fixtures.DEMO_DBA_TEAM_DN)
                        + "}\n"
                        + "    eligible: {users: [oivanova]}\n"
                        + "    duration: {default: 1h, maximum: 4h}\n";
        String admin = TestApi.basic(ADMIN);
        Answer dry =
                api.send(
                        HttpRequest.newBuilder(
                                        api.base.resolve("api/v1/shadow-groups:import?dryRun=true"))
                                .header("Content-Type", "application/yaml")
                                .POST(HttpRequest.BodyPublishers.ofString(yaml)),
                        admin);
        assertThat(dry.status()).as(dry.raw().body()).isEqualTo(200);
        assertThat(dry.json().get("created"))
                .extracting(JsonNode::asText)
                .containsExactly("dba-oncall");
        assertProblem(api.get("api/v1/shadow-groups/dba-oncall", admin), 404, "not-found");
        Answer applied =
                api.send(
                        HttpRequest.newBuilder(api.base.resolve("api/v1/shadow-groups:import"))
                                .header("Content-Type", "application/yaml")
                                .POST(HttpRequest.BodyPublishers.ofString(yaml)),
                        admin);
        assertThat(applied.status()).as(applied.raw().body()).isEqualTo(200);
        assertThat(api.get("api/v1/shadow-groups/dba-oncall", admin).status()).isEqualTo(200);
    }

    @Test
    void tokens_whenScoped_thenTheTokenRequestsOnlyItsGroupsAndNeverAdministers() throws Exception {
        String admin = TestApi.basic(ADMIN);
        ObjectNode ci = group("ci-sql");
        ((com.fasterxml.jackson.databind.node.ArrayNode) ci.get("eligible").get("users"))
                .add("ci-deploy");
        ci.put("approval", false);
        assertThat(api.post("api/v1/shadow-groups", admin, ci).status()).isEqualTo(409); // same SID
        ci.putObject("production-group")
                .put("dn", Fixtures.DEMO_DBA_TEAM_DN + "x")
                .put("sid", Sid.of(Sid.parse(Fixtures.DEMO_DOMAIN_SID), 9999).toString());
        assertThat(api.post("api/v1/shadow-groups", admin, ci).status()).isEqualTo(201);

        assertProblem(
                api.post(
                        "api/v1/tokens",
                        TestApi.basic(REQUESTER),
                        Map.of("subject", "ci-deploy", "scope", List.of("ci-sql"))),
                403,
                "access-denied");
        Answer created =
                api.post(
                        "api/v1/tokens",
                        admin,
                        Map.of(
                                "subject",
                                "ci-deploy",
                                "description",
                                "pipeline",
                                "scope",
                                List.of("ci-sql"),
                                "lifetime",
                                "P1D"));
        assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
        String token = "Bearer " + created.json().get("token").asText();
        assertThat(api.get("api/v1/tokens", admin).json().toString())
                .doesNotContain(created.json().get("token").asText());

        assertThat(api.get("api/v1/me", token).json().get("user").asText()).isEqualTo("ci-deploy");
        assertProblem(
                api.post(
                        "api/v1/requests",
                        token,
                        Map.of("group", "sql-admins", "justification", "x")),
                404,
                "not-found");
        Answer ok =
                api.post(
                        "api/v1/requests",
                        token,
                        Map.of("group", "ci-sql", "justification", "deploy 42"));
        assertThat(ok.status()).as(ok.raw().body()).isEqualTo(201);
        assertThat(ok.json().get("state").asText()).isEqualTo("ACTIVE");
        assertProblem(api.post("api/v1/shadow-groups", token, group("x")), 403, "access-denied");

        String tokenId = created.json().get("id").asText();
        assertThat(
                        api.send(
                                        HttpRequest.newBuilder(
                                                        api.base.resolve(
                                                                "api/v1/tokens/" + tokenId))
                                                .DELETE(),
                                        admin)
                                .status())
                .isEqualTo(204);
        assertProblem(api.get("api/v1/me", token), 401, "unauthenticated");
    }

    @Test
    void audit_whenAdministrator_thenEventsAndAnIntactChain() throws Exception {
        String admin = TestApi.basic(ADMIN);
        JsonNode page = api.get("api/v1/audit?type=policy.created&limit=5", admin).json();
        assertThat(page.get("items")).isNotEmpty();
        JsonNode verify = api.post("api/v1/audit/verify", admin, "").json();
        assertThat(verify.get("intact").asBoolean()).isTrue();
        assertProblem(api.get("api/v1/audit", TestApi.basic(REQUESTER)), 403, "access-denied");
        Answer csv = api.get("api/v1/audit/export?format=csv", admin);
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.raw().body()).contains("policy.created");
    }

    @Test
    void openapi_thenGeneratedFromTheResources() throws Exception {
        Answer a = api.get("openapi.json", null);
        assertThat(a.status()).isEqualTo(200);
        JsonNode doc = a.json();
        assertThat(doc.get("openapi").asText()).startsWith("3.");
        assertThat(doc.get("paths").has("/api/v1/requests")).isTrue();
        assertThat(doc.get("paths").has("/api/v1/approvals/{id}/approve")).isTrue();
        assertThat(doc.get("paths").has("/api/v1/shadow-groups:import")).isTrue();
    }

    static String totp(String base32, java.time.Instant at) throws Exception {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char ch : base32.replace("=", "").toUpperCase().toCharArray()) {
            buffer = (buffer << 5) | alphabet.indexOf(ch);
            bits += 5;
            if (bits >= 8) {
                out.write((buffer >>> (bits - 8)) & 0xFF);
                bits -= 8;
            }
        }
        com.eatthepath.otp.TimeBasedOneTimePasswordGenerator g =
                new com.eatthepath.otp.TimeBasedOneTimePasswordGenerator(
                        java.time.Duration.ofSeconds(30), 6);
        return g.generateOneTimePasswordString(
                new javax.crypto.spec.SecretKeySpec(out.toByteArray(), g.getAlgorithm()),
                at,
                java.util.Locale.ROOT);
    }

    @Test
    void mfa_whenACodeIsReplayed_thenTheGrantDoesNotStart() throws Exception {
        String admin = TestApi.basic(ADMIN);
        ObjectNode g = group("tier0-mfa");
        g.putObject("production-group")
                .put("dn", api.groupDn("Tier0 Operators"))
                .put("sid", api.sid(api.groupDn("Tier0 Operators")).toString());
        g.put("approval", false);
        g.put("mfa", true);
        assertThat(api.post("api/v1/shadow-groups", admin, g).status()).isEqualTo(201);
        String alice = TestApi.basic(REQUESTER);

        JsonNode enrolment = api.post("api/v1/me/mfa", alice, "").json();
        assertThat(enrolment.get("otpauthUri").asText()).startsWith("otpauth://totp/");
        assertThat(enrolment.get("qrCodePng").asText()).isNotBlank();
        String secret = enrolment.get("secret").asText();
        java.time.Instant now = java.time.Instant.now();
        Answer confirmed =
                api.post("api/v1/me/mfa/confirm", alice, Map.of("code", totp(secret, now)));
        assertThat(confirmed.status()).as(confirmed.raw().body()).isEqualTo(200);

        String next = totp(secret, now.plusSeconds(30));
        Answer first =
                api.post(
                        "api/v1/requests",
                        alice,
                        Map.of("group", "tier0-mfa", "justification", "x", "totp", next));
        assertThat(first.status()).as(first.raw().body()).isEqualTo(201);
        assertThat(first.json().get("state").asText()).isEqualTo("ACTIVE");
        api.post(
                "api/v1/requests/" + first.json().get("id").asText() + "/close",
                alice,
                Map.of("reason", "done"));

        Answer replay =
                api.post(
                        "api/v1/requests",
                        alice,
                        Map.of("group", "tier0-mfa", "justification", "x", "totp", next));
        assertThat(replay.status()).isEqualTo(201);
        assertThat(replay.json().get("state").asText())
                .as("the replayed code does not activate it")
                .isEqualTo("APPROVED");
        assertThat(replay.header("Bastion-Activation")).contains("mfa-code-refused");
        assertThat(api.get("api/v1/me/effective-window", alice).json().get("sids").toString())
                .doesNotContain(api.sid(api.groupDn("Tier0 Operators")).toString());
        assertProblem(
                api.post(
                        "api/v1/requests/" + replay.json().get("id").asText() + "/activate",
                        alice,
                        Map.of("totp", next)),
                403,
                "access-denied");
    }

    @Test
    void strings_whenTheyCarryInjectionsOrControls_thenStoredAsTextOrRefusedNeverAnError()
            throws Exception {
        String alice = TestApi.basic(REQUESTER);
        for (String evil :
                List.of("*)(|(objectClass=*)", "a\\00\u0000b", "x".repeat(2001), "\u202e\u0007")) {
            Map<String, String> body =
                    Map.of("group", "sql-admins", "justification", evil, "ticket", evil);
            Answer a = api.post("api/v1/requests", alice, body);
            String shown = evil.length() > 30 ? evil.substring(0, 30) : evil;
            assertThat(a.status()).as(shown).isIn(201, 400, 422);
            if (a.status() == 201) {
                // taken as plain text, exactly as sent, and harmless
                assertThat(a.json().get("justification").asText()).isEqualTo(evil);
                api.post(
                        "api/v1/requests/" + a.json().get("id").asText() + "/close",
                        alice,
                        Map.of("reason", "test"));
            }
        }
        assertProblem(api.get("api/v1/shadow-groups/*)(x=*", alice), 404, "not-found");
        assertProblem(api.get("api/v1/audit?user=*)(", alice), 403, "access-denied");
        assertThat(api.get("api/v1/requests?state=ACTIVE", alice).json().get("items")).isEmpty();
    }

    @Test
    void principals_whenAnAdministratorRegistersAService_thenItsKeytabReadsInKlist()
            throws Exception {
        java.nio.file.Path klist =
                org.bastionforest.testsupport.ExternalTools.require("klist", "krb5-user");
        String admin = TestApi.basic(ADMIN);
        assertProblem(
                api.post(
                        "api/v1/principals",
                        TestApi.basic(REQUESTER),
                        Map.of("name", "HTTP/web01.corp.example")),
                403,
                "access-denied");
        Answer made =
                api.post("api/v1/principals", admin, Map.of("name", "HTTP/web01.corp.example"));
        assertThat(made.status()).as(made.raw().body()).isEqualTo(201);
        assertThat(made.json().get("principal").asText())
                .isEqualTo("HTTP/web01.corp.example@PRIV.EXAMPLE");

        java.net.http.HttpResponse<byte[]> keytab =
                api.http.send(
                        HttpRequest.newBuilder(
                                        api.base.resolve(
                                                "api/v1/principals/HTTP/web01.corp.example/keytab"))
                                .header("Authorization", admin)
                                .GET()
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(keytab.statusCode()).isEqualTo(200);
        java.nio.file.Path file =
                java.nio.file.Files.write(dir.resolve("web01.keytab"), keytab.body());
        Process p =
                new ProcessBuilder(klist.toString(), "-k", "-e", file.toString())
                        .redirectErrorStream(true)
                        .start();
        String out =
                new String(
                        p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        assertThat(out)
                .contains("HTTP/web01.corp.example@PRIV.EXAMPLE")
                .contains("aes256-cts-hmac-sha1-96");

        assertProblem(
                api.get(
                        "api/v1/principals/HTTP/web01.corp.example/keytab",
                        TestApi.basic(REQUESTER)),
                403,
                "access-denied");
        Answer rotated = api.post("api/v1/principals/HTTP/web01.corp.example/rotate", admin, "");
        assertThat(rotated.json().get("kvno").asInt()).isEqualTo(2);
        assertThat(api.get("api/v1/krb5.conf", TestApi.basic(REQUESTER)).raw().body())
                .contains("default_realm = PRIV.EXAMPLE");
        JsonNode exported =
                api.get("api/v1/audit?type=kerberos.keytab.exported", admin).json().get("items");
        assertThat(exported).hasSize(1);
    }

    @Test
    void metrics_whenAnAdministratorAsks_thenPrometheusTextWithTheServiceMeters() throws Exception {
        assertProblem(api.get("metrics", TestApi.basic(REQUESTER)), 403, "access-denied");
        Answer m = api.get("metrics", TestApi.basic(ADMIN));
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.raw().body())
                .contains("http_server_requests_seconds_count")
                .contains("bastion_directory_backlog")
                .contains("bastion_audit_buffered")
                .contains("kerberos_tickets_issued_total")
                .contains("kerberos_ticket_audit_groups_total")
                .contains("jvm_memory_used_bytes");
    }
}
