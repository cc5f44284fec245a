package org.bastionforest.kerberos.pac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bastionforest.kerberos.pac.PacFixtures.CAP;
import static org.bastionforest.kerberos.pac.PacFixtures.DOMAIN;
import static org.bastionforest.kerberos.pac.PacFixtures.LOGON;
import static org.bastionforest.kerberos.pac.PacFixtures.PROD_DOMAIN_ADMINS;
import static org.bastionforest.kerberos.pac.PacFixtures.PROD_SQL_ADMINS;
import static org.bastionforest.kerberos.pac.PacFixtures.aes128;
import static org.bastionforest.kerberos.pac.PacFixtures.aes256;
import static org.bastionforest.kerberos.pac.PacFixtures.alice;
import static org.bastionforest.kerberos.pac.PacFixtures.rc4;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationDataEntry;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.testsupport.Bytes;
import org.junit.jupiter.api.Test;

class PacTest {
    private final EncryptionKey serviceKey = aes256(1);
    private final EncryptionKey krbtgtKey = aes256(2);

    @Test
    void parse_whenBuiltAndEncoded_thenSameValuesAndSignaturesVerify() throws Exception {
        Pac built = alice();
        byte[] bytes = built.encode(serviceKey, krbtgtKey);

        Pac parsed = Pac.parse(bytes);

        assertThat(parsed).isEqualTo(built);
        assertThat(parsed.userSid()).isEqualTo(Sid.of(DOMAIN, 1105));
        assertThat(parsed.extraSids()).containsExactly(PROD_DOMAIN_ADMINS, PROD_SQL_ADMINS);
        assertThat(parsed.groupRids()).containsExactly(513L, 1201L);
        assertThat(parsed.primaryGroupRid()).isEqualTo(513);
        assertThat(parsed.userFlags() & Pac.LOGON_EXTRA_SIDS).isEqualTo(Pac.LOGON_EXTRA_SIDS);
        assertThat(parsed.kickOffTime()).isEqualTo(CAP);
        assertThat(parsed.logoffTime()).isEqualTo(CAP);
        assertThat(parsed.logonTime()).isEqualTo(LOGON);
        assertThat(parsed.upn()).isEqualTo("alice@bastion.example");
        assertThat(parsed.clientName()).isEqualTo("alice");
        assertThat(parsed.serverChecksumType()).contains(16);
        assertThat(parsed.kdcChecksumType()).contains(16);
        parsed.verifyServerSignature(serviceKey);
        parsed.verifyKdcSignature(krbtgtKey);
    }

    @Test
    void encode_whenAes128AndRc4Keys_thenMatchingChecksumTypesVerify() throws Exception {
        byte[] bytes = alice().encode(aes128(3), rc4(4));

        Pac parsed = Pac.parse(bytes);

        assertThat(parsed.serverChecksumType()).contains(15);
        assertThat(parsed.kdcChecksumType()).contains(-138);
        parsed.verifyServerSignature(aes128(3));
        parsed.verifyKdcSignature(rc4(4));
    }

    @Test
    void encode_whenNoExtraSids_thenExtraSidsFlagClearAndRoundTrips() throws Exception {
        Pac built =
                PacBuilder.forUser("bob", "BASTION", "bastion.example", DOMAIN, 1106)
                        .logonTime(LOGON)
                        .kickOffTime(CAP)
                        .build();

        Pac parsed = Pac.parse(built.encode(serviceKey, krbtgtKey));

        assertThat(parsed).isEqualTo(built);
        assertThat(parsed.userFlags()).isZero();
        assertThat(parsed.extraSids()).isEmpty();
    }

    @Test
    void encode_thenEveryBufferIsEightByteAligned() throws Exception {
        byte[] bytes = alice().encode(serviceKey, krbtgtKey);
        int count = bytes[0];
        for (int i = 0; i < count; i++) {
            assertThat(bytes[8 + 16 * i + 8] % 8).isZero();
        }
        assertThat(bytes.length % 8).isZero();
    }

