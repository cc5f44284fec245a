package org.bastionforest.kerberos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bastionforest.kerberos.KdcFixture.ALICE;
import static org.bastionforest.kerberos.KdcFixture.BOB;
import static org.bastionforest.kerberos.KdcFixture.PASSWORD;
import static org.bastionforest.kerberos.KdcFixture.REALM;
import static org.bastionforest.kerberos.KdcFixture.ROOT;
import static org.bastionforest.kerberos.KdcFixture.SQL;
import static org.bastionforest.kerberos.KdcFixture.SQL_ADMINS;
import static org.bastionforest.kerberos.KdcFixture.WEB;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.kerby.kerberos.kerb.KrbCodec;
import org.apache.kerby.kerberos.kerb.KrbErrorCode;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationDataEntry;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationType;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.EtypeInfo2;
import org.apache.kerby.kerberos.kerb.type.base.KrbError;
import org.apache.kerby.kerberos.kerb.type.base.KrbMessage;
import org.apache.kerby.kerberos.kerb.type.base.MethodData;
import org.apache.kerby.kerberos.kerb.type.kdc.EncTgsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOption;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReqBody;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsReq;
import org.apache.kerby.kerberos.kerb.type.pa.PaData;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataEntry;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataType;
import org.apache.kerby.kerberos.kerb.type.ticket.EncTicketPart;
import org.apache.kerby.kerberos.kerb.type.ticket.TicketFlag;
import org.apache.kerby.kerberos.kerb.type.ticket.TicketFlags;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.EffectiveWindow;
import org.bastionforest.testsupport.Bytes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The request path with hand-made requests that real clients do not send: each closes a gap of
 * Kerby 2.1.1's KDC.
 */
class KdcHandlerTest {
    private static final String WEB_SPN = "HTTP/web.bastion.test";
    private static final List<AuthorizationDataProvider.TicketContext> ISSUED =
            new CopyOnWriteArrayList<>();
    private static KdcFixture fx;
    private static RawClient client;

    @BeforeAll
    static void start() throws Exception {
        fx =
                new KdcFixture(
                        BastionKdc.Options.defaults(REALM).withAddress("127.0.0.1", 0, 0),
                        ticket -> {
                            ISSUED.add(ticket);
                            return List.of();
                        });
        fx.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
        fx.kdc.principals().setPassword(BOB, PASSWORD.toCharArray());
        fx.kdc.principals().registerService(WEB_SPN, ROOT);
        client = new RawClient(fx.kdc);
    }

    @AfterAll
    static void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @BeforeEach
    void clear() {
        ISSUED.clear();
    }

    static Stream<List<PaDataEntry>> withoutPreauth() {
        return Stream.of(
                List.of(),
                List.of(
                        new PaDataEntry(
                                PaDataType.PAC_REQUEST,
                                new byte[] {
                                    0x30, 0x05, (byte) 0xa0, 0x03, 0x01, 0x01, (byte) 0xff
                                })),
                List.of(new PaDataEntry(PaDataType.ETYPE_INFO2, new byte[] {0x30, 0x00})),
                List.of(new PaDataEntry(PaDataType.NONE, new byte[] {1, 2, 3})));
    }

    @Test
    void asReq_withEncTimestampNestedTwentyThousandDeep_thenPreauthFailedNotStackOverflow()
            throws Exception {
        byte[] deep = RawClient.nested(0x30, 20_000);
        KrbMessage reply =
                onSmallStack(
                        () ->
                                client.as(
                                        client.body(
                                                RawClient.user("alice"),
                                                client.krbtgt(),
                                                Instant.now().plusSeconds(3600)),
                                        List.of(new PaDataEntry(PaDataType.ENC_TIMESTAMP, deep))));
        assertThat(((KrbError) reply).getErrorCode())
                .isEqualTo(KrbErrorCode.KDC_ERR_PREAUTH_FAILED);
    }

    @Test
    void tgsReq_withApReqNestedTwentyThousandDeep_thenMsgTypeErrorNotStackOverflow()
            throws Exception {
        TgsReq req = new TgsReq();
        req.setReqBody(
                client.body(
                        null,
                        RawClient.service("HTTP", "web.bastion.test"),
                        Instant.now().plusSeconds(3600)));
        PaData pa = new PaData();
        pa.addElement(new PaDataEntry(PaDataType.TGS_REQ, RawClient.nested(0xa0, 20_000)));
        req.setPaData(pa);
        KrbMessage reply = onSmallStack(() -> client.send(req));
        assertThat(((KrbError) reply).getErrorCode()).isEqualTo(KrbErrorCode.KRB_AP_ERR_MSG_TYPE);
    }

