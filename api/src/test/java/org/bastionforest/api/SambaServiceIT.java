package org.bastionforest.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.unboundid.ldap.sdk.LDAPConnection;
import com.unboundid.ldap.sdk.SearchScope;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.bastionforest.testsupport.SambaDc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged service pointed at a real Active Directory (a Samba AD DC) in its configuration, as
 * docs/sync.md tells an operator to: Basic authentication of the domain's Administrator by an LDAP
 * bind against it (a Domain Admin, so an administrator of the service), then a sync dry run and a
 * sync through the REST API, with DirSync. The bastion accounts appear in the embedded bastion
 * directory.
 */
class SambaServiceIT {
    @TempDir Path dir;

    @Test
    void sync_whenProductionIsASambaDc_thenDryRunThenRunThroughTheApi() throws Exception {
        SambaDc samba = SambaDc.shared();
        Path password = Files.writeString(dir.resolve("samba.password"), samba.adminPassword());
        try (ServiceProcess s = new ServiceProcess(dir.resolve("service"))) {
            s.env.put("BASTION_REST_TLS_MODE", "none");
            s.env.put("BASTION_PRODUCTION_KIND", "ad");
            s.env.put("BASTION_PRODUCTION_URLS", samba.url());
            s.env.put("BASTION_PRODUCTION_BIND_DN", samba.adminDn());
            s.env.put("BASTION_PRODUCTION_BIND_PASSWORD_FILE", password.toString());
            // a DN holds commas: a YAML list in the variable
            s.env.put("BASTION_PRODUCTION_BASE_DNS", "[\"" + SambaDc.BASE_DN + "\"]");
            s.env.put("BASTION_ADMIN_GROUP", "CN=Domain Admins,CN=Users," + SambaDc.BASE_DN);
            s.start();

            String auth =
                    "Basic "
                            + Base64.getEncoder()
                                    .encodeToString(
                                            ("Administrator:" + samba.adminPassword())
                                                    .getBytes(StandardCharsets.UTF_8));
            JsonNode plan = post(s.restPort, "api/v1/sync?dryRun=true", auth);
            assertThat(plan.get("dryRun").asBoolean()).isTrue();
            JsonNode run = post(s.restPort, "api/v1/sync", auth);
            assertThat(run.get("outcome").asText()).as(run.toString()).isEqualTo("COMPLETED");

            String adminPassword =
                    Files.readString(s.dataDir.resolve("secrets/bastion-directory-admin.password"));
            try (LDAPConnection bastion =
                    new LDAPConnection(
                            "127.0.0.1",
                            s.bastionLdapPort,
                            "CN=bastion-admin,DC=priv,DC=example",
                            adminPassword)) {
                assertThat(
                                bastion.search(
                                                "CN=Users,DC=priv,DC=example",
                                                SearchScope.ONE,
                                                "(sAMAccountName=Administrator)",
                                                "objectSid")
                                        .getEntryCount())
                        .as("the domain's Administrator has a bastion account")
                        .isEqualTo(1);
            }
        }
    }

    /** A POST that must succeed (409 while the startup sync runs is waited out). */
    private static JsonNode post(int port, String path, String auth) throws Exception {
        HttpClient http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
        for (int i = 0; ; i++) {
            HttpResponse<String> r =
                    http.send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + port + "/" + path))
                                    .header("Authorization", auth)
                                    .timeout(Duration.ofSeconds(120))
                                    .POST(HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 409 && i < 600) {
                Thread.sleep(100);
                continue;
            }
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return ProcessApi.JSON.readTree(r.body());
        }
    }
}
