package org.bastionforest.kerberos.der;

import java.util.ArrayList;
import java.util.List;
import org.apache.kerby.asn1.EnumType;
import org.apache.kerby.asn1.type.Asn1Encodeable;
import org.apache.kerby.asn1.type.Asn1Flags;
import org.apache.kerby.kerberos.kerb.KrbCodec;
import org.apache.kerby.kerberos.kerb.KrbException;
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
import org.apache.kerby.kerberos.kerb.type.base.KrbMessageType;
import org.apache.kerby.kerberos.kerb.type.base.LastReqEntry;
import org.apache.kerby.kerberos.kerb.type.base.MethodData;
import org.apache.kerby.kerberos.kerb.type.base.NameType;
import org.apache.kerby.kerberos.kerb.type.base.PrincipalName;
import org.apache.kerby.kerberos.kerb.type.base.TransitedEncoding;
import org.apache.kerby.kerberos.kerb.type.base.TransitedEncodingType;
import org.apache.kerby.kerberos.kerb.type.kdc.AsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.AsReq;
import org.apache.kerby.kerberos.kerb.type.kdc.EncAsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.EncKdcRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOptions;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcRep;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReq;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReqBody;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsReq;
import org.apache.kerby.kerberos.kerb.type.pa.PaData;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataEntry;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataType;
import org.apache.kerby.kerberos.kerb.type.pa.PaEncTsEnc;
import org.apache.kerby.kerberos.kerb.type.ticket.EncTicketPart;
import org.apache.kerby.kerberos.kerb.type.ticket.Ticket;
import org.apache.kerby.kerberos.kerb.type.ticket.TicketFlags;
import org.apache.kerby.kerberos.kerb.type.ticket.Tickets;

/**
 * The KDC's DER codec for the messages it reads and writes on every request (RFC 4120 section 5),
 * in Kerby's message types: Kerby's own codec builds a parse tree and reflects on field tables for
 * every value and formats every time with a new {@code SimpleDateFormat}, which made it a third of
 * the KDC's Java time. Stateless and thread-safe.
 *
 * <p><b>Decoding</b> is strict where Kerby is lenient, and refuses with a {@link DerException}:
 * definite lengths only (a non-minimal length or INTEGER is read as its value), fields in tag order
 * and no unknown fields, no data after a value, KerberosTime exactly {@code YYYYMMDDHHMMSSZ} (RFC
 * 4120 5.2.3; Kerby also takes fractions and zones), INTEGERs of 1 to 5 bytes between -2^31 and
 * 2^32-1 (Kerby truncates larger ones), KerberosFlags of exactly 32 bits, strings of printable
 * ASCII up to 512 bytes (Kerby's string types hold ASCII only), principal names of at most ten
 * components without a '/' inside one, protocol version 5, msg-types that match the application
 * tag, address and authorization-data types Kerby knows (they are copied into tickets, and Kerby's
 * types could not carry another value through). Unknown etypes, checksum types, pre-authentication
 * types and an authenticator's ad-types decode as Kerby's {@code NONE}: they are compared or
 * ignored, never copied. An unknown name type decodes as {@code NT_UNKNOWN}, which is what a client
 * name copied into a ticket then carries. The decoder follows the message structure and never
 * recurses on the input, so no input can exhaust the stack.
 *
 * <p><b>Encoding</b> gives the bytes Kerby's {@code KrbCodec.encode} gives for the same object
 * (KdcCodecTest compares them): absent optional fields are left out, an optional integer whose
 * Kerby getter reports -1 counts as absent. Types it does not know go to Kerby's codec.
 *
 * <pre>{@code
 * KrbMessage request = KdcCodec.decodeRequest(bytes); // an AsReq or a TgsReq
 * byte[] reply = KdcCodec.encode(asRep);
 * }</pre>
 */
public final class KdcCodec {
    /** Components of one principal name (Windows and MIT names have one to three). */
    static final int MAX_NAME_COMPONENTS = 10;

    private KdcCodec() {}

    // ------------------------------------------------------------------ decoding

