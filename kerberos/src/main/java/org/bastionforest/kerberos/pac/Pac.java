package org.bastionforest.kerberos.pac;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationData;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationDataEntry;
import org.apache.kerby.kerberos.kerb.type.ad.AuthorizationType;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.KeyUsage;
import org.bastionforest.kerberos.crypto.KerberosCrypto;
import org.bastionforest.kerberos.crypto.KerberosCrypto.Key;
import org.bastionforest.kerberos.der.KdcCodec;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * A Privilege Attribute Certificate ([MS-PAC]): the values the bastion KDC asserts about a user,
 * and (when parsed) the signed bytes they came from.
 *
 * <p>Build one with {@link PacBuilder}, turn it into signed {@code PACTYPE} bytes with {@link
 * #encode}, wrap those in {@code AD-IF-RELEVANT(AD-WIN2K-PAC)} with {@link #toAuthorizationData}.
 * Read one back with {@link #parse} and check it with {@link #verifyServerSignature} and {@link
 * #verifyKdcSignature}.
 *
 * <pre>{@code
 * Pac pac = PacBuilder.forUser("alice", "BASTION", "bastion.example", domainSid, 1105)
 *         .extraSids(List.of(Sid.parse("S-1-5-21-1-2-3-512")))
 *         .logonTime(now).kickOffTime(grantEnd).build();
 * byte[] bytes = pac.encode(serviceKey, krbtgtKey);
 * AuthorizationData ad = Pac.toAuthorizationData(bytes); // put into EncTicketPart.authorization-data
 *
 * Pac read = Pac.parse(bytes);
 * read.verifyServerSignature(serviceKey); // throws PacException if tampered
 * read.verifyKdcSignature(krbtgtKey);
 * }</pre>
 *
 * <p>Signatures: {@code PAC_SERVER_CHECKSUM} (6) over the whole PAC with both signature fields
 * zeroed, keyed with the service key; {@code PAC_PRIVSVR_CHECKSUM} (7) over the server signature,
 * keyed with the krbtgt key; both with key usage 17 (KERB_NON_KERB_CKSUM_SALT) and the checksum
 * type of the key (AES256: 16, AES128: 15, RC4: -138). The ticket signature (type 16) is not
 * produced.
 *
 * <p>Immutable and thread-safe. {@link #equals} compares the asserted values only, not the
 * signatures or bytes.
 */
public final class Pac {
    /** PAC buffer types ([MS-PAC] 2.4). */
    static final int LOGON_INFO = 1;

    static final int SERVER_CHECKSUM = 6;
    static final int PRIVSVR_CHECKSUM = 7;
    static final int CLIENT_INFO = 10;
    static final int UPN_DNS_INFO = 12;

    /** SE_GROUP_MANDATORY | SE_GROUP_ENABLED_BY_DEFAULT | SE_GROUP_ENABLED. */
    public static final long GROUP_ATTRIBUTES = 0x7;

    /** UserFlags bit LOGON_EXTRA_SIDS: the ExtraSids field is populated. */
    public static final long LOGON_EXTRA_SIDS = 0x20;

    /** Largest PAC accepted by {@link #parse}. */
    public static final int MAX_PAC_BYTES = 1 << 20;

    /** Most buffers accepted in one PAC. */
    public static final int MAX_BUFFERS = 64;

    static final long FILETIME_NEVER = 0x7FFF_FFFF_FFFF_FFFFL;
    private static final long FILETIME_EPOCH_OFFSET_SECONDS = 11_644_473_600L;
    private static final int USER_NORMAL_ACCOUNT_DONT_EXPIRE = 0x210;
    // Kerby names usage 17 APP_DATA_CKSUM; MS-PAC calls it KERB_NON_KERB_CKSUM_SALT.
    private static final KeyUsage KERB_NON_KERB_CKSUM_SALT = KeyUsage.APP_DATA_CKSUM;

    private final String userName;
    private final String fullName;
    private final String logonDomainName;
    private final String dnsDomainName;
    private final String upn;
    private final Sid domainSid;
    private final long userRid;
    private final long primaryGroupRid;
    private final List<Long> groupRids;
    private final List<Sid> extraSids;
    private final long userFlags;
    private final Instant logonTime;
    private final Instant logoffTime;
    private final Instant kickOffTime;
    private final String clientName;
    private final Instant authTime;
    // Set only on a parsed PAC.
    private final byte[] encoded;
    private final int serverSigOffset;
    private final int serverSigLength;
    private final int serverSigType;
    private final int kdcSigOffset;
    private final int kdcSigLength;
    private final int kdcSigType;

    Pac(
            String userName,
            String fullName,
            String logonDomainName,
            String dnsDomainName,
            String upn,
            Sid domainSid,
            long userRid,
            long primaryGroupRid,
            List<Long> groupRids,
            List<Sid> extraSids,
            long userFlags,
            Instant logonTime,
            Instant logoffTime,
            Instant kickOffTime,
            String clientName,
            Instant authTime,
            byte[] encoded,
            int[] sig) {
        this.userName = userName;
        this.fullName = fullName;
        this.logonDomainName = logonDomainName;
        this.dnsDomainName = dnsDomainName;
        this.upn = upn;
        this.domainSid = domainSid;
        this.userRid = userRid;
        this.primaryGroupRid = primaryGroupRid;
        this.groupRids = List.copyOf(groupRids);
        this.extraSids = List.copyOf(extraSids);
        this.userFlags = userFlags;
        this.logonTime = logonTime;
        this.logoffTime = logoffTime;
        this.kickOffTime = kickOffTime;
        this.clientName = clientName;
        this.authTime = authTime;
        this.encoded = encoded;
        this.serverSigOffset = sig[0];
        this.serverSigLength = sig[1];
        this.serverSigType = sig[2];
        this.kdcSigOffset = sig[3];
        this.kdcSigLength = sig[4];
        this.kdcSigType = sig[5];
    }

    // ------------------------------------------------------------------ accessors

    /** The sAMAccountName (KERB_VALIDATION_INFO.EffectiveName). */
    public String userName() {
        return userName;
    }

    /** The display name (FullName); may be empty. */
    public String fullName() {
        return fullName;
    }

    /** The NetBIOS domain name (LogonDomainName). */
    public String logonDomainName() {
        return logonDomainName;
    }

    /** The DNS domain name (UPN_DNS_INFO). */
    public String dnsDomainName() {
        return dnsDomainName;
    }

    /** The user principal name (UPN_DNS_INFO). */
    public String upn() {
        return upn;
    }

    /** The logon domain SID (LogonDomainId). */
    public Sid domainSid() {
        return domainSid;
    }

    /** The user's RID (UserId). */
    public long userRid() {
        return userRid;
    }

    /** The user's SID: the domain SID plus {@link #userRid}. */
    public Sid userSid() {
        return Sid.of(domainSid, userRid);
    }

    /** The primary group's RID (PrimaryGroupId). */
    public long primaryGroupRid() {
        return primaryGroupRid;
    }

    /** Domain group RIDs (GroupIds), each with {@link #GROUP_ATTRIBUTES}. */
    public List<Long> groupRids() {
        return groupRids;
    }

    /** Extra SIDs (ExtraSids): the production-group SIDs, each with {@link #GROUP_ATTRIBUTES}. */
    public List<Sid> extraSids() {
        return extraSids;
    }

    /** UserFlags; has {@link #LOGON_EXTRA_SIDS} when {@link #extraSids} is not empty. */
    public long userFlags() {
        return userFlags;
    }

    /** LogonTime. */
    public Instant logonTime() {
        return logonTime;
    }

    /** LogoffTime; {@link Instant#MAX} if "never". */
    public Instant logoffTime() {
        return logoffTime;
    }

    /** KickOffTime: the ticket cap; {@link Instant#MAX} if "never". */
    public Instant kickOffTime() {
        return kickOffTime;
    }

    /** PAC_CLIENT_INFO name. */
    public String clientName() {
        return clientName;
    }

    /** PAC_CLIENT_INFO ClientId: the ticket's authtime. */
    public Instant authTime() {
        return authTime;
    }

    /** Server checksum type of a parsed PAC (e.g. 16), empty if built rather than parsed. */
    public Optional<Integer> serverChecksumType() {
        return encoded == null ? Optional.empty() : Optional.of(serverSigType);
    }

    /** KDC checksum type of a parsed PAC, empty if built rather than parsed. */
    public Optional<Integer> kdcChecksumType() {
        return encoded == null ? Optional.empty() : Optional.of(kdcSigType);
    }

    // ------------------------------------------------------------------ encoding

    /**
     * The signed {@code PACTYPE} bytes: logon info (1), client info (10), UPN/DNS info (12), server
     * checksum (6), KDC checksum (7), each buffer 8-byte aligned.
     *
     * @param serviceKey the key of the service the ticket is for (for a TGT: the krbtgt key)
     * @param krbtgtKey the KDC's krbtgt key
     * @throws PacException if a key's type has no PAC checksum (only AES256, AES128, RC4) or
     *     Kerby's checksum fails
     */
    public byte[] encode(EncryptionKey serviceKey, EncryptionKey krbtgtKey) throws PacException {
        CheckSumType serverType = checksumTypeFor(serviceKey);
        CheckSumType kdcType = checksumTypeFor(krbtgtKey);
        byte[][] buffers = {
            encodeLogonInfo(),
            encodeClientInfo(),
            encodeUpnDnsInfo(),
            emptySignature(serverType),
            emptySignature(kdcType)
        };
        int[] types = {LOGON_INFO, CLIENT_INFO, UPN_DNS_INFO, SERVER_CHECKSUM, PRIVSVR_CHECKSUM};
        Ndr.Writer w = new Ndr.Writer();
        w.u32(buffers.length).u32(0);
        int offset = align8(8 + 16 * buffers.length);
        int[] offsets = new int[buffers.length];
        for (int i = 0; i < buffers.length; i++) {
            offsets[i] = offset;
            w.u32(types[i]).u32(buffers[i].length).u64(offset);
            offset = align8(offset + buffers[i].length);
        }
        for (byte[] b : buffers) {
            w.align(8).bytes(b);
        }
        w.align(8);
        byte[] pac = w.toByteArray();
        int serverSig = offsets[3] + 4;
        int kdcSig = offsets[4] + 4;
        byte[] serverChecksum = checksum(serverType, pac, serviceKey);
        System.arraycopy(serverChecksum, 0, pac, serverSig, serverChecksum.length);
        byte[] kdcChecksum = checksum(kdcType, serverChecksum, krbtgtKey);
        System.arraycopy(kdcChecksum, 0, pac, kdcSig, kdcChecksum.length);
        return pac;
    }

    /**
     * {@code AD-IF-RELEVANT} holding one {@code AD-WIN2K-PAC} (ad-type 128) entry with {@code
     * pacBytes}, ready for {@code EncTicketPart.authorization-data}.
     */
    public static AuthorizationData toAuthorizationData(byte[] pacBytes) throws PacException {
        AuthorizationData inner = new AuthorizationData();
        inner.add(new AuthorizationDataEntry(AuthorizationType.AD_WIN2K_PAC, pacBytes.clone()));
        byte[] innerDer;
        try {
            innerDer = KdcCodec.encode(inner);
        } catch (KrbException e) {
            throw new PacException("cannot DER-encode AD-WIN2K-PAC", e);
        }
        AuthorizationData outer = new AuthorizationData();
        outer.add(new AuthorizationDataEntry(AuthorizationType.AD_IF_RELEVANT, innerDer));
        return outer;
    }

    private byte[] encodeLogonInfo() {
        Ndr.Writer w = new Ndr.Writer();
        // Type serialization v1 common header (little-endian) and private header (length later).
        w.u8(1).u8(0x10).u16(8).u32(0xCCCCCCCCL).u32(0).u32(0);
        w.pointer(); // top-level pointer to KERB_VALIDATION_INFO
        w.u64(filetime(logonTime));
        w.u64(filetime(logoffTime));
        w.u64(filetime(kickOffTime));
        w.u64(0); // PasswordLastSet: unknown to the bastion
        w.u64(0); // PasswordCanChange
        w.u64(FILETIME_NEVER); // PasswordMustChange: bastion accounts have no password policy here
        String[] strings = {userName, fullName, "", "", "", ""};
        for (String s : strings) {
            w.unicodeStringHeader(s);
        }
        w.u16(0).u16(0); // LogonCount, BadPasswordCount
        w.u32(userRid).u32(primaryGroupRid);
        w.u32(groupRids.size()).pointer();
        w.u32(userFlags);
        w.bytes(new byte[16]); // UserSessionKey
        w.unicodeStringHeader(""); // LogonServer
        w.unicodeStringHeader(logonDomainName);
        w.pointer(); // LogonDomainId
        w.u32(0).u32(0); // Reserved1
        w.u32(USER_NORMAL_ACCOUNT_DONT_EXPIRE); // UserAccountControl
        w.u32(0); // SubAuthStatus
        w.u64(0).u64(0).u32(0).u32(0); // LastSuccessful/FailedILogon, FailedILogonCount, Reserved3
        w.u32(extraSids.size());
        if (extraSids.isEmpty()) {
            w.u32(0);
        } else {
            w.pointer();
        }
        w.u32(0).u32(0).u32(0); // ResourceGroupDomainSid, ResourceGroupCount, ResourceGroupIds
        // Deferred pointees, in pointer order.
        for (String s : strings) {
            w.unicodeStringBody(s);
        }
        w.align(4).u32(groupRids.size());
        for (long rid : groupRids) {
            w.u32(rid).u32(GROUP_ATTRIBUTES);
        }
        w.unicodeStringBody("");
        w.unicodeStringBody(logonDomainName);
        w.sid(domainSid);
        if (!extraSids.isEmpty()) {
            w.align(4).u32(extraSids.size());
            for (int i = 0; i < extraSids.size(); i++) {
                w.pointer().u32(GROUP_ATTRIBUTES);
            }
            for (Sid sid : extraSids) {
                w.sid(sid);
            }
        }
        w.align(8);
        byte[] b = w.toByteArray();
        putU32(b, 8, b.length - 16); // object buffer length, a multiple of 8
        return b;
    }

    private byte[] encodeClientInfo() {
        byte[] name = clientName.getBytes(StandardCharsets.UTF_16LE);
        return new Ndr.Writer().u64(filetime(authTime)).u16(name.length).bytes(name).toByteArray();
    }

    private byte[] encodeUpnDnsInfo() {
        byte[] u = upn.getBytes(StandardCharsets.UTF_16LE);
        byte[] d = dnsDomainName.getBytes(StandardCharsets.UTF_16LE);
        int upnOffset = 16;
        int dnsOffset = align8(upnOffset + u.length);
        Ndr.Writer w = new Ndr.Writer();
        w.u16(u.length).u16(upnOffset).u16(d.length).u16(dnsOffset).u32(0).u32(0);
        w.bytes(u).align(8).bytes(d);
        return w.toByteArray();
    }

    private static byte[] emptySignature(CheckSumType type) {
        return new Ndr.Writer()
                .u32(type.getValue())
                .bytes(new byte[checksumLength(type)])
                .toByteArray();
    }

    // ------------------------------------------------------------------ signatures

    /**
     * Verifies PAC_SERVER_CHECKSUM with the service key.
     *
     * @throws PacException if the signature does not verify or its type does not match the key
     * @throws IllegalStateException if this PAC was built rather than parsed
     */
    public void verifyServerSignature(EncryptionKey serviceKey) throws PacException {
        byte[] signed = requireEncoded().clone();
        Arrays.fill(signed, serverSigOffset, serverSigOffset + serverSigLength, (byte) 0);
        Arrays.fill(signed, kdcSigOffset, kdcSigOffset + kdcSigLength, (byte) 0);
        byte[] actual =
                Arrays.copyOfRange(encoded, serverSigOffset, serverSigOffset + serverSigLength);
        verify("server", serverSigType, serviceKey, signed, actual);
    }

    /**
     * Verifies PAC_PRIVSVR_CHECKSUM (over the server signature) with the krbtgt key.
     *
     * @throws PacException if the signature does not verify or its type does not match the key
     * @throws IllegalStateException if this PAC was built rather than parsed
     */
    public void verifyKdcSignature(EncryptionKey krbtgtKey) throws PacException {
        byte[] bytes = requireEncoded();
        byte[] serverSig =
                Arrays.copyOfRange(bytes, serverSigOffset, serverSigOffset + serverSigLength);
        byte[] actual = Arrays.copyOfRange(bytes, kdcSigOffset, kdcSigOffset + kdcSigLength);
        verify("KDC", kdcSigType, krbtgtKey, serverSig, actual);
    }

    private byte[] requireEncoded() {
        if (encoded == null) {
            throw new IllegalStateException("only a parsed PAC has signatures to verify");
        }
        return encoded;
    }

    private static void verify(
            String which, int sigType, EncryptionKey key, byte[] data, byte[] actual)
            throws PacException {
        CheckSumType expectedType = checksumTypeFor(key);
        if (expectedType.getValue() != sigType) {
            throw new PacException(
                    which
                            + " signature has checksum type "
                            + sigType
                            + ", the key needs "
                            + expectedType.getValue());
        }
        byte[] expected = checksum(expectedType, data, key);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new PacException("PAC " + which + " signature does not verify");
        }
    }

    static CheckSumType checksumTypeFor(EncryptionKey key) throws PacException {
        EncryptionType type = key.getKeyType();
        if (type == EncryptionType.AES256_CTS_HMAC_SHA1_96) {
            return CheckSumType.HMAC_SHA1_96_AES256;
        } else if (type == EncryptionType.AES128_CTS_HMAC_SHA1_96) {
            return CheckSumType.HMAC_SHA1_96_AES128;
        } else if (type == EncryptionType.ARCFOUR_HMAC) {
            return CheckSumType.HMAC_MD5_ARCFOUR;
        }
        throw new PacException("no PAC checksum for key type " + type);
    }

    private static int checksumLength(CheckSumType type) {
        return type == CheckSumType.HMAC_MD5_ARCFOUR ? 16 : 12;
    }

    private static int checksumLength(int type) {
        if (type == CheckSumType.HMAC_MD5_ARCFOUR.getValue()) {
            return 16;
        }
        if (type == CheckSumType.HMAC_SHA1_96_AES256.getValue()
                || type == CheckSumType.HMAC_SHA1_96_AES128.getValue()) {
            return 12;
        }
        return -1;
    }

    private static byte[] checksum(CheckSumType type, byte[] data, EncryptionKey key)
            throws PacException {
        try {
            // the server's and the KDC's long-term keys
            return KerberosCrypto.checksum(
                    type, data, key.getKeyData(), KERB_NON_KERB_CKSUM_SALT, Key.LONG_TERM);
        } catch (KrbException e) {
            throw new PacException("PAC checksum failed: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ parsing

    /**
     * Decodes {@code PACTYPE} bytes. Every count and length is checked against the bytes present;
     * nothing is allocated beyond the input's size. Does not verify signatures: call the {@code
     * verify*} methods.
     *
     * @throws PacException if the bytes are not a well-formed PAC with exactly one logon info,
     *     server and KDC checksum buffer (the message says what is wrong)
     */
    public static Pac parse(byte[] bytes) throws PacException {
        if (bytes == null || bytes.length < 8) {
            throw new PacException("PAC is shorter than its 8-byte header");
        }
        if (bytes.length > MAX_PAC_BYTES) {
            throw new PacException("PAC is larger than " + MAX_PAC_BYTES + " bytes");
        }
        Ndr.Reader r = new Ndr.Reader(bytes, 0, bytes.length);
        long count = r.u32();
        long version = r.u32();
        if (version != 0) {
            throw new PacException("PAC version " + version + " is not 0");
        }
        if (count < 1 || count > MAX_BUFFERS) {
            throw new PacException("PAC has " + count + " buffers");
        }
        r.count(count, 16, "PAC_INFO_BUFFER array");
        int headerEnd = 8 + 16 * (int) count;
        byte[][] found = new byte[13][];
        int[] foundOffset = new int[13];
        for (int i = 0; i < count; i++) {
            long type = r.u32();
            long size = r.u32();
            long offset = r.u64();
            if (offset < headerEnd
                    || offset % 8 != 0
                    || offset > bytes.length
                    || size > bytes.length - offset) {
                throw new PacException("PAC buffer " + type + " lies outside the PAC");
            }
            if (type == LOGON_INFO
                    || type == SERVER_CHECKSUM
                    || type == PRIVSVR_CHECKSUM
                    || type == CLIENT_INFO
                    || type == UPN_DNS_INFO) {
                if (found[(int) type] != null) {
                    throw new PacException("PAC has two buffers of type " + type);
                }
                found[(int) type] = Arrays.copyOfRange(bytes, (int) offset, (int) (offset + size));
                foundOffset[(int) type] = (int) offset;
            }
        }
        for (int required : new int[] {LOGON_INFO, SERVER_CHECKSUM, PRIVSVR_CHECKSUM}) {
            if (found[required] == null) {
                throw new PacException("PAC has no buffer of type " + required);
            }
        }
        int[] server = parseSignature(found[SERVER_CHECKSUM], "server");
        int[] kdc = parseSignature(found[PRIVSVR_CHECKSUM], "KDC");
        int[] sig = {
            foundOffset[SERVER_CHECKSUM] + 4, server[1], server[0],
            foundOffset[PRIVSVR_CHECKSUM] + 4, kdc[1], kdc[0]
        };
        String clientName = "";
        Instant authTime = null;
        if (found[CLIENT_INFO] != null) {
            byte[] b = found[CLIENT_INFO];
            Ndr.Reader c = new Ndr.Reader(b, 0, b.length);
            authTime = instant(c.u64());
            clientName = c.utf16(c.u16(), "PAC_CLIENT_INFO name");
        }
        String upn = "";
        String dns = "";
        if (found[UPN_DNS_INFO] != null) {
            byte[] b = found[UPN_DNS_INFO];
            Ndr.Reader u = new Ndr.Reader(b, 0, b.length);
            int upnLength = u.u16();
            int upnOffset = u.u16();
            int dnsLength = u.u16();
            int dnsOffset = u.u16();
            u.seek(upnOffset);
            upn = u.utf16(upnLength, "UPN");
            u.seek(dnsOffset);
            dns = u.utf16(dnsLength, "DNS domain name");
        }
        return parseLogonInfo(
                found[LOGON_INFO], upn, dns, clientName, authTime, bytes.clone(), sig);
    }

    /** Returns {type, signature length}. */
    private static int[] parseSignature(byte[] b, String which) throws PacException {
        Ndr.Reader r = new Ndr.Reader(b, 0, b.length);
        int type = (int) r.u32();
        int length = checksumLength(type);
        if (length < 0) {
            throw new PacException("PAC " + which + " signature has unsupported type " + type);
        }
        r.bytes(length, "PAC " + which + " signature");
        return new int[] {type, length};
    }

    private static Pac parseLogonInfo(
            byte[] b,
            String upn,
            String dns,
            String clientName,
            Instant authTime,
            byte[] encoded,
            int[] sig)
            throws PacException {
        Ndr.Reader r = new Ndr.Reader(b, 0, b.length);
        if (r.u8() != 1 || r.u8() != 0x10 || r.u16() != 8) {
            throw new PacException("KERB_VALIDATION_INFO lacks a little-endian NDR v1 header");
        }
        r.u32(); // filler
        long objectLength = r.u32();
        r.u32(); // filler
        if (objectLength > r.remaining()) {
            throw new PacException("KERB_VALIDATION_INFO object length exceeds its buffer");
        }
        if (r.u32() == 0) {
            throw new PacException("KERB_VALIDATION_INFO is a null pointer");
        }
        Instant logonTime = instant(r.u64());
        Instant logoffTime = instant(r.u64());
        Instant kickOffTime = instant(r.u64());
        r.u64();
        r.u64();
        r.u64();
        int[] stringLengths = new int[6];
        long[] stringPointers = new long[6];
        for (int i = 0; i < 6; i++) {
            stringLengths[i] = r.u16();
            r.u16();
            stringPointers[i] = r.u32();
        }
        r.u16();
        r.u16();
        long userRid = r.u32();
        long primaryGroupRid = r.u32();
        long groupCount = r.u32();
        long groupPointer = r.u32();
        long userFlags = r.u32();
        r.bytes(16, "UserSessionKey");
        int logonServerLength = r.u16();
        r.u16();
        long logonServerPointer = r.u32();
        int domainNameLength = r.u16();
        r.u16();
        long domainNamePointer = r.u32();
        long domainIdPointer = r.u32();
        r.bytes(8 + 4 + 4 + 8 + 8 + 4 + 4, "KERB_VALIDATION_INFO fixed part");
        long sidCount = r.u32();
        long extraSidsPointer = r.u32();
        long resourceDomainPointer = r.u32();
        long resourceGroupCount = r.u32();
        long resourceGroupsPointer = r.u32();

        String[] strings = new String[6];
        for (int i = 0; i < 6; i++) {
            strings[i] = optionalString(r, stringPointers[i], stringLengths[i], "string " + i);
        }
        List<Long> groupRids = groupArray(r, groupPointer, groupCount, "GroupIds");
        optionalString(r, logonServerPointer, logonServerLength, "LogonServer");
        String domainName = optionalString(r, domainNamePointer, domainNameLength, "domain");
        if (domainIdPointer == 0) {
            throw new PacException("KERB_VALIDATION_INFO has no LogonDomainId");
        }
        Sid domainSid = r.sid("LogonDomainId");
        List<Sid> extraSids = new ArrayList<>();
        if (extraSidsPointer != 0) {
            r.align(4);
            if (r.u32() != sidCount) {
                throw new PacException("ExtraSids count does not match SidCount");
            }
            int n = r.count(sidCount, 8, "ExtraSids");
            long[] pointers = new long[n];
            for (int i = 0; i < n; i++) {
                pointers[i] = r.u32();
                r.u32(); // attributes
            }
            for (int i = 0; i < n; i++) {
                if (pointers[i] == 0) {
                    throw new PacException("ExtraSids entry " + i + " is a null SID");
                }
                extraSids.add(r.sid("ExtraSids entry " + i));
            }
        } else if (sidCount != 0) {
            throw new PacException("SidCount is " + sidCount + " but ExtraSids is null");
        }
        if (resourceDomainPointer != 0) {
            r.sid("ResourceGroupDomainSid");
        }
        groupArray(r, resourceGroupsPointer, resourceGroupCount, "ResourceGroupIds");
        return new Pac(
                strings[0],
                strings[1],
                domainName,
                dns,
                upn,
                domainSid,
                userRid,
                primaryGroupRid,
                groupRids,
                extraSids,
                userFlags,
                logonTime,
                logoffTime,
                kickOffTime,
                clientName,
                authTime,
                encoded,
                sig);
    }

    private static String optionalString(Ndr.Reader r, long pointer, int length, String what)
            throws PacException {
        if (pointer == 0) {
            if (length != 0) {
                throw new PacException(what + " has a length but a null buffer");
            }
            return "";
        }
        return r.unicodeStringBody(length, what);
    }

    private static List<Long> groupArray(Ndr.Reader r, long pointer, long count, String what)
            throws PacException {
        List<Long> rids = new ArrayList<>();
        if (pointer == 0) {
            if (count != 0) {
                throw new PacException(what + " has a count but a null array");
            }
            return rids;
        }
        r.align(4);
        if (r.u32() != count) {
            throw new PacException(what + " conformance does not match its count");
        }
        int n = r.count(count, 8, what);
        for (int i = 0; i < n; i++) {
            rids.add(r.u32());
            r.u32(); // attributes
        }
        return rids;
    }

    // ------------------------------------------------------------------ helpers

    static long filetime(Instant t) {
        if (t.equals(Instant.MAX)) {
            return FILETIME_NEVER;
        }
        return (t.getEpochSecond() + FILETIME_EPOCH_OFFSET_SECONDS) * 10_000_000L
                + t.getNano() / 100;
    }

    static Instant instant(long filetime) {
        if (filetime == FILETIME_NEVER || filetime < 0) {
            return Instant.MAX;
        }
        return Instant.ofEpochSecond(
                filetime / 10_000_000L - FILETIME_EPOCH_OFFSET_SECONDS,
                (filetime % 10_000_000L) * 100);
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }

    private static void putU32(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (v >>> (8 * i));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pac p
                && userName.equals(p.userName)
                && fullName.equals(p.fullName)
                && logonDomainName.equals(p.logonDomainName)
                && dnsDomainName.equals(p.dnsDomainName)
                && upn.equals(p.upn)
                && domainSid.equals(p.domainSid)
                && userRid == p.userRid
                && primaryGroupRid == p.primaryGroupRid
                && groupRids.equals(p.groupRids)
                && extraSids.equals(p.extraSids)
                && userFlags == p.userFlags
                && logonTime.equals(p.logonTime)
                && logoffTime.equals(p.logoffTime)
                && kickOffTime.equals(p.kickOffTime)
                && clientName.equals(p.clientName)
                && Objects.equals(authTime, p.authTime);
    }

    @Override
    public int hashCode() {
        return Objects.hash(userName, domainSid, userRid, extraSids, kickOffTime);
    }

    @Override
    public String toString() {
        return "Pac[user="
                + userName
                + ", domain="
                + logonDomainName
                + ", userSid="
                + userSid()
                + ", primaryGroup="
                + primaryGroupRid
                + ", groups="
                + groupRids
                + ", extraSids="
                + extraSids
                + ", kickOff="
                + kickOffTime
                + "]";
    }
}