    static Stream<String> emptyIntegers() {
        return Stream.of("cname name-type", "address type");
    }

    /** Kerby decodes an empty INTEGER as null and cannot encode it again. */
    @ParameterizedTest
    @MethodSource("emptyIntegers")
    void asReq_withAnEmptyInteger_thenKrbErrorWithoutTheEchoedName(String where) throws Exception {
        byte[] empty = RawClient.der(0x02);
        byte[] one = RawClient.der(0x02, new byte[] {1});
        byte[] realm = RawClient.der(0x1b, REALM.getBytes(StandardCharsets.US_ASCII));
        byte[] alice = RawClient.der(0x1b, "alice".getBytes(StandardCharsets.US_ASCII));
        byte[] krbtgt = RawClient.der(0x1b, "krbtgt".getBytes(StandardCharsets.US_ASCII));
        byte[] cname =
                RawClient.der(
                        0x30,
                        RawClient.der(0xa0, where.equals("cname name-type") ? empty : one),
                        RawClient.der(0xa1, RawClient.der(0x30, alice)));
        byte[] address =
                RawClient.der(
                        0x30,
                        RawClient.der(0xa0, where.equals("address type") ? empty : one),
                        RawClient.der(0xa1, RawClient.der(0x04, new byte[] {127, 0, 0, 1})));
        byte[] body =
                RawClient.der(
                        0x30,
                        RawClient.der(0xa0, RawClient.der(0x03, new byte[5])),
                        RawClient.der(0xa1, cname),
                        RawClient.der(0xa2, realm),
                        RawClient.der(
                                0xa3,
                                RawClient.der(
                                        0x30,
                                        RawClient.der(0xa0, RawClient.der(0x02, new byte[] {2})),
                                        RawClient.der(0xa1, RawClient.der(0x30, krbtgt, realm)))),
                        RawClient.der(
                                0xa5,
                                RawClient.der(
                                        0x18,
                                        "20371231000000Z".getBytes(StandardCharsets.US_ASCII))),
                        RawClient.der(0xa7, RawClient.der(0x02, new byte[] {7})),
                        RawClient.der(
                                0xa8, RawClient.der(0x30, RawClient.der(0x02, new byte[] {18}))),
                        RawClient.der(0xa9, RawClient.der(0x30, address)));
        byte[] request =
                RawClient.der(
                        0x6a,
                        RawClient.der(
                                0x30,
                                RawClient.der(0xa1, RawClient.der(0x02, new byte[] {5})),
                                RawClient.der(0xa2, RawClient.der(0x02, new byte[] {10})),
                                RawClient.der(0xa4, body)));
        KrbMessage reply = onSmallStack(() -> RawClient.decode(fx.kdc.handle(request)));
        KrbError error = (KrbError) reply;
        assertThat(error.getErrorCode()).isEqualTo(KrbErrorCode.KRB_AP_ERR_MSG_TYPE);
        if (where.equals("cname name-type")) {
            assertThat(error.getCname()).isNull();
        }
    }

    /** Runs {@code call} on a thread with a 256 KiB stack; fails if anything is thrown. */
    private static KrbMessage onSmallStack(Callable<KrbMessage> call) throws Exception {
        AtomicReference<KrbMessage> reply = new AtomicReference<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t =
                new Thread(
                        null,
                        () -> {
                            try {
                                reply.set(call.call());
                            } catch (Exception | Error e) {
                                thrown.set(e);
                            }
                        },
                        "small-stack",
                        256 * 1024);
        t.start();
        t.join(30_000);
        assertThat(thrown.get()).as("thrown by the handler").isNull();
        assertThat(reply.get()).isInstanceOf(KrbError.class);
        return reply.get();
    }

