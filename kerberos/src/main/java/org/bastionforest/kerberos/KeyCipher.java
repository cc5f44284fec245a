package org.bastionforest.kerberos;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts long-term Kerberos keys at rest with the master key: AES-256-GCM, a random 96-bit nonce,
 * the principal, kvno and enctype as associated data (a key copied to another row does not
 * decrypt). Stored as base64 of nonce followed by ciphertext and tag. Thread-safe; immutable.
 */
final class KeyCipher {
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private final SecretKey master;
    private final SecureRandom random = new SecureRandom();

    KeyCipher(byte[] masterKey) {
        if (masterKey == null || masterKey.length != 32) {
            throw new IllegalArgumentException("the master key must be 32 bytes (AES-256)");
        }
        this.master = new SecretKeySpec(masterKey.clone(), "AES");
    }

    String seal(String principal, int kvno, int enctype, byte[] key) {
        byte[] nonce = new byte[NONCE];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, master, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(principal, kvno, enctype));
            byte[] ct = c.doFinal(key);
            byte[] out = Arrays.copyOf(nonce, NONCE + ct.length);
            System.arraycopy(ct, 0, out, NONCE, ct.length);
            return Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    /**
     * @throws IllegalStateException if the stored key does not decrypt (wrong master key, edited
     *     row)
     */
    byte[] open(String principal, int kvno, int enctype, String sealed) {
        byte[] in = Base64.getDecoder().decode(sealed);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(
                    Cipher.DECRYPT_MODE,
                    master,
                    new GCMParameterSpec(TAG_BITS, in, 0, Math.min(NONCE, in.length)));
            c.updateAAD(aad(principal, kvno, enctype));
            return c.doFinal(in, NONCE, in.length - NONCE);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException(
                    "a stored key of " + principal + " does not decrypt with the master key");
        }
    }

    private static byte[] aad(String principal, int kvno, int enctype) {
        return (principal + "\u0000" + kvno + "\u0000" + enctype).getBytes(StandardCharsets.UTF_8);
    }
}