    /**
     * An AS-REQ or TGS-REQ.
     *
     * @throws DerException if it is neither, or not the DER of one; {@link
     *     DerException#badVersion()} if only its pvno is not 5
     */
    public static KdcReq decodeRequest(byte[] der) throws DerException {
        DerReader top = DerReader.of(der);
        int tag = top.peek();
        KdcReq req;
        KrbMessageType type;
        if (tag == 0x6a) {
            req = new AsReq();
            type = KrbMessageType.AS_REQ;
        } else if (tag == 0x6c) {
            req = new TgsReq();
            type = KrbMessageType.TGS_REQ;
        } else {
            throw new DerException("not a KDC request");
        }
        DerReader s = one(top.enter(tag), DerWriter.SEQUENCE);
        top.done();
        int pvno = s.explicit(1).int32();
        int msgType = s.explicit(2).int32();
        if (msgType != type.getValue()) {
            throw new DerException("msg-type does not match the message");
        }
        if (s.at(0xa3)) {
            req.setPaData(paData(s.explicit(3)));
        }
        req.setReqBody(reqBody(s.explicit(4)));
        s.done();
        if (pvno != 5) {
            throw DerException.version();
        }
        return req;
    }

    /**
     * The req-body of a KDC-REQ exactly as its bytes arrived (the whole KDC-REQ-BODY TLV): a TGS
     * request's checksum covers those bytes, which a re-encoding need not reproduce.
     *
     * @throws DerException if {@code der} is not a KDC-REQ with a req-body
     */
    public static byte[] reqBodyBytes(byte[] der) throws DerException {
        DerReader top = DerReader.of(der);
        int tag = top.peek();
        if (tag != 0x6a && tag != 0x6c) {
            throw new DerException("not a KDC request");
        }
        DerReader s = one(top.enter(tag), DerWriter.SEQUENCE);
        while (!s.at(0xa4)) {
            s.rawValue(); // pvno, msg-type, padata
        }
        DerReader body = s.explicit(4);
        byte[] bytes = body.rawValue();
        body.done();
        return bytes;
    }

    /**
     * One of the types the KDC reads inside requests and tickets: {@link ApReq}, {@link
     * Authenticator}, {@link EncTicketPart}, {@link PaEncTsEnc}, {@link EncryptedData}, {@link
     * AuthorizationData}.
     */
    public static <T> T decode(byte[] der, Class<T> type) throws DerException {
        DerReader r = DerReader.of(der);
        Object value;
        if (type == ApReq.class) {
            value = apReq(r);
        } else if (type == Authenticator.class) {
            value = authenticator(r);
        } else if (type == EncTicketPart.class) {
            value = encTicketPart(r);
        } else if (type == PaEncTsEnc.class) {
            value = paEncTsEnc(r);
        } else if (type == EncryptedData.class) {
            value = encryptedData(r);
        } else if (type == AuthorizationData.class) {
            value = authorizationData(r, true);
        } else {
            throw new IllegalArgumentException("KdcCodec does not decode " + type.getSimpleName());
        }
        r.done();
        return type.cast(value);
    }

    /**
     * The entries of an authorization-data container (the contents of AD-IF-RELEVANT), read only to
     * be inspected: ad-types Kerby does not know read as {@code NONE}.
     */
    public static AuthorizationData decodeContainer(byte[] der) throws DerException {
        DerReader r = DerReader.of(der);
        AuthorizationData ad = authorizationData(r, false);
        r.done();
        return ad;
    }

    /** Whether {@link #decode} reads {@code type}. */
    public static boolean decodes(Class<?> type) {
        return type == ApReq.class
                || type == Authenticator.class
                || type == EncTicketPart.class
                || type == PaEncTsEnc.class
                || type == EncryptedData.class
                || type == AuthorizationData.class;
    }

    private static KdcReqBody reqBody(DerReader outer) throws DerException {
        DerReader s = outer.enter(DerWriter.SEQUENCE);
        outer.done();
        KdcReqBody body = new KdcReqBody();
        body.setKdcOptions(new KdcOptions(flags(s.explicit(0))));
        if (s.at(0xa1)) {
            body.setCname(principalName(s.explicit(1)));
        }
        body.setRealm(string(s.explicit(2)));
        if (s.at(0xa3)) {
            body.setSname(principalName(s.explicit(3)));
        }
        if (s.at(0xa4)) {
            body.setFrom(time(s.explicit(4)));
        }
        body.setTill(time(s.explicit(5)));
        if (s.at(0xa6)) {
            body.setRtime(time(s.explicit(6)));
        }
        body.setNonce(int32(s.explicit(7)));
        DerReader etypes = one(s.explicit(8), DerWriter.SEQUENCE);
        List<EncryptionType> list = new ArrayList<>();
        while (etypes.hasMore()) {
            list.add(EncryptionType.fromValue(etypes.int32()));
        }
        body.setEtypes(list);
        if (s.at(0xa9)) {
            body.setAddresses(hostAddresses(s.explicit(9)));
        }
        if (s.at(0xaa)) {
            body.setEncryptedAuthorizationData(encryptedData(s.explicit(10)));
        }
        if (s.at(0xab)) {
            DerReader tickets = one(s.explicit(11), DerWriter.SEQUENCE);
            Tickets t = new Tickets();
            while (tickets.hasMore()) {
                t.addElement(ticket(tickets));
            }
            body.setAdditionalTickets(t);
        }
        s.done();
        return body;
    }

