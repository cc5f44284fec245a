package org.bastionforest.kerberos;

import java.util.Arrays;

/**
 * Just enough DER reading to find the KDC-REQ-BODY of a TGS-REQ as the client sent it: its checksum
 * covers those exact bytes, which a decode and re-encode need not reproduce. Stateless.
 */
final class Der {
    private Der() {}

    /** The encoded req-body ([4] inner TLV) of a KDC-REQ message, or null if malformed. */
    static byte[] kdcReqBody(byte[] message) {
        try {
            int[] app = tlv(message, 0, message.length);
            int[] seq = tlv(message, app[1], app[2]);
            int pos = seq[1];
            while (pos < seq[2]) {
                int[] field = tlv(message, pos, seq[2]);
                if ((message[pos] & 0xff) == 0xa4) {
                    int[] inner = tlv(message, field[1], field[2]);
                    return Arrays.copyOfRange(message, field[1], inner[2]);
                }
                pos = field[2];
            }
            return null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** {tag, content start, content end} of the TLV at {@code pos}, within {@code limit}. */
    private static int[] tlv(byte[] b, int pos, int limit) {
        if (pos + 2 > limit || (b[pos] & 0x1f) == 0x1f) {
            throw new IllegalArgumentException("bad tag");
        }
        int tag = b[pos] & 0xff;
        int first = b[pos + 1] & 0xff;
        int start = pos + 2;
        long length;
        if (first < 0x80) {
            length = first;
        } else {
            int n = first & 0x7f;
            if (n == 0 || n > 4 || start + n > limit) {
                throw new IllegalArgumentException("bad length");
            }
            length = 0;
            for (int i = 0; i < n; i++) {
                length = (length << 8) | (b[start + i] & 0xff);
            }
            start += n;
        }
        if (start + length > limit) {
            throw new IllegalArgumentException("truncated");
        }
        return new int[] {tag, start, (int) (start + length)};
    }
}
