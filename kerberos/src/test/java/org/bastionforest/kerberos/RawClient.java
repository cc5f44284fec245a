package org.bastionforest.kerberos;

import java.time.Instant;
import java.util.List;
import org.apache.kerby.kerberos.kerb.KrbCodec;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.common.EncryptionUtil;
import org.apache.kerby.kerberos.kerb.crypto.CheckSumHandler;
import org.apache.kerby.kerberos.kerb.crypto.EncryptionHandler;
import org.apache.kerby.kerberos.kerb.type.KerberosTime;
import org.apache.kerby.kerberos.kerb.type.ap.ApOptions;
import org.apache.kerby.kerberos.kerb.type.ap.ApReq;
import org.apache.kerby.kerberos.kerb.type.ap.Authenticator;
import org.apache.kerby.kerberos.kerb.type.base.CheckSum;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptedData;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.KeyUsage;
import org.apache.kerby.kerberos.kerb.type.base.KrbError;
import org.apache.kerby.kerberos.kerb.type.base.KrbMessage;
import org.apache.kerby.kerberos.kerb.type.base.NameType;
import org.apache.kerby.kerberos.kerb.type.base.PrincipalName;
import org.apache.kerby.kerberos.kerb.type.kdc.AsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.AsReq;
import org.apache.kerby.kerberos.kerb.type.kdc.EncAsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.EncTgsRepPart;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOption;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcOptions;
import org.apache.kerby.kerberos.kerb.type.kdc.KdcReqBody;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsRep;
import org.apache.kerby.kerberos.kerb.type.kdc.TgsReq;
import org.apache.kerby.kerberos.kerb.type.pa.PaData;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataEntry;
import org.apache.kerby.kerberos.kerb.type.pa.PaDataType;
import org.apache.kerby.kerberos.kerb.type.pa.PaEncTsEnc;
import org.apache.kerby.kerberos.kerb.type.ticket.Ticket;

/**
 * A hand-made Kerberos client on Kerby's types, for requests that real clients never send (no
 * pre-authentication, forged options, replays, unkeyed checksums). Talks to {@link
 * BastionKdc#handle}.
 */
final class RawClient {
    /** A TGT (or service ticket) with its session key and reply part. */
    record Creds(Ticket ticket, EncryptionKey sessionKey, KerberosTime end, int flags) {}

    private final BastionKdc kdc;
    private final String realm;

    RawClient(BastionKdc kdc) {
        this.kdc = kdc;
        this.realm = kdc.options().realm();
    }

    static PrincipalName user(String name) {
        return new PrincipalName(List.of(name), NameType.NT_PRINCIPAL);
    }

    static PrincipalName service(String... parts) {
        return new PrincipalName(List.of(parts), NameType.NT_SRV_INST);
    }

    PrincipalName krbtgt() {
        return service("krbtgt", realm);
    }

    KdcReqBody body(PrincipalName cname, PrincipalName sname, Instant till, KdcOption... opts) {
        KdcReqBody body = new KdcReqBody();
        KdcOptions o = new KdcOptions();
        for (KdcOption opt : opts) {
            o.setFlag(opt);
        }
        body.setKdcOptions(o);
        if (cname != null) {
            body.setCname(cname);
        }
        body.setRealm(realm);
        body.setSname(sname);
        body.setTill(new KerberosTime(till.toEpochMilli()));
        body.setNonce(12345);
        body.setEtypes(
                List.of(
                        EncryptionType.AES256_CTS_HMAC_SHA1_96,
                        EncryptionType.AES128_CTS_HMAC_SHA1_96));
        return body;
    }

    KrbMessage as(KdcReqBody body, List<PaDataEntry> padata) throws KrbException {
        AsReq req = new AsReq();
        req.setReqBody(body);
        if (!padata.isEmpty()) {
            PaData pa = new PaData();
            padata.forEach(pa::addElement);
            req.setPaData(pa);
        }
        return send(req);
    }

    KrbMessage send(KrbMessage req) throws KrbException {
        return decode(kdc.handle(KrbCodec.encode(req)));
    }

    static KrbMessage decode(byte[] reply) throws KrbException {
        try {
            return KrbCodec.decodeMessage(java.nio.ByteBuffer.wrap(reply));
        } catch (java.io.IOException e) {
            throw new KrbException("undecodable reply", e);
        }
    }