    @ParameterizedTest
    @MethodSource("withoutPreauth")
    void asReq_withoutEncTimestamp_thenPreauthRequiredAdvertisingEncTimestampAndEtypeInfo2(
            List<PaDataEntry> padata) throws Exception {
        KrbMessage reply =
                client.as(
                        client.body(
                                RawClient.user("alice"),
                                client.krbtgt(),
                                Instant.now().plusSeconds(3600)),
                        padata);
        assertThat(reply).isInstanceOf(KrbError.class);
        KrbError error = (KrbError) reply;
        assertThat(error.getErrorCode()).isEqualTo(KrbErrorCode.KDC_ERR_PREAUTH_REQUIRED);
        MethodData methods = KrbCodec.decode(error.getEdata(), MethodData.class);
        assertThat(methods.getElements())
                .extracting(PaDataEntry::getPaDataType)
                .contains(PaDataType.ENC_TIMESTAMP, PaDataType.ETYPE_INFO2);
        EtypeInfo2 info =
                KrbCodec.decode(
                        methods.getElements().stream()
                                .filter(e -> e.getPaDataType() == PaDataType.ETYPE_INFO2)
                                .findFirst()
                                .orElseThrow()
                                .getPaDataValue(),
                        EtypeInfo2.class);
        assertThat(info.getElements())
                .extracting(e -> e.getEtype())
                .containsExactly(
                        EncryptionType.AES256_CTS_HMAC_SHA1_96,
                        EncryptionType.AES128_CTS_HMAC_SHA1_96);
        assertThat(info.getElements()).extracting(e -> e.getSalt()).containsOnly(REALM + "alice");
    }

    /**
     * An AS-REQ whose msg-type field is not 10 (here a flipped bit: 74) is refused, even with a
     * valid pre-authentication: Kerby decodes by the application tag alone. Found by KdcFuzzIT.
     */
    @Test
    void asReq_whenMsgTypeFieldDoesNotMatch_thenRefused() throws Exception {
        org.apache.kerby.kerberos.kerb.type.kdc.AsReq req =
                new org.apache.kerby.kerberos.kerb.type.kdc.AsReq();
        req.setReqBody(
                client.body(
                        RawClient.user("alice"), client.krbtgt(), Instant.now().plusSeconds(600)));
        org.apache.kerby.kerberos.kerb.type.pa.PaData pa =
                new org.apache.kerby.kerberos.kerb.type.pa.PaData();
        pa.addElement(
                client.encTimestamp(
                        RawClient.passwordKey("alice", fx.kdc.options().realm(), PASSWORD),
                        Instant.now()));
        req.setPaData(pa);
        byte[] bytes = org.apache.kerby.kerberos.kerb.KrbCodec.encode(req);
        assertThat(RawClient.decode(fx.kdc.handle(bytes)))
                .as("the unmodified request is answered")
                .isInstanceOf(org.apache.kerby.kerberos.kerb.type.kdc.AsRep.class);
        byte[] msgType = {(byte) 0xa2, 3, 2, 1, 10};
        int at = Bytes.indexOf(bytes, msgType);
        assertThat(at).isPositive();
        bytes[at + 4] = 74;
        KrbMessage refused = RawClient.decode(fx.kdc.handle(bytes));
        assertThat(refused).isInstanceOf(KrbError.class);
        assertThat(((KrbError) refused).getErrorCode()).isEqualTo(KrbErrorCode.KRB_AP_ERR_MSG_TYPE);
    }

    @Test
    void asReq_withWrongPassword_thenPreauthFailed() throws Exception {
        KrbMessage reply =
                client.as(
                        client.body(
                                RawClient.user("alice"),
                                client.krbtgt(),
                                Instant.now().plusSeconds(60)),
                        List.of(
                                client.encTimestamp(
                                        RawClient.passwordKey("alice", REALM, "wrong password!!"),
                                        Instant.now())));
        assertThat(((KrbError) reply).getErrorCode())
                .isEqualTo(KrbErrorCode.KDC_ERR_PREAUTH_FAILED);
    }

    @Test
    void asReq_clockSkewInMinutesNotMilliseconds() throws Exception {
        var key = RawClient.passwordKey("alice", REALM, PASSWORD);
        KrbMessage fourMinutesOff =
                client.as(
                        client.body(
                                RawClient.user("alice"),
                                client.krbtgt(),
                                Instant.now().plusSeconds(600)),
                        List.of(client.encTimestamp(key, Instant.now().minusSeconds(240))));
        assertThat(fourMinutesOff).isNotInstanceOf(KrbError.class);
        KrbMessage sixMinutesOff =
                client.as(
                        client.body(
                                RawClient.user("alice"),
                                client.krbtgt(),
                                Instant.now().plusSeconds(600)),
                        List.of(client.encTimestamp(key, Instant.now().plusSeconds(360))));
        assertThat(((KrbError) sixMinutesOff).getErrorCode())
                .isEqualTo(KrbErrorCode.KRB_AP_ERR_SKEW);
    }

