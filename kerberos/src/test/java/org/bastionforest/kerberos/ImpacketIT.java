package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.kerberos.KdcFixture.ALICE;
import static org.bastionforest.kerberos.KdcFixture.PASSWORD;
import static org.bastionforest.kerberos.KdcFixture.REALM;
import static org.bastionforest.kerberos.KdcFixture.ROOT;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * impacket, a Windows-like client: its first AS-REQ carries only PA-PAC-REQUEST (which Kerby 2.1.1
 * took for pre-authentication); it must be asked for PA-ENC-TIMESTAMP and then succeed. Its
 * TGS-REQ, which has no body checksum, is refused.
 */
class ImpacketIT {
    @TempDir static Path dir;
    private static KdcFixture fx;
    private static Path python;
    private static Path script;

    @BeforeAll
    static void start() throws Exception {
        python = ExternalTools.require("python3", "python3-impacket", "/usr/bin/python3");
        fx = new KdcFixture();
        fx.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
        fx.kdc.principals().registerService("HTTP/web.bastion.test", ROOT);
        script = dir.resolve("impacket_client.py");
        try (InputStream in = ImpacketIT.class.getResourceAsStream("impacket_client.py")) {
            Files.write(script, in.readAllBytes());
        }
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void impacket_withPassword_thenTgt_andTgsReqWithoutChecksumRefused() throws Exception {
        String out = run(PASSWORD);
        assertThat(out).contains("TGT 18");
        // impacket's TGS-REQ authenticator carries no checksum over the request body (Windows
        // accepts that); this KDC requires a keyed one, as MIT's does: KRB_AP_ERR_INAPP_CKSUM
        assertThat(out).contains("ERROR 50");
    }

    @Test
    void impacket_withWrongPassword_thenPreauthFailed() throws Exception {
        assertThat(run("not the password!!")).contains("ERROR 24");
    }

    private static String run(String password) throws Exception {
        Process p =
                new ProcessBuilder(
                                List.of(
                                        python.toString(),
                                        script.toString(),
                                        Integer.toString(fx.kdc.tcpPort()),
                                        REALM,
                                        "alice",
                                        password,
                                        "HTTP/web.bastion.test"))
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        if (out.contains("No module named 'impacket'")) {
            ExternalTools.require("impacket-does-not-exist", "python3-impacket");
        }
        return out;
    }
}
