package org.bastionforest.api.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bastionforest.testsupport.ExternalTools;
import org.bastionforest.testsupport.MitKdc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPNEGO with real Kerberos peers: an MIT KDC issues the tickets, MIT {@code kinit} gets one and
 * {@code curl --negotiate} presents it to the service, which accepts it with the JDK's GSS-API and
 * its HTTP principal's keytab. (The bastion KDC serves the same exchange once it issues the
 * service's own principal; this test pins the acceptor against a reference KDC.)
 */
class SpnegoIT {
    static final String REALM = "MIT.BASTION.TEST";

    @TempDir Path dir;

    @Test
    void negotiate_whenTheClientHasATicket_thenItIsTheUser_andWithoutOneItIs401() throws Exception {
        Path curl = ExternalTools.require("curl", "curl");
        Path kinit = ExternalTools.require("kinit", "krb5-user");
        try (MitKdc kdc = MitKdc.start(REALM)) {
            kdc.addPrincipal("oivanova", "Kerberos-Passw0rd!");
            kdc.addPrincipal("svc/other", "Kerberos-Passw0rd!");
            Path keytab = kdc.keytab("HTTP/localhost");
            try (TestApi api =
                    new TestApi(
                            dir.resolve("data"),
                            Map.of(
                                    "BASTION_REST_SPNEGO_KEYTAB",
                                    keytab.toString(),
                                    "BASTION_REST_SPNEGO_PRINCIPAL",
                                    "HTTP/localhost@" + REALM))) {
                String url = "http://localhost:" + api.service.restPort() + "/api/v1/me";

                TestApi.Answer none = api.get("api/v1/me", null);
                assertThat(none.status()).isEqualTo(401);
                assertThat(none.header("WWW-Authenticate")).contains("Negotiate");

                Map<String, String> env = kdc.clientEnvironment(dir.resolve("ccache"));
                assertThat(run(env, "Kerberos-Passw0rd!\n", kinit.toString(), "oivanova@" + REALM))
                        .startsWith("0:");
                String out = run(env, "", curl.toString(), "-s", "--negotiate", "-u", ":", url);
                assertThat(out).startsWith("0:");
                JsonNode me = TestApi.JSON.readTree(out.substring(2));
                assertThat(me.get("user").asText()).isEqualTo("oivanova");
                assertThat(me.get("authentication").asText()).isEqualTo("NEGOTIATE");

                // a principal with an instance part is not a user
                Map<String, String> other = kdc.clientEnvironment(dir.resolve("ccache2"));
                run(other, "Kerberos-Passw0rd!\n", kinit.toString(), "svc/other@" + REALM);
                String refused =
                        run(
                                other,
                                "",
                                curl.toString(),
                                "-s",
                                "-o",
                                "/dev/null",
                                "-w",
                                "%{http_code}",
                                "--negotiate",
                                "-u",
                                ":",
                                url);
                assertThat(refused).isEqualTo("0:401");

                // garbage after Negotiate: 401, not an error
                assertThat(api.get("api/v1/me", "Negotiate AAAA").status()).isEqualTo(401);
                assertThat(api.get("api/v1/me", "Negotiate !!!").status()).isEqualTo(401);
            }
        }
    }

    /** Runs a command; answers "exit:stdout". */
    static String run(Map<String, String> env, String input, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command)));
        pb.environment().putAll(env);
        pb.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process p = pb.start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return p.waitFor() + ":" + out;
    }
}