    @Test
    void asReq_forDisabledAccount_thenClientRevoked() throws Exception {
        UserId carol = UserId.of("carol");
        // a KDC of its own, so that no identity cache holds carol as enabled
        try (KdcFixture other = new KdcFixture()) {
            other.accounts.put(carol, KdcFixture.account(carol, true));
            other.kdc.principals().setPassword(carol, PASSWORD.toCharArray());
            other.accounts.put(carol, KdcFixture.account(carol, false));
            assertThatThrownBy(
                            () ->
                                    new RawClient(other.kdc)
                                            .tgt("carol", PASSWORD, Instant.now().plusSeconds(60)))
                    .isInstanceOfSatisfying(
                            KrbException.class,
                            e ->
                                    assertThat(e.getKrbErrorCode())
                                            .isEqualTo(KrbErrorCode.KDC_ERR_CLIENT_REVOKED));
        }
    }

    static Stream<Object[]> clientAuthorizationData() {
        byte[] pac = {1, 0, 0, 0};
        // ad-type 141 (KERB-AD-RESTRICTION-ENTRY), which Kerby does not know, inside AD-IF-RELEVANT
        byte[] unknownInner =
                RawClient.der(
                        0x30,
                        RawClient.der(
                                0x30,
                                RawClient.der(
                                        0xa0, RawClient.der(0x02, new byte[] {0, (byte) 0x8d})),
                                RawClient.der(0xa1, RawClient.der(0x04, new byte[] {7}))));
        return Stream.of(
                new Object[] {
                    "PAC", new AuthorizationDataEntry(AuthorizationType.AD_WIN2K_PAC, pac), false
                },
                new Object[] {
                    "PAC in AD-IF-RELEVANT",
                    relevant(new AuthorizationDataEntry(AuthorizationType.AD_WIN2K_PAC, pac)),
                    false
                },
                new Object[] {
                    "PAC two containers deep",
                    relevant(
                            relevant(
                                    new AuthorizationDataEntry(
                                            AuthorizationType.AD_WIN2K_PAC, pac))),
                    false
                },
                new Object[] {
                    "AD-KDC-ISSUED",
                    new AuthorizationDataEntry(AuthorizationType.AD_KDC_ISSUED, pac),
                    false
                },
                new Object[] {
                    "AD-MANDATORY-FOR-KDC in AD-IF-RELEVANT",
                    relevant(
                            new AuthorizationDataEntry(
                                    AuthorizationType.AD_MANDATORY_FOR_KDC, pac)),
                    false
                },
                new Object[] {
                    "AD-IF-RELEVANT that does not decode",
                    new AuthorizationDataEntry(
                            AuthorizationType.AD_IF_RELEVANT, new byte[] {0x30, 0x05, 1}),
                    false
                },
                new Object[] {
                    "five containers deep",
                    relevant(
                            relevant(
                                    relevant(
                                            relevant(
                                                    relevant(
                                                            new AuthorizationDataEntry(
                                                                    AuthorizationType.OSF_DCE,
                                                                    pac)))))),
                    false
                },
                new Object[] {
                    "AD-IF-RELEVANT around an ad-type Kerby does not know",
                    new AuthorizationDataEntry(AuthorizationType.AD_IF_RELEVANT, unknownInner),
                    true
                },
                new Object[] {
                    "OSF-DCE", new AuthorizationDataEntry(AuthorizationType.OSF_DCE, pac), true
                });
    }

    private static AuthorizationDataEntry relevant(AuthorizationDataEntry inner) {
        return new AuthorizationDataEntry(AuthorizationType.AD_IF_RELEVANT, container(inner));
    }

