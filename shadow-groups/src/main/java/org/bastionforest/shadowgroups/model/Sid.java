package org.bastionforest.shadowgroups.model;

import java.util.Arrays;
import java.util.regex.Pattern;

/**
 * A Windows security identifier (MS-DTYP 2.4.2), such as {@code S-1-5-21-1004336348-1177238915-
 * 682003330-512}.
 *
 * <p>Parsed from its string form or from the binary form that Active Directory stores in {@code
 * objectSid} and {@code msDS-ShadowPrincipalSid}. Every part is validated: revision 1, at most 15
 * sub-authorities, an identifier authority that fits 48 bits and sub-authorities that fit 32 bits
 * (unsigned).
 *
 * <pre>{@code
 * Sid group = Sid.parse("S-1-5-21-1004336348-1177238915-682003330-512");
 * group.rid();        // 512
 * group.domainSid();  // S-1-5-21-1004336348-1177238915-682003330
 * Sid.fromBytes(group.toBytes()).equals(group); // true
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class Sid implements Comparable<Sid> {
    /** Sub-authorities a SID may have at most (MS-DTYP). */
    public static final int MAX_SUB_AUTHORITIES = 15;

    private static final Pattern SYNTAX =
            Pattern.compile("S-1-(?:[0-9]{1,15}|0[xX][0-9a-fA-F]{1,12})(?:-[0-9]{1,10}){0,15}");
    private static final long MAX_AUTHORITY = (1L << 48) - 1;
    private static final long MAX_SUB_AUTHORITY = 0xFFFF_FFFFL;

    private final long identifierAuthority;
    private final long[] subAuthorities;

    private Sid(long identifierAuthority, long[] subAuthorities) {
        this.identifierAuthority = identifierAuthority;
        this.subAuthorities = subAuthorities;
    }

    /**
     * Parses the string form {@code S-1-<authority>-<sub>...}.
     *
     * @throws IllegalArgumentException if the text is not a valid SID; the message says why
     */
    public static Sid parse(String text) {
        if (text == null || text.length() > 200 || !SYNTAX.matcher(text).matches()) {
            throw new IllegalArgumentException("not a SID (expected S-1-<authority>-<sub>...)");
        }
        String[] parts = text.split("-");
        String authorityText = parts[2];
        long authority =
                authorityText.startsWith("0x") || authorityText.startsWith("0X")
                        ? Long.parseLong(authorityText.substring(2), 16)
                        : Long.parseLong(authorityText);
        if (authority > MAX_AUTHORITY) {
            throw new IllegalArgumentException("SID identifier authority does not fit 48 bits");
        }
        long[] subs = new long[parts.length - 3];
        for (int i = 0; i < subs.length; i++) {
            long value = Long.parseLong(parts[i + 3]);
            if (value > MAX_SUB_AUTHORITY) {
                throw new IllegalArgumentException(
                        "SID sub-authority " + (i + 1) + " does not fit 32 bits");
            }
            subs[i] = value;
        }
        return new Sid(authority, subs);
    }

    /**
     * Decodes the binary form (revision, count, 6-byte big-endian authority, 32-bit little-endian
     * sub-authorities).
     *
     * @throws IllegalArgumentException if the bytes are not exactly one valid SID
     */
    public static Sid fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length < 8) {
            throw new IllegalArgumentException("binary SID is shorter than 8 bytes");
        }
        if (bytes[0] != 1) {
            throw new IllegalArgumentException("binary SID has revision " + bytes[0] + ", not 1");
        }
        int count = bytes[1] & 0xFF;
        if (count > MAX_SUB_AUTHORITIES) {
            throw new IllegalArgumentException("binary SID has " + count + " sub-authorities");
        }
        if (bytes.length != 8 + 4 * count) {
            throw new IllegalArgumentException(
                    "binary SID length "
                            + bytes.length
                            + " does not match its "
                            + count
                            + " sub-authorities");
        }
        long authority = 0;
        for (int i = 2; i < 8; i++) {
            authority = (authority << 8) | (bytes[i] & 0xFF);
        }
        long[] subs = new long[count];
        for (int i = 0; i < count; i++) {
            int o = 8 + 4 * i;
            subs[i] =
                    (bytes[o] & 0xFFL)
                            | (bytes[o + 1] & 0xFFL) << 8
                            | (bytes[o + 2] & 0xFFL) << 16
                            | (bytes[o + 3] & 0xFFL) << 24;
        }
        return new Sid(authority, subs);
    }

    /**
     * The SID of {@code rid} in the domain {@code domain} (the domain SID plus one sub-authority).
     */
    public static Sid of(Sid domain, long rid) {
        if (domain.subAuthorities.length >= MAX_SUB_AUTHORITIES) {
            throw new IllegalArgumentException("domain SID already has 15 sub-authorities");
        }
        if (rid < 0 || rid > MAX_SUB_AUTHORITY) {
            throw new IllegalArgumentException("RID does not fit 32 bits");
        }
        long[] subs = Arrays.copyOf(domain.subAuthorities, domain.subAuthorities.length + 1);
        subs[subs.length - 1] = rid;
        return new Sid(domain.identifierAuthority, subs);
    }

    /** The binary form, as AD stores it. */
    public byte[] toBytes() {
        byte[] out = new byte[8 + 4 * subAuthorities.length];
        out[0] = 1;
        out[1] = (byte) subAuthorities.length;
        for (int i = 0; i < 6; i++) {
            out[2 + i] = (byte) (identifierAuthority >>> (8 * (5 - i)));
        }
        for (int i = 0; i < subAuthorities.length; i++) {
            long v = subAuthorities[i];
            int o = 8 + 4 * i;
            out[o] = (byte) v;
            out[o + 1] = (byte) (v >>> 8);
            out[o + 2] = (byte) (v >>> 16);
            out[o + 3] = (byte) (v >>> 24);
        }
        return out;
    }

    /** The identifier authority (5 for NT AUTHORITY). */
    public long identifierAuthority() {
        return identifierAuthority;
    }

    /** The number of sub-authorities. */
    public int subAuthorityCount() {
        return subAuthorities.length;
    }

    /** Sub-authority {@code index} (0-based), as an unsigned 32-bit value. */
    public long subAuthority(int index) {
        return subAuthorities[index];
    }

    /**
     * The relative identifier: the last sub-authority.
     *
     * @throws IllegalStateException if the SID has no sub-authority
     */
    public long rid() {
        if (subAuthorities.length == 0) {
            throw new IllegalStateException("SID " + this + " has no RID");
        }
        return subAuthorities[subAuthorities.length - 1];
    }

    /**
     * The SID without its RID: for an account SID, the SID of its domain.
     *
     * @throws IllegalStateException if the SID has no sub-authority
     */
    public Sid domainSid() {
        if (subAuthorities.length == 0) {
            throw new IllegalStateException("SID " + this + " has no RID");
        }
        return new Sid(
                identifierAuthority, Arrays.copyOf(subAuthorities, subAuthorities.length - 1));
    }

    /** True if this SID is {@code domain} plus exactly one RID. */
    public boolean isInDomain(Sid domain) {
        return subAuthorities.length == domain.subAuthorities.length + 1
                && domainSid().equals(domain);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Sid other
                && identifierAuthority == other.identifierAuthority
                && Arrays.equals(subAuthorities, other.subAuthorities);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(identifierAuthority) + Arrays.hashCode(subAuthorities);
    }

    @Override
    public int compareTo(Sid o) {
        int c = Long.compare(identifierAuthority, o.identifierAuthority);
        return c != 0 ? c : Arrays.compare(subAuthorities, o.subAuthorities);
    }

    /** The string form; authorities of 2^32 or more are written in hexadecimal, as Windows does. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("S-1-");
        if (identifierAuthority >= (1L << 32)) {
            sb.append(String.format("0x%012X", identifierAuthority));
        } else {
            sb.append(identifierAuthority);
        }
        for (long sub : subAuthorities) {
            sb.append('-').append(sub);
        }
        return sb.toString();
    }
}
