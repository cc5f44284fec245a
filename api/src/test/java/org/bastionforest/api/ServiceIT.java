package org.bastionforest.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance of the foundation, on the packaged service run as its own process: it starts with
 * no configuration file, every component is up, real {@code ldapsearch} sees both directories, data
 * survives SIGTERM and kill -9, and bad configuration fails with one line naming the key.
 */
class ServiceIT {
    static final String ROOT = "DC=priv,DC=example";
    static final String CONTAINER =
            "CN=Shadow Principal Configuration,CN=Services,CN=Configuration," + ROOT;
    static final String ADMIN_DN = "CN=bastion-admin," + ROOT;

    @TempDir Path work;

    @Test
    void run_whenNoConfiguration_thenEveryComponentUpAndDirectoriesAnswerLdapsearch()
            throws Exception {
        Path ldapsearch = ExternalTools.require("ldapsearch", "ldap-utils");
        try (ServiceProcess service = new ServiceProcess(work).start()) {
            ServiceProcess.Response health = service.health();
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body())
                    .contains("\"status\":\"UP\"")
                    .contains("\"database\":{\"status\":\"UP\"")
                    .contains("\"bastionDirectory\":{\"status\":\"UP\"")
                    .contains("\"productionDirectory\":{\"status\":\"UP\"");
            assertThat(service.output())
                    .contains("http://127.0.0.1:" + service.managementPort)
                    .contains("https://127.0.0.1:" + service.restPort)
                    .contains("ldap://127.0.0.1:" + service.bastionLdapPort)
                    .contains(service.dataDir.toString());

            // the bastion directory: the shadow principal container, for its admin only
            Path password = service.dataDir.resolve("secrets/bastion-directory-admin.password");
            Result container =
                    searchBastionAsAdmin(ldapsearch, service, password, CONTAINER, "objectClass");
            assertThat(container.exitCode()).as(container.output()).isZero();
            assertThat(container.output()).contains("objectClass: msDS-ShadowPrincipalContainer");

            Result anonymous =
                    run(
                            ldapsearch.toString(),
                            "-LLL",
                            "-x",
                            "-H",
                            "ldap://127.0.0.1:" + service.bastionLdapPort,
                            "-b",
                            CONTAINER,
                            "-s",
                            "base");
            assertThat(anonymous.exitCode()).as("anonymous read is refused").isNotZero();

            // LDAPS with the service's certificate
            Result ldaps =
                    run(
                            Map.of("LDAPTLS_REQCERT", "never"),
                            ldapsearch.toString(),
                            "-LLL",
                            "-x",
                            "-H",
                            "ldaps://127.0.0.1:" + service.bastionLdapsPort,
                            "-D",
                            ADMIN_DN,
                            "-y",
                            password.toString(),
                            "-b",
                            ROOT,
                            "-s",
                            "base",
                            "dn");
            assertThat(ldaps.exitCode()).as(ldaps.output()).isZero();

            // the demo production directory: groups whose binary objectSid decodes to a SID
            Result admins =
                    run(
                            ldapsearch.toString(),
                            "-LLL",
                            "-x",
                            "-H",
                            "ldap://127.0.0.1:" + service.demoPort,
                            "-D",
                            Fixtures.DEMO_SYNC_ACCOUNT_DN,
                            "-w",
                            Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD,
                            "-b",
                            "DC=corp,DC=example",
                            "(&(objectClass=group)(sAMAccountName=Domain Admins))",
                            "objectSid");
            assertThat(admins.exitCode()).as(admins.output()).isZero();
            Sid sid = Sid.fromBytes(base64Attribute(admins.output(), "objectSid"));
            assertThat(sid.toString()).startsWith("S-1-5-21-");
            assertThat(sid.rid()).isEqualTo(512);

            Result users =
                    run(
                            ldapsearch.toString(),
                            "-LLL",
                            "-x",
                            "-z",
                            "0",
                            "-H",
                            "ldap://127.0.0.1:" + service.demoPort,
                            "-D",
                            Fixtures.DEMO_SYNC_ACCOUNT_DN,
                            "-w",
                            Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD,
                            "-b",
                            "DC=corp,DC=example",
                            "(objectClass=user)",
                            "objectSid");
            Matcher m = Pattern.compile("(?m)^objectSid:: (\\S+)$").matcher(users.output());
            int count = 0;
            while (m.find()) {
                assertThat(Sid.fromBytes(Base64.getDecoder().decode(m.group(1))).toString())
                        .startsWith("S-1-5-21-");
                count++;
            }
            assertThat(count).isGreaterThan(200);
        }
    }

    @Test
    void run_whenStoppedAndStartedAgain_thenDataKept() throws Exception {
        Path ldapmodify = ExternalTools.require("ldapmodify", "ldap-utils");
        Path ldapsearch = ExternalTools.require("ldapsearch", "ldap-utils");
        ServiceProcess service = new ServiceProcess(work).start();
        String installation = installationId(service);
        Path password = service.dataDir.resolve("secrets/bastion-directory-admin.password");
        String probeDn = "CN=probe-sigterm," + ROOT;
        Path ldif = Files.writeString(work.resolve("probe.ldif"), probeLdif(probeDn));
        addWithLdapmodify(ldapmodify, service, password, ldif);

        // SIGTERM: a clean stop
        service.process().process().destroy();
        assertThat(service.process().process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(service.output()).contains("service.stopped");

        service.start();
        assertThat(installationId(service)).isEqualTo(installation);
        assertThat(exists(ldapsearch, service, password, probeDn)).isTrue();

        // kill -9 right after an acknowledged write: still there after the restart
        String killedDn = "CN=probe-kill9," + ROOT;
        Files.writeString(ldif, probeLdif(killedDn));
        addWithLdapmodify(ldapmodify, service, password, ldif);
        service.process().kill9();

        service.start();
        assertThat(installationId(service)).isEqualTo(installation);
        assertThat(exists(ldapsearch, service, password, probeDn)).isTrue();
        assertThat(exists(ldapsearch, service, password, killedDn)).isTrue();
        service.close();
    }

    @Test
    void run_whenConfigurationInvalid_thenOneLineNamingTheKeyAndExitCode2() throws Exception {
        Path yaml = work.resolve("bastion.yaml");
        Map<String, Map<String, String>> cases = new HashMap<>();
        cases.put("rest.port:", Map.of("BASTION_REST_PORT", "-1"));
        cases.put(
                "production.urls[0]:",
                Map.of(
                        "BASTION_PRODUCTION_KIND", "ad",
                        "BASTION_PRODUCTION_URLS", "http://dc1.example.com"));
        cases.put("BASTION_RSET_PORT:", Map.of("BASTION_RSET_PORT", "1"));
        cases.put("rest.prot:", Map.of("BASTION_CONFIG", yaml.toString()));
        Files.writeString(yaml, "rest:\n  prot: 8443\n");
        for (Map.Entry<String, Map<String, String>> c : cases.entrySet()) {
            Map<String, String> env = new HashMap<>(c.getValue());
            env.put("BASTION_DATA_DIR", work.resolve("data").toString());
            ProcessBuilder pb = new ProcessBuilder(ServiceProcess.command("run"));
            pb.environment().putAll(env);
            pb.directory(work.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(stderr).isEqualTo(2);
            assertThat(stderr.strip().lines()).as(stderr).hasSize(1);
            assertThat(stderr).startsWith("bastion: configuration error: " + c.getKey());
        }
        assertThat(work.resolve("data")).as("nothing was created").doesNotExist();
    }

    /** Adds the entries of {@code ldif} to the bastion directory with the real ldapmodify. */
    private static void addWithLdapmodify(
            Path ldapmodify, ServiceProcess service, Path password, Path ldif) throws Exception {
        Result add =
                run(
                        ldapmodify.toString(),
                        "-x",
                        "-a",
                        "-H",
                        "ldap://127.0.0.1:" + service.bastionLdapPort,
                        "-D",
                        ADMIN_DN,
                        "-y",
                        password.toString(),
                        "-f",
                        ldif.toString());
        assertThat(add.exitCode()).as(add.output()).isZero();
    }

    private static String probeLdif(String dn) {
        return "dn: "
                + dn
                + "\nobjectClass: top\nobjectClass: container\ncn: "
                + dn.substring(3, dn.indexOf(','))
                + "\n";
    }

    private static boolean exists(Path ldapsearch, ServiceProcess service, Path password, String dn)
            throws Exception {
        Result r = searchBastionAsAdmin(ldapsearch, service, password, dn, "dn");
        return r.exitCode() == 0 && r.output().contains(dn);
    }

    /** Reads one entry of the bastion directory with the real ldapsearch, bound as its admin. */
    private static Result searchBastionAsAdmin(
            Path ldapsearch, ServiceProcess service, Path password, String dn, String attribute)
            throws Exception {
        return run(
                ldapsearch.toString(),
                "-LLL",
                "-x",
                "-H",
                "ldap://127.0.0.1:" + service.bastionLdapPort,
                "-D",
                ADMIN_DN,
                "-y",
                password.toString(),
                "-b",
                dn,
                "-s",
                "base",
                attribute);
    }

    private static String installationId(ServiceProcess service) {
        ServiceProcess.Response version = service.get("/version");
        assertThat(version.statusCode()).isEqualTo(200);
        Matcher m =
                Pattern.compile("\"installationId\":\"([0-9a-f-]{36})\"").matcher(version.body());
        assertThat(m.find()).as(version.body()).isTrue();
        return m.group(1);
    }

    private static byte[] base64Attribute(String ldif, String name) {
        Matcher m = Pattern.compile("(?m)^" + name + ":: (\\S+)$").matcher(ldif);
        assertThat(m.find()).as(ldif).isTrue();
        return Base64.getDecoder().decode(m.group(1));
    }

    record Result(int exitCode, String output) {}

    static Result run(String... command) throws IOException, InterruptedException {
        return run(Map.of(), command);
    }

    static Result run(Map<String, String> env, String... command)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command)));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(Duration.ofSeconds(30).toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), out);
    }
}
