package org.bastionforest.shadowgroups.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.UUID;

/**
 * An Active Directory {@code objectGUID}: the immutable anchor of a directory object, which
 * survives renames and moves.
 *
 * <p>AD stores it as 16 bytes in the Windows GUID layout: the first three fields little-endian, the
 * last eight bytes as they are. Its string form is the familiar {@code
 * 3f2504e0-4f89-11d3-9a0c-0305e82c3301}, which is what {@link #toString()} returns and {@link
 * #parse(String)} reads. Generic LDAP servers' {@code entryUUID} (RFC 4530) uses the same string
 * form, so the same type anchors both.
 *
 * <pre>{@code
 * ObjectGuid guid = ObjectGuid.fromBytes(entry.getAttributeValueBytes("objectGUID"));
 * guid.toString(); // "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param uuid the GUID as a {@link UUID} (its string form equals the GUID's)
 */
public record ObjectGuid(UUID uuid) {

    public ObjectGuid {
        Objects.requireNonNull(uuid, "uuid");
    }

    /** Reads the 16-byte binary form AD stores. */
    public static ObjectGuid fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length != 16) {
            throw new IllegalArgumentException("objectGUID must be exactly 16 bytes");
        }
        ByteBuffer le = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long data1 = le.getInt(0) & 0xFFFF_FFFFL;
        long data2 = le.getShort(4) & 0xFFFFL;
        long data3 = le.getShort(6) & 0xFFFFL;
        long msb = (data1 << 32) | (data2 << 16) | data3;
        long lsb = ByteBuffer.wrap(bytes, 8, 8).order(ByteOrder.BIG_ENDIAN).getLong();
        return new ObjectGuid(new UUID(msb, lsb));
    }

    /** Parses the string form {@code xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}. */
    public static ObjectGuid parse(String text) {
        if (text == null
                || !text.matches(
                        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
            throw new IllegalArgumentException("not a GUID (expected 8-4-4-4-12 hex digits)");
        }
        return new ObjectGuid(UUID.fromString(text));
    }

    /** A new random GUID (version 4). */
    public static ObjectGuid random() {
        return new ObjectGuid(UUID.randomUUID());
    }

    /** The 16-byte binary form AD stores. */
    public byte[] toBytes() {
        long msb = uuid.getMostSignificantBits();
        ByteBuffer out = ByteBuffer.allocate(16);
        out.order(ByteOrder.LITTLE_ENDIAN);
        out.putInt((int) (msb >>> 32));
        out.putShort((short) (msb >>> 16));
        out.putShort((short) msb);
        out.order(ByteOrder.BIG_ENDIAN);
        out.putLong(uuid.getLeastSignificantBits());
        return out.array();
    }

    @Override
    public String toString() {
        return uuid.toString();
    }
}