    private static PaData paData(DerReader outer) throws DerException {
        DerReader s = one(outer, DerWriter.SEQUENCE);
        PaData pa = new PaData();
        while (s.hasMore()) {
            DerReader e = s.enter(DerWriter.SEQUENCE);
            PaDataEntry entry = new PaDataEntry();
            entry.setPaDataType(PaDataType.fromValue(int32(e.explicit(1))));
            entry.setPaDataValue(octets(e.explicit(2)));
            e.done();
            pa.addElement(entry);
        }
        return pa;
    }

    private static ApReq apReq(DerReader r) throws DerException {
        DerReader s = one(r.enter(0x6e), DerWriter.SEQUENCE);
        int pvno = int32(s.explicit(0));
        if (int32(s.explicit(1)) != KrbMessageType.AP_REQ.getValue()) {
            throw new DerException("msg-type does not match the message");
        }
        ApReq ap = new ApReq();
        ap.setApOptions(new ApOptions(flags(s.explicit(2))));
        DerReader t = s.explicit(3);
        ap.setTicket(ticket(t));
        t.done();
        ap.setEncryptedAuthenticator(encryptedData(s.explicit(4)));
        s.done();
        if (pvno != 5) {
            throw DerException.version();
        }
        return ap;
    }

    private static Ticket ticket(DerReader r) throws DerException {
        DerReader s = one(r.enter(0x61), DerWriter.SEQUENCE);
        Ticket t = new Ticket();
        t.setTktKvno(int32(s.explicit(0)));
        t.setRealm(string(s.explicit(1)));
        t.setSname(principalName(s.explicit(2)));
        t.setEncryptedEncPart(encryptedData(s.explicit(3)));
        s.done();
        return t;
    }

    private static Authenticator authenticator(DerReader r) throws DerException {
        DerReader s = one(r.enter(0x62), DerWriter.SEQUENCE);
        Authenticator a = new Authenticator();
        a.setAuthenticatorVno(int32(s.explicit(0)));
        a.setCrealm(string(s.explicit(1)));
        a.setCname(principalName(s.explicit(2)));
        if (s.at(0xa3)) {
            DerReader c = one(s.explicit(3), DerWriter.SEQUENCE);
            CheckSum sum = new CheckSum();
            sum.setCksumtype(CheckSumType.fromValue(int32(c.explicit(0))));
            sum.setChecksum(octets(c.explicit(1)));
            c.done();
            a.setCksum(sum);
        }
        a.setCusec(int32(s.explicit(4)));
        a.setCtime(time(s.explicit(5)));
        if (s.at(0xa6)) {
            a.setSubKey(encryptionKey(s.explicit(6)));
        }
        if (s.at(0xa7)) {
            a.setSeqNumber(int32(s.explicit(7)));
        }
        if (s.at(0xa8)) {
            a.setAuthorizationData(authorizationData(s.explicit(8), false));
        }
        s.done();
        return a;
    }

    private static EncTicketPart encTicketPart(DerReader r) throws DerException {
        DerReader s = one(r.enter(0x63), DerWriter.SEQUENCE);
        EncTicketPart p = new EncTicketPart();
        p.setFlags(new TicketFlags(flags(s.explicit(0))));
        p.setKey(encryptionKey(s.explicit(1)));
        p.setCrealm(string(s.explicit(2)));
        p.setCname(principalName(s.explicit(3)));
        DerReader tr = one(s.explicit(4), DerWriter.SEQUENCE);
        TransitedEncoding transited = new TransitedEncoding();
        transited.setTrType(
                known(TransitedEncodingType::fromValue, int32(tr.explicit(0)), "tr-type"));
        transited.setContents(octets(tr.explicit(1)));
        tr.done();
        p.setTransited(transited);
        p.setAuthTime(time(s.explicit(5)));
        if (s.at(0xa6)) {
            p.setStartTime(time(s.explicit(6)));
        }
        p.setEndTime(time(s.explicit(7)));
        if (s.at(0xa8)) {
            p.setRenewtill(time(s.explicit(8)));
        }
        if (s.at(0xa9)) {
            p.setClientAddresses(hostAddresses(s.explicit(9)));
        }
        if (s.at(0xaa)) {
            p.setAuthorizationData(authorizationData(s.explicit(10), true));
        }
        s.done();
        return p;
    }

