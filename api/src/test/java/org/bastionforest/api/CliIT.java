package org.bastionforest.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.LDAPConnection;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastionforest.api.config.ConfigLoader;
import org.bastionforest.api.service.BastionService;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.FreePorts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The {@code bastion} client commands against a service started in this JVM (plain HTTP on a free
 * loopback port, embedded defaults): tables and JSON, a request approved from the command line,
 * policy import with a dry run, the sync, the audit chain, and each error's exit code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliIT {
    @TempDir static Path dir;
    BastionService service;
    String url;
    Path password;
    String approver;

    record Run(int exit, String out, String err) {}

    @BeforeAll
    void start() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("BASTION_DATA_DIR", dir.resolve("data").toString());
        env.put("BASTION_REST_PORT", "0");
        env.put("BASTION_REST_TLS_MODE", "none");
        env.put("BASTION_REST_MANAGEMENT_ENABLED", "false");
        env.put("BASTION_PRODUCTION_DEMO_PORT", "0");
        env.put("BASTION_BASTION_EMBEDDED_LDAP_PORT", "0");
        env.put("BASTION_BASTION_EMBEDDED_LDAPS_PORT", "0");
        env.put("BASTION_KDC_TCP_PORT", "0");
        env.put("BASTION_KDC_UDP_PORT", "0");
        service = BastionService.start(ConfigLoader.load(Optional.empty(), env));
        url = "http://127.0.0.1:" + service.restPort();
        password = Files.writeString(dir.resolve("password"), Fixtures.DEMO_USER_PASSWORD + "\n");
        try (LDAPConnection demo =
                new LDAPConnection(
                        "127.0.0.1",
                        service.productionPort(),
                        Fixtures.DEMO_SYNC_ACCOUNT_DN,
                        Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD)) {
            String approvers = "CN=PAM Approvers,OU=Groups," + Fixtures.DEMO_ROOT;
            String first = demo.getEntry(approvers, "member").getAttributeValues("member")[0];
            approver = demo.getEntry(first, "sAMAccountName").getAttributeValue("sAMAccountName");
            Sid sql =
                    Sid.fromBytes(
                            demo.getEntry(Fixtures.DEMO_SQL_ADMINS_DN, "objectSid")
                                    .getAttributeValueBytes("objectSid"));
            Sid approverGroup =
                    Sid.fromBytes(
                            demo.getEntry(approvers, "objectSid")
                                    .getAttributeValueBytes("objectSid"));
            Files.writeString(
                    dir.resolve("policy.yaml"),
                    "shadow-groups:\n"
                            + "  - id: sql-admins\n"
                            + "    production-group: {dn: \""
                            + Fixtures.DEMO_SQL_ADMINS_DN
                            + "\", sid: "
                            + sql
                            + "}\n"
                            + "    eligible: {users: [oivanova]}\n"
                            + "    duration: {default: 1h, maximum: 8h}\n"
                            + "    approval: {groups: ["
                            + approverGroup
                            + "], quorum: 1}\n");
        }
    }

    @AfterAll
    void stop() {
        if (service != null) {
            service.close();
        }
    }

    Run bastion(String user, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", url, "--user", user, "--password-file", password.toString()));
        return bastionRaw(all.toArray(String[]::new));
    }

    static Run bastionRaw(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void theStory_importSyncRequestApproveGrantsVerify() throws Exception {
        Run dry =
                bastion(
                        "zangstroem",
                        "groups",
                        "import",
                        dir.resolve("policy.yaml").toString(),
                        "--dry-run");
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("+ sql-admins").contains("dry run");
        Run applied =
                bastion("zangstroem", "groups", "import", dir.resolve("policy.yaml").toString());
        assertThat(applied.exit()).as(applied.err()).isZero();

        Run sync = bastion("zangstroem", "sync");
        for (int i = 0; i < 300 && sync.exit() == 4 && sync.err().contains("running"); i++) {
            Thread.sleep(100); // the service's own first sync
            sync = bastion("zangstroem", "sync");
        }
        assertThat(sync.exit()).as(sync.err()).isZero();
        assertThat(sync.out()).contains("COMPLETED");

        Run status = bastion("zangstroem", "sync", "--status");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).startsWith("STARTED").contains("COMPLETED");
        Run full = bastion("zangstroem", "sync", "--full");
        assertThat(full.exit()).as(full.err()).isZero();
        assertThat(full.out()).contains("COMPLETED").contains("0 added");

        Run asked =
                bastion(
                        "oivanova",
                        "request",
                        "sql-admins",
                        "--for",
                        "2h",
                        "--reason",
                        "INC0042 patch");
        assertThat(asked.exit()).as(asked.err()).isZero();
        assertThat(asked.out()).contains("PENDING_APPROVAL");
        Matcher id = Pattern.compile("[0-9a-f]{8}-[0-9a-f-]{27}").matcher(asked.out());
        assertThat(id.find()).isTrue();

        Run approved = bastion(approver, "approve", id.group());
        assertThat(approved.exit()).as(approved.err()).isZero();
        assertThat(approved.out()).contains("ACTIVE");

        Run grants = bastion("oivanova", "grants");
        assertThat(grants.out()).startsWith("ID").contains(id.group()).contains("ACTIVE");
        Run json = bastion("oivanova", "grants", "--json");
        assertThat(json.out()).contains("\"items\"").contains(id.group());

        Run verify = bastion("zangstroem", "audit", "verify");
        assertThat(verify.exit()).isZero();
        assertThat(verify.out()).startsWith("intact");

        Run conf = bastion("oivanova", "krb5conf");
        assertThat(conf.out()).contains("PRIV.EXAMPLE");

        Run closed = bastion("oivanova", "close", id.group(), "--reason", "done");
        assertThat(closed.out()).contains("CLOSED");
        for (Run r :
                List.of(dry, applied, sync, asked, approved, grants, json, verify, conf, closed)) {
            assertThat(r.out() + r.err()).doesNotContain(Fixtures.DEMO_USER_PASSWORD);
        }
    }

    @Test
    void errors_eachKindHasItsExitCodeAndOneLine() throws Exception {
        Path wrong = Files.writeString(dir.resolve("wrong"), "not-the-password");
        Run auth =
                bastionRaw(
                        "whoami",
                        "--url",
                        url,
                        "--user",
                        "oivanova",
                        "--password-file",
                        wrong.toString());
        assertThat(auth.exit()).isEqualTo(3);
        assertThat(auth.err())
                .startsWith("bastion: Unauthenticated")
                .doesNotContain("not-the-password");

        Run missing = bastion("oivanova", "approve", "6f1c1b0e-0000-4000-8000-000000000000");
        assertThat(missing.exit()).isEqualTo(4);
        assertThat(missing.err()).startsWith("bastion: Not found");

        Run forbidden = bastion("oivanova", "sync");
        assertThat(forbidden.exit()).isEqualTo(4);

        Run down =
                bastionRaw(
                        "whoami",
                        "--url",
                        "http://127.0.0.1:" + FreePorts.next(),
                        "--user",
                        "oivanova",
                        "--password-file",
                        password.toString());
        assertThat(down.exit()).isEqualTo(5);
        assertThat(down.err()).startsWith("bastion: cannot connect");

        Run usage = bastion("oivanova", "request", "sql-admins", "--for", "forever");
        assertThat(usage.exit()).isEqualTo(1);
        assertThat(usage.err()).contains("not a duration");

        Run insecure =
                bastionRaw(
                        "whoami",
                        "--url",
                        "https://192.0.2.1:8443",
                        "--insecure",
                        "--user",
                        "x",
                        "--password-file",
                        password.toString());
        assertThat(insecure.exit()).isEqualTo(1);
        assertThat(insecure.err()).contains("loopback");

        Run me = bastion("zangstroem", "whoami");
        assertThat(me.exit()).isZero();
        assertThat(me.out()).contains("zangstroem").contains("true");
    }
}
