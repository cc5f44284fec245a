package org.bastionforest.kerberos.crypto;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * aes128-cts-hmac-sha1-96 and aes256-cts-hmac-sha1-96: the simplified profile of RFC 3961 with the
 * parameters of RFC 3962, composed from the JDK's AES and HMAC-SHA1 (no cipher of our own).
 *
 * <p>Encryption of a message M under key K and usage U: a random 16-byte confounder C, P = C || M,
 * output AES-CTS(Ke, IV 0, P) || first 12 bytes of HMAC-SHA1(Ki, P), where Ke, Ki and (for
 * checksums) Kc are derived from K with DK(K, U || 0xAA), DK(K, U || 0x55) and DK(K, U || 0x99).
 * CTS is CBC with the last two blocks swapped and the last one truncated (RFC 3962, section 5).
 *
 * <p>Why our own composition rather than Kerby's: Kerby derives Ke and Ki again and looks up a JCE
 * cipher by name for every operation, about half of the bastion KDC's CPU per ticket once the audit
 * and grant look-ups are set aside. Here each thread keeps its cipher and MAC instances, and the
 * derived keys of long-term keys (krbtgt, services, users) are cached, bounded, by key content and
 * usage; those of session keys are derived per use and not kept. Thread-safe.
 */
final class Rfc3962 {
    static final int BLOCK = 16;
    static final int MAC_LENGTH = 12;

    static final byte ENCRYPTION = (byte) 0xAA;
    static final byte INTEGRITY = (byte) 0x55;
    static final byte CHECKSUM = (byte) 0x99;

    /** Derived keys kept for long-term keys at most; the cache is emptied when it is full. */
    static final int CACHE_LIMIT = 4096;

    private static final IvParameterSpec ZERO_IV = new IvParameterSpec(new byte[BLOCK]);
    private static final ThreadLocal<Engines> ENGINES = ThreadLocal.withInitial(Engines::new);
    private static final ConcurrentHashMap<DerivedId, SecretKeySpec> DERIVED =
            new ConcurrentHashMap<>();

    private Rfc3962() {}

    /** One thread's JCE instances (looked up once, not per operation). */
    private static final class Engines {
        final Cipher ecb;
        final Cipher cbc;
        final Mac hmac;

        /**
         * Confounders and session keys: a DRBG of this thread's own (NIST SP 800-90A, seeded by the
         * operating system). The default {@code new SecureRandom()} on Linux is NativePRNG, one
         * lock and a read of /dev/urandom for all threads of the JVM on every call.
         */
        final SecureRandom random;

        Engines() {
            try {
                ecb = Cipher.getInstance("AES/ECB/NoPadding");
                cbc = Cipher.getInstance("AES/CBC/NoPadding");
                hmac = Mac.getInstance("HmacSHA1");
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("AES or HMAC-SHA1 is not available", e);
            }
            SecureRandom r;
            try {
                r = SecureRandom.getInstance("DRBG");
            } catch (GeneralSecurityException e) {
                r = new SecureRandom();
            }
            random = r;
        }
    }

