package org.bastionforest.kerberos.der;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes DER backwards, from the end of a buffer to its start, so that every length is known when
 * it is written: a constructed value is written as its contents (last element first), then {@link
 * #wrap}. Mutable, not thread-safe; one per message.
 *
 * <pre>{@code
 * DerWriter w = new DerWriter(64);
 * int seq = w.length();
 * int f1 = w.length();
 * w.int32(5);
 * w.wrap(0xa1, f1); // [1] INTEGER 5
 * w.wrap(0x30, seq); // SEQUENCE
 * byte[] der = w.toByteArray();
 * }</pre>
 */
final class DerWriter {
    static final int SEQUENCE = 0x30;
    static final int INTEGER = 0x02;
    static final int BIT_STRING = 0x03;
    static final int OCTET_STRING = 0x04;
    static final int GENERALIZED_TIME = 0x18;
    static final int GENERAL_STRING = 0x1b;

    private byte[] buf;
    private int pos;

    DerWriter(int capacity) {
        buf = new byte[Math.max(capacity, 16)];
        pos = buf.length;
    }

    /** How many bytes are written so far; a mark for {@link #wrap}. */
    int length() {
        return buf.length - pos;
    }

    /** Prepends tag and length to everything written since {@code mark}. */
    void wrap(int tag, int mark) {
        int len = length() - mark;
        if (len < 0x80) {
            room(2);
            buf[--pos] = (byte) len;
        } else {
            int n = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
            room(n + 2);
            for (int i = 0, v = len; i < n; i++, v >>>= 8) {
                buf[--pos] = (byte) v;
            }
            buf[--pos] = (byte) (0x80 | n);
        }
        buf[--pos] = (byte) tag;
    }

    /** Prepends {@code [n]} (context-specific, constructed) around what was written since mark. */
    void explicit(int n, int mark) {
        wrap(0xa0 | n, mark);
    }

    void bytes(byte[] b) {
        room(b.length);
        pos -= b.length;
        System.arraycopy(b, 0, buf, pos, b.length);
    }

    void octetString(byte[] b) {
        int m = length();
        bytes(b);
        wrap(OCTET_STRING, m);
    }

    /** An INTEGER in minimal two's complement, as {@code BigInteger.toByteArray} gives. */
    void int32(long v) {
        int m = length();
        room(9);
        do {
            buf[--pos] = (byte) v;
            v >>= 8;
        } while (!(v == 0 && buf[pos] >= 0) && !(v == -1 && buf[pos] < 0));
        wrap(INTEGER, m);
    }

    /** A KerberosString (GeneralString); Kerby's strings hold ASCII only. */
    void generalString(String s) {
        int m = length();
        bytes(s.getBytes(StandardCharsets.US_ASCII));
        wrap(GENERAL_STRING, m);
    }

    /** A KerberosTime, {@code YYYYMMDDHHMMSSZ} in UTC; milliseconds are dropped. */
    void time(long epochMillis) {
        long secs = Math.floorDiv(epochMillis, 1000L);
        long days = Math.floorDiv(secs, 86_400L);
        int sod = (int) Math.floorMod(secs, 86_400L);
        // civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted)
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        long doe = z - era * 146_097;
        long yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        int day = (int) (doy - (153 * mp + 2) / 5 + 1);
        int month = (int) (mp < 10 ? mp + 3 : mp - 9);
        long year = yoe + era * 400 + (month <= 2 ? 1 : 0);
        if (year < 0 || year > 9999) {
            throw new IllegalArgumentException("KerberosTime out of range");
        }
        room(17);
        buf[--pos] = 'Z';
        two(sod % 60);
        two(sod / 60 % 60);
        two(sod / 3600);
        two(day);
        two(month);
        two((int) (year % 100));
        two((int) (year / 100));
        buf[--pos] = 15;
        buf[--pos] = GENERALIZED_TIME;
    }

    private void two(int v) {
        buf[--pos] = (byte) ('0' + v % 10);
        buf[--pos] = (byte) ('0' + v / 10);
    }

    byte[] toByteArray() {
        return Arrays.copyOfRange(buf, pos, buf.length);
    }

    private void room(int n) {
        if (pos >= n) {
            return;
        }
        int used = length();
        int size = Math.max(buf.length * 2, used + n + 16);
        byte[] bigger = new byte[size];
        System.arraycopy(buf, pos, bigger, size - used, used);
        buf = bigger;
        pos = size - used;
    }
}
