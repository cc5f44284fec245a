package org.bastionforest.api.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The service's master key, from which the keys that protect secrets at rest are derived (TOTP
 * secrets, Kerberos keys): one derived key per purpose, HMAC-SHA-256(master, "bastion-forest/" +
 * purpose), so that no two uses share a key and the master key itself encrypts nothing.
 *
 * <pre>{@code
 * MasterKey master = MasterKey.load(Optional.empty(), data); // <data-dir>/secrets/master.key
 * SecretKey mfa = master.derive("mfa-totp");                 // AES-256
 * }</pre>
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows no key material.
 */
public final class MasterKey {
    /** The file under {@code <data-dir>/secrets/} used when no file is configured. */
    public static final String DEFAULT_SECRET = "master.key";

    /** The fewest bytes a master key may have. */
    public static final int MIN_BYTES = 32;

    private static final Pattern PURPOSE = Pattern.compile("[a-z0-9-]{1,64}");

    private final byte[] key;

    private MasterKey(byte[] key) {
        this.key = key;
    }

    /**
     * Reads the master key from {@code file}, or from (generating it on first use) {@code
     * <data-dir>/secrets/master.key}.
     *
     * @throws IOException if the file cannot be read, is not base64 or holds fewer than {@value
     *     #MIN_BYTES} bytes (the message names the file, never its content)
     */
    public static MasterKey load(Optional<Path> file, DataDirectory data) throws IOException {
        Objects.requireNonNull(file, "file");
        String text;
        String where;
        if (file.isPresent()) {
            where = file.get().toString();
            text = Files.readString(file.get(), StandardCharsets.US_ASCII).strip();
        } else {
            where = data.root().resolve("secrets").resolve(DEFAULT_SECRET).toString();
            text = data.secret(DEFAULT_SECRET).reveal();
        }
        byte[] decoded;
        try {
            decoded =
                    text.contains("+") || text.contains("/") || text.endsWith("=")
                            ? Base64.getDecoder().decode(text)
                            : Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IOException("master key file " + where + " is not base64");
        }
        if (decoded.length < MIN_BYTES) {
            Arrays.fill(decoded, (byte) 0);
            throw new IOException(
                    "master key file "
                            + where
                            + " holds "
                            + decoded.length
                            + " bytes; at least "
                            + MIN_BYTES
                            + " are needed (e.g. openssl rand -base64 32)");
        }
        return new MasterKey(decoded);
    }

    /**
     * The AES-256 key for {@code purpose} (lower-case letters, digits and dashes): the same on
     * every call and on every node with the same master key.
     */
    public SecretKey derive(String purpose) {
        if (purpose == null || !PURPOSE.matcher(purpose).matches()) {
            throw new IllegalArgumentException("purpose must be 1 to 64 of [a-z0-9-]");
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] derived =
                    mac.doFinal(("bastion-forest/" + purpose).getBytes(StandardCharsets.US_ASCII));
            return new SecretKeySpec(derived, "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "MasterKey[***]";
    }
}
