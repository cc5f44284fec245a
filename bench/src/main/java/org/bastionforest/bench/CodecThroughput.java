package org.bastionforest.bench;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.kerby.asn1.type.Asn1Encodeable;
import org.apache.kerby.kerberos.kerb.KrbCodec;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.type.KerberosTime;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationDataEntry;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptedData;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.LastReq;
import org.apache.kerby.kerberos.kerb.type.base.LastReqEntry;
import org.apache.kerby.kerberos.kerb.type.base.LastReqType;
import org.apache.kerby.kerberos.kerb.type.base.NameType;
import org.apache.kerby.kerberos.kerb.type.base.PrincipalName;
import org.apache.kerby.kerberos.kerb.type.base.TransitedEncoding;
import org.apache.kerby.kerberos.kerb.type.base.TransitedEncodingType;
import org.apache.kerby.kerberos.kerb.type.kdc.AsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.AsReq;
import org.apache.kerby.kerberos.kerb.type.kdc.EncAsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOption;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOptions;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReqBody;
import org.apache.kerby.kerberos.kerb.type.pa.PaData;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataEntry;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataType;
import org.apache.kerby.kerberos.kerb.type.ticket.EncTicketPart;
import org.apache.kerby.kerberos.kerb.type.ticket.Ticket;
import org.apache.kerby.kerberos.kerb.type.ticket.TicketFlag;
import org.apache.kerby.kerberos.kerb.type.ticket.TicketFlags;
import org.bastionforest.kerberos.der.KdcCodec;

/**
 * The KDC's DER codec against Kerby's {@code KrbCodec} (its reference, and what the KDC used
 * before), on the messages of one AS exchange as the bastion KDC sees them: decoding the AS-REQ
 * (pre-authenticated, AES256), and building and encoding the EncTicketPart (with a PAC-sized
 * authorization data), the EncAsRepPart and the AS-REP, a new message each time (the building is
 * the same for both). Both codecs run alternately in rounds in one JVM; per round, nanoseconds per
 * message; the medians are compared.
 *
 * <pre>
 * java -cp "bench/target/classes:$(cat bench/target/classpath.txt)" \
 *     org.bastionforest.bench.CodecThroughput 20000 15
 * </pre>
 */
public final class CodecThroughput {
    private CodecThroughput() {}

    /** Per message: the median nanoseconds per operation of each codec over the rounds. */
    public record Row(
            String operation, int bytes, double kerbyNanos, double ownNanos, double buildNanos) {}

    /** The result. */
    public record Result(int iterations, int rounds, List<Row> rows) {
        /** A markdown table of the result. */
        public String markdown() {
            StringBuilder b = new StringBuilder();
            b.append(
                    String.format(
                            Locale.ROOT,
                            "| operation (%,d per round, %d rounds, medians) | bytes | Kerby"
                                    + " KrbCodec | KdcCodec | Kerby / KdcCodec | of which"
                                    + " building | encoding alone, Kerby / KdcCodec |%n"
                                    + "| --- | ---: | ---: | ---: | ---: | ---: | ---: |%n",
                            iterations,
                            rounds));
            for (Row r : rows) {
                b.append(
                        String.format(
                                Locale.ROOT,
                                "| %s | %,d | %,.0f ns | %,.0f ns | %.1f x | %s | %s |%n",
                                r.operation(),
                                r.bytes(),
                                r.kerbyNanos(),
                                r.ownNanos(),
                                r.kerbyNanos() / r.ownNanos(),
                                r.buildNanos() > 0
                                        ? String.format(Locale.ROOT, "%,.0f ns", r.buildNanos())
                                        : "",
                                r.buildNanos() > 0
                                        ? String.format(
                                                Locale.ROOT,
                                                "%.1f x",
                                                (r.kerbyNanos() - r.buildNanos())
                                                        / (r.ownNanos() - r.buildNanos()))
                                        : ""));
            }
            return b.toString();
        }
    }

