package org.bastionforest.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SambaDcIT {
    private static String ldapsearch(SambaDc dc, String filter, String... attributes)
            throws Exception {
        Path ldapsearch = ExternalTools.require("ldapsearch", "ldap-utils");
        List<String> command =
                new java.util.ArrayList<>(
                        List.of(
                                ldapsearch.toString(),
                                "-LLL",
                                "-x",
                                "-H",
                                dc.url(),
                                "-D",
                                dc.adminDn(),
                                "-w",
                                dc.adminPassword(),
                                "-b",
                                SambaDc.BASE_DN,
                                filter));
        command.addAll(List.of(attributes));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void shared_whenStarted_thenAnswersLdapWithTheDomainSidAndSambaToolWrites() throws Exception {
        SambaDc dc = SambaDc.shared();
        String admins = ldapsearch(dc, "(sAMAccountName=Domain Admins)", "objectSid");
        Matcher m = Pattern.compile("(?m)^objectSid:: (\\S+)$").matcher(admins);
        assertThat(m.find()).as(admins).isTrue();
        byte[] sid = Base64.getDecoder().decode(m.group(1));
        // S-1-5-21-a-b-c-512: revision 1, 5 sub-authorities, last one 512 little-endian
        assertThat(sid[0]).isEqualTo((byte) 1);
        assertThat(sid[1]).isEqualTo((byte) 5);
        assertThat(sid[sid.length - 4] & 0xFF | (sid[sid.length - 3] & 0xFF) << 8).isEqualTo(512);
        assertThat(dc.domainSid()).startsWith("S-1-5-21-");

        dc.sambaTool("user", "create", "harness.probe", "Probe-Passw0rd!1");
        assertThat(ldapsearch(dc, "(sAMAccountName=harness.probe)", "dn"))
                .contains("CN=harness.probe");
        assertThat(SambaDc.shared()).isSameAs(dc);
    }
}
