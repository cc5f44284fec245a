package org.bastionforest.api.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import org.bastionforest.api.config.ConfigException;
import org.bastionforest.api.config.Secret;

/**
 * The service's data directory: created with owner-only permissions, with sub-folders for each
 * component and generated secrets that are created once and reused on every later start.
 *
 * <pre>{@code
 * DataDirectory data = DataDirectory.open(Path.of("./data"));
 * Secret admin = data.secret("bastion-directory-admin.password");
 * }</pre>
 *
 * <p>Immutable; thread-safe apart from two processes generating the same secret at once, which the
 * database lock taken at start prevents.
 */
public final class DataDirectory {
    private static final Set<PosixFilePermission> OWNER_DIR =
            PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE =
            PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path root;

    private DataDirectory(Path root) {
        this.root = root;
    }

    /**
     * Creates (if needed) and opens the data directory.
     *
     * @throws ConfigException naming {@code data-dir} if it cannot be created or written
     */
    public static DataDirectory open(Path root) throws ConfigException {
        try {
            Path dir = root.toAbsolutePath().normalize();
            Files.createDirectories(dir);
            restrict(dir, OWNER_DIR);
            if (!Files.isWritable(dir)) {
                throw new ConfigException("data-dir", "cannot write to " + dir);
            }
            return new DataDirectory(dir);
        } catch (IOException e) {
            throw new ConfigException(
                    "data-dir", "cannot create " + root + ": " + e.getClass().getSimpleName());
        }
    }

    public Path root() {
        return root;
    }

    /** A sub-directory, created with owner-only permissions if missing. */
    public Path directory(String name) throws IOException {
        Path dir = root.resolve(name);
        Files.createDirectories(dir);
        restrict(dir, OWNER_DIR);
        return dir;
    }

    /**
     * A secret kept in {@code secrets/<name>}: read if present, otherwise generated (32 random
     * bytes, base64url) and written with owner-only permissions.
     */
    public Secret secret(String name) throws IOException {
        Path file = directory("secrets").resolve(name);
        if (!Files.exists(file)) {
            byte[] random = new byte[32];
            RANDOM.nextBytes(random);
            String value = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Path tmp = Files.createTempFile(file.getParent(), name, ".tmp");
            restrict(tmp, OWNER_FILE);
            // no trailing newline: tools such as ldapsearch -y read the file byte for byte
            Files.writeString(tmp, value, StandardCharsets.UTF_8, StandardOpenOption.SYNC);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException raced) {
                Files.deleteIfExists(tmp);
            }
        }
        String value = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (value.isEmpty()) {
            throw new IOException("secret file " + file + " is empty");
        }
        return Secret.of(value);
    }

    private static void restrict(Path path, Set<PosixFilePermission> permissions)
            throws IOException {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(path, permissions);
        }
    }
}