    private interface Op {
        Object run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        System.out.print(run(iterations, rounds).markdown());
    }

    /** Runs {@code rounds} rounds of {@code iterations} operations per codec and message. */
    public static Result run(int iterations, int rounds) throws Exception {
        Random random = new Random(88);
        AsReq req = asReq(random);
        byte[] reqBytes = KrbCodec.encode(req);
        for (Asn1Encodeable m :
                List.of(encTicketPart(random), encAsRepPart(random), asRep(random))) {
            if (!Arrays.equals(KrbCodec.encode(m), KdcCodec.encode(m))) {
                throw new IllegalStateException("codecs differ on " + m.getClass().getSimpleName());
            }
        }
        List<Row> rows = new ArrayList<>();
        rows.add(
                measure(
                        "decode AS-REQ",
                        reqBytes.length,
                        iterations,
                        rounds,
                        () -> KrbCodec.decodeMessage(ByteBuffer.wrap(reqBytes)),
                        () -> KdcCodec.decodeRequest(reqBytes)));
        rows.add(
                encodeRow(
                        "build + encode EncTicketPart",
                        () -> encTicketPart(random),
                        iterations,
                        rounds));
        rows.add(
                encodeRow(
                        "build + encode EncAsRepPart",
                        () -> encAsRepPart(random),
                        iterations,
                        rounds));
        rows.add(encodeRow("build + encode AS-REP", () -> asRep(random), iterations, rounds));
        return new Result(iterations, rounds, rows);
    }

    /**
     * A new message for every encoding, built the same way for both codecs: Kerby keeps what it
     * encoded in the message's objects, so encoding one message again would measure its cache.
     */
    private static Row encodeRow(
            String name,
            java.util.function.Supplier<Asn1Encodeable> build,
            int iterations,
            int rounds)
            throws Exception {
        Row row =
                measure(
                        name,
                        KrbCodec.encode(build.get()).length,
                        iterations,
                        rounds,
                        () -> KrbCodec.encode(build.get()),
                        () -> KdcCodec.encode(build.get()));
        Row building = measure(name, 0, iterations, rounds, build::get, build::get);
        double buildNanos = (building.kerbyNanos() + building.ownNanos()) / 2;
        return new Row(name, row.bytes(), row.kerbyNanos(), row.ownNanos(), buildNanos);
    }

