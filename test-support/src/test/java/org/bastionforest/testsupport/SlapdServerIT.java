package org.bastionforest.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SlapdServerIT {
    @Test
    void start_whenDefaults_thenServesTheSuffixToItsRootDnAndStopsByPid() throws Exception {
        Path ldapsearch = ExternalTools.require("ldapsearch", "ldap-utils");
        long pid;
        try (SlapdServer slapd = SlapdServer.start("dc=example,dc=org", Optional.empty())) {
            pid = slapd.pid();
            Process p =
                    new ProcessBuilder(
                                    List.of(
                                            ldapsearch.toString(),
                                            "-LLL",
                                            "-x",
                                            "-H",
                                            slapd.url(),
                                            "-D",
                                            slapd.rootDn(),
                                            "-w",
                                            slapd.rootPassword(),
                                            "-b",
                                            "dc=example,dc=org",
                                            "-s",
                                            "base",
                                            "dn"))
                            .redirectErrorStream(true)
                            .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            assertThat(out).contains("dn: dc=example,dc=org");
            Process anonymous =
                    new ProcessBuilder(
                                    List.of(
                                            ldapsearch.toString(),
                                            "-LLL",
                                            "-x",
                                            "-H",
                                            slapd.url(),
                                            "-b",
                                            "dc=example,dc=org",
                                            "(objectClass=*)"))
                            .redirectErrorStream(true)
                            .start();
            String anon =
                    new String(anonymous.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            anonymous.waitFor();
            assertThat(anon).as("anonymous users read nothing").doesNotContain("dn: dc=example");
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
}
