package org.bastionforest.kerberos.pac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.bastionforest.shadowgroups.model.Sid;
import org.junit.jupiter.api.Test;

/**
 * A PAC that a real Windows Server 2003 KDC issued, published as test data in Samba's PAC torture
 * test ({@code source4/torture/auth/pac.c}, "saved_pac", with its RC4 member and krbtgt keys). Only
 * the bytes and keys are taken from there; they are in {@code samba-win2k3-saved-pac.hex}.
 */
class PacKnownVectorTest {
    static final EncryptionKey MEMBER_KEY = rc4("D217FAEAE5E6B5F95CCC94077AB8A5FC");
    static final EncryptionKey KRBTGT_KEY = rc4("B286757148AF7FD252C53603A150B7E7");

    @Test
    void parse_whenWindows2003Pac_thenDecodesAndBothSignaturesVerify() throws Exception {
        Pac pac = Pac.parse(windows2003Pac());

        assertThat(pac.userName()).isEqualTo("W2003FINAL$");
        assertThat(pac.logonDomainName()).isEqualTo("WIN2K3THINK");
        assertThat(pac.userSid())
                .isEqualTo(Sid.parse("S-1-5-21-3048156945-3961193616-3706469200-1005"));
        assertThat(pac.primaryGroupRid()).isEqualTo(516);
        assertThat(pac.groupRids()).containsExactly(516L);
        assertThat(pac.extraSids()).containsExactly(Sid.parse("S-1-5-9"));
        assertThat(pac.userFlags()).isEqualTo(Pac.LOGON_EXTRA_SIDS);
        assertThat(pac.kickOffTime()).isEqualTo(Instant.MAX);
        assertThat(pac.clientName()).isEqualTo("w2003final$");
        // Samba's test uses authtime 1120440609 (2005-07-04T01:30:09Z) for this PAC.
        assertThat(pac.authTime()).isEqualTo(Instant.ofEpochSecond(1120440609));
        assertThat(pac.upn()).isEmpty(); // Windows 2003 had no UPN_DNS_INFO buffer here
        assertThat(pac.serverChecksumType()).contains(-138);
        pac.verifyServerSignature(MEMBER_KEY);
        pac.verifyKdcSignature(KRBTGT_KEY);
    }

    @Test
    void verify_whenWindows2003PacTampered_thenFails() throws Exception {
        byte[] bytes = windows2003Pac();
        bytes[0x48 + 0x78] ^= 0x01; // UserId (1005 -> 1004), inside the logon info

        Pac pac = Pac.parse(bytes);

        assertThat(pac.userRid()).isEqualTo(1004);
        assertThatThrownBy(() -> pac.verifyServerSignature(MEMBER_KEY))
                .isInstanceOf(PacException.class);
    }

    static byte[] windows2003Pac() throws Exception {
        try (InputStream in =
                PacKnownVectorTest.class.getResourceAsStream("samba-win2k3-saved-pac.hex")) {
            return HexFormat.of()
                    .parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
    }

    private static EncryptionKey rc4(String hex) {
        return new EncryptionKey(EncryptionType.ARCFOUR_HMAC, HexFormat.of().parseHex(hex));
    }
}