    @Test
    void verify_whenAnyByteFlipped_thenFailsWithPacException() throws Exception {
        byte[] bytes = alice().encode(serviceKey, krbtgtKey);
        for (int i = 0; i < bytes.length; i++) {
            byte[] tampered = bytes.clone();
            tampered[i] ^= 0x01;
            Pac pac;
            try {
                pac = Pac.parse(tampered);
            } catch (PacException e) {
                continue; // rejected while decoding: fine
            }
            int at = i;
            assertThatThrownBy(
                            () -> {
                                pac.verifyServerSignature(serviceKey);
                                pac.verifyKdcSignature(krbtgtKey);
                            })
                    .as("flipped byte %d", at)
                    .isInstanceOf(PacException.class);
        }
    }

    @Test
    void verify_whenWrongKey_thenFails() throws Exception {
        Pac parsed = Pac.parse(alice().encode(serviceKey, krbtgtKey));

        assertThatThrownBy(() -> parsed.verifyServerSignature(aes256(99)))
                .isInstanceOf(PacException.class)
                .hasMessageContaining("server signature does not verify");
        assertThatThrownBy(() -> parsed.verifyKdcSignature(serviceKey))
                .isInstanceOf(PacException.class);
        assertThatThrownBy(() -> parsed.verifyKdcSignature(aes128(2)))
                .isInstanceOf(PacException.class)
                .hasMessageContaining("checksum type");
    }

    @Test
    void parse_whenTruncatedAtAnyLength_thenPacExceptionOnly() throws Exception {
        byte[] bytes = alice().encode(serviceKey, krbtgtKey);
        for (int n = 0; n < bytes.length; n++) {
            byte[] cut = Arrays.copyOf(bytes, n);
            try {
                Pac.parse(cut).verifyServerSignature(serviceKey);
                throw new AssertionError("truncated to " + n + " verified");
            } catch (PacException expected) {
                // fine
            }
        }
    }