    private static PaEncTsEnc paEncTsEnc(DerReader r) throws DerException {
        DerReader s = r.enter(DerWriter.SEQUENCE);
        PaEncTsEnc ts = new PaEncTsEnc();
        ts.setPaTimestamp(time(s.explicit(0)));
        if (s.at(0xa1)) {
            ts.setPaUsec(int32(s.explicit(1)));
        }
        s.done();
        return ts;
    }

    private static EncryptedData encryptedData(DerReader outer) throws DerException {
        DerReader s = one(outer, DerWriter.SEQUENCE);
        EncryptedData d = new EncryptedData();
        d.setEType(EncryptionType.fromValue(int32(s.explicit(0))));
        if (s.at(0xa1)) {
            d.setKvno(int32(s.explicit(1)));
        }
        d.setCipher(octets(s.explicit(2)));
        s.done();
        return d;
    }

    private static EncryptionKey encryptionKey(DerReader outer) throws DerException {
        DerReader s = one(outer, DerWriter.SEQUENCE);
        EncryptionKey k = new EncryptionKey();
        k.setKeyType(EncryptionType.fromValue(int32(s.explicit(0))));
        k.setKeyData(octets(s.explicit(1)));
        s.done();
        return k;
    }

    private static PrincipalName principalName(DerReader outer) throws DerException {
        DerReader s = one(outer, DerWriter.SEQUENCE);
        int type = int32(s.explicit(0));
        NameType nameType = NameType.fromValue(type);
        DerReader strings = one(s.explicit(1), DerWriter.SEQUENCE);
        List<String> names = new ArrayList<>(2);
        while (strings.hasMore()) {
            if (names.size() == MAX_NAME_COMPONENTS) {
                throw new DerException("more than " + MAX_NAME_COMPONENTS + " name components");
            }
            String component = strings.generalString();
            if (component.indexOf('/') >= 0) {
                // "a/b" as one component would be the same name as "a", "b"
                throw new DerException("'/' inside a name component");
            }
            names.add(component);
        }
        s.done();
        PrincipalName name = new PrincipalName();
        name.setNameType(nameType.getValue() == type ? nameType : NameType.NT_UNKNOWN);
        name.setNameStrings(names);
        return name;
    }

    private static HostAddresses hostAddresses(DerReader outer) throws DerException {
        DerReader s = one(outer, DerWriter.SEQUENCE);
        HostAddresses addresses = new HostAddresses();
        while (s.hasMore()) {
            DerReader a = s.enter(DerWriter.SEQUENCE);
            HostAddress address = new HostAddress();
            address.setAddrType(known(HostAddrType::fromValue, int32(a.explicit(0)), "addr-type"));
            address.setAddress(octets(a.explicit(1)));
            a.done();
            addresses.addElement(address);
        }
        return addresses;
    }

    /**
     * AuthorizationData; with {@code known}, every ad-type must be one Kerby knows (the entries are
     * copied into tickets), without, unknown ones read as {@code NONE} (an authenticator's, which
     * the KDC does not use: Windows clients put their own types there).
     */
    private static AuthorizationData authorizationData(DerReader outer, boolean known)
            throws DerException {
        DerReader s = one(outer, DerWriter.SEQUENCE);
        AuthorizationData ad = new AuthorizationData();
        while (s.hasMore()) {
            DerReader e = s.enter(DerWriter.SEQUENCE);
            AuthorizationDataEntry entry = new AuthorizationDataEntry();
            int type = int32(e.explicit(0));
            entry.setAuthzType(
                    known
                            ? known(AuthorizationType::fromValue, type, "ad-type")
                            : AuthorizationType.fromValue(type));
            entry.setAuthzData(octets(e.explicit(1)));
            e.done();
            ad.addElement(entry);
        }
        return ad;
    }

