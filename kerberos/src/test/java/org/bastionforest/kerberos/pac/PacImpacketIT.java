package org.bastionforest.kerberos.pac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bastionforest.kerberos.pac.PacFixtures.CAP;
import static org.bastionforest.kerberos.pac.PacFixtures.DOMAIN;
import static org.bastionforest.kerberos.pac.PacFixtures.LOGON;
import static org.bastionforest.kerberos.pac.PacFixtures.aes128;
import static org.bastionforest.kerberos.pac.PacFixtures.aes256;
import static org.bastionforest.kerberos.pac.PacFixtures.alice;
import static org.bastionforest.kerberos.pac.PacFixtures.rc4;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.bastionforest.testsupport.ExternalTools;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decodes our PACs with impacket ({@code decode_pac.py}), an implementation independent of ours.
 */
class PacImpacketIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path python;
    private static Path script;

    @TempDir static Path dir;

    @BeforeAll
    static void requireImpacket() throws Exception {
        python = ExternalTools.require("python3", "python3-impacket", "/usr/bin/python3");
        Process p =
                new ProcessBuilder(python.toString(), "-c", "import impacket.krb5.pac")
                        .redirectErrorStream(true)
                        .start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            String message = "python3-impacket is not installed for " + python;
            if (ExternalTools.inCi()) {
                Assertions.fail(message);
            }
            Assumptions.abort(message);
        }
        script = dir.resolve("decode_pac.py");
        try (InputStream in = PacImpacketIT.class.getResourceAsStream("decode_pac.py")) {
            Files.write(script, in.readAllBytes());
        }
    }

    @Test
    void impacket_whenDecodingOurPac_thenSeesTheSameValuesAndValidSignatures() throws Exception {
        EncryptionKey serviceKey = aes256(1);
        EncryptionKey krbtgtKey = aes256(2);
        Pac pac = alice();

        JsonNode out = decode(pac.encode(serviceKey, krbtgtKey), serviceKey, krbtgtKey);

        assertThat(out.get("version").asInt()).isZero();
        assertThat(out.get("cBuffers").asInt()).isEqualTo(5);
        for (JsonNode b : out.get("buffers")) {
            assertThat(b.get("offset").asLong() % 8).isZero();
        }
        JsonNode li = out.get("logonInfo");
        assertThat(li.get("effectiveName").asText()).isEqualTo("alice");
        assertThat(li.get("fullName").asText()).isEqualTo("Alice Åström");
        assertThat(li.get("logonDomainName").asText()).isEqualTo("BASTION");
        assertThat(li.get("logonDomainId").asText()).isEqualTo(DOMAIN.toString());
        assertThat(li.get("userId").asLong()).isEqualTo(1105);
        assertThat(li.get("primaryGroupId").asLong()).isEqualTo(513);
        assertThat(longs(li.get("groupIds"))).containsExactly(513L, 1201L);
        assertThat(longs(li.get("groupAttributes"))).containsOnly(7L);
        assertThat(li.get("userFlags").asLong() & 0x20).isEqualTo(0x20);
        assertThat(li.get("sidCount").asInt()).isEqualTo(2);
        assertThat(texts(li.get("extraSids")))
                .containsExactly(
                        PacFixtures.PROD_DOMAIN_ADMINS.toString(),
                        PacFixtures.PROD_SQL_ADMINS.toString());
        assertThat(longs(li.get("extraSidAttributes"))).containsOnly(7L);
        assertThat(li.get("kickOffTime").asLong()).isEqualTo(Pac.filetime(CAP));
        assertThat(li.get("logoffTime").asLong()).isEqualTo(Pac.filetime(CAP));
        assertThat(li.get("logonTime").asLong()).isEqualTo(Pac.filetime(LOGON));
        assertThat(out.at("/clientInfo/name").asText()).isEqualTo("alice");
        assertThat(out.at("/clientInfo/clientId").asLong()).isEqualTo(Pac.filetime(LOGON));
        assertThat(out.at("/upnDnsInfo/upn").asText()).isEqualTo("alice@bastion.example");
        assertThat(out.at("/upnDnsInfo/dnsDomainName").asText()).isEqualTo("bastion.example");
        assertThat(out.at("/serverChecksum/type").asInt()).isEqualTo(16);
        assertThat(out.at("/kdcChecksum/type").asInt()).isEqualTo(16);
        assertThat(out.at("/serverChecksum/verifies").asBoolean()).isTrue();
        assertThat(out.at("/kdcChecksum/verifies").asBoolean()).isTrue();
    }

    @Test
    void impacket_whenAes128AndRc4Keys_thenSignaturesVerify() throws Exception {
        JsonNode out = decode(alice().encode(aes128(3), rc4(4)), aes128(3), rc4(4));

        assertThat(out.at("/serverChecksum/type").asInt()).isEqualTo(15);
        assertThat(out.at("/kdcChecksum/type").asInt()).isEqualTo(-138);
        assertThat(out.at("/serverChecksum/verifies").asBoolean()).isTrue();
        assertThat(out.at("/kdcChecksum/verifies").asBoolean()).isTrue();
    }

    @Test
    void impacket_whenPacTampered_thenNeitherImpacketNorWeVerify() throws Exception {
        EncryptionKey serviceKey = aes256(1);
        EncryptionKey krbtgtKey = aes256(2);
        byte[] bytes = alice().encode(serviceKey, krbtgtKey);
        byte[] tampered = bytes.clone();
        // Change the last sub-authority of the last extra SID (the end of the logon info).
        int extraSidRid = indexOfLast(tampered, PacFixtures.PROD_SQL_ADMINS.toBytes()) + 24;
        tampered[extraSidRid] ^= 0x01;

        JsonNode out = decode(tampered, serviceKey, krbtgtKey);

        assertThat(out.at("/logonInfo/extraSids/1").asText())
                .isEqualTo("S-1-5-21-3623811015-3361044348-30300820-4243");
        assertThat(out.at("/serverChecksum/verifies").asBoolean()).isFalse();
        Pac parsed = Pac.parse(tampered);
        assertThat(parsed.extraSids().get(1).rid()).isEqualTo(4243);
        assertThatThrownBy(() -> parsed.verifyServerSignature(serviceKey))
                .isInstanceOf(PacException.class);
    }

    @Test
    void impacket_whenWindows2003SamplePac_thenAgreesWithUs() throws Exception {
        byte[] bytes = PacKnownVectorTest.windows2003Pac();
        EncryptionKey member = PacKnownVectorTest.MEMBER_KEY;
        EncryptionKey krbtgt = PacKnownVectorTest.KRBTGT_KEY;

        JsonNode out = decode(bytes, member, krbtgt);
        Pac pac = Pac.parse(bytes);

        assertThat(out.at("/logonInfo/userId").asLong()).isEqualTo(pac.userRid());
        assertThat(out.at("/logonInfo/logonDomainId").asText())
                .isEqualTo(pac.domainSid().toString());
        assertThat(texts(out.at("/logonInfo/extraSids")))
                .containsExactly(pac.extraSids().get(0).toString());
        assertThat(out.at("/serverChecksum/verifies").asBoolean()).isTrue();
        assertThat(out.at("/kdcChecksum/verifies").asBoolean()).isTrue();
        pac.verifyServerSignature(member);
        pac.verifyKdcSignature(krbtgt);
    }

    private static JsonNode decode(byte[] pac, EncryptionKey serverKey, EncryptionKey kdcKey)
            throws IOException, InterruptedException {
        ObjectNode req = JSON.createObjectNode();
        req.put("pac", HexFormat.of().formatHex(pac));
        req.set("serverKey", key(serverKey));
        req.set("kdcKey", key(kdcKey));
        Process p =
                new ProcessBuilder(python.toString(), script.toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
        p.getOutputStream().write(JSON.writeValueAsBytes(req));
        p.getOutputStream().close();
        byte[] stdout = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue())
                .as("decode_pac.py: %s", new String(stdout, StandardCharsets.UTF_8))
                .isZero();
        return JSON.readTree(stdout);
    }

    private static ObjectNode key(EncryptionKey k) {
        ObjectNode n = JSON.createObjectNode();
        n.put("etype", k.getKeyType().getValue());
        n.put("key", HexFormat.of().formatHex(k.getKeyData()));
        return n;
    }

    private static List<Long> longs(JsonNode array) {
        List<Long> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asLong()));
        return out;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static int indexOfLast(byte[] haystack, byte[] needle) {
        outer:
        for (int i = haystack.length - needle.length; i >= 0; i--) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