    private static byte[] container(AuthorizationDataEntry inner) {
        org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData ad =
                new org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData();
        ad.addElement(inner);
        try {
            return KrbCodec.encode(ad);
        } catch (KrbException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A client's enc-authorization-data is copied into the ticket, except what only a KDC may put
     * there: a PAC at any depth of AD-IF-RELEVANT, KDC-issued and mandatory-for-KDC data, and
     * containers that do not decode or nest too deep are refused (KDC_ERR_POLICY).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("clientAuthorizationData")
    void tgsReq_withEncAuthorizationData_thenKdcOnlyDataRefusedOtherCopied(
            String what, AuthorizationDataEntry entry, boolean accepted) throws Exception {
        RawClient.Creds tgt = client.tgt("alice", PASSWORD, Instant.now().plusSeconds(600));
        KdcReqBody body =
                client.body(
                        null,
                        RawClient.service("HTTP", "web.bastion.test"),
                        Instant.now().plusSeconds(300));
        org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData ad =
                new org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData();
        ad.addElement(entry);
        body.setEncryptedAuthorizationData(
                org.apache.kerby.kerberos.kerb.common.EncryptionUtil.seal(
                        ad,
                        tgt.sessionKey(),
                        org.apache.kerby.kerberos.kerb.type.base.KeyUsage.TGS_REQ_AD_SESSKEY));
        KrbMessage reply =
                client.send(
                        client.tgsReq(
                                tgt,
                                "alice",
                                body,
                                CheckSumType.HMAC_SHA1_96_AES256,
                                Instant.now()));
        if (accepted) {
            assertThat(reply).as(what).isInstanceOf(TgsRep.class);
        } else {
            assertThat(reply).as(what).isInstanceOf(KrbError.class);
            assertThat(((KrbError) reply).getErrorCode())
                    .as(what)
                    .isEqualTo(KrbErrorCode.KDC_ERR_POLICY);
        }
    }

    @Test
    void tgsReq_tillBeyondTgtEnd_thenTicketEndsAtTgtEnd() throws Exception {
        RawClient.Creds tgt = client.tgt("alice", PASSWORD, Instant.now().plusSeconds(600));
        KdcReqBody body =
                client.body(
                        null,
                        RawClient.service("HTTP", "web.bastion.test"),
                        Instant.now().plus(Duration.ofHours(5)));
        TgsReq req =
                client.tgsReq(tgt, "alice", body, CheckSumType.HMAC_SHA1_96_AES256, Instant.now());
        TgsRep rep = (TgsRep) client.send(req);
        EncTgsRepPart part = RawClient.open(rep, tgt);
        assertThat(part.getEndTime().getTime()).isEqualTo(tgt.end().getTime());
    }

    @Test
    void tgsReq_fromNonForwardableTgt_thenNotForwardableNotInitialAndAuthtimeOfTgt()
            throws Exception {
        RawClient.Creds tgt = client.tgt("alice", PASSWORD, Instant.now().plusSeconds(600));
        assertThat(new TicketFlags(tgt.flags()).isFlagSet(TicketFlag.FORWARDABLE)).isFalse();
        Thread.sleep(1100);
        KdcReqBody body =
                client.body(
                        null,
                        RawClient.service("HTTP", "web.bastion.test"),
                        Instant.now().plusSeconds(300),
                        KdcOption.FORWARDABLE);
        TgsRep rep =
                (TgsRep)
                        client.send(
                                client.tgsReq(
                                        tgt,
                                        "alice",
                                        body,
                                        CheckSumType.HMAC_SHA1_96_AES256,
                                        Instant.now()));
        EncTgsRepPart part = RawClient.open(rep, tgt);
        assertThat(part.getFlags().isFlagSet(TicketFlag.FORWARDABLE)).isFalse();
        assertThat(part.getFlags().isFlagSet(TicketFlag.INITIAL)).isFalse();
        assertThat(part.getAuthTime().getTime()).isLessThan(part.getStartTime().getTime());

        KdcReqBody forwarded =
                client.body(
                        null, client.krbtgt(), Instant.now().plusSeconds(300), KdcOption.FORWARDED);
        KrbMessage refused =
                client.send(
                        client.tgsReq(
                                tgt,
                                "alice",
                                forwarded,
                                CheckSumType.HMAC_SHA1_96_AES256,
                                Instant.now()));
        assertThat(((KrbError) refused).getErrorCode()).isEqualTo(KrbErrorCode.KDC_ERR_BADOPTION);
    }

    @Test
    void tgsReq_fromForwardableTgt_thenForwardable() throws Exception {
        RawClient.Creds tgt =
                client.tgt(
                        "alice", PASSWORD, Instant.now().plusSeconds(600), KdcOption.FORWARDABLE);
        KdcReqBody body =
                client.body(
                        null,
                        RawClient.service("HTTP", "web.bastion.test"),
                        Instant.now().plusSeconds(300),
                        KdcOption.FORWARDABLE);
        TgsRep rep =
                (TgsRep)
                        client.send(
                                client.tgsReq(
                                        tgt,
                                        "alice",
                                        body,
                                        CheckSumType.HMAC_SHA1_96_AES256,
                                        Instant.now()));
        assertThat(RawClient.open(rep, tgt).getFlags().isFlagSet(TicketFlag.FORWARDABLE)).isTrue();
    }

    @Test
    void tgsReq_withoutOrWithUnkeyedOrWrongChecksum_thenRefused() throws Exception {
        RawClient.Creds tgt = client.tgt("alice", PASSWORD, Instant.now().plusSeconds(600));
        KdcReqBody body =
                client.body(
                        null,
                        RawClient.service("HTTP", "web.bastion.test"),
                        Instant.now().plusSeconds(300));
        assertThat(error(client.tgsReq(tgt, "alice", body, null, Instant.now())))
                .isEqualTo(KrbErrorCode.KRB_AP_ERR_INAPP_CKSUM);
        assertThat(error(client.tgsReq(tgt, "alice", body, CheckSumType.RSA_MD5, Instant.now())))
                .isEqualTo(KrbErrorCode.KRB_AP_ERR_INAPP_CKSUM);
        // a checksum over another body: the body was modified on the way
        TgsReq req =
                client.tgsReq(tgt, "alice", body, CheckSumType.HMAC_SHA1_96_AES256, Instant.now());
        req.getReqBody()
                .setTill(
                        new org.apache.kerby.kerberos.kerb.type.KerberosTime(
                                Instant.now().plusSeconds(9999).toEpochMilli()));
        assertThat(error(req)).isEqualTo(KrbErrorCode.KRB_AP_ERR_MODIFIED);
    }

    @Test
    void tgsReq_replayed_thenRepeat() throws Exception {
        RawClient.Creds tgt = client.tgt("alice", PASSWORD, Instant.now().plusSeconds(600));
        KdcReqBody body =
                client.body(
                        null,
                        RawClient.service("HTTP", "web.bastion.test"),
                        Instant.now().plusSeconds(300));
        byte[] once =
                KrbCodec.encode(
                        client.tgsReq(
                                tgt,
                                "alice",
                                body,
                                CheckSumType.HMAC_SHA1_96_AES256,
                                Instant.now()));
        assertThat(RawClient.decode(fx.kdc.handle(once))).isInstanceOf(TgsRep.class);
        KrbMessage again = RawClient.decode(fx.kdc.handle(once));
        assertThat(((KrbError) again).getErrorCode()).isEqualTo(KrbErrorCode.KRB_AP_ERR_REPEAT);
    }

    @Test
    void asReq_onlyDisabledEnctypeRequested_thenEtypeNosupp() throws Exception {
        KdcReqBody body =
                client.body(
                        RawClient.user("alice"), client.krbtgt(), Instant.now().plusSeconds(60));
        body.setEtypes(List.of(EncryptionType.ARCFOUR_HMAC));
        KrbMessage reply = client.as(body, List.of());
        assertThat(((KrbError) reply).getErrorCode()).isEqualTo(KrbErrorCode.KDC_ERR_ETYPE_NOSUPP);
    }

    @Test
    void garbage_thenCleanKrbError() throws Exception {
        KrbMessage reply =
                RawClient.decode(fx.kdc.handle(new byte[] {0x6a, 0x03, 0x30, 0x01, 0x00}));
        assertThat(reply).isInstanceOf(KrbError.class);
    }

    /**
     * Renewing a service ticket: its PAC (which the KDC signs with the krbtgt key) is checked with
     * the krbtgt key, and a ticket that had none gets none, so that a ticket made with the
     * service's key alone cannot be turned into one with a KDC-signed PAC.
     */
    @Test
    void tgsReq_renewServiceTicket_thenKrbtgtKeyChecksItsPacAndNoPacIsAdded() throws Exception {
        AccessRequest sql = fx.grant(BOB, SQL, Duration.ofMinutes(10));
        try {
            var web = RawClient.service("HTTP", "web.bastion.test");
            RawClient.Creds tgt =
                    client.tgt(
                            "bob", PASSWORD, Instant.now().plusSeconds(300), KdcOption.RENEWABLE);
            KdcReqBody body =
                    client.body(null, web, Instant.now().plusSeconds(300), KdcOption.RENEWABLE);
            TgsRep rep =
                    (TgsRep)
                            client.send(
                                    client.tgsReq(
                                            tgt,
                                            "bob",
                                            body,
                                            CheckSumType.HMAC_SHA1_96_AES256,
                                            Instant.now()));
            EncTgsRepPart part = RawClient.open(rep, tgt);
            assertThat(part.getFlags().isFlagSet(TicketFlag.RENEWABLE)).isTrue();
            assertThat(ISSUED.get(ISSUED.size() - 1).pacRequested()).as("TGS").isTrue();
            RawClient.Creds service =
                    new RawClient.Creds(
                            rep.getTicket(),
                            part.getKey(),
                            part.getEndTime(),
                            part.getFlags().getFlags());
            KdcReqBody renew =
                    client.body(null, web, Instant.now().plusSeconds(300), KdcOption.RENEW);
            KrbMessage renewed =
                    client.send(
                            client.tgsReq(
                                    service,
                                    "bob",
                                    renew,
                                    CheckSumType.HMAC_SHA1_96_AES256,
                                    Instant.now()));
            assertThat(renewed).isInstanceOf(TgsRep.class);
            AuthorizationDataProvider.TicketContext context = ISSUED.get(ISSUED.size() - 1);
            assertThat(context.kind()).isEqualTo(AuthorizationDataProvider.Kind.RENEW);
            assertThat(context.previousKdcKey()).isPresent();
            assertThat(context.previousKdcKey().get().getKeyData())
                    .as("the krbtgt key, not the service's")
                    .isEqualTo(context.kdcKey().getKeyData());
            assertThat(context.pacRequested()).as("the renewed ticket had no PAC").isFalse();
        } finally {
            fx.requests.close(sql.id(), BOB, "done");
        }
    }

    @Test
    void tgsReq_afterGrantClosedEarly_thenSidDroppedAndRecapped() throws Exception {
        AccessRequest sql = fx.grant(BOB, SQL, Duration.ofMinutes(10));
        AccessRequest web = fx.grant(BOB, WEB, Duration.ofMinutes(5));
        try {
            Instant webEnd = web.grant().orElseThrow().endsAt().truncatedTo(ChronoUnit.SECONDS);
            RawClient.Creds tgt = client.tgt("bob", PASSWORD, Instant.now().plusSeconds(3600));
            assertThat(Instant.ofEpochMilli(tgt.end().getTime())).isEqualTo(webEnd);
            assertThat(ISSUED.get(0).sids()).hasSize(2);

            fx.requests.close(web.id(), BOB, "done early");
            KdcReqBody body =
                    client.body(
                            null,
                            RawClient.service("HTTP", "web.bastion.test"),
                            Instant.now().plusSeconds(3600));
            TgsRep rep =
                    (TgsRep)
                            client.send(
                                    client.tgsReq(
                                            tgt,
                                            "bob",
                                            body,
                                            CheckSumType.HMAC_SHA1_96_AES256,
                                            Instant.now()));
            assertThat(RawClient.open(rep, tgt).getEndTime().getTime())
                    .isEqualTo(webEnd.toEpochMilli());
            assertThat(ISSUED.get(1).sids()).isEqualTo(Set.of(SQL_ADMINS));
            assertThat(ISSUED.get(1).previousKdcKey()).isPresent();
        } finally {
            fx.requests.close(sql.id(), BOB, "done");
        }
    }

    @Test
    void asReq_whenGrantEndsWithinMinimumLifetime_thenOrdinaryTicketWithoutThatSid()
            throws Exception {
        Instant now = Instant.now();
        try {
            fx.grantsOverride =
                    user ->
                            new EffectiveWindow(
                                    user,
                                    now,
                                    Map.of(
                                            SQL_ADMINS,
                                            now.plusSeconds(2),
                                            KdcFixture.WEB_ADMINS,
                                            now.plusSeconds(90)));
            RawClient.Creds tgt = client.tgt("alice", PASSWORD, now.plusSeconds(3600));
            assertThat(ISSUED.get(0).sids()).containsExactly(KdcFixture.WEB_ADMINS);
            assertThat(tgt.end().getTime())
                    .isEqualTo(now.plusSeconds(90).truncatedTo(ChronoUnit.SECONDS).toEpochMilli());

            fx.grantsOverride =
                    user -> new EffectiveWindow(user, now, Map.of(SQL_ADMINS, now.plusSeconds(2)));
            RawClient.Creds ordinary = client.tgt("alice", PASSWORD, now.plusSeconds(3600));
            assertThat(ISSUED.get(1).sids()).isEmpty();
            assertThat(ordinary.end().getTime())
                    .isGreaterThan(now.plusSeconds(3000).toEpochMilli());
        } finally {
            fx.grantsOverride = null;
        }
    }

    @Test
    void beforeSeal_seesTheCompleteTicketPart() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (KdcFixture other =
                new KdcFixture(
                        BastionKdc.Options.defaults(REALM).withAddress("127.0.0.1", 0, -1),
                        new AuthorizationDataProvider() {
                            @Override
                            public List<AuthorizationDataEntry> authorizationData(
                                    TicketContext ticket) {
                                return List.of(
                                        new AuthorizationDataEntry(
                                                AuthorizationType.AD_IF_RELEVANT,
                                                new byte[] {0x30, 0x00}));
                            }

                            @Override
                            public void beforeSeal(EncTicketPart part, TicketContext ticket) {
                                seen.add(
                                        ticket.kind()
                                                + ":"
                                                + part.getAuthorizationData().getElements().size()
                                                + ":"
                                                + part.getEndTime().getTime());
                            }
                        })) {
            other.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
            new RawClient(other.kdc).tgt("alice", PASSWORD, Instant.now().plusSeconds(60));
            assertThat(seen).singleElement().asString().startsWith("AS:1:");
        }
    }

    @Test
    void udp_answerTooBig_thenResponseTooBig() throws Exception {
        try (KdcFixture small =
                        new KdcFixture(
                                BastionKdc.Options.defaults("SMALL.TEST")
                                        .withAddress("127.0.0.1", 0, 0)
                                        .withUdpMaxResponse(512));
                DatagramSocket socket = new DatagramSocket()) {
            small.kdc.principals().setPassword(ALICE, PASSWORD.toCharArray());
            RawClient raw = new RawClient(small.kdc);
            var body =
                    raw.body(RawClient.user("alice"), raw.krbtgt(), Instant.now().plusSeconds(60));
            var req = new org.apache.kerby.kerberos.kerb.type.kdc.AsReq();
            req.setReqBody(body);
            var pa = new org.apache.kerby.kerberos.kerb.type.pa.PaData();
            pa.addElement(
                    raw.encTimestamp(
                            RawClient.passwordKey("alice", "SMALL.TEST", PASSWORD), Instant.now()));
            req.setPaData(pa);
            byte[] bytes = KrbCodec.encode(req);
            socket.setSoTimeout(5000);
            socket.send(
                    new DatagramPacket(
                            bytes,
                            bytes.length,
                            InetAddress.getLoopbackAddress(),
                            small.kdc.udpPort()));
            DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
            socket.receive(answer);
            KrbMessage reply =
                    RawClient.decode(java.util.Arrays.copyOf(answer.getData(), answer.getLength()));
            assertThat(((KrbError) reply).getErrorCode()).isEqualTo(KrbErrorCode.RESPONSE_TOO_BIG);
            // the same request answered in full over the handler (TCP has no such limit)
            assertThat(RawClient.decode(small.kdc.handle(bytes))).isNotInstanceOf(KrbError.class);
        }
    }

    @Test
    void twoKdcsInOneJvm_thenIndependent() throws Exception {
        try (KdcFixture other =
                new KdcFixture(
                        BastionKdc.Options.defaults("OTHER.TEST")
                                .withAddress("127.0.0.1", 0, 0)
                                .withLifetimes(Duration.ofMinutes(2), Duration.ofMinutes(4)))) {
            other.kdc.principals().setPassword(ALICE, "another password!".toCharArray());
            RawClient.Creds here = client.tgt("alice", PASSWORD, Instant.now().plusSeconds(3600));
            RawClient.Creds there =
                    new RawClient(other.kdc)
                            .tgt("alice", "another password!", Instant.now().plusSeconds(3600));
            assertThat(there.end().getTime() - System.currentTimeMillis())
                    .isLessThanOrEqualTo(Duration.ofMinutes(2).toMillis());
            assertThat(here.end().getTime() - System.currentTimeMillis())
                    .isGreaterThan(Duration.ofMinutes(50).toMillis());
        }
    }

    private static KrbErrorCode error(TgsReq req) throws Exception {
        KrbMessage reply = client.send(req);
        assertThat(reply).isInstanceOf(KrbError.class);
        return ((KrbError) reply).getErrorCode();
    }
}
