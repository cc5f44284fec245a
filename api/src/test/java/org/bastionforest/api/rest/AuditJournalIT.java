package org.bastionforest.api.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.api.rest.SpnegoIT.run;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kdc.ticket-audit: journal} in the service: MIT {@code kinit} gets a TGT from the bastion
 * KDC; its event is in this node's journal (the API's {@code /api/v1/audit/journal}, its export and
 * its files), not in the SQL audit log; the journal is anchored in the audit log and verified with
 * it; an edited journal line is reported; without a journal the endpoints answer 404.
 */
class AuditJournalIT {
    static final String ADMIN = ApiIT.ADMIN;
    static final String USER = ApiIT.REQUESTER;
    static final String PASSWORD = "Kerberos-Journal-Passw0rd!";

    @TempDir Path dir;

    @Test
    void journal_whenATicketIsIssued_thenItIsInTheJournalVerifiedAndEditsAreCaught()
            throws Exception {
        Path kinit = ExternalTools.require("kinit", "krb5-user");
        Path data = dir.resolve("data");
        try (TestApi api = new TestApi(data, Map.of("BASTION_KDC_TICKET_AUDIT", "journal"))) {
            String admin = TestApi.basic(ADMIN);
            awaitFirstSync(api);
            TestApi.Answer enrolled =
                    api.post(
                            "api/v1/me/kerberos-password",
                            TestApi.basic(USER),
                            Map.of("password", PASSWORD));
            assertThat(enrolled.status()).as(enrolled.raw().body()).isEqualTo(200);

            String krb5 = api.get("api/v1/krb5.conf", TestApi.basic(USER)).raw().body();
            Map<String, String> env = new HashMap<>();
            env.put("KRB5_CONFIG", Files.writeString(dir.resolve("krb5.conf"), krb5).toString());
            env.put("KRB5CCNAME", "FILE:" + dir.resolve("ccache"));
            env.put("LC_ALL", "C");
            assertThat(run(env, PASSWORD + "\n", kinit.toString(), USER + "@PRIV.EXAMPLE"))
                    .startsWith("0:");

            JsonNode items =
                    api.get("api/v1/audit/journal?type=kerberos.ticket.issued", admin)
                            .json()
                            .get("items");
            assertThat(items).hasSize(1);
            assertThat(items.get(0).get("user").asText()).isEqualTo(USER);
            assertThat(items.get(0).get("details").get("exchange").asText()).isEqualTo("AS");
            assertThat(
                            api.get("api/v1/audit?type=kerberos.ticket.issued", admin)
                                    .json()
                                    .get("items"))
                    .isEmpty();
            TestApi.Answer export = api.get("api/v1/audit/journal/export", admin);
            assertThat(export.status()).isEqualTo(200);
            assertThat(export.raw().body().lines())
                    .hasSize(1)
                    .allSatisfy(l -> assertThat(l).contains(items.get(0).get("hash").asText()));
            ApiIT.assertProblem(
                    api.get("api/v1/audit/journal", TestApi.basic(USER)), 403, "access-denied");
            ApiIT.assertProblem(
                    api.get("api/v1/audit/journal?from=yesterday", admin), 400, "bad-request");

            JsonNode verified = api.post("api/v1/audit/verify", admin, "").json();
            assertThat(verified.get("intact").asBoolean()).as(verified.toString()).isTrue();
            assertThat(verified.get("journal").get("intact").asBoolean()).isTrue();
            assertThat(verified.get("journal").get("checked").asLong()).isEqualTo(1);
            String id = verified.get("journal").get("id").asText();
            // the start anchored the (empty) journal in the audit log, under its id
            JsonNode checkpoints =
                    api.get("api/v1/audit?type=audit.journal.checkpoint", admin)
                            .json()
                            .get("items");
            assertThat(checkpoints).isNotEmpty();
            assertThat(checkpoints.get(0).get("details").get("journal").asText()).isEqualTo(id);

            // an edited line (another SID added) is reported, the audit log itself stays intact
            Path segment = segments(data.resolve("audit-journal")).get(0);
            String text = Files.readString(segment);
            Files.writeString(
                    segment, text.replace("\"sids\":\"", "\"sids\":\"S-1-5-21-9-9-9-512,"));
            JsonNode tampered = api.post("api/v1/audit/verify", admin, "").json();
            assertThat(tampered.get("intact").asBoolean()).isFalse();
            assertThat(tampered.get("journal").get("intact").asBoolean()).isFalse();
            assertThat(tampered.get("journal").get("problems").toString()).contains("EDITED at 1");
            assertThat(tampered.get("problems")).isEmpty();
        }
    }

    @Test
    void journal_whenTheNodeKeepsNone_then404() throws Exception {
        try (TestApi api =
                new TestApi(dir.resolve("data"), Map.of("BASTION_KDC_TICKET_AUDIT", "durable"))) {
            String admin = TestApi.basic(ADMIN);
            ApiIT.assertProblem(api.get("api/v1/audit/journal", admin), 404, "not-found");
            ApiIT.assertProblem(api.get("api/v1/audit/journal/export", admin), 404, "not-found");
            JsonNode verified = api.post("api/v1/audit/verify", admin, "").json();
            assertThat(verified.get("intact").asBoolean()).isTrue();
            assertThat(verified.get("journal").isNull()).isTrue();
            assertThat(Files.exists(dir.resolve("data").resolve("audit-journal"))).isFalse();
        }
    }

    private static void awaitFirstSync(TestApi api) throws Exception {
        TestApi.Answer run = api.post("api/v1/sync", TestApi.basic(ADMIN), "");
        for (int i = 0; i < 600 && run.status() == 409; i++) {
            Thread.sleep(100);
            run = api.post("api/v1/sync", TestApi.basic(ADMIN), "");
        }
        assertThat(run.status()).as(run.raw().body()).isEqualTo(200);
    }

    private static List<Path> segments(Path journal) throws Exception {
        try (Stream<Path> files = Files.list(journal)) {
            return new ArrayList<>(
                    files.filter(p -> p.getFileName().toString().endsWith(".jsonl"))
                            .sorted()
                            .toList());
        }
    }
}
