package org.bastionforest.kerberos.der;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.SimpleTimeZone;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.kerby.asn1.type.Asn1Encodeable;
import org.apache.kerby.kerberos.kerb.KrbCodec;
import org.apache.kerby.kerberos.kerb.KrbErrorCode;
import org.apache.kerby.kerberos.kerb.type.KerberosTime;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationDataEntry;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationType;
import org.apache.kerby.kerberos.kerb.type.ap.ApOptions;
import org.apache.kerby.kerberos.kerb.type.ap.ApReq;
import org.apache.kerby.kerberos.kerb.type.ap.Authenticator;
import org.apache.kerby.kerberos.kerb.type.base.CheckSum;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptedData;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.EtypeInfo2;
import org.apache.kerby.kerberos.kerb.type.base.EtypeInfo2Entry;
import org.apache.kerby.kerberos.kerb.type.base.HostAddrType;
import org.apache.kerby.kerberos.kerb.type.base.HostAddress;
import org.apache.kerby.kerberos.kerb.type.base.HostAddresses;
import org.apache.kerby.kerberos.kerb.type.base.KrbError;
import org.apache.kerby.kerberos.kerb.type.base.LastReq;
import org.apache.kerby.kerberos.kerb.type.base.LastReqEntry;
import org.apache.kerby.kerberos.kerb.type.base.LastReqType;
import org.apache.kerby.kerberos.kerb.type.base.MethodData;
import org.apache.kerby.kerberos.kerb.type.base.NameType;
import org.apache.kerby.kerberos.kerb.type.base.PrincipalName;
import org.apache.kerby.kerberos.kerb.type.base.TransitedEncoding;
import org.apache.kerby.kerberos.kerb.type.base.TransitedEncodingType;
import org.apache.kerby.kerberos.kerb.type.kdc.AsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.AsReq;
import org.apache.kerby.kerberos.kerb.type.kdc.EncAsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.EncKdcRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.EncTgsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOptions;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcRep;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReq;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReqBody;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsReq;
import org.apache.kerby.kerberos.kerb.type.pa.PaData;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataEntry;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataType;
import org.apache.kerby.kerberos.kerb.type.pa.PaEncTsEnc;
import org.apache.kerby.kerberos.kerb.type.ticket.EncTicketPart;
import org.apache.kerby.kerberos.kerb.type.ticket.Ticket;
import org.apache.kerby.kerberos.kerb.type.ticket.TicketFlags;
import org.apache.kerby.kerberos.kerb.type.ticket.Tickets;
import org.bastionforest.testsupport.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The KDC's codec against Kerby's: every message it encodes, built at random, must come out byte
 * for byte as {@code KrbCodec.encode} writes it; every message it decodes, written by Kerby, must
 * re-encode to the same bytes; mutated messages must decode to what Kerby decodes or be refused
 * with a {@link DerException}, never anything else; and each strictness rule is tried once.
 */
class KdcCodecTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final int ROUNDS = 2_000;

    // ------------------------------------------------------------- encoding against Kerby

    @Test
    void encode_whenRandomRepliesTicketsAndErrors_thenSameBytesAsKerby() throws Exception {
        Random r = new Random(4120);
        List<Function<Random, Asn1Encodeable>> makers =
                List.of(
                        KdcCodecTest::asRep,
                        KdcCodecTest::tgsRep,
                        KdcCodecTest::krbError,
                        x -> encKdcRepPart(x, new EncAsRepPart()),
                        x -> encKdcRepPart(x, new EncTgsRepPart()),
                        KdcCodecTest::encTicketPart,
                        KdcCodecTest::ticket,
                        KdcCodecTest::authorizationData,
                        KdcCodecTest::etypeInfo2,
                        KdcCodecTest::methodData);
        for (int i = 0; i < ROUNDS; i++) {
            for (Function<Random, Asn1Encodeable> make : makers) {
                Asn1Encodeable value = make.apply(r);
                byte[] kerby = KrbCodec.encode(value);
                assertThat(HEX.formatHex(KdcCodec.encode(value)))
                        .as("%s, round %d", value.getClass().getSimpleName(), i)
                        .isEqualTo(HEX.formatHex(kerby));
            }
        }
    }

    @Test
    void encode_whenLargeValue_thenLongFormLengthsAsKerby() throws Exception {
        Random r = new Random(1);
        EncTicketPart part = encTicketPart(r);
        AuthorizationData ad = new AuthorizationData();
        for (int size : new int[] {127, 128, 255, 256, 65_535, 65_536, 70_000}) {
            ad.addElement(
                    new AuthorizationDataEntry(AuthorizationType.AD_IF_RELEVANT, bytes(r, size)));
        }
        part.setAuthorizationData(ad);
        assertThat(KdcCodec.encode(part)).isEqualTo(KrbCodec.encode(part));
    }

    @Test
    void encode_whenTypeNotItsOwn_thenKerbyEncodes() throws Exception {
        PaEncTsEnc ts = new PaEncTsEnc();
        ts.setPaTimestamp(new KerberosTime(1_700_000_000_000L));
        assertThat(KdcCodec.encode(ts)).isEqualTo(KrbCodec.encode(ts));
    }

    // ------------------------------------------------------------- decoding Kerby's bytes

    @Test
    void decode_whenRandomRequestsWrittenByKerby_thenReEncodeToTheSameBytes() throws Exception {
        Random r = new Random(4121);
        for (int i = 0; i < ROUNDS; i++) {
            KdcReq req = i % 2 == 0 ? new AsReq() : new TgsReq();
            fillRequest(r, req);
            byte[] der = KrbCodec.encode(req);
            KdcReq decoded = KdcCodec.decodeRequest(der);
            assertThat(decoded).isInstanceOf(req.getClass());
            assertThat(HEX.formatHex(KrbCodec.encode(decoded)))
                    .as("round %d", i)
                    .isEqualTo(HEX.formatHex(der));
        }
    }

    @Test
    void reqBodyBytes_whenRequestsWrittenByKerby_thenTheBodyAsItArrived() throws Exception {
        Random r = new Random(4124);
        for (int i = 0; i < ROUNDS; i++) {
            KdcReq req = i % 2 == 0 ? new AsReq() : new TgsReq();
            fillRequest(r, req);
            assertThat(KdcCodec.reqBodyBytes(KrbCodec.encode(req)))
                    .isEqualTo(KrbCodec.encode(req.getReqBody()));
        }
        assertThatThrownBy(() -> KdcCodec.reqBodyBytes(KrbCodec.encode(apReq(r))))
                .isInstanceOf(DerException.class);
        byte[] noBody = der(0x6c, der(0x30, der(0xa1, der(0x02, new byte[] {5}))));
        assertThatThrownBy(() -> KdcCodec.reqBodyBytes(noBody)).isInstanceOf(DerException.class);
    }

    @Test
    void decode_whenRandomInnerTypesWrittenByKerby_thenReEncodeToTheSameBytes() throws Exception {
        Random r = new Random(4122);
        for (int i = 0; i < ROUNDS; i++) {
            for (Asn1Encodeable value :
                    List.of(
                            apReq(r),
                            authenticator(r),
                            encTicketPart(r),
                            paEncTsEnc(r),
                            encryptedData(r),
                            authorizationData(r))) {
                byte[] der = KrbCodec.encode(value);
                Object decoded = KdcCodec.decode(der, value.getClass());
                assertThat(HEX.formatHex(KrbCodec.encode((Asn1Encodeable) decoded)))
                        .as("%s, round %d", value.getClass().getSimpleName(), i)
                        .isEqualTo(HEX.formatHex(der));
            }
        }
    }

    /**
     * Bytes flipped, cut and inserted: either both codecs decode the same message, or ours refuses
     * with a DerException (it is stricter); nothing else is thrown. What ours accepts, Kerby's
     * encoder can write again (the handler copies request fields into tickets and errors).
     */
    @Test
    void decode_whenMutated_thenSameAsKerbyOrDerException() throws Exception {
        Random r = new Random(4123);
        int accepted = 0;
        int refused = 0;
        for (int i = 0; i < 20 * ROUNDS; i++) {
            KdcReq req = i % 2 == 0 ? new AsReq() : new TgsReq();
            fillRequest(r, req);
            byte[] der = mutate(r, KrbCodec.encode(req));
            KdcReq ours;
            try {
                ours = KdcCodec.decodeRequest(der);
            } catch (DerException e) {
                refused++;
                continue;
            }
            accepted++;
            byte[] again = KrbCodec.encode(ours);
            // what the handler copies from a request into errors and tickets, through our encoder
            KrbError echo = new KrbError();
            echo.setStime(new KerberosTime(0));
            echo.setErrorCode(KrbErrorCode.KDC_ERR_POLICY);
            echo.setRealm(ours.getReqBody().getRealm());
            echo.setCname(ours.getReqBody().getCname());
            echo.setSname(ours.getReqBody().getSname());
            assertThat(KdcCodec.encode(echo)).isEqualTo(KrbCodec.encode(echo));
            if (ours.getReqBody().getAddresses() != null) {
                EncTicketPart part = encTicketPart(r);
                part.setClientAddresses(ours.getReqBody().getAddresses());
                assertThat(KdcCodec.encode(part)).isEqualTo(KrbCodec.encode(part));
            }
            if (asciiOnly(der)) {
                assertThat(
                                HEX.formatHex(
                                        KrbCodec.encode(
                                                KrbCodec.decodeMessage(
                                                        java.nio.ByteBuffer.wrap(der)))))
                        .as("mutation %d", i)
                        .isEqualTo(HEX.formatHex(again));
            }
        }
        assertThat(accepted).as("mutations still decoded").isGreaterThan(100);
        assertThat(refused).as("mutations refused").isGreaterThan(100);
    }

    @Test
    void decode_whenTwentyThousandNestedValues_thenDerExceptionOnASmallStack() throws Exception {
        byte[] nested = new byte[0];
        for (int i = 0; i < 20_000; i++) {
            nested = der(0x30, nested);
        }
        byte[] message = der(0x6c, nested);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t =
                new Thread(
                        null,
                        () -> {
                            try {
                                KdcCodec.decodeRequest(message);
                            } catch (Throwable e) {
                                thrown.set(e);
                            }
                        },
                        "small-stack",
                        128 * 1024);
        t.start();
        t.join();
        assertThat(thrown.get()).isInstanceOf(DerException.class);
    }

    // ------------------------------------------------------------- strictness, one rule each

    @Test
    void decode_whenKerberosTimeHasFractionOrZoneOrBadDate_thenRefused() throws Exception {
        for (String bad :
                List.of(
                        "20261123120000.5Z",
                        "20261123120000+0100",
                        "20261123120000",
                        "20260230120000Z",
                        "20261323120000Z",
                        "20261123240000Z",
                        "20261123126000Z",
                        "2026112312000aZ",
                        "20261123120060Z")) {
            byte[] ts = der(0x30, der(0xa0, der(0x18, bad.getBytes(StandardCharsets.US_ASCII))));
            assertThatThrownBy(() -> KdcCodec.decode(ts, PaEncTsEnc.class))
                    .as(bad)
                    .isInstanceOf(DerException.class);
        }
        byte[] good =
                der(
                        0x30,
                        der(
                                0xa0,
                                der(0x18, "20240229235959Z".getBytes(StandardCharsets.US_ASCII))));
        assertThat(KdcCodec.decode(good, PaEncTsEnc.class).getPaTimestamp().getTime())
                .isEqualTo(1_709_251_199_000L);
    }

    @Test
    void time_whenAnyInstantFrom1970To9999_thenAsSimpleDateFormatAndBack() throws Exception {
        SimpleDateFormat f = new SimpleDateFormat("yyyyMMddHHmmss'Z'", Locale.US);
        f.setTimeZone(new SimpleTimeZone(0, "Z"));
        Random r = new Random(7);
        long max = 253_402_300_799_999L; // 9999-12-31T23:59:59.999Z
        for (int i = 0; i < 20_000; i++) {
            long millis =
                    i < 4
                            ? new long[] {0, 999, max, 951_782_400_000L}[i]
                            : (long) (r.nextDouble() * max);
            DerWriter w = new DerWriter(16);
            w.time(millis);
            byte[] der = w.toByteArray();
            assertThat(new String(der, 2, 15, StandardCharsets.US_ASCII))
                    .isEqualTo(f.format(new java.util.Date(millis)));
            assertThat(DerReader.of(der).time()).isEqualTo(millis - Math.floorMod(millis, 1000));
        }
        assertThatThrownBy(() -> new DerWriter(16).time(max + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void decode_whenIntegersEmptyOversizedOrOutOfRange_thenRefused() throws Exception {
        for (String bad : List.of("", "0100000000", "ff7fffffff", "010000000000")) {
            byte[] data = der(0x30, der(0xa0, der(0x02, HEX.parseHex(bad))), der(0xa2, der(0x04)));
            assertThatThrownBy(() -> KdcCodec.decode(data, EncryptedData.class))
                    .as(bad)
                    .isInstanceOf(DerException.class);
        }
        byte[] unsigned =
                der(
                        0x30,
                        der(0xa0, der(0x02, new byte[] {18})),
                        der(0xa1, der(0x02, HEX.parseHex("00ffffffff"))),
                        der(0xa2, der(0x04)));
        assertThat(KdcCodec.decode(unsigned, EncryptedData.class).getEType())
                .isEqualTo(EncryptionType.AES256_CTS_HMAC_SHA1_96);
    }

    @Test
    void decode_whenLengthsIndefiniteTruncatedOrTrailing_thenRefused() throws Exception {
        byte[] good = KrbCodec.encode(encryptedData(new Random(3)));
        byte[] indefinite = good.clone();
        indefinite[1] = (byte) 0x80;
        byte[] truncated = Arrays.copyOf(good, good.length - 1);
        byte[] trailing = Arrays.copyOf(good, good.length + 2);
        byte[] inner = good.clone();
        inner[1] = (byte) (inner[1] + 1);
        for (byte[] bad :
                List.of(indefinite, truncated, trailing, inner, new byte[0], new byte[] {0x30})) {
            assertThatThrownBy(() -> KdcCodec.decode(bad, EncryptedData.class))
                    .as(HEX.formatHex(bad))
                    .isInstanceOf(DerException.class);
        }
    }

    @Test
    void decode_whenLengthFieldsOutOfBounds_thenRefused() throws Exception {
        for (String bad :
                List.of(
                        "3084ffffffff",
                        "308480000000",
                        "3085000000000005",
                        "3080",
                        "30810a",
                        "3082",
                        "3f0100",
                        "30",
                        "30810ba003020112a2820005040100")) {
            assertThatThrownBy(() -> KdcCodec.decode(HEX.parseHex(bad), EncryptedData.class))
                    .as(bad)
                    .isInstanceOf(DerException.class);
        }
        byte[] longForm = HEX.parseHex("30810ea003020112a28200050481" + "02aabb");
        assertThat(KdcCodec.decode(longForm, EncryptedData.class).getCipher())
                .as("non-minimal lengths are read as their value")
                .containsExactly(0xaa, 0xbb);
    }

    @Test
    void decode_whenDataAfterTheSequenceInsideAnApplicationTag_thenRefused() throws Exception {
        AsReq req = new AsReq();
        fillRequest(new Random(9), req);
        byte[] der = KrbCodec.encode(req);
        byte[] sequence = DerReader.of(der).enter(0x6a).rawValue();
        assertThat(KdcCodec.decodeRequest(der(0x6a, sequence))).isNotNull();
        for (byte[] extra : List.of(new byte[] {0, 0}, der(0x30), new byte[] {0x30, 0x7f})) {
            byte[] bad = der(0x6a, sequence, extra);
            assertThatThrownBy(() -> KdcCodec.decodeRequest(bad))
                    .as(HEX.formatHex(extra))
                    .isInstanceOf(DerException.class);
        }
    }

    @Test
    void decode_whenNamesHoldControlCharactersSlashesOrTooMuch_thenRefused() throws Exception {
        byte[] a = "a".getBytes(StandardCharsets.US_ASCII);
        for (List<byte[]> bad :
                List.of(
                        List.of(new byte[] {'a', '\n', 'b'}),
                        List.of(new byte[] {'a', 0, 'b'}),
                        List.of(new byte[] {'a', 0x7f}),
                        List.of("HTTP/host".getBytes(StandardCharsets.US_ASCII)),
                        List.of(filled(513)),
                        java.util.Collections.nCopies(11, a))) {
            byte[] sname = name(bad);
            assertThatThrownBy(
                            () ->
                                    KdcCodec.decode(
                                            apReqWithTicket(ticketWithName(sname)), ApReq.class))
                    .isInstanceOf(DerException.class);
        }
        assertThat(nameStrings(name(java.util.Collections.nCopies(10, a)))).hasSize(10);
        assertThat(nameStrings(name(List.of(filled(512)))).get(0)).hasSize(512);
    }

    private static byte[] filled(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 'x');
        return b;
    }

    private static byte[] name(List<byte[]> components) {
        List<byte[]> strings = new ArrayList<>();
        for (byte[] c : components) {
            strings.add(der(0x1b, c));
        }
        return der(
                0x30,
                der(0xa0, der(0x02, new byte[] {1})),
                der(0xa1, der(0x30, strings.toArray(new byte[0][]))));
    }

    private static List<String> nameStrings(byte[] sname) throws DerException {
        return KdcCodec.decode(apReqWithTicket(ticketWithName(sname)), ApReq.class)
                .getTicket()
                .getSname()
                .getNameStrings();
    }

    @Test
    void decodeContainer_whenAdTypesUnknown_thenReadAsNone_butDecodeRefusesThem() throws Exception {
        byte[] ad =
                der(
                        0x30,
                        der(
                                0x30,
                                der(0xa0, der(0x02, new byte[] {0, (byte) 0x8d})),
                                der(0xa1, der(0x04, new byte[] {1}))));
        assertThat(KdcCodec.decodeContainer(ad).getElements())
                .extracting(AuthorizationDataEntry::getAuthzType)
                .containsExactly(AuthorizationType.NONE);
        assertThatThrownBy(() -> KdcCodec.decode(ad, AuthorizationData.class))
                .isInstanceOf(DerException.class)
                .hasMessageContaining("ad-type 141");
    }

    @Test
    void decode_whenFieldsOutOfOrderOrUnknown_thenRefused() throws Exception {
        byte[] etype = der(0xa0, der(0x02, new byte[] {18}));
        byte[] cipher = der(0xa2, der(0x04, new byte[] {1}));
        assertThat(KdcCodec.decode(der(0x30, etype, cipher), EncryptedData.class).getCipher())
                .containsExactly(1);
        for (byte[] bad :
                List.of(
                        der(0x30, cipher, etype),
                        der(0x30, etype, der(0xa3, der(0x02, new byte[] {1})), cipher),
                        der(0x30, etype, cipher, der(0xa3, der(0x02, new byte[] {1}))),
                        der(0x30, etype),
                        der(0x30, etype, etype, cipher),
                        der(
                                0x30,
                                der(0xa0, der(0x02, new byte[] {18}), der(0x02, new byte[] {1})),
                                cipher),
                        der(0x31, etype, cipher))) {
            assertThatThrownBy(() -> KdcCodec.decode(bad, EncryptedData.class))
                    .as(HEX.formatHex(bad))
                    .isInstanceOf(DerException.class);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"00000000", "000000000000", "0700000000", "0800000000", ""})
    void decode_whenKdcOptionsNot32Bits_thenRefused(String bits) throws Exception {
        assertThat(
                        KdcCodec.decodeRequest(
                                request(der(0x03, HEX.parseHex("0040000000")), etypes(18))))
                .as("32 bits")
                .isNotNull();
        byte[] bad = request(der(0x03, HEX.parseHex(bits)), etypes(18));
        assertThatThrownBy(() -> KdcCodec.decodeRequest(bad)).isInstanceOf(DerException.class);
    }

    @Test
    void decode_whenStringIsNotAscii_thenRefused() throws Exception {
        for (byte[] name :
                List.of("jürgen".getBytes(StandardCharsets.UTF_8), new byte[] {'j', (byte) 0xfc})) {
            byte[] sname =
                    der(
                            0x30,
                            der(0xa0, der(0x02, new byte[] {1})),
                            der(0xa1, der(0x30, der(0x1b, name))));
            assertThatThrownBy(
                            () ->
                                    KdcCodec.decode(
                                            apReqWithTicket(ticketWithName(sname)), ApReq.class))
                    .isInstanceOf(DerException.class)
                    .hasMessageContaining("ASCII");
        }
        byte[] ascii =
                der(
                        0x30,
                        der(0xa0, der(0x02, new byte[] {1})),
                        der(
                                0xa1,
                                der(
                                        0x30,
                                        der(0x1b, "juergen".getBytes(StandardCharsets.US_ASCII)))));
        ApReq ap = KdcCodec.decode(apReqWithTicket(ticketWithName(ascii)), ApReq.class);
        assertThat(ap.getTicket().getSname().getNameStrings()).containsExactly("juergen");
        assertThat(KdcCodec.encode(ap.getTicket())).isEqualTo(ticketWithName(ascii));
    }

    @Test
    void decode_whenMsgTypeOrVersionWrong_thenRefused() throws Exception {
        AsReq req = new AsReq();
        fillRequest(new Random(6), req);
        byte[] der = KrbCodec.encode(req);
        byte[] msgType = {(byte) 0xa2, 3, 2, 1, 10};
        int at = Bytes.indexOf(der, msgType);
        byte[] wrongType = der.clone();
        wrongType[at + 4] = 12;
        assertThatThrownBy(() -> KdcCodec.decodeRequest(wrongType))
                .isInstanceOf(DerException.class)
                .matches(e -> !((DerException) e).badVersion());
        byte[] pvno = {(byte) 0xa1, 3, 2, 1, 5};
        byte[] wrongVersion = der.clone();
        wrongVersion[Bytes.indexOf(der, pvno) + 4] = 4;
        assertThatThrownBy(() -> KdcCodec.decodeRequest(wrongVersion))
                .isInstanceOf(DerException.class)
                .matches(e -> ((DerException) e).badVersion());
        byte[] apRep = der.clone();
        apRep[0] = 0x6f;
        assertThatThrownBy(() -> KdcCodec.decodeRequest(apRep)).isInstanceOf(DerException.class);
    }

    @Test
    void decode_whenTypesCopiedIntoTicketsAreUnknown_thenRefused_andComparedOnesMapped()
            throws Exception {
        byte[] options = der(0x03, HEX.parseHex("0040000000"));
        byte[] address =
                der(
                        0x30,
                        der(0xa0, der(0x02, new byte[] {99})),
                        der(0xa1, der(0x04, new byte[] {1, 2, 3, 4})));
        byte[] withAddress = request(options, concat(etypes(18), der(0xa9, der(0x30, address))));
        assertThatThrownBy(() -> KdcCodec.decodeRequest(withAddress))
                .isInstanceOf(DerException.class)
                .hasMessageContaining("addr-type");
        byte[] inet =
                der(
                        0x30,
                        der(0xa0, der(0x02, new byte[] {2})),
                        der(0xa1, der(0x04, new byte[] {1, 2, 3, 4})));
        assertThat(
                        KdcCodec.decodeRequest(
                                        request(
                                                options,
                                                concat(etypes(18), der(0xa9, der(0x30, inet)))))
                                .getReqBody()
                                .getAddresses()
                                .getElements())
                .extracting(HostAddress::getAddrType)
                .containsExactly(HostAddrType.ADDRTYPE_INET);
        assertThat(
                        KdcCodec.decodeRequest(request(options, etypes(18, -128)))
                                .getReqBody()
                                .getEtypes())
                .containsExactly(EncryptionType.AES256_CTS_HMAC_SHA1_96, EncryptionType.NONE);
    }

    /** An AS-REQ for alice@R, krbtgt/R@R, with these kdc-options and the fields from etype on. */
    private static byte[] request(byte[] options, byte[] etypeOn) {
        byte[] realm = der(0x1b, "R".getBytes(StandardCharsets.US_ASCII));
        byte[] body =
                der(
                        0x30,
                        der(0xa0, options),
                        der(
                                0xa1,
                                der(
                                        0x30,
                                        der(0xa0, der(0x02, new byte[] {1})),
                                        der(
                                                0xa1,
                                                der(
                                                        0x30,
                                                        der(
                                                                0x1b,
                                                                "alice"
                                                                        .getBytes(
                                                                                StandardCharsets
                                                                                        .US_ASCII)))))),
                        der(0xa2, realm),
                        der(
                                0xa3,
                                der(
                                        0x30,
                                        der(0xa0, der(0x02, new byte[] {2})),
                                        der(
                                                0xa1,
                                                der(
                                                        0x30,
                                                        der(
                                                                0x1b,
                                                                "krbtgt"
                                                                        .getBytes(
                                                                                StandardCharsets
                                                                                        .US_ASCII)),
                                                        realm)))),
                        der(0xa5, der(0x18, "20371231000000Z".getBytes(StandardCharsets.US_ASCII))),
                        der(0xa7, der(0x02, new byte[] {7})),
                        etypeOn);
        return der(
                0x6a,
                der(
                        0x30,
                        der(0xa1, der(0x02, new byte[] {5})),
                        der(0xa2, der(0x02, new byte[] {10})),
                        der(0xa4, body)));
    }

    private static byte[] etypes(int... types) {
        List<byte[]> ints = new ArrayList<>();
        for (int t : types) {
            DerWriter w = new DerWriter(8);
            w.int32(t);
            ints.add(w.toByteArray());
        }
        return der(0xa8, der(0x30, ints.toArray(new byte[0][])));
    }

    // ------------------------------------------------------------- random Kerby values

    private static final EncryptionType[] ETYPES = {
        EncryptionType.AES256_CTS_HMAC_SHA1_96,
        EncryptionType.AES128_CTS_HMAC_SHA1_96,
        EncryptionType.ARCFOUR_HMAC,
        EncryptionType.CAMELLIA256_CTS_CMAC
    };

    private static String ascii(Random r) {
        int n = r.nextInt(12);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            char c = (char) (0x20 + r.nextInt(0x5f));
            b.append(c == '/' ? '.' : c);
        }
        return b.toString();
    }

    private static byte[] bytes(Random r, int max) {
        byte[] b = new byte[r.nextInt(max + 1)];
        r.nextBytes(b);
        return b;
    }

    private static KerberosTime time(Random r) {
        return new KerberosTime(Math.floorMod(r.nextLong(), 4_102_444_800_000L) / 1000 * 1000);
    }

    private static int int32(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> r.nextInt(128);
            case 1 -> r.nextInt();
            case 2 ->
                    new int[] {0, 127, 128, 255, 256, Integer.MAX_VALUE, Integer.MIN_VALUE, -2, -1}
                            [r.nextInt(9)];
            default -> r.nextInt(100_000);
        };
    }

    /** Kerby's getters report an absent optional integer as -1, so -1 is not generated. */
    private static int notMinusOne(Random r) {
        int v = int32(r);
        return v == -1 ? 0 : v;
    }

    private static PrincipalName principal(Random r) {
        NameType[] types = {
            NameType.NT_PRINCIPAL, NameType.NT_SRV_INST, NameType.NT_ENTERPRISE, NameType.NT_UNKNOWN
        };
        List<String> names = new ArrayList<>();
        for (int i = r.nextInt(5); i > 0; i--) {
            names.add(ascii(r));
        }
        return new PrincipalName(names, types[r.nextInt(types.length)]);
    }

    private static EncryptedData encryptedData(Random r) {
        EncryptedData d = new EncryptedData();
        d.setEType(ETYPES[r.nextInt(ETYPES.length)]);
        if (r.nextBoolean()) {
            d.setKvno(notMinusOne(r));
        }
        d.setCipher(bytes(r, 300));
        return d;
    }

    private static EncryptionKey key(Random r) {
        return new EncryptionKey(ETYPES[r.nextInt(ETYPES.length)], bytes(r, 32));
    }

    private static HostAddresses addresses(Random r) {
        HostAddrType[] types = {
            HostAddrType.ADDRTYPE_INET, HostAddrType.ADDRTYPE_INET6, HostAddrType.ADDRTYPE_NETBIOS
        };
        HostAddresses a = new HostAddresses();
        for (int i = r.nextInt(4); i > 0; i--) {
            HostAddress h = new HostAddress();
            h.setAddrType(types[r.nextInt(types.length)]);
            h.setAddress(bytes(r, 16));
            a.addElement(h);
        }
        return a;
    }

    private static AuthorizationData authorizationData(Random r) {
        AuthorizationType[] types = {
            AuthorizationType.AD_IF_RELEVANT,
            AuthorizationType.AD_WIN2K_PAC,
            AuthorizationType.AD_KDC_ISSUED
        };
        AuthorizationData ad = new AuthorizationData();
        for (int i = r.nextInt(4); i > 0; i--) {
            ad.addElement(
                    new AuthorizationDataEntry(types[r.nextInt(types.length)], bytes(r, 200)));
        }
        return ad;
    }

    private static Ticket ticket(Random r) {
        Ticket t = new Ticket();
        t.setRealm(ascii(r));
        t.setSname(principal(r));
        t.setEncryptedEncPart(encryptedData(r));
        return t;
    }

    private static EncTicketPart encTicketPart(Random r) {
        EncTicketPart p = new EncTicketPart();
        p.setFlags(new TicketFlags(r.nextInt()));
        p.setKey(key(r));
        p.setCrealm(ascii(r));
        p.setCname(principal(r));
        TransitedEncoding tr = new TransitedEncoding();
        tr.setTrType(TransitedEncodingType.DOMAIN_X500_COMPRESS);
        tr.setContents(bytes(r, 8));
        p.setTransited(tr);
        p.setAuthTime(time(r));
        if (r.nextBoolean()) {
            p.setStartTime(time(r));
        }
        p.setEndTime(time(r));
        if (r.nextBoolean()) {
            p.setRenewtill(time(r));
        }
        if (r.nextBoolean()) {
            p.setClientAddresses(addresses(r));
        }
        if (r.nextBoolean()) {
            p.setAuthorizationData(authorizationData(r));
        }
        return p;
    }

    private static EncKdcRepPart encKdcRepPart(Random r, EncKdcRepPart p) {
        p.setKey(key(r));
        LastReq lr = new LastReq();
        LastReqEntry e = new LastReqEntry();
        e.setLrType(LastReqType.NONE);
        e.setLrValue(time(r));
        lr.addElement(e);
        p.setLastReq(lr);
        p.setNonce(int32(r)); // required: -1 too
        if (r.nextBoolean()) {
            p.setKeyExpiration(time(r));
        }
        p.setFlags(new TicketFlags(r.nextInt()));
        p.setAuthTime(time(r));
        if (r.nextBoolean()) {
            p.setStartTime(time(r));
        }
        p.setEndTime(time(r));
        if (r.nextBoolean()) {
            p.setRenewTill(time(r));
        }
        p.setSrealm(ascii(r));
        p.setSname(principal(r));
        if (r.nextBoolean()) {
            p.setCaddr(addresses(r));
        }
        return p;
    }

    private static KdcRep kdcRep(Random r, KdcRep rep) {
        if (r.nextBoolean()) {
            PaData pa = new PaData();
            pa.addElement(new PaDataEntry(PaDataType.ETYPE_INFO2, bytes(r, 40)));
            rep.setPaData(pa);
        }
        rep.setCrealm(ascii(r));
        rep.setCname(principal(r));
        rep.setTicket(ticket(r));
        rep.setEncryptedEncPart(encryptedData(r));
        return rep;
    }

    private static AsRep asRep(Random r) {
        return (AsRep) kdcRep(r, new AsRep());
    }

    private static TgsRep tgsRep(Random r) {
        return (TgsRep) kdcRep(r, new TgsRep());
    }

    private static KrbError krbError(Random r) {
        KrbError e = new KrbError();
        if (r.nextBoolean()) {
            e.setCtime(time(r));
            e.setCusec(r.nextInt(1_000_000));
        }
        e.setStime(time(r));
        e.setSusec(r.nextInt(1_000_000));
        KrbErrorCode[] codes = KrbErrorCode.values();
        e.setErrorCode(codes[r.nextInt(codes.length)]);
        if (r.nextBoolean()) {
            e.setCrealm(ascii(r));
            e.setCname(principal(r));
        }
        e.setRealm(ascii(r));
        e.setSname(principal(r));
        if (r.nextBoolean()) {
            e.setEtext(ascii(r));
        }
        if (r.nextBoolean()) {
            e.setEdata(bytes(r, 100));
        }
        return e;
    }

    private static EtypeInfo2 etypeInfo2(Random r) {
        EtypeInfo2 info = new EtypeInfo2();
        for (int i = r.nextInt(4); i > 0; i--) {
            EtypeInfo2Entry e = new EtypeInfo2Entry();
            e.setEtype(ETYPES[r.nextInt(ETYPES.length)]);
            if (r.nextBoolean()) {
                e.setSalt(ascii(r));
            }
            if (r.nextBoolean()) {
                e.setS2kParams(bytes(r, 4));
            }
            info.add(e);
        }
        return info;
    }

    private static MethodData methodData(Random r) {
        MethodData m = new MethodData();
        m.add(new PaDataEntry(PaDataType.ENC_TIMESTAMP, new byte[0]));
        m.add(new PaDataEntry(PaDataType.ETYPE_INFO2, bytes(r, 50)));
        return m;
    }

    private static PaEncTsEnc paEncTsEnc(Random r) {
        PaEncTsEnc ts = new PaEncTsEnc();
        ts.setPaTimestamp(time(r));
        if (r.nextBoolean()) {
            ts.setPaUsec(r.nextInt(1_000_000));
        }
        return ts;
    }

    private static ApReq apReq(Random r) {
        ApReq ap = new ApReq();
        ap.setApOptions(new ApOptions(r.nextInt()));
        ap.setTicket(ticket(r));
        ap.setEncryptedAuthenticator(encryptedData(r));
        return ap;
    }

    private static Authenticator authenticator(Random r) {
        Authenticator a = new Authenticator();
        a.setAuthenticatorVno(5);
        a.setCrealm(ascii(r));
        a.setCname(principal(r));
        if (r.nextBoolean()) {
            a.setCksum(new CheckSum(CheckSumType.HMAC_SHA1_96_AES256, bytes(r, 12)));
        }
        a.setCusec(r.nextInt(1_000_000));
        a.setCtime(time(r));
        if (r.nextBoolean()) {
            a.setSubKey(key(r));
        }
        if (r.nextBoolean()) {
            a.setSeqNumber(notMinusOne(r));
        }
        if (r.nextBoolean()) {
            a.setAuthorizationData(authorizationData(r));
        }
        return a;
    }

    private static void fillRequest(Random r, KdcReq req) {
        if (r.nextInt(4) > 0) {
            PaData pa = new PaData();
            for (int i = r.nextInt(3); i >= 0; i--) {
                PaDataType[] types = {
                    PaDataType.ENC_TIMESTAMP, PaDataType.TGS_REQ, PaDataType.PAC_REQUEST
                };
                pa.addElement(new PaDataEntry(types[r.nextInt(types.length)], bytes(r, 60)));
            }
            req.setPaData(pa);
        }
        KdcReqBody body = new KdcReqBody();
        body.setKdcOptions(new KdcOptions(r.nextInt()));
        if (r.nextBoolean()) {
            body.setCname(principal(r));
        }
        body.setRealm(ascii(r));
        if (r.nextInt(5) > 0) {
            body.setSname(principal(r));
        }
        if (r.nextInt(4) == 0) {
            body.setFrom(time(r));
        }
        body.setTill(time(r));
        if (r.nextBoolean()) {
            body.setRtime(time(r));
        }
        body.setNonce(int32(r));
        List<EncryptionType> etypes = new ArrayList<>();
        for (int i = r.nextInt(4); i >= 0; i--) {
            etypes.add(ETYPES[r.nextInt(ETYPES.length)]);
        }
        body.setEtypes(etypes);
        if (r.nextInt(4) == 0) {
            body.setAddresses(addresses(r));
        }
        if (r.nextInt(4) == 0) {
            body.setEncryptedAuthorizationData(encryptedData(r));
        }
        if (r.nextInt(6) == 0) {
            Tickets t = new Tickets();
            t.addElement(ticket(r));
            body.setAdditionalTickets(t);
        }
        req.setReqBody(body);
    }

    // ------------------------------------------------------------- DER helpers

    static byte[] der(int tag, byte[]... contents) {
        byte[] body = concat(contents);
        DerWriter w = new DerWriter(body.length + 8);
        int m = w.length();
        w.bytes(body);
        w.wrap(tag, m);
        return w.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static byte[] mutate(Random r, byte[] der) {
        byte[] b = der.clone();
        switch (r.nextInt(4)) {
            case 0 -> b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            case 1 -> b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length));
            default -> {
                int at = r.nextInt(b.length);
                b =
                        concat(
                                Arrays.copyOfRange(b, 0, at),
                                new byte[] {(byte) r.nextInt(256)},
                                Arrays.copyOfRange(b, at, b.length));
            }
        }
        return b;
    }

    private static boolean asciiOnly(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ticketWithName(byte[] sname) {
        return der(
                0x61,
                der(
                        0x30,
                        der(0xa0, der(0x02, new byte[] {5})),
                        der(0xa1, der(0x1b, "R".getBytes(StandardCharsets.US_ASCII))),
                        der(0xa2, sname),
                        der(
                                0xa3,
                                der(
                                        0x30,
                                        der(0xa0, der(0x02, new byte[] {18})),
                                        der(0xa2, der(0x04, new byte[] {1}))))));
    }

    private static byte[] apReqWithTicket(byte[] ticket) {
        return der(
                0x6e,
                der(
                        0x30,
                        der(0xa0, der(0x02, new byte[] {5})),
                        der(0xa1, der(0x02, new byte[] {14})),
                        der(0xa2, der(0x03, new byte[] {0, 0, 0, 0, 0})),
                        der(0xa3, ticket),
                        der(
                                0xa4,
                                der(
                                        0x30,
                                        der(0xa0, der(0x02, new byte[] {18})),
                                        der(0xa2, der(0x04, new byte[] {1}))))));
    }
}
