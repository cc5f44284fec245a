package org.bastionforest.kerberos.der;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the DER of one constructed value's contents, front to back, refusing what RFC 4120's
 * messages never hold: high tag numbers, indefinite lengths, lengths past the enclosing value
 * (non-minimal encodings of a length or an INTEGER are read as their value), empty or oversized
 * INTEGERs, times other than {@code YYYYMMDDHHMMSSZ}, strings that are not ASCII. Every failure is
 * a {@link DerException}. Mutable, not thread-safe.
 */
final class DerReader {
    /** The longest KerberosString read: a realm, a name component or an e-text. */
    static final int MAX_STRING = 512;

    private final byte[] b;
    private int pos;
    private final int end;

    /** Tag, content start and content end of the value at {@code pos}, once peeked. */
    private int tag = -1;

    private int start;
    private int stop;

    DerReader(byte[] b, int pos, int end) {
        this.b = b;
        this.pos = pos;
        this.end = end;
    }

    static DerReader of(byte[] b) {
        return new DerReader(b, 0, b.length);
    }

    boolean hasMore() {
        return pos < end;
    }

    /** Whether the next value has tag {@code t}; false at the end. */
    boolean at(int t) throws DerException {
        return pos < end && peek() == t;
    }

    /** The next value's tag (not consumed). */
    int peek() throws DerException {
        if (tag >= 0) {
            return tag;
        }
        if (pos >= end) {
            throw new DerException("value missing");
        }
        int t = b[pos] & 0xff;
        if ((t & 0x1f) == 0x1f) {
            throw new DerException("high tag number");
        }
        if (pos + 2 > end) {
            throw new DerException("truncated");
        }
        int first = b[pos + 1] & 0xff;
        int s = pos + 2;
        long len;
        if (first < 0x80) {
            len = first;
        } else {
            int n = first & 0x7f;
            if (n == 0) {
                throw new DerException("indefinite length");
            }
            if (n > 4 || s + n > end) {
                throw new DerException("bad length");
            }
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (b[s + i] & 0xff);
            }
            s += n;
        }
        if (len > end - s) {
            throw new DerException("truncated");
        }
        tag = t;
        start = s;
        stop = (int) (s + len);
        return t;
    }

    /** Consumes the next value, which must have tag {@code t}, and reads its contents. */
    DerReader enter(int t) throws DerException {
        expect(t);
        DerReader inner = new DerReader(b, start, stop);
        next();
        return inner;
    }

    /** The explicit {@code [n]} wrapper's single inner value, read by the returned reader. */
    DerReader explicit(int n) throws DerException {
        return enter(0xa0 | n);
    }

    /** The whole TLV of the next value (any tag), consumed. */
    byte[] rawValue() throws DerException {
        peek();
        byte[] v = Arrays.copyOfRange(b, pos, stop);
        next();
        return v;
    }

    int int32() throws DerException {
        expect(DerWriter.INTEGER);
        int len = stop - start;
        if (len == 0 || len > 5) {
            throw new DerException("INTEGER out of range");
        }
        long v = b[start]; // sign-extended
        for (int i = start + 1; i < stop; i++) {
            v = (v << 8) | (b[i] & 0xff);
        }
        if (v < Integer.MIN_VALUE || v > 0xffffffffL) {
            throw new DerException("INTEGER out of range");
        }
        next();
        return (int) v;
    }

    byte[] octetString() throws DerException {
        expect(DerWriter.OCTET_STRING);
        byte[] v = Arrays.copyOfRange(b, start, stop);
        next();
        return v;
    }

    /**
     * KerberosFlags as Kerby reads them: a BIT STRING of exactly 32 bits, no unused bits; bit 0 is
     * the most significant bit of the result.
     */
    int flags32() throws DerException {
        expect(DerWriter.BIT_STRING);
        if (stop - start != 5 || b[start] != 0) {
            throw new DerException("KerberosFlags not 32 bits");
        }
        int v =
                ((b[start + 1] & 0xff) << 24)
                        | ((b[start + 2] & 0xff) << 16)
                        | ((b[start + 3] & 0xff) << 8)
                        | (b[start + 4] & 0xff);
        next();
        return v;
    }

    /**
     * A KerberosString: printable ASCII only (Kerby's string types refuse other characters when a
     * value is set; control characters have no place in a name, a realm or a salt, and would reach
     * logs), at most {@value #MAX_STRING} bytes.
     */
    String generalString() throws DerException {
        expect(DerWriter.GENERAL_STRING);
        if (stop - start > MAX_STRING) {
            throw new DerException("string longer than " + MAX_STRING + " bytes");
        }
        for (int i = start; i < stop; i++) {
            if (b[i] < 0x20 || b[i] == 0x7f) {
                throw new DerException("string not printable ASCII");
            }
        }
        String v = new String(b, start, stop - start, StandardCharsets.US_ASCII);
        next();
        return v;
    }

    /** A KerberosTime: exactly {@code YYYYMMDDHHMMSSZ}; epoch milliseconds. */
    long time() throws DerException {
        expect(DerWriter.GENERALIZED_TIME);
        if (stop - start != 15 || b[start + 14] != 'Z') {
            throw new DerException("KerberosTime not YYYYMMDDHHMMSSZ");
        }
        int year = digits(start, 4);
        int month = digits(start + 4, 2);
        int day = digits(start + 6, 2);
        int hour = digits(start + 8, 2);
        int minute = digits(start + 10, 2);
        int second = digits(start + 12, 2);
        if (month < 1
                || month > 12
                || day < 1
                || day > daysIn(year, month)
                || hour > 23
                || minute > 59
                || second > 59) {
            throw new DerException("KerberosTime not a valid time");
        }
        next();
        // days from civil (H. Hinnant)
        int y = month <= 2 ? year - 1 : year;
        int era = Math.floorDiv(y, 400);
        int yoe = y - era * 400;
        int doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        long days = era * 146_097L + doe - 719_468;
        return ((days * 24 + hour) * 60 + minute) * 60_000L + second * 1000L;
    }

    private int digits(int at, int n) throws DerException {
        int v = 0;
        for (int i = at; i < at + n; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                throw new DerException("KerberosTime not digits");
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static int daysIn(int year, int month) {
        return switch (month) {
            case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    /** Requires that nothing is left. */
    void done() throws DerException {
        if (pos != end) {
            throw new DerException("unexpected value (tag " + (b[pos] & 0xff) + ")");
        }
    }

    private void expect(int t) throws DerException {
        if (peek() != t) {
            throw new DerException("expected tag " + t + ", found " + tag);
        }
    }

    private void next() {
        pos = stop;
        tag = -1;
    }
}