    /** {@code n} random bytes from this thread's DRBG: key material. */
    static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ENGINES.get().random.nextBytes(b);
        return b;
    }

    /** Thrown when a ciphertext does not decrypt: its integrity check failed or it is too short. */
    static final class IntegrityException extends Exception {
        private static final long serialVersionUID = 1L;

        IntegrityException(String message) {
            super(message);
        }
    }

    /**
     * Encrypts {@code plain} with {@code key} (16 or 32 bytes) for {@code usage}.
     *
     * @param cache whether {@code key} is a long-term key whose derived keys may be cached
     */
    static byte[] encrypt(byte[] key, int usage, byte[] plain, boolean cache) {
        checkKey(key);
        Engines e = ENGINES.get();
        byte[] p = new byte[BLOCK + plain.length];
        byte[] confounder = new byte[BLOCK];
        e.random.nextBytes(confounder);
        System.arraycopy(confounder, 0, p, 0, BLOCK);
        System.arraycopy(plain, 0, p, BLOCK, plain.length);
        byte[] mac = hmac(e, derived(e, key, usage, INTEGRITY, cache), p);
        byte[] c = ctsEncrypt(e, derived(e, key, usage, ENCRYPTION, cache), p);
        byte[] out = Arrays.copyOf(c, c.length + MAC_LENGTH);
        System.arraycopy(mac, 0, out, c.length, MAC_LENGTH);
        return out;
    }

    /**
     * Decrypts what {@link #encrypt} produced and checks its integrity in constant time.
     *
     * @throws IntegrityException if the ciphertext is shorter than a confounder and a MAC, or its
     *     MAC does not match (wrong key, wrong usage, altered bytes)
     */
    static byte[] decrypt(byte[] key, int usage, byte[] cipher, boolean cache)
            throws IntegrityException {
        checkKey(key);
        if (cipher.length < BLOCK + MAC_LENGTH) {
            throw new IntegrityException("ciphertext shorter than a confounder and a MAC");
        }
        Engines e = ENGINES.get();
        int length = cipher.length - MAC_LENGTH;
        byte[] p = ctsDecrypt(e, derived(e, key, usage, ENCRYPTION, cache), cipher, length);
        byte[] mac = hmac(e, derived(e, key, usage, INTEGRITY, cache), p);
        byte[] expected = Arrays.copyOf(mac, MAC_LENGTH);
        byte[] actual = Arrays.copyOfRange(cipher, length, cipher.length);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new IntegrityException("integrity check failed");
        }
        return Arrays.copyOfRange(p, BLOCK, p.length);
    }

    /** hmac-sha1-96-aes128/256 (RFC 3962): the first 12 bytes of HMAC-SHA1(Kc, data). */
    static byte[] checksum(byte[] key, int usage, byte[] data, boolean cache) {
        checkKey(key);
        Engines e = ENGINES.get();
        return Arrays.copyOf(hmac(e, derived(e, key, usage, CHECKSUM, cache), data), MAC_LENGTH);
    }

    private static void checkKey(byte[] key) {
        if (key == null || (key.length != 16 && key.length != 32)) {
            throw new IllegalArgumentException("an AES key is 16 or 32 bytes");
        }
    }

    private static byte[] hmac(Engines e, SecretKeySpec k, byte[] data) {
        try {
            e.hmac.init(k);
            return e.hmac.doFinal(data);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("HMAC-SHA1 failed", ex);
        }
    }

    /** AES-CTS with a zero IV; {@code p} is at least one block long. */
    static byte[] ctsEncrypt(byte[] key, byte[] p) {
        return ctsEncrypt(ENGINES.get(), new SecretKeySpec(key, "AES"), p);
    }

    private static byte[] ctsEncrypt(Engines e, SecretKeySpec k, byte[] p) {
        int n = (p.length + BLOCK - 1) / BLOCK;
        byte[] c;
        try {
            e.cbc.init(Cipher.ENCRYPT_MODE, k, ZERO_IV);
            c = e.cbc.doFinal(Arrays.copyOf(p, n * BLOCK));
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("AES-CBC failed", ex);
        }
        if (n > 1) {
            // C(1) .. C(n-2), C(n), C(n-1) truncated to the length of the last plaintext block
            byte[] last = Arrays.copyOfRange(c, (n - 1) * BLOCK, n * BLOCK);
            System.arraycopy(c, (n - 2) * BLOCK, c, (n - 1) * BLOCK, BLOCK);
            System.arraycopy(last, 0, c, (n - 2) * BLOCK, BLOCK);
        }
        return Arrays.copyOf(c, p.length);
    }

    /** Decrypts the first {@code length} bytes of {@code c} (at least one block). */
    static byte[] ctsDecrypt(byte[] key, byte[] c) {
        return ctsDecrypt(ENGINES.get(), new SecretKeySpec(key, "AES"), c, c.length);
    }

    private static byte[] ctsDecrypt(Engines e, SecretKeySpec k, byte[] c, int length) {
        int n = (length + BLOCK - 1) / BLOCK;
        byte[] cbc = new byte[n * BLOCK];
        try {
            if (n == 1) {
                System.arraycopy(c, 0, cbc, 0, BLOCK);
            } else {
                // the next-to-last block on the wire is CBC's last block C(n); decrypted it is
                // C(n-1) xor (P(n) padded with zeros), so its tail is C(n-1)'s tail
                int d = length - (n - 1) * BLOCK;
                e.ecb.init(Cipher.DECRYPT_MODE, k);
                byte[] x = e.ecb.doFinal(c, (n - 2) * BLOCK, BLOCK);
                System.arraycopy(c, 0, cbc, 0, (n - 2) * BLOCK);
                System.arraycopy(c, (n - 1) * BLOCK, cbc, (n - 2) * BLOCK, d);
                System.arraycopy(x, d, cbc, (n - 2) * BLOCK + d, BLOCK - d);
                System.arraycopy(c, (n - 2) * BLOCK, cbc, (n - 1) * BLOCK, BLOCK);
            }
            e.cbc.init(Cipher.DECRYPT_MODE, k, ZERO_IV);
            return Arrays.copyOf(e.cbc.doFinal(cbc), length);
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("AES-CBC failed", ex);
        }
    }

    /** Ke, Ki or Kc of {@code key} for {@code usage}: cached for long-term keys. */
    private static SecretKeySpec derived(
            Engines e, byte[] key, int usage, byte kind, boolean cache) {
        // Ke is an AES key; Ki and Kc are HMAC-SHA1 keys
        String algorithm = kind == ENCRYPTION ? "AES" : "HmacSHA1";
        if (!cache) {
            return new SecretKeySpec(dkFolded(e, key, folded(usage, kind)), algorithm);
        }
        DerivedId id = new DerivedId(key, usage, kind);
        SecretKeySpec k = DERIVED.get(id);
        if (k == null) {
            k = new SecretKeySpec(dkFolded(e, key, folded(usage, kind)), algorithm);
            if (DERIVED.size() >= CACHE_LIMIT) {
                DERIVED.clear();
            }
            DERIVED.put(id.copy(), k);
        }
        return k;
    }

    /** Derived keys currently cached (tests). */
    static int cached() {
        return DERIVED.size();
    }

    /** Forgets every cached derived key (tests). */
    static void clearCache() {
        DERIVED.clear();
    }

    private static byte[] constant(int usage, byte kind) {
        return new byte[] {
            (byte) (usage >>> 24), (byte) (usage >>> 16), (byte) (usage >>> 8), (byte) usage, kind
        };
    }

    /**
     * DK(key, constant) of RFC 3961 section 5.1 for AES: K1 = E(key, n-fold(constant, 128)), K2 =
     * E(key, K1), ... concatenated to the key's length; random-to-key is the identity.
     */
    static byte[] dk(byte[] key, byte[] constant) {
        return dk(ENGINES.get(), key, constant);
    }

    private static byte[] dk(Engines e, byte[] key, byte[] constant) {
        return dkFolded(e, key, nfold(constant, BLOCK));
    }

    /** n-fold of the usage constants below 128 (all that Kerberos defines), computed at start. */
    private static final byte[][][] FOLDED = new byte[128][][];

    static {
        for (int usage = 0; usage < FOLDED.length; usage++) {
            FOLDED[usage] =
                    new byte[][] {
                        nfold(constant(usage, ENCRYPTION), BLOCK),
                        nfold(constant(usage, INTEGRITY), BLOCK),
                        nfold(constant(usage, CHECKSUM), BLOCK)
                    };
        }
    }

    /** n-fold(constant(usage, kind), 128 bits); callers do not modify it. */
    private static byte[] folded(int usage, byte kind) {
        if (usage < 0 || usage >= FOLDED.length) {
            return nfold(constant(usage, kind), BLOCK);
        }
        return FOLDED[usage][kind == ENCRYPTION ? 0 : kind == INTEGRITY ? 1 : 2];
    }

    /** DK with the n-folded constant {@code block} already computed. */
    private static byte[] dkFolded(Engines e, byte[] key, byte[] block) {
        byte[] out = new byte[key.length];
        try {
            e.ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"));
            for (int off = 0; off < out.length; off += BLOCK) {
                block = e.ecb.doFinal(block);
                System.arraycopy(block, 0, out, off, Math.min(BLOCK, out.length - off));
            }
        } catch (GeneralSecurityException ex) {
            throw new IllegalStateException("AES failed", ex);
        }
        return out;
    }

    /**
     * n-fold of RFC 3961 section 5.1: {@code in} repeated to the least common multiple of both
     * lengths, each repetition rotated right by 13 more bits, and the {@code outLength}-byte chunks
     * added with end-around carry.
     */
    static byte[] nfold(byte[] in, int outLength) {
        int inBits = in.length * 8;
        int total = in.length / gcd(in.length, outLength) * outLength;
        byte[] repeated = new byte[total];
        for (int r = 0; r < total / in.length; r++) {
            int rotation = 13 * r % inBits;
            for (int bit = 0; bit < inBits; bit++) {
                int from = Math.floorMod(bit - rotation, inBits);
                if ((in[from >>> 3] & (0x80 >>> (from & 7))) != 0) {
                    int to = r * inBits + bit;
                    repeated[to >>> 3] |= (byte) (0x80 >>> (to & 7));
                }
            }
        }
        int[] sum = new int[outLength];
        for (int off = 0; off < total; off += outLength) {
            for (int i = 0; i < outLength; i++) {
                sum[i] += repeated[off + i] & 0xff;
            }
        }
        int carry;
        do {
            carry = 0;
            for (int i = outLength - 1; i >= 0; i--) {
                int v = sum[i] + carry;
                sum[i] = v & 0xff;
                carry = v >>> 8;
            }
            sum[outLength - 1] += carry;
        } while (carry != 0);
        byte[] out = new byte[outLength];
        for (int i = 0; i < outLength; i++) {
            out[i] = (byte) sum[i];
        }
        return out;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** A cache key: the base key's bytes (compared by content), the usage and the kind. */
    private static final class DerivedId {
        private final byte[] key;
        private final int usage;
        private final byte kind;
        private final int hash;

        DerivedId(byte[] key, int usage, byte kind) {
            this.key = key;
            this.usage = usage;
            this.kind = kind;
            this.hash = (Arrays.hashCode(key) * 31 + usage) * 31 + kind;
        }

        /** The same id over a private copy of the key (the caller's array may change). */
        DerivedId copy() {
            return new DerivedId(key.clone(), usage, kind);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof DerivedId d
                    && d.usage == usage
                    && d.kind == kind
                    && Arrays.equals(d.key, key);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
