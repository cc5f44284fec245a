package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bastionforest.kerberos.KdcFixture.ALICE;
import static org.bastionforest.kerberos.KdcFixture.PASSWORD;
import static org.bastionforest.kerberos.KdcFixture.REALM;
import static org.bastionforest.kerberos.KdcFixture.ROOT;

import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.kerby.kerberos.kerb.KrbErrorCode;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.KrbError;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReqBody;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsRep;
import org.bastionforest.shadowgroups.errors.ConflictException;
import org.bastionforest.shadowgroups.errors.InvalidInputException;
import org.bastionforest.shadowgroups.errors.NotFoundException;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.testsupport.Bytes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PrincipalServiceTest {
    private KdcFixture fx;
    private PrincipalService principals;

    @BeforeEach
    void start() throws Exception {
        fx = new KdcFixture();
        principals = fx.kdc.principals();
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void setPassword_thenOneKeyPerEnctypeWithRealmUserSalt() throws Exception {
        assertThat(principals.setPassword(ALICE, PASSWORD.toCharArray())).isEqualTo(1);
        List<String[]> rows = rows("alice@" + REALM);
        assertThat(rows).extracting(r -> r[1]).containsExactlyInAnyOrder("17", "18");
        assertThat(rows).extracting(r -> r[2]).containsOnly(REALM + "alice");
        assertThat(principals.setPassword(ALICE, PASSWORD.toCharArray())).isEqualTo(2);
    }

    @Test
    void keys_areEncryptedAtRest() throws Exception {
        principals.setPassword(ALICE, PASSWORD.toCharArray());
        byte[] aes256 =
                PrincipalService.derive(PASSWORD, REALM + "alice", Enctype.AES256_CTS_HMAC_SHA1_96);
        for (String[] row : rows("alice@" + REALM)) {
            byte[] stored = Base64.getDecoder().decode(row[3]);
            assertThat(stored).hasSize(12 + (row[1].equals("18") ? 32 : 16) + 16);
            assertThat(Bytes.indexOf(stored, java.util.Arrays.copyOf(aes256, 8))).isEqualTo(-1);
        }
        // another master key cannot read them: the KDC reports the store as broken
        try (var wrongKey =
                new BastionKdc(
                        fx.kdc.options().withAddress("127.0.0.1", 0, -1),
                        fx.db,
                        fx.audit,
                        u -> java.util.Optional.of(KdcFixture.account(u, true)),
                        fx.requests::effectiveWindow,
                        AuthorizationDataProvider.none(),
                        fx.clock,
                        new byte[] {
                            1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                            21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32
                        })) {
            RawClient raw = new RawClient(wrongKey);
            assertThat(
                            ((KrbError)
                                            raw.as(
                                                    raw.body(
                                                            RawClient.user("alice"),
                                                            raw.krbtgt(),
                                                            Instant.now().plusSeconds(60)),
                                                    List.of()))
                                    .getErrorCode())
                    .isEqualTo(KrbErrorCode.KRB_ERR_GENERIC);
        }
    }

    @Test
    void setPassword_whenTooShortOrNoAccount_thenRefusedAndNothingStored() throws Exception {
        assertThatThrownBy(() -> principals.setPassword(ALICE, "short".toCharArray()))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(
                        () -> principals.setPassword(UserId.of("nobody"), PASSWORD.toCharArray()))
                .isInstanceOf(NotFoundException.class);
        fx.accounts.put(UserId.of("carol"), KdcFixture.account(UserId.of("carol"), false));
        assertThatThrownBy(() -> principals.setPassword(UserId.of("carol"), PASSWORD.toCharArray()))
                .isInstanceOf(NotFoundException.class);
        assertThat(rows("alice@" + REALM)).isEmpty();
        assertThat(rows("nobody@" + REALM)).isEmpty();
    }

    @Test
    void setPassword_wipesThePasswordArray() throws Exception {
        char[] password = PASSWORD.toCharArray();
        principals.setPassword(ALICE, password);
        assertThat(new String(password)).isEqualTo("\0".repeat(PASSWORD.length()));
    }

    @Test
    void registerService_badNameDuplicateOrKrbtgt_thenRefused() throws Exception {
        principals.registerService("HTTP/web.bastion.test", ROOT);
        assertThatThrownBy(() -> principals.registerService("HTTP/web.bastion.test", ROOT))
                .isInstanceOf(ConflictException.class);
        for (String bad :
                new String[] {"web", "HTTP/", "HTTP/web bastion", "krbtgt/OTHER", "a/b\nc", ""}) {
            assertThatThrownBy(() -> principals.registerService(bad, ROOT))
                    .as(bad)
                    .isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> principals.exportKeytab("HTTP/none.bastion.test", ROOT))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> principals.rotate("HTTP/none.bastion.test", ROOT))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void setCrossRealmTrust_badRealmOrShortPassword_thenRefused() throws Exception {
        assertThatThrownBy(() -> principals.setCrossRealmTrust(REALM, PASSWORD.toCharArray(), ROOT))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(
                        () ->
                                principals.setCrossRealmTrust(
                                        "corp.test", PASSWORD.toCharArray(), ROOT))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(
                        () ->
                                principals.setCrossRealmTrust(
                                        "CORP.TEST", "short".toCharArray(), ROOT))
                .isInstanceOf(InvalidInputException.class);
        assertThat(principals.setCrossRealmTrust("CORP.TEST", PASSWORD.toCharArray(), ROOT))
                .isEqualTo(1);
        assertThat(rows("krbtgt/CORP.TEST@" + REALM))
                .extracting(r -> r[2])
                .containsOnly(REALM + "krbtgtCORP.TEST");
    }

    @Test
    void remove_thenPrincipalAndKeysGoneAndLoginRefused() throws Exception {
        principals.setPassword(ALICE, PASSWORD.toCharArray());
        principals.registerService("HTTP/web.bastion.test", ROOT);
        RawClient raw = new RawClient(fx.kdc);
        raw.tgt("alice", PASSWORD, Instant.now().plusSeconds(60));

        principals.removeUser(ALICE, ALICE);
        principals.removeService("HTTP/web.bastion.test", ROOT);
        assertThat(rows("alice@" + REALM)).isEmpty();
        assertThat(rows("HTTP/web.bastion.test@" + REALM)).isEmpty();
        assertThatThrownBy(() -> raw.tgt("alice", PASSWORD, Instant.now().plusSeconds(60)))
                .isInstanceOfSatisfying(
                        org.apache.kerby.kerberos.kerb.KrbException.class,
                        e ->
                                assertThat(e.getKrbErrorCode())
                                        .isEqualTo(KrbErrorCode.KDC_ERR_C_PRINCIPAL_UNKNOWN));
        assertThatThrownBy(() -> principals.removeUser(ALICE, ALICE))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> principals.removeService("HTTP/web.bastion.test", ROOT))
                .isInstanceOf(NotFoundException.class);
    }

    @Test
    void rotate_thenKvnoPlusOneAndKeytabHoldsOldAndNewKeys() throws Exception {
        principals.registerService("HTTP/web.bastion.test", ROOT);
        assertThat(principals.rotate("HTTP/web.bastion.test", ROOT)).isEqualTo(2);
        byte[] keytab = principals.exportKeytab("HTTP/web.bastion.test", ROOT);
        assertThat(keytabKvnos(keytab)).containsExactlyInAnyOrder(1, 1, 2, 2);
        assertThat(principals.rotate("HTTP/web.bastion.test", ROOT)).isEqualTo(3);
        assertThat(principals.rotate("HTTP/web.bastion.test", ROOT)).isEqualTo(4);
        // kvno 1 is pruned once more than two older versions exist
        assertThat(keytabKvnos(principals.exportKeytab("HTTP/web.bastion.test", ROOT)))
                .doesNotContain(1)
                .contains(2, 3, 4);
    }

    @Test
    void rotateKrbtgt_thenTgtIssuedBeforeStillServedAndNewTgtsUseNewKvno() throws Exception {
        principals.setPassword(ALICE, PASSWORD.toCharArray());
        principals.registerService("HTTP/web.bastion.test", ROOT);
        RawClient raw = new RawClient(fx.kdc);
        RawClient.Creds before = raw.tgt("alice", PASSWORD, Instant.now().plusSeconds(600));
        assertThat(before.ticket().getEncryptedEncPart().getKvno()).isEqualTo(1);
        assertThat(principals.rotateKrbtgt(ROOT)).isEqualTo(2);

        KdcReqBody body =
                raw.body(
                        null,
                        RawClient.service("HTTP", "web.bastion.test"),
                        Instant.now().plusSeconds(300));
        assertThat(
                        raw.send(
                                raw.tgsReq(
                                        before,
                                        "alice",
                                        body,
                                        CheckSumType.HMAC_SHA1_96_AES256,
                                        Instant.now())))
                .isInstanceOf(TgsRep.class);
        RawClient.Creds after = raw.tgt("alice", PASSWORD, Instant.now().plusSeconds(600));
        assertThat(after.ticket().getEncryptedEncPart().getKvno()).isEqualTo(2);
    }

    @Test
    void rc4_isOffByDefaultAndWorksWhenEnabled() throws Exception {
        principals.setPassword(ALICE, PASSWORD.toCharArray());
        RawClient raw = new RawClient(fx.kdc);
        KdcReqBody body =
                raw.body(RawClient.user("alice"), raw.krbtgt(), Instant.now().plusSeconds(60));
        body.setEtypes(List.of(EncryptionType.ARCFOUR_HMAC));
        assertThat(((KrbError) raw.as(body, List.of())).getErrorCode())
                .isEqualTo(KrbErrorCode.KDC_ERR_ETYPE_NOSUPP);

        try (KdcFixture legacy =
                new KdcFixture(
                        BastionKdc.Options.defaults(REALM)
                                .withAddress("127.0.0.1", 0, -1)
                                .withEnctypes(
                                        List.of(
                                                Enctype.AES256_CTS_HMAC_SHA1_96,
                                                Enctype.RC4_HMAC)))) {
            legacy.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
            RawClient rc4 = new RawClient(legacy.kdc);
            var key =
                    org.apache.kerby.kerberos.kerb.crypto.EncryptionHandler.string2Key(
                            PASSWORD, REALM + "alice", null, EncryptionType.ARCFOUR_HMAC);
            KdcReqBody rc4Body =
                    rc4.body(RawClient.user("alice"), rc4.krbtgt(), Instant.now().plusSeconds(60));
            rc4Body.setEtypes(List.of(EncryptionType.ARCFOUR_HMAC));
            assertThat(rc4.as(rc4Body, List.of(rc4.encTimestamp(key, Instant.now()))))
                    .isNotInstanceOf(KrbError.class);
        }
    }

    @Test
    void options_invalid_thenMessageNamesTheKey() {
        BastionKdc.Options d = BastionKdc.Options.defaults(REALM);
        assertThatThrownBy(() -> BastionKdc.Options.defaults("lower.case"))
                .hasMessageContaining("kdc.realm");
        assertThatThrownBy(() -> d.withAddress("127.0.0.1", 70000, 88))
                .hasMessageContaining("kdc.tcp-port");
        assertThatThrownBy(() -> d.withEnctypes(List.of())).hasMessageContaining("kdc.enctypes");
        assertThatThrownBy(() -> d.withUdpMaxResponse(100))
                .hasMessageContaining("kdc.udp-max-response");
        assertThatThrownBy(() -> d.withLifetimes(Duration.ZERO, Duration.ofDays(1)))
                .hasMessageContaining("kdc.max-ticket-lifetime");
        assertThat(Enctype.parse("aes128-cts-hmac-sha1-96"))
                .isEqualTo(Enctype.AES128_CTS_HMAC_SHA1_96);
        assertThatThrownBy(() -> Enctype.parse("des-cbc-crc")).hasMessageContaining("des-cbc-crc");
    }

    @Test
    void krb5Conf_namesRealmKdcAndEnctypes() {
        String conf = fx.kdc.krb5Conf("kdc.bastion.test");
        assertThat(conf)
                .contains("default_realm = " + REALM)
                .contains("kdc = kdc.bastion.test:" + fx.kdc.udpPort())
                .contains("kdc = kdc.bastion.test:" + fx.kdc.tcpPort())
                .contains("aes256-cts-hmac-sha1-96 aes128-cts-hmac-sha1-96")
                .doesNotContain("rc4");
    }

    private List<String[]> rows(String principal) throws Exception {
        return fx.db.inTransaction(
                c -> {
                    List<String[]> out = new ArrayList<>();
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "SELECT kvno, enctype, salt, key_encrypted FROM kerberos_keys"
                                            + " WHERE principal = ?")) {
                        ps.setString(1, principal);
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                out.add(
                                        new String[] {
                                            rs.getString(1),
                                            rs.getString(2),
                                            rs.getString(3),
                                            rs.getString(4)
                                        });
                            }
                        }
                    }
                    return out;
                });
    }

    /** The kvno (32-bit field) of each entry of an MIT keytab. */
    private static List<Integer> keytabKvnos(byte[] keytab) {
        ByteBuffer b = ByteBuffer.wrap(keytab);
        assertThat(b.getShort()).isEqualTo((short) 0x0502);
        List<Integer> kvnos = new ArrayList<>();
        while (b.hasRemaining()) {
            int size = b.getInt();
            int end = b.position() + size;
            b.position(end - 4);
            kvnos.add(b.getInt());
        }
        return kvnos;
    }
}