    /**
     * {@code depth} levels of the constructed {@code tag} (definite lengths) around an INTEGER:
     * valid DER that recursive decoders cannot descend.
     */
    static byte[] nested(int tag, int depth) {
        byte[] buf = new byte[3 + 5 * depth];
        int pos = buf.length - 3;
        buf[pos] = 0x02;
        buf[pos + 1] = 0x01;
        buf[pos + 2] = 0x05;
        for (int i = 0; i < depth; i++) {
            int len = buf.length - pos;
            int n = len < 0x80 ? 0 : len < 0x100 ? 1 : len < 0x10000 ? 2 : 3;
            for (int b = 0; b < n; b++) {
                buf[--pos] = (byte) (len >> (8 * b));
            }
            buf[--pos] = (byte) (n == 0 ? len : 0x80 | n);
            buf[--pos] = (byte) tag;
        }
        return java.util.Arrays.copyOfRange(buf, pos, buf.length);
    }

    /** One DER TLV: {@code tag} over the concatenated {@code parts} (hand-made encodings). */
    static byte[] der(int tag, byte[]... parts) {
        java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        int n = content.size();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(tag);
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    static EncryptionKey passwordKey(String user, String realm, String password)
            throws KrbException {
        return EncryptionHandler.string2Key(
                password, realm + user, null, EncryptionType.AES256_CTS_HMAC_SHA1_96);
    }

    PaDataEntry encTimestamp(EncryptionKey key, Instant at) throws KrbException {
        PaEncTsEnc ts = new PaEncTsEnc();
        ts.setPaTimestamp(new KerberosTime(at.toEpochMilli()));
        ts.setPaUsec(0);
        EncryptedData enc = EncryptionUtil.seal(ts, key, KeyUsage.AS_REQ_PA_ENC_TS);
        return new PaDataEntry(PaDataType.ENC_TIMESTAMP, KrbCodec.encode(enc));
    }

    /** A TGT for {@code user} by password. */
    Creds tgt(String user, String password, Instant till, KdcOption... opts) throws KrbException {
        EncryptionKey key = passwordKey(user, realm, password);
        KrbMessage m =
                as(
                        body(user(user), krbtgt(), till, opts),
                        List.of(encTimestamp(key, Instant.now())));
        if (m instanceof KrbError e) {
            throw new KrbException(e.getErrorCode());
        }
        AsRep rep = (AsRep) m;
        EncAsRepPart part =
                EncryptionUtil.unseal(
                        rep.getEncryptedEncPart(),
                        key,
                        KeyUsage.AS_REP_ENCPART,
                        EncAsRepPart.class);
        return new Creds(
                rep.getTicket(), part.getKey(), part.getEndTime(), part.getFlags().getFlags());
    }

    /** A TGS-REQ with {@code tgt}; the checksum of type {@code cksumType}, or none. */
    TgsReq tgsReq(Creds tgt, String user, KdcReqBody body, CheckSumType cksumType, Instant ctime)
            throws KrbException {
        Authenticator auth = new Authenticator();
        auth.setAuthenticatorVno(5);
        auth.setCrealm(realm);
        auth.setCname(user(user));
        auth.setCtime(new KerberosTime(ctime.toEpochMilli()));
        auth.setCusec(0);
        if (cksumType != null) {
            byte[] encodedBody = KrbCodec.encode(body);
            CheckSum cksum =
                    cksumType == CheckSumType.RSA_MD5
                            ? CheckSumHandler.checksum(cksumType, encodedBody)
                            : CheckSumHandler.checksumWithKey(
                                    cksumType,
                                    encodedBody,
                                    tgt.sessionKey().getKeyData(),
                                    KeyUsage.TGS_REQ_AUTH_CKSUM);
            auth.setCksum(cksum);
        }
        ApReq ap = new ApReq();
        ap.setApOptions(new ApOptions());
        ap.setTicket(tgt.ticket());
        ap.setEncryptedAuthenticator(
                EncryptionUtil.seal(auth, tgt.sessionKey(), KeyUsage.TGS_REQ_AUTH));
        TgsReq req = new TgsReq();
        req.setReqBody(body);
        PaData pa = new PaData();
        pa.addElement(new PaDataEntry(PaDataType.TGS_REQ, KrbCodec.encode(ap)));
        req.setPaData(pa);
        return req;
    }

    /** Decrypts a TGS-REP's enc-part (no subkey was sent). */
    static EncTgsRepPart open(TgsRep rep, Creds tgt) throws KrbException {
        return EncryptionUtil.unseal(
                rep.getEncryptedEncPart(),
                tgt.sessionKey(),
                KeyUsage.TGS_REP_ENCPART_SESSKEY,
                EncTgsRepPart.class);
    }
}
