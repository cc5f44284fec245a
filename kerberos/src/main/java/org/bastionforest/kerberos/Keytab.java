package org.bastionforest.kerberos;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * Writes MIT keytab files (format version 0x0502, as read by {@code klist -k}, {@code kvno -k},
 * Java's {@code Krb5LoginModule} and Windows' {@code ktpass}-consuming tools). Stateless.
 */
final class Keytab {
    private static final int NT_PRINCIPAL = 1;
    private static final int NT_SRV_HST = 3;

    private Keytab() {}

    /**
     * The keytab for {@code principal} ({@code name/instance}, no realm) of {@code realm} holding
     * {@code keys}.
     */
    static byte[] write(
            String principal,
            String realm,
            List<PrincipalStore.StoredKey> keys,
            Instant timestamp) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeShort(0x0502);
            String[] components = principal.split("/");
            for (PrincipalStore.StoredKey k : keys) {
                ByteArrayOutputStream entryBytes = new ByteArrayOutputStream();
                DataOutputStream e = new DataOutputStream(entryBytes);
                e.writeShort(components.length);
                counted(e, realm.getBytes(StandardCharsets.UTF_8));
                for (String c : components) {
                    counted(e, c.getBytes(StandardCharsets.UTF_8));
                }
                e.writeInt(components.length > 1 ? NT_SRV_HST : NT_PRINCIPAL);
                e.writeInt((int) timestamp.getEpochSecond());
                e.writeByte(k.kvno() & 0xff);
                e.writeShort(k.enctype().number());
                counted(e, k.key());
                e.writeInt(k.kvno());
                e.flush();
                out.writeInt(entryBytes.size());
                entryBytes.writeTo(out);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void counted(DataOutputStream out, byte[] b) throws IOException {
        out.writeShort(b.length);
        out.write(b);
    }
}
