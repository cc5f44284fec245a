package org.bastionforest.kerberos;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * The KDC's master key file: 32 random bytes that encrypt the long-term keys in the database.
 * Losing it loses every key (users re-enrol, keytabs are re-exported); keep it out of backups of
 * the database. Stateless.
 */
public final class MasterKey {
    private static final int LENGTH = 32;

    private MasterKey() {}

    /**
     * Reads the key from {@code file}, or creates the file (owner read/write only) with a new
     * random key when it does not exist.
     *
     * @throws IOException if the file cannot be read or written, or does not hold 32 bytes
     */
    public static byte[] loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] key = new byte[LENGTH];
            new SecureRandom().nextBytes(key);
            try {
                Files.createFile(
                        file,
                        PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rw-------")));
                Files.write(file, key, StandardOpenOption.WRITE);
                return key;
            } catch (FileAlreadyExistsException e) {
                // created concurrently: read it below
            } catch (UnsupportedOperationException e) {
                Files.write(file, key, StandardOpenOption.CREATE_NEW);
                return key;
            }
        }
        byte[] key = Files.readAllBytes(file);
        if (key.length != LENGTH) {
            throw new IOException(
                    "the KDC master key file " + file + " must hold exactly 32 bytes");
        }
        return key;
    }
}
