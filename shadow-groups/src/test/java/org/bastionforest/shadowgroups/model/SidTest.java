package org.bastionforest.shadowgroups.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SidTest {
    // Domain Admins of a domain, as AD returns objectSid (bytes from MS-DTYP's layout).
    private static final String DOMAIN_ADMINS = "S-1-5-21-1004336348-1177238915-682003330-512";
    private static final String DOMAIN_ADMINS_HEX =
            "010500000000000515000000dcf4dc3b833d2b46828ba62800020000";

    @Test
    void fromBytes_whenAdObjectSid_thenDecodesToStringForm() {
        Sid sid = Sid.fromBytes(HexFormat.of().parseHex(DOMAIN_ADMINS_HEX));
        assertThat(sid).hasToString(DOMAIN_ADMINS);
        assertThat(sid.rid()).isEqualTo(512);
        assertThat(sid.domainSid()).hasToString("S-1-5-21-1004336348-1177238915-682003330");
        assertThat(sid.identifierAuthority()).isEqualTo(5);
    }

    @Test
    void toBytes_whenParsed_thenMatchesAdBinaryLayout() {
        assertThat(HexFormat.of().formatHex(Sid.parse(DOMAIN_ADMINS).toBytes()))
                .isEqualTo(DOMAIN_ADMINS_HEX);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "S-1-0",
                "S-1-5-32-544",
                "S-1-5-18",
                "S-1-5-21-4294967295-0-1-4294967295",
                "S-1-0x0000FFFFFFFF-1"
            })
    void parse_whenValid_thenRoundTripsThroughBytesAndString(String text) {
        Sid sid = Sid.parse(text);
        assertThat(Sid.fromBytes(sid.toBytes())).isEqualTo(sid);
        assertThat(Sid.parse(sid.toString())).isEqualTo(sid);
    }

    @Test
    void toString_whenAuthorityAtLeast2To32_thenHex() {
        assertThat(Sid.parse("S-1-0x0000FFFFFFFF-1")).hasToString("S-1-4294967295-1");
        assertThat(Sid.parse("S-1-4294967296-1")).hasToString("S-1-0x000100000000-1");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "S-1",
                "S-2-5-21",
                "S-1-5-",
                "s-1-5-18",
                "S-1-5-4294967296",
                "S-1-281474976710656-1",
                "S-1-5-21-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16",
                "S-1-5-18)(objectClass=*",
                "S-1-5-*"
            })
    void parse_whenInvalid_thenRejected(String text) {
        assertThatThrownBy(() -> Sid.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fromBytes_whenMalformed_thenRejectedWithReason() {
        assertThatThrownBy(() -> Sid.fromBytes(new byte[7])).hasMessageContaining("shorter");
        assertThatThrownBy(() -> Sid.fromBytes(HexFormat.of().parseHex("0201000000000005")))
                .hasMessageContaining("revision");
        // claims 2 sub-authorities, has 1
        assertThatThrownBy(() -> Sid.fromBytes(HexFormat.of().parseHex("010200000000000512000000")))
                .hasMessageContaining("length");
        assertThatThrownBy(() -> Sid.fromBytes(HexFormat.of().parseHex("0110000000000005")))
                .hasMessageContaining("sub-authorities");
    }

    @Test
    void of_whenDomainAndRid_thenAppendsRid() {
        Sid domain = Sid.parse("S-1-5-21-1-2-3");
        Sid user = Sid.of(domain, 1105);
        assertThat(user).hasToString("S-1-5-21-1-2-3-1105");
        assertThat(user.isInDomain(domain)).isTrue();
        assertThat(Sid.parse("S-1-5-32-544").isInDomain(domain)).isFalse();
        assertThatThrownBy(() -> Sid.of(domain, 1L << 32))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rid_whenNoSubAuthority_thenIllegalState() {
        assertThatThrownBy(() -> Sid.parse("S-1-5").rid())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void equalsAndCompare_areByValue() {
        assertThat(Sid.parse("S-1-5-21-1-2-3-500")).isEqualTo(Sid.parse("S-1-5-21-1-2-3-500"));
        assertThat(Sid.parse("S-1-5-21-1-2-3-500"))
                .hasSameHashCodeAs(Sid.parse("S-1-5-21-1-2-3-500"))
                .isLessThan(Sid.parse("S-1-5-21-1-2-3-512"));
    }
}