    @Test
    void parse_whenGarbage_thenPacExceptionOnly() {
        Random random = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] garbage = new byte[random.nextInt(600)];
            random.nextBytes(garbage);
            if (garbage.length >= 8 && random.nextBoolean()) {
                garbage[0] = (byte) (1 + random.nextInt(6));
                garbage[1] = garbage[2] = garbage[3] = 0;
                Arrays.fill(garbage, 4, 8, (byte) 0);
            }
            try {
                Pac.parse(garbage);
            } catch (PacException expected) {
                // fine
            }
        }
    }

    @Test
    void parse_whenRandomBytesOfRealPacMutated_thenNeverUncheckedException() throws Exception {
        byte[] bytes = alice().encode(serviceKey, krbtgtKey);
        Random random = new Random(7);
        for (int i = 0; i < 5000; i++) {
            byte[] mutated = bytes.clone();
            for (int k = 0; k < 1 + random.nextInt(4); k++) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            try {
                Pac.parse(mutated);
            } catch (PacException expected) {
                // fine
            }
        }
    }

    @Test
    void parse_whenHugeCountsAndLengths_thenPacExceptionWithoutHugeAllocation() throws Exception {
        byte[] bytes = alice().encode(serviceKey, krbtgtKey);
        // cBuffers = 0xFFFFFFFF
        byte[] manyBuffers = bytes.clone();
        Arrays.fill(manyBuffers, 0, 4, (byte) 0xFF);
        assertThatThrownBy(() -> Pac.parse(manyBuffers)).isInstanceOf(PacException.class);
        // first buffer's size = 0xFFFFFFFF
        byte[] hugeSize = bytes.clone();
        Arrays.fill(hugeSize, 12, 16, (byte) 0xFF);
        assertThatThrownBy(() -> Pac.parse(hugeSize))
                .isInstanceOf(PacException.class)
                .hasMessageContaining("outside");
        // first buffer's offset far away
        byte[] hugeOffset = bytes.clone();
        Arrays.fill(hugeOffset, 16, 24, (byte) 0x7F);
        assertThatThrownBy(() -> Pac.parse(hugeOffset)).isInstanceOf(PacException.class);
        // KERB_VALIDATION_INFO GroupCount and its conformance = 0x7FFFFFFF
        int logonInfo = (int) le(bytes, 16, 4);
        int groupCount = logonInfo + 20 + 6 * 8 + 6 * 8 + 4 + 8;
        byte[] hugeGroups = bytes.clone();
        putLe(hugeGroups, groupCount, 0x7FFFFFFF);
        assertThatThrownBy(() -> Pac.parse(hugeGroups))
                .isInstanceOf(PacException.class)
                .hasMessageContaining("GroupIds");
        assertThatThrownBy(() -> Pac.parse(new byte[Pac.MAX_PAC_BYTES + 1]))
                .isInstanceOf(PacException.class)
                .hasMessageContaining("larger");
    }

    @Test
    void parse_whenSidHasSixteenSubAuthorities_thenPacException() throws Exception {
        byte[] bytes = alice().encode(serviceKey, krbtgtKey);
        byte[] domainSid = DOMAIN.toBytes();
        int at = Bytes.indexOf(bytes, domainSid);
        assertThat(at).isPositive();
        byte[] bad = bytes.clone();
        bad[at + 1] = 16;
        putLe(bad, at - 4, 16);
        assertThatThrownBy(() -> Pac.parse(bad))
                .isInstanceOf(PacException.class)
                .hasMessageContaining("sub-authority");
    }

    @Test
    void verify_whenBuiltNotParsed_thenIllegalState() {
        assertThatThrownBy(() -> alice().verifyServerSignature(serviceKey))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void forUser_whenUserSidOutsideDomain_thenIllegalArgument() {
        assertThatThrownBy(
                        () ->
                                PacBuilder.forUser(
                                        "alice",
                                        "BASTION",
                                        "bastion.example",
                                        DOMAIN,
                                        PROD_DOMAIN_ADMINS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not in domain");
        Pac pac =
                PacBuilder.forUser("alice", "BASTION", "bastion.example", DOMAIN, Sid.of(DOMAIN, 7))
                        .logonTime(LOGON)
                        .kickOffTime(CAP)
                        .build();
        assertThat(pac.userRid()).isEqualTo(7);
    }

    @Test
    void build_whenKickOffMissingOrBeforeLogon_thenIllegalState() {
        PacBuilder b = PacBuilder.forUser("a", "B", "b.example", DOMAIN, 1).logonTime(CAP);
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> b.kickOffTime(LOGON).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> PacBuilder.forUser("", "B", "b.example", DOMAIN, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.groupRids(List.of(1L << 32)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encode_whenKickOffNever_thenNeverRoundTrips() throws Exception {
        Pac pac =
                PacBuilder.forUser("a", "B", "b.example", DOMAIN, 1)
                        .logonTime(LOGON)
                        .kickOffTime(Instant.MAX)
                        .build();
        assertThat(Pac.parse(pac.encode(serviceKey, krbtgtKey)).kickOffTime())
                .isEqualTo(Instant.MAX);
    }

    @Test
    void toAuthorizationData_thenIfRelevantWrapsWin2kPac() throws Exception {
        byte[] bytes = alice().encode(serviceKey, krbtgtKey);

        AuthorizationData ad = Pac.toAuthorizationData(bytes);

        assertThat(ad.getElements()).hasSize(1);
        AuthorizationDataEntry outer = ad.getElements().get(0);
        assertThat(outer.getAuthzType()).isEqualTo(AuthorizationType.AD_IF_RELEVANT);
        AuthorizationData inner = new AuthorizationData();
        inner.decode(outer.getAuthzData());
        assertThat(inner.getElements()).hasSize(1);
        assertThat(inner.getElements().get(0).getAuthzType().getValue()).isEqualTo(128);
        assertThat(inner.getElements().get(0).getAuthzData()).isEqualTo(bytes);
    }

    static long le(byte[] b, int at, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    static void putLe(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }
}
