package org.bastionforest.ldapsync.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.unboundid.ldap.sdk.DN;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bastionforest.ldapsync.testing.TestTls;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testldif.Fixtures;
import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Both embedded directories driven by the real OpenLDAP clients (Debian ldap-utils), as the
 * acceptance does: {@code ldapsearch} over LDAP and LDAPS (certificate checked against the exported
 * self-signed certificate), {@code ldapmodify} writes that survive a restart, the demo forest's
 * binary SIDs and non-ASCII names, and refusals.
 */
class EmbeddedDirectoriesLdapToolsIT {
    static final String ROOT = EmbeddedBastionDirectoryTest.ROOT;
    static final String ADMIN = EmbeddedBastionDirectoryTest.ADMIN;
    static final String PASSWORD = EmbeddedBastionDirectoryTest.PASSWORD;
    static final String CONTAINER = EmbeddedBastionDirectoryTest.CONTAINER;

    @TempDir Path dir;

    record Run(int exit, String output) {}

    private static Run run(List<String> command, Map<String, String> env, String stdin)
            throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process p = builder.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("%s finished", command.get(0)).isTrue();
        return new Run(p.exitValue(), output);
    }

    private static List<String> tool(Path tool, String url, String bindDn, String password) {
        List<String> command = new ArrayList<>(List.of(tool.toString(), "-x", "-H", url));
        if (bindDn != null) {
            command.addAll(List.of("-D", bindDn, "-w", password));
        }
        if (tool.getFileName().toString().equals("ldapsearch")) {
            command.addAll(List.of("-LLL", "-o", "ldif-wrap=no"));
        }
        return command;
    }

    private static List<String> with(List<String> command, String... more) {
        List<String> all = new ArrayList<>(command);
        all.addAll(List.of(more));
        return all;
    }

    /** The first value of {@code attribute} in ldapsearch output, base64 decoded if it was. */
    private static byte[] value(String ldif, String attribute) {
        for (String line : ldif.split("\n")) {
            if (line.startsWith(attribute + ":: ")) {
                return Base64.getDecoder().decode(line.substring(attribute.length() + 3).strip());
            }
            if (line.startsWith(attribute + ": ")) {
                return line.substring(attribute.length() + 2).getBytes(StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no " + attribute + " in:\n" + ldif);
    }

    private EmbeddedBastionDirectory bastion(boolean tls) throws Exception {
        return EmbeddedBastionDirectory.start(
                EmbeddedBastionDirectoryTest.options(
                        dir.resolve("data"),
                        tls ? Optional.of(TestTls.serverContext(dir)) : Optional.empty()));
    }

    @Test
    void ldapsearch_whenBastionOverLdapAndLdaps_thenFindsBaseEntriesAndRefusesAnonymous()
            throws Exception {
        Path ldapsearch = ExternalTools.require("ldapsearch", "ldap-utils");
        try (EmbeddedBastionDirectory bastion = bastion(true)) {
            Path pem = TestTls.certificatePem(dir);
            String ldap = "ldap://127.0.0.1:" + bastion.ldapPort();
            String ldaps = "ldaps://127.0.0.1:" + bastion.ldapsPort();
            for (String url : List.of(ldap, ldaps)) {
                Run search =
                        run(
                                with(
                                        tool(ldapsearch, url, ADMIN, PASSWORD),
                                        "-b",
                                        CONTAINER,
                                        "-s",
                                        "base",
                                        "objectClass"),
                                Map.of(
                                        "LDAPTLS_CACERT",
                                        pem.toString(),
                                        "LDAPTLS_REQCERT",
                                        "demand"),
                                "");
                assertThat(search.exit()).as(search.output()).isZero();
                assertThat(search.output())
                        .contains("dn: " + CONTAINER)
                        .contains("objectClass: msDS-ShadowPrincipalContainer");
            }
            Run anonymous = run(with(tool(ldapsearch, ldap, null, null), "-b", ROOT), Map.of(), "");
            assertThat(anonymous.exit()).as(anonymous.output()).isEqualTo(50);
            Run untrusted =
                    run(
                            with(tool(ldapsearch, ldaps, ADMIN, PASSWORD), "-b", ROOT),
                            Map.of("LDAPTLS_CACERT", "/dev/null", "LDAPTLS_REQCERT", "demand"),
                            "");
            assertThat(untrusted.exit()).as("certificate not trusted").isNotZero();
        }
    }

    @Test
    void ldapmodify_whenWritingToTheBastion_thenSurvivesRestart() throws Exception {
        Path ldapmodify = ExternalTools.require("ldapmodify", "ldap-utils");
        Path ldapsearch = ExternalTools.require("ldapsearch", "ldap-utils");
        Sid sid = Sid.parse("S-1-5-21-2614736917-1203569437-3412578221-512");
        String dn = "CN=Domain Admins," + CONTAINER;
        try (EmbeddedBastionDirectory bastion = bastion(false)) {
            String url = "ldap://127.0.0.1:" + bastion.ldapPort();
            Run add =
                    run(
                            with(tool(ldapmodify, url, ADMIN, PASSWORD), "-a"),
                            Map.of(),
                            "dn: "
                                    + dn
                                    + "\nobjectClass: top\nobjectClass: msDS-ShadowPrincipal\n"
                                    + "cn: Domain Admins\nmsDS-ShadowPrincipalSid:: "
                                    + Base64.getEncoder().encodeToString(sid.toBytes())
                                    + "\n\ndn: "
                                    + dn
                                    + "\nchangetype: modify\nadd: member\nmember: CN=alice,CN=Users,"
                                    + ROOT
                                    + "\n");
            assertThat(add.exit()).as(add.output()).isZero();
        }
        try (EmbeddedBastionDirectory bastion = bastion(false)) {
            Run search =
                    run(
                            with(
                                    tool(
                                            ldapsearch,
                                            "ldap://127.0.0.1:" + bastion.ldapPort(),
                                            ADMIN,
                                            PASSWORD),
                                    "-b",
                                    CONTAINER,
                                    "(msDS-ShadowPrincipalSid=*)",
                                    "msDS-ShadowPrincipalSid",
                                    "member"),
                            Map.of(),
                            "");
            assertThat(search.exit()).as(search.output()).isZero();
            assertThat(Sid.fromBytes(value(search.output(), "msDS-ShadowPrincipalSid")))
                    .isEqualTo(sid);
            assertThat(search.output()).contains("member: CN=alice,CN=Users," + ROOT);
        }
    }

    @Test
    void ldapsearch_whenDemoDirectory_thenBinarySidsNonAsciiNamesBindsAndNoWrites()
            throws Exception {
        Path ldapsearch = ExternalTools.require("ldapsearch", "ldap-utils");
        Path ldapmodify = ExternalTools.require("ldapmodify", "ldap-utils");
        try (InputStream ldif = Fixtures.open(Fixtures.DEMO_AD_FOREST);
                EmbeddedDemoProductionDirectory demo =
                        EmbeddedDemoProductionDirectory.start(
                                new DN(Fixtures.DEMO_ROOT), "127.0.0.1", 0, ldif)) {
            String url = "ldap://127.0.0.1:" + demo.port();
            Run admins =
                    run(
                            with(
                                    tool(
                                            ldapsearch,
                                            url,
                                            Fixtures.DEMO_SYNC_ACCOUNT_DN,
                                            Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD),
                                    "-b",
                                    Fixtures.DEMO_ROOT,
                                    "(sAMAccountName=Domain Admins)",
                                    "objectSid",
                                    "objectGUID"),
                            Map.of(),
                            "");
            assertThat(admins.exit()).as(admins.output()).isZero();
            assertThat(Sid.fromBytes(value(admins.output(), "objectSid")))
                    .hasToString(Fixtures.DEMO_DOMAIN_SID + "-512");
            assertThat(value(admins.output(), "objectGUID")).hasSize(16);

            // a demo person binds with the documented password and reads her own non-ASCII name
            Run zoe =
                    run(
                            with(
                                    tool(
                                            ldapsearch,
                                            url,
                                            Fixtures.DEMO_DOMAIN_ADMIN_USER_DN,
                                            Fixtures.DEMO_USER_PASSWORD),
                                    "-b",
                                    Fixtures.DEMO_DOMAIN_ADMIN_USER_DN,
                                    "-s",
                                    "base",
                                    "displayName",
                                    "memberOf"),
                            Map.of(),
                            "");
            assertThat(zoe.exit()).as(zoe.output()).isZero();
            assertThat(new String(value(zoe.output(), "displayName"), StandardCharsets.UTF_8))
                    .isEqualTo("Zoë Ångström");
            assertThat(zoe.output()).contains("memberOf: " + Fixtures.DEMO_DOMAIN_ADMINS_DN);

            Run write =
                    run(
                            tool(
                                    ldapmodify,
                                    url,
                                    Fixtures.DEMO_SYNC_ACCOUNT_DN,
                                    Fixtures.DEMO_SYNC_ACCOUNT_PASSWORD),
                            Map.of(),
                            "dn: "
                                    + Fixtures.DEMO_DOMAIN_ADMINS_DN
                                    + "\nchangetype: modify\nadd: member\nmember: "
                                    + Fixtures.DEMO_SYNC_ACCOUNT_DN
                                    + "\n");
            assertThat(write.exit()).as(write.output()).isEqualTo(53); // unwillingToPerform
        }
    }
}