    // ------------------------------------------------------------------ encoding

    /**
     * The DER of {@code value}, as Kerby's {@code KrbCodec.encode} gives it; the KDC's replies,
     * tickets and errors and what they carry are written here, anything else by Kerby.
     */
    public static byte[] encode(Asn1Encodeable value) throws KrbException {
        DerWriter w = new DerWriter(1024);
        if (value instanceof KdcRep rep) {
            kdcRep(w, rep);
        } else if (value instanceof KrbError error) {
            krbError(w, error);
        } else if (value instanceof EncKdcRepPart part) {
            encKdcRepPart(w, part);
        } else if (value instanceof EncTicketPart part) {
            encTicketPart(w, part);
        } else if (value instanceof Ticket ticket) {
            ticket(w, ticket);
        } else if (value instanceof AuthorizationData ad) {
            authorizationData(w, ad);
        } else if (value instanceof EtypeInfo2 info) {
            int m = w.length();
            List<EtypeInfo2Entry> entries = info.getElements();
            for (int i = entries.size() - 1; i >= 0; i--) {
                etypeInfo2Entry(w, entries.get(i));
            }
            w.wrap(DerWriter.SEQUENCE, m);
        } else if (value instanceof MethodData methods) {
            paEntries(w, methods.getElements());
        } else if (value instanceof PaData pa) {
            paEntries(w, pa.getElements());
        } else {
            return KrbCodec.encode(value);
        }
        return w.toByteArray();
    }

    private static void kdcRep(DerWriter w, KdcRep rep) {
        int app = w.length();
        int seq = w.length();
        int m = w.length();
        encryptedData(w, rep.getEncryptedEncPart());
        w.explicit(6, m);
        m = w.length();
        ticket(w, rep.getTicket());
        w.explicit(5, m);
        m = w.length();
        principalName(w, rep.getCname());
        w.explicit(4, m);
        string(w, 3, rep.getCrealm());
        if (rep.getPaData() != null) {
            m = w.length();
            paEntries(w, rep.getPaData().getElements());
            w.explicit(2, m);
        }
        int32(w, 1, rep.getMsgType().getValue());
        int32(w, 0, rep.getPvno());
        w.wrap(DerWriter.SEQUENCE, seq);
        w.wrap(rep instanceof AsRep ? 0x6b : 0x6d, app);
    }

    private static void krbError(DerWriter w, KrbError e) {
        int app = w.length();
        int seq = w.length();
        if (e.getEdata() != null) {
            octets(w, 12, e.getEdata());
        }
        string(w, 11, e.getEtext());
        optionalName(w, 10, e.getSname());
        string(w, 9, e.getRealm());
        optionalName(w, 8, e.getCname());
        string(w, 7, e.getCrealm());
        if (e.getErrorCode() != null) {
            int32(w, 6, e.getErrorCode().getValue());
        }
        optionalInt(w, 5, e.getSusec());
        time(w, 4, e.getStime());
        optionalInt(w, 3, e.getCusec());
        time(w, 2, e.getCtime());
        int32(w, 1, e.getMsgType().getValue());
        int32(w, 0, e.getPvno());
        w.wrap(DerWriter.SEQUENCE, seq);
        w.wrap(0x7e, app);
    }

    private static void encKdcRepPart(DerWriter w, EncKdcRepPart p) {
        int app = w.length();
        int seq = w.length();
        if (p.getCaddr() != null) {
            int m = w.length();
            hostAddresses(w, p.getCaddr());
            w.explicit(11, m);
        }
        optionalName(w, 10, p.getSname());
        string(w, 9, p.getSrealm());
        time(w, 8, p.getRenewTill());
        time(w, 7, p.getEndTime());
        time(w, 6, p.getStartTime());
        time(w, 5, p.getAuthTime());
        flags(w, 4, p.getFlags());
        time(w, 3, p.getKeyExpiration());
        int32(w, 2, p.getNonce()); // required: a client's nonce may well be -1
        if (p.getLastReq() != null) {
            int m = w.length();
            int s = w.length();
            List<LastReqEntry> entries = p.getLastReq().getElements();
            for (int i = entries.size() - 1; i >= 0; i--) {
                LastReqEntry e = entries.get(i);
                int es = w.length();
                time(w, 1, e.getLrValue());
                if (e.getLrType() != null) {
                    int32(w, 0, e.getLrType().getValue());
                }
                w.wrap(DerWriter.SEQUENCE, es);
            }
            w.wrap(DerWriter.SEQUENCE, s);
            w.explicit(1, m);
        }
        if (p.getKey() != null) {
            int m = w.length();
            encryptionKey(w, p.getKey());
            w.explicit(0, m);
        }
        w.wrap(DerWriter.SEQUENCE, seq);
        w.wrap(p instanceof EncAsRepPart ? 0x79 : 0x7a, app);
    }

