package org.bastionforest.kerberos.crypto;

import org.apache.kerby.asn1.type.Asn1Encodeable;
import org.apache.kerby.asn1.type.Asn1Type;
import org.apache.kerby.kerberos.kerb.KrbCodec;
import org.apache.kerby.kerberos.kerb.KrbErrorCode;
import org.apache.kerby.kerberos.kerb.KrbException;
import org.apache.kerby.kerberos.kerb.crypto.CheckSumHandler;
import org.apache.kerby.kerberos.kerb.crypto.EncryptionHandler;
import org.apache.kerby.kerberos.kerb.type.base.CheckSum;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptedData;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionKey;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;
import org.apache.kerby.kerberos.kerb.type.base.KeyUsage;
import org.bastionforest.kerberos.der.DerException;
import org.bastionforest.kerberos.der.KdcCodec;

/**
 * The KDC's encryption and keyed checksums, on Kerby's message types: the AES enctypes by {@link
 * Rfc3962} (per-thread JCE instances, derived keys of long-term keys cached), rc4-hmac by Kerby.
 * Stricter than Kerby's {@code EncryptionUtil}: the ciphertext's enctype must be the key's, and a
 * checksum's type must match the key's length.
 */
public final class KerberosCrypto {
    /** Whether a key's derived keys may be cached. */
    public enum Key {
        /** A principal's stored key (krbtgt, a service, a user): used again and again. */
        LONG_TERM,
        /** A session key or subkey: used a few times, never kept. */
        SESSION
    }

    private KerberosCrypto() {}

    /** Encodes {@code message} and encrypts it; the result carries the key's enctype and kvno. */
    public static EncryptedData seal(
            Asn1Encodeable message, EncryptionKey key, KeyUsage usage, Key kind)
            throws KrbException {
        byte[] encoded = KdcCodec.encode(message);
        EncryptionType type = key.getKeyType();
        if (!isAes(type)) {
            return EncryptionHandler.encrypt(encoded, key, usage);
        }
        EncryptedData ed = new EncryptedData();
        ed.setCipher(
                Rfc3962.encrypt(aesKey(key), usage.getValue(), encoded, kind == Key.LONG_TERM));
        ed.setEType(type);
        if (key.getKvno() > 0) {
            ed.setKvno(key.getKvno());
        }
        return ed;
    }

    /**
     * Decrypts {@code data} and decodes it as {@code type}.
     *
     * @throws KrbException KRB_AP_ERR_BAD_INTEGRITY if it does not decrypt with {@code key}
     *     (including a different enctype), or a decoding error
     */
    public static <T extends Asn1Type> T unseal(
            EncryptedData data, EncryptionKey key, KeyUsage usage, Class<T> type, Key kind)
            throws KrbException {
        if (data == null || data.getCipher() == null || data.getEType() != key.getKeyType()) {
            throw new KrbException(KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY);
        }
        byte[] plain;
        if (isAes(key.getKeyType())) {
            try {
                plain =
                        Rfc3962.decrypt(
                                aesKey(key),
                                usage.getValue(),
                                data.getCipher(),
                                kind == Key.LONG_TERM);
            } catch (Rfc3962.IntegrityException e) {
                throw new KrbException(KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY);
            }
        } else {
            plain = EncryptionHandler.decrypt(data, key, usage);
        }
        if (!KdcCodec.decodes(type)) {
            return KrbCodec.decode(plain, type);
        }
        try {
            return KdcCodec.decode(plain, type);
        } catch (DerException e) {
            throw new KrbException("undecodable " + type.getSimpleName() + ": " + e.getMessage());
        }
    }

    /** The keyed checksum of {@code type} over {@code data}. */
    public static byte[] checksum(
            CheckSumType type, byte[] data, byte[] key, KeyUsage usage, Key kind)
            throws KrbException {
        int aesKeyLength = aesKeyLength(type);
        if (aesKeyLength < 0) {
            return CheckSumHandler.checksumWithKey(type, data, key, usage).getChecksum();
        }
        if (key.length != aesKeyLength) {
            throw new KrbException(KrbErrorCode.KDC_ERR_ETYPE_NOSUPP, type + " with a wrong key");
        }
        return Rfc3962.checksum(key, usage.getValue(), data, kind == Key.LONG_TERM);
    }

    /** Whether {@code sum} is the keyed checksum of {@code data} (compared in constant time). */
    public static boolean verify(CheckSum sum, byte[] data, byte[] key, KeyUsage usage, Key kind)
            throws KrbException {
        CheckSumType type = sum.getCksumtype();
        int aesKeyLength = aesKeyLength(type);
        if (aesKeyLength < 0) {
            return CheckSumHandler.verifyWithKey(sum, data, key, usage);
        }
        if (key.length != aesKeyLength || sum.getChecksum() == null) {
            return false;
        }
        return java.security.MessageDigest.isEqual(
                Rfc3962.checksum(key, usage.getValue(), data, kind == Key.LONG_TERM),
                sum.getChecksum());
    }

    /**
     * A new random key of {@code type}: for the AES enctypes (whose random-to-key is the identity,
     * RFC 3962) from this thread's DRBG, for others from Kerby.
     */
    public static EncryptionKey randomKey(EncryptionType type) throws KrbException {
        if (type == EncryptionType.AES256_CTS_HMAC_SHA1_96) {
            return new EncryptionKey(type, Rfc3962.randomBytes(32));
        }
        if (type == EncryptionType.AES128_CTS_HMAC_SHA1_96) {
            return new EncryptionKey(type, Rfc3962.randomBytes(16));
        }
        return EncryptionHandler.random2Key(type);
    }

    private static boolean isAes(EncryptionType type) {
        return type == EncryptionType.AES256_CTS_HMAC_SHA1_96
                || type == EncryptionType.AES128_CTS_HMAC_SHA1_96;
    }

    private static byte[] aesKey(EncryptionKey key) throws KrbException {
        byte[] k = key.getKeyData();
        int expected = key.getKeyType() == EncryptionType.AES256_CTS_HMAC_SHA1_96 ? 32 : 16;
        if (k == null || k.length != expected) {
            throw new KrbException(KrbErrorCode.KRB_AP_ERR_BAD_INTEGRITY);
        }
        return k;
    }

    /** 32 or 16 for the AES checksums, -1 for any other type. */
    private static int aesKeyLength(CheckSumType type) {
        if (type == CheckSumType.HMAC_SHA1_96_AES256) {
            return 32;
        }
        return type == CheckSumType.HMAC_SHA1_96_AES128 ? 16 : -1;
    }
}
