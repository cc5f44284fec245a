package org.bastionforest.kerberos;

import java.util.Locale;
import org.apache.kerby.kerberos.kerb.type.base.CheckSumType;
import org.apache.kerby.kerberos.kerb.type.base.EncryptionType;

/**
 * The encryption types the bastion KDC can use, strongest first. RC4 ({@link #RC4_HMAC}) is for
 * legacy Windows only and off unless configured.
 */
public enum Enctype {
    /** aes256-cts-hmac-sha1-96 (18), the default. */
    AES256_CTS_HMAC_SHA1_96(
            EncryptionType.AES256_CTS_HMAC_SHA1_96, CheckSumType.HMAC_SHA1_96_AES256),
    /** aes128-cts-hmac-sha1-96 (17), on by default. */
    AES128_CTS_HMAC_SHA1_96(
            EncryptionType.AES128_CTS_HMAC_SHA1_96, CheckSumType.HMAC_SHA1_96_AES128),
    /** rc4-hmac (23): legacy, opt-in. */
    RC4_HMAC(EncryptionType.ARCFOUR_HMAC, CheckSumType.HMAC_MD5_ARCFOUR);

    private final EncryptionType kerby;
    private final CheckSumType checksum;

    Enctype(EncryptionType kerby, CheckSumType checksum) {
        this.kerby = kerby;
        this.checksum = checksum;
    }

    /** Kerby's constant. */
    EncryptionType kerby() {
        return kerby;
    }

    /** The keyed checksum that goes with this enctype. */
    CheckSumType checksum() {
        return checksum;
    }

    /** The RFC 3961 number (18, 17, 23). */
    public int number() {
        return kerby.getValue();
    }

    /** The MIT name, e.g. {@code aes256-cts-hmac-sha1-96}. */
    public String mitName() {
        return this == RC4_HMAC ? "rc4-hmac" : name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The enctype with RFC 3961 number {@code n}, or null. */
    static Enctype ofNumber(int n) {
        for (Enctype e : values()) {
            if (e.number() == n) {
                return e;
            }
        }
        return null;
    }

    /**
     * Parses a configured name: the MIT name or the constant's name, any case.
     *
     * @throws IllegalArgumentException if unknown
     */
    public static Enctype parse(String name) {
        for (Enctype e : values()) {
            if (e.mitName().equalsIgnoreCase(name) || e.name().equalsIgnoreCase(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException(
                "unknown enctype '"
                        + name
                        + "' (aes256-cts-hmac-sha1-96, aes128-cts-hmac-sha1-96,"
                        + " rc4-hmac)");
    }
}