    private static Row measure(String name, int bytes, int iterations, int rounds, Op kerby, Op own)
            throws Exception {
        double[] k = new double[rounds];
        double[] o = new double[rounds];
        Object sink = null;
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                sink = kerby.run();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                sink = own.run();
            }
            long t2 = System.nanoTime();
            k[r] = (t1 - t0) / (double) iterations;
            o[r] = (t2 - t1) / (double) iterations;
        }
        if (sink == null) {
            throw new IllegalStateException("nothing produced");
        }
        return new Row(name, bytes, median(k), median(o), 0);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static final String REALM = "BASTION.EXAMPLE";

    private static PrincipalName krbtgt() {
        return new PrincipalName(List.of("krbtgt", REALM), NameType.NT_SRV_INST);
    }

    private static PrincipalName user() {
        return new PrincipalName(List.of("user0042"), NameType.NT_PRINCIPAL);
    }

    private static EncryptedData encrypted(Random r, int length, int kvno) {
        EncryptedData d = new EncryptedData();
        d.setEType(EncryptionType.AES256_CTS_HMAC_SHA1_96);
        if (kvno > 0) {
            d.setKvno(kvno);
        }
        byte[] cipher = new byte[length];
        r.nextBytes(cipher);
        d.setCipher(cipher);
        return d;
    }

    private static KerberosTime now(int plusSeconds) {
        return new KerberosTime((System.currentTimeMillis() / 1000 + plusSeconds) * 1000);
    }

    private static AsReq asReq(Random r) throws KrbException {
        AsReq req = new AsReq();
        KdcReqBody body = new KdcReqBody();
        KdcOptions options = new KdcOptions();
        options.setFlag(KdcOption.FORWARDABLE);
        options.setFlag(KdcOption.RENEWABLE_OK);
        body.setKdcOptions(options);
        body.setCname(user());
        body.setRealm(REALM);
        body.setSname(krbtgt());
        body.setTill(now(36_000));
        body.setNonce(r.nextInt(Integer.MAX_VALUE));
        body.setEtypes(
                List.of(
                        EncryptionType.AES256_CTS_HMAC_SHA1_96,
                        EncryptionType.AES128_CTS_HMAC_SHA1_96));
        req.setReqBody(body);
        PaData pa = new PaData();
        pa.addElement(
                new PaDataEntry(PaDataType.ENC_TIMESTAMP, KrbCodec.encode(encrypted(r, 56, 0))));
        pa.addElement(
                new PaDataEntry(
                        PaDataType.PAC_REQUEST,
                        new byte[] {0x30, 5, (byte) 0xa0, 3, 1, 1, (byte) 0xff}));
        req.setPaData(pa);
        return req;
    }

    private static TicketFlags flags() {
        TicketFlags f = new TicketFlags();
        f.setFlag(TicketFlag.INITIAL);
        f.setFlag(TicketFlag.PRE_AUTH);
        f.setFlag(TicketFlag.FORWARDABLE);
        return f;
    }

    private static EncryptionKey sessionKey(Random r) {
        byte[] k = new byte[32];
        r.nextBytes(k);
        return new EncryptionKey(EncryptionType.AES256_CTS_HMAC_SHA1_96, k);
    }

    private static EncTicketPart encTicketPart(Random r) {
        EncTicketPart p = new EncTicketPart();
        p.setFlags(flags());
        p.setKey(sessionKey(r));
        p.setCrealm(REALM);
        p.setCname(user());
        TransitedEncoding tr = new TransitedEncoding();
        tr.setTrType(TransitedEncodingType.DOMAIN_X500_COMPRESS);
        tr.setContents(new byte[0]);
        p.setTransited(tr);
        p.setAuthTime(now(0));
        p.setStartTime(now(0));
        p.setEndTime(now(3_600));
        byte[] pac = new byte[600];
        r.nextBytes(pac);
        AuthorizationData ad = new AuthorizationData();
        ad.addElement(new AuthorizationDataEntry(AuthorizationType.AD_IF_RELEVANT, pac));
        p.setAuthorizationData(ad);
        return p;
    }

    private static EncAsRepPart encAsRepPart(Random r) {
        EncAsRepPart p = new EncAsRepPart();
        p.setKey(sessionKey(r));
        LastReq lr = new LastReq();
        LastReqEntry e = new LastReqEntry();
        e.setLrType(LastReqType.NONE);
        e.setLrValue(now(0));
        lr.addElement(e);
        p.setLastReq(lr);
        p.setNonce(r.nextInt(Integer.MAX_VALUE));
        p.setFlags(flags());
        p.setAuthTime(now(0));
        p.setStartTime(now(0));
        p.setEndTime(now(3_600));
        p.setSrealm(REALM);
        p.setSname(krbtgt());
        return p;
    }

    private static AsRep asRep(Random r) {
        AsRep rep = new AsRep();
        PaData pa = new PaData();
        pa.addElement(new PaDataEntry(PaDataType.ETYPE_INFO2, new byte[40]));
        rep.setPaData(pa);
        rep.setCrealm(REALM);
        rep.setCname(user());
        Ticket t = new Ticket();
        t.setRealm(REALM);
        t.setSname(krbtgt());
        t.setEncryptedEncPart(encrypted(r, 900, 2));
        rep.setTicket(t);
        rep.setEncryptedEncPart(encrypted(r, 250, 1));
        return rep;
    }
}
