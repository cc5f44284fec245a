package org.bastionforest.kerberos.pac;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bastionforest.shadowgroups.model.Sid;

/** Little-endian NDR (MS-RPCE 2.2.5, NDR 2.0) primitives. Not thread-safe; package-private. */
final class Ndr {
    private Ndr() {}

    /**
     * Appends little-endian values, with NDR alignment relative to the start of the stream, to a
     * plain growing array (a PAC is built for every ticket: a synchronized stream call per byte
     * cost a sixth of the KDC's Java time).
     */
    static final class Writer {
        private byte[] buf = new byte[256];
        private int size;
        private int nextReferent = 0x00020000;

        int size() {
            return size;
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, size);
        }

        private void room(int n) {
            if (size + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + n));
            }
        }

        Writer align(int n) {
            int pad = (n - size % n) % n;
            room(pad);
            size += pad; // the array is zero-filled
            return this;
        }

        Writer u8(int v) {
            room(1);
            buf[size++] = (byte) v;
            return this;
        }

        Writer u16(int v) {
            room(2);
            buf[size++] = (byte) v;
            buf[size++] = (byte) (v >>> 8);
            return this;
        }

        Writer u32(long v) {
            room(4);
            for (int i = 0; i < 4; i++) {
                buf[size++] = (byte) (v >>> (8 * i));
            }
            return this;
        }

        Writer u64(long v) {
            room(8);
            for (int i = 0; i < 8; i++) {
                buf[size++] = (byte) (v >>> (8 * i));
            }
            return this;
        }

        Writer bytes(byte[] b) {
            room(b.length);
            System.arraycopy(b, 0, buf, size, b.length);
            size += b.length;
            return this;
        }

        /** A unique pointer's referent id (never 0). */
        Writer pointer() {
            u32(nextReferent);
            nextReferent += 4;
            return this;
        }

        /** The inline part of an RPC_UNICODE_STRING: Length, MaximumLength, pointer. */
        Writer unicodeStringHeader(String s) {
            int bytes = s.length() * 2;
            u16(bytes).u16(bytes);
            return pointer();
        }

        /** The deferred conformant varying array of an RPC_UNICODE_STRING. */
        Writer unicodeStringBody(String s) {
            align(4);
            u32(s.length()).u32(0).u32(s.length());
            bytes(s.getBytes(StandardCharsets.UTF_16LE));
            return align(4);
        }

        /** A deferred RPC_SID: conformance, revision, count, authority, sub-authorities. */
        Writer sid(Sid sid) {
            align(4);
            u32(sid.subAuthorityCount());
            return bytes(sid.toBytes());
        }
    }

    /** Reads little-endian values from a bounded window; every read is bounds-checked. */
    static final class Reader {
        private final byte[] data;
        private final int start;
        private final int end;
        private int pos;

        Reader(byte[] data, int offset, int length) {
            this.data = data;
            this.start = offset;
            this.end = offset + length;
            this.pos = offset;
        }

        int remaining() {
            return end - pos;
        }

        int position() {
            return pos - start;
        }

        void seek(int relative) throws PacException {
            if (relative < 0 || relative > end - start) {
                throw new PacException("offset " + relative + " is outside its buffer");
            }
            pos = start + relative;
        }

        private void need(long n, String what) throws PacException {
            if (n < 0 || n > remaining()) {
                throw new PacException(
                        what + " needs " + n + " bytes but only " + remaining() + " remain");
            }
        }

        void align(int n) throws PacException {
            int pad = (n - (position() % n)) % n;
            need(pad, "alignment");
            pos += pad;
        }

        int u8() throws PacException {
            need(1, "byte");
            return data[pos++] & 0xFF;
        }

        int u16() throws PacException {
            need(2, "16-bit value");
            int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8;
            pos += 2;
            return v;
        }

        long u32() throws PacException {
            need(4, "32-bit value");
            long v = 0;
            for (int i = 3; i >= 0; i--) {
                v = (v << 8) | (data[pos + i] & 0xFF);
            }
            pos += 4;
            return v;
        }

        long u64() throws PacException {
            need(8, "64-bit value");
            long v = 0;
            for (int i = 7; i >= 0; i--) {
                v = (v << 8) | (data[pos + i] & 0xFF);
            }
            pos += 8;
            return v;
        }

        byte[] bytes(long n, String what) throws PacException {
            need(n, what);
            byte[] b = new byte[(int) n];
            System.arraycopy(data, pos, b, 0, b.length);
            pos += b.length;
            return b;
        }

        /** A count of {@code elementSize}-byte elements, checked against the bytes that remain. */
        int count(long n, int elementSize, String what) throws PacException {
            need(n * elementSize, what);
            return (int) n;
        }

        String utf16(int byteLength, String what) throws PacException {
            if (byteLength % 2 != 0) {
                throw new PacException(what + " has an odd UTF-16 byte length");
            }
            return new String(bytes(byteLength, what), StandardCharsets.UTF_16LE);
        }

        /** The deferred body of an RPC_UNICODE_STRING whose Length was {@code byteLength}. */
        String unicodeStringBody(int byteLength, String what) throws PacException {
            align(4);
            long max = u32();
            long offset = u32();
            long actual = u32();
            if (offset != 0 || actual > max || actual * 2 != byteLength) {
                throw new PacException(what + " has inconsistent NDR string counts");
            }
            String s = utf16(count(actual, 2, what) * 2, what);
            align(4);
            return s;
        }

        Sid sid(String what) throws PacException {
            align(4);
            long conformance = u32();
            need(8, what);
            int count = data[pos + 1] & 0xFF;
            if (conformance != count || count > Sid.MAX_SUB_AUTHORITIES) {
                throw new PacException(what + " has a bad sub-authority count");
            }
            byte[] raw = bytes(8 + 4L * count, what);
            try {
                return Sid.fromBytes(raw);
            } catch (IllegalArgumentException e) {
                throw new PacException(what + " is not a valid SID: " + e.getMessage(), e);
            }
        }
    }
}
