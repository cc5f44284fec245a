package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bastionforest.kerberos.KdcFixture.ALICE;
import static org.bastionforest.kerberos.KdcFixture.PASSWORD;
import static org.bastionforest.kerberos.KdcFixture.REALM;
import static org.bastionforest.kerberos.KdcFixture.ROOT;
import static org.bastionforest.kerberos.KdcFixture.SQL;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.testsupport.ExternalTools;
import org.bastionforest.testsupport.FreePorts;
import org.bastionforest.testsupport.ManagedProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A production realm (an MIT KDC, CORP.TEST) trusts the bastion realm one way: bastion users get a
 * cross-realm TGT from the bastion KDC, capped at their grant, and with it a service ticket of the
 * production realm.
 */
class CrossRealmIT {
    private static final String CORP = "CORP.TEST";
    private static final String TRUST_PASSWORD = "a long shared trust secret";

    @TempDir static Path dir;
    private static KdcFixture fx;
    private static ManagedProcess corpKdc;
    private static Path krb5conf;

    @BeforeAll
    static void start() throws Exception {
        Path kdcBin = ExternalTools.require("krb5kdc", "krb5-kdc");
        Path kdb5 = ExternalTools.require("kdb5_util", "krb5-kdc");
        Path kadmin = ExternalTools.require("kadmin.local", "krb5-admin-server");
        ExternalTools.require("kvno", "krb5-user");
        fx = new KdcFixture();
        fx.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
        fx.kdc.principals().setCrossRealmTrust(CORP, TRUST_PASSWORD.toCharArray(), ROOT);

        int corpPort = FreePorts.next();
        Path corpDir = Files.createDirectories(dir.resolve("corp"));
        Path kdcConf = corpDir.resolve("kdc.conf");
        Files.writeString(
                kdcConf,
                "[kdcdefaults]\n    kdc_ports = "
                        + corpPort
                        + "\n    kdc_tcp_ports = "
                        + corpPort
                        + "\n[realms]\n    "
                        + CORP
                        + " = {\n        database_name = "
                        + corpDir.resolve("principal")
                        + "\n        key_stash_file = "
                        + corpDir.resolve("stash")
                        + "\n        acl_file = "
                        + corpDir.resolve("kadm5.acl")
                        + "\n        kdc_ports = "
                        + corpPort
                        + "\n        kdc_tcp_ports = "
                        + corpPort
                        + "\n        master_key_type = aes256-cts-hmac-sha1-96\n"
                        + "        supported_enctypes = aes256-cts-hmac-sha1-96:normal"
                        + " aes128-cts-hmac-sha1-96:normal\n    }\n"
                        + "[logging]\n    kdc = FILE:"
                        + corpDir.resolve("krb5kdc.log")
                        + "\n",
                StandardCharsets.UTF_8);
        krb5conf = dir.resolve("krb5.conf");
        Files.writeString(
                krb5conf,
                "[libdefaults]\n    default_realm = "
                        + REALM
                        + "\n    dns_lookup_kdc = false\n    dns_lookup_realm = false\n"
                        + "    rdns = false\n    dns_canonicalize_hostname = false\n"
                        + "    udp_preference_limit = 1\n\n[realms]\n    "
                        + REALM
                        + " = {\n        kdc = 127.0.0.1:"
                        + fx.kdc.tcpPort()
                        + "\n    }\n    "
                        + CORP
                        + " = {\n        kdc = 127.0.0.1:"
                        + corpPort
                        + "\n    }\n[domain_realm]\n    .corp.test = "
                        + CORP
                        + "\n",
                StandardCharsets.UTF_8);
        Map<String, String> env =
                Map.of("KRB5_CONFIG", krb5conf.toString(), "KRB5_KDC_PROFILE", kdcConf.toString());
        run(env, kdb5.toString(), "-r", CORP, "create", "-s", "-P", "master password 123");
        run(
                env,
                kadmin.toString(),
                "-r",
                CORP,
                "-q",
                "addprinc -pw \"" + TRUST_PASSWORD + "\" krbtgt/" + CORP + "@" + REALM);
        run(env, kadmin.toString(), "-r", CORP, "-q", "addprinc -randkey host/svc.corp.test");
        corpKdc =
                ManagedProcess.start(
                        "krb5kdc", List.of(kdcBin.toString(), "-n", "-r", CORP), corpDir, env);
        corpKdc.awaitReady(Duration.ofSeconds(20), () -> listening(corpPort));
    }

    @AfterAll
    static void stop() {
        if (corpKdc != null) {
            corpKdc.close();
        }
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void bastionUser_getsCappedCrossRealmTgtAndProductionServiceTicket() throws Exception {
        AccessRequest grant = fx.grant(ALICE, SQL, Duration.ofMinutes(3));
        Instant grantEnd = grant.grant().orElseThrow().endsAt().truncatedTo(ChronoUnit.SECONDS);
        try {
            Path cache = dir.resolve("cc");
            Map<String, String> env =
                    Map.of(
                            "KRB5_CONFIG",
                            krb5conf.toString(),
                            "KRB5CCNAME",
                            "FILE:" + cache,
                            "KRB5_TRACE",
                            dir.resolve("trace.log").toString(),
                            "TZ",
                            "UTC",
                            "LC_ALL",
                            "C");
            assertThat(runWithInput(env, PASSWORD, "kinit", "alice@" + REALM)).isZero();
            int kvno = runWithInput(env, null, "kvno", "host/svc.corp.test@" + CORP);
            assertThat(kvno).as(Files.readString(dir.resolve("trace.log"))).isZero();
            String klist = output(env, "klist");
            assertThat(klist)
                    .contains("krbtgt/" + CORP + "@" + REALM)
                    .contains("host/svc.corp.test@" + CORP);
            // the cross-realm TGT is capped at the grant like every bastion ticket
            String endOfTrustTgt =
                    klist.lines()
                            .filter(l -> l.contains("krbtgt/" + CORP + "@" + REALM))
                            .findFirst()
                            .orElseThrow()
                            .substring(19, 36);
            assertThat(endOfTrustTgt)
                    .isEqualTo(
                            java.time.format.DateTimeFormatter.ofPattern("MM/dd/yy HH:mm:ss")
                                    .withZone(java.time.ZoneOffset.UTC)
                                    .format(grantEnd));
        } finally {
            fx.requests.close(grant.id(), ALICE, "test over");
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return s.isConnected();
        } catch (IOException e) {
            return false;
        }
    }

    private static void run(Map<String, String> env, String... command) throws Exception {
        int exit = runWithInput(env, null, command);
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + exit);
        }
    }

    private static int runWithInput(Map<String, String> env, String input, String... command)
            throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command)));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("tools.log").toFile()));
        Process p = pb.start();
        if (input != null) {
            p.getOutputStream().write((input + "\n").getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(command[0] + " did not finish");
        }
        return p.exitValue();
    }

    private static String output(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(List.of(command));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return out;
    }
}