    private static void encTicketPart(DerWriter w, EncTicketPart p) {
        int app = w.length();
        int seq = w.length();
        if (p.getAuthorizationData() != null) {
            int m = w.length();
            authorizationData(w, p.getAuthorizationData());
            w.explicit(10, m);
        }
        if (p.getClientAddresses() != null) {
            int m = w.length();
            hostAddresses(w, p.getClientAddresses());
            w.explicit(9, m);
        }
        time(w, 8, p.getRenewtill());
        time(w, 7, p.getEndTime());
        time(w, 6, p.getStartTime());
        time(w, 5, p.getAuthTime());
        TransitedEncoding tr = p.getTransited();
        if (tr != null) {
            int m = w.length();
            int s = w.length();
            if (tr.getContents() != null) {
                octets(w, 1, tr.getContents());
            }
            if (tr.getTrType() != null) {
                int32(w, 0, tr.getTrType().getValue());
            }
            w.wrap(DerWriter.SEQUENCE, s);
            w.explicit(4, m);
        }
        optionalName(w, 3, p.getCname());
        string(w, 2, p.getCrealm());
        if (p.getKey() != null) {
            int m = w.length();
            encryptionKey(w, p.getKey());
            w.explicit(1, m);
        }
        flags(w, 0, p.getFlags());
        w.wrap(DerWriter.SEQUENCE, seq);
        w.wrap(0x63, app);
    }

    private static void ticket(DerWriter w, Ticket t) {
        int app = w.length();
        int seq = w.length();
        if (t.getEncryptedEncPart() != null) {
            int m = w.length();
            encryptedData(w, t.getEncryptedEncPart());
            w.explicit(3, m);
        }
        optionalName(w, 2, t.getSname());
        string(w, 1, t.getRealm());
        optionalInt(w, 0, t.getTktvno());
        w.wrap(DerWriter.SEQUENCE, seq);
        w.wrap(0x61, app);
    }

    private static void encryptedData(DerWriter w, EncryptedData d) {
        int seq = w.length();
        if (d.getCipher() != null) {
            octets(w, 2, d.getCipher());
        }
        optionalInt(w, 1, d.getKvno());
        if (d.getEType() != null) {
            int32(w, 0, d.getEType().getValue());
        }
        w.wrap(DerWriter.SEQUENCE, seq);
    }

    private static void encryptionKey(DerWriter w, EncryptionKey k) {
        int seq = w.length();
        if (k.getKeyData() != null) {
            octets(w, 1, k.getKeyData());
        }
        if (k.getKeyType() != null) {
            int32(w, 0, k.getKeyType().getValue());
        }
        w.wrap(DerWriter.SEQUENCE, seq);
    }

    private static void optionalName(DerWriter w, int n, PrincipalName name) {
        if (name != null) {
            int m = w.length();
            principalName(w, name);
            w.explicit(n, m);
        }
    }

    private static void principalName(DerWriter w, PrincipalName name) {
        int seq = w.length();
        List<String> names = name.getNameStrings();
        int m = w.length();
        int s = w.length();
        for (int i = names.size() - 1; i >= 0; i--) {
            w.generalString(names.get(i));
        }
        w.wrap(DerWriter.SEQUENCE, s);
        w.explicit(1, m);
        if (name.getNameType() != null) {
            int32(w, 0, name.getNameType().getValue());
        }
        w.wrap(DerWriter.SEQUENCE, seq);
    }

    private static void hostAddresses(DerWriter w, HostAddresses addresses) {
        int seq = w.length();
        List<HostAddress> list = addresses.getElements();
        for (int i = list.size() - 1; i >= 0; i--) {
            HostAddress a = list.get(i);
            int s = w.length();
            if (a.getAddress() != null) {
                octets(w, 1, a.getAddress());
            }
            if (a.getAddrType() != null) {
                int32(w, 0, a.getAddrType().getValue());
            }
            w.wrap(DerWriter.SEQUENCE, s);
        }
        w.wrap(DerWriter.SEQUENCE, seq);
    }

    private static void authorizationData(DerWriter w, AuthorizationData ad) {
        int seq = w.length();
        List<AuthorizationDataEntry> list = ad.getElements();
        for (int i = list.size() - 1; i >= 0; i--) {
            AuthorizationDataEntry e = list.get(i);
            int s = w.length();
            if (e.getAuthzData() != null) {
                octets(w, 1, e.getAuthzData());
            }
            if (e.getAuthzType() != null) {
                int32(w, 0, e.getAuthzType().getValue());
            }
            w.wrap(DerWriter.SEQUENCE, s);
        }
        w.wrap(DerWriter.SEQUENCE, seq);
    }

    private static void paEntries(DerWriter w, List<PaDataEntry> list) {
        int seq = w.length();
        for (int i = list.size() - 1; i >= 0; i--) {
            PaDataEntry e = list.get(i);
            int s = w.length();
            if (e.getPaDataValue() != null) {
                octets(w, 2, e.getPaDataValue());
            }
            if (e.getPaDataType() != null) {
                int32(w, 1, e.getPaDataType().getValue());
            }
            w.wrap(DerWriter.SEQUENCE, s);
        }
        w.wrap(DerWriter.SEQUENCE, seq);
    }

    private static void etypeInfo2Entry(DerWriter w, EtypeInfo2Entry e) {
        int s = w.length();
        if (e.getS2kParams() != null) {
            octets(w, 2, e.getS2kParams());
        }
        string(w, 1, e.getSalt());
        if (e.getEtype() != null) {
            int32(w, 0, e.getEtype().getValue());
        }
        w.wrap(DerWriter.SEQUENCE, s);
    }

    private static void flags(DerWriter w, int n, Asn1Flags flags) {
        if (flags != null) {
            int m = w.length();
            int f = flags.getFlags();
            w.bytes(
                    new byte[] {
                        0, (byte) (f >>> 24), (byte) (f >>> 16), (byte) (f >>> 8), (byte) f
                    });
            w.wrap(DerWriter.BIT_STRING, m);
            w.explicit(n, m);
        }
    }

    private static void int32(DerWriter w, int n, long v) {
        int m = w.length();
        w.int32(v);
        w.explicit(n, m);
    }

    /** An optional integer field; Kerby's getters report an absent one as -1. */
    private static void optionalInt(DerWriter w, int n, int v) {
        if (v != -1) {
            int32(w, n, v);
        }
    }

    private static void octets(DerWriter w, int n, byte[] v) {
        int m = w.length();
        w.octetString(v);
        w.explicit(n, m);
    }

    private static void string(DerWriter w, int n, String v) {
        if (v != null) {
            int m = w.length();
            w.generalString(v);
            w.explicit(n, m);
        }
    }

    private static void time(DerWriter w, int n, KerberosTime t) {
        if (t != null) {
            int m = w.length();
            w.time(t.getTime());
            w.explicit(n, m);
        }
    }

    /** The single value of type {@code tag} inside an explicit wrapper. */
    private static DerReader one(DerReader outer, int tag) throws DerException {
        DerReader inner = outer.enter(tag);
        outer.done();
        return inner;
    }

    private static int int32(DerReader outer) throws DerException {
        int v = outer.int32();
        outer.done();
        return v;
    }

    private static byte[] octets(DerReader outer) throws DerException {
        byte[] v = outer.octetString();
        outer.done();
        return v;
    }

    private static String string(DerReader outer) throws DerException {
        String v = outer.generalString();
        outer.done();
        return v;
    }

    private static KerberosTime time(DerReader outer) throws DerException {
        long v = outer.time();
        outer.done();
        return new KerberosTime(v);
    }

    private static int flags(DerReader outer) throws DerException {
        int v = outer.flags32();
        outer.done();
        return v;
    }

    /** The enum constant for {@code raw}, which Kerby must know: it is copied, not compared. */
    private static <E extends EnumType> E known(
            java.util.function.IntFunction<E> lookup, int raw, String what) throws DerException {
        E value = lookup.apply(raw);
        if (value == null || value.getValue() != raw) {
            throw new DerException("unknown " + what + " " + raw);
        }
        return value;
    }
}
