package org.bastionforest.shadowgroups.mfa;

import javax.crypto.SecretKey;

/**
 * Supplies the AES key (128, 192 or 256 bits) that encrypts TOTP secrets at rest. The service keeps
 * it outside the database (the data directory's secrets, an HSM, a KMS), so that a copy of the
 * database alone does not reveal the secrets.
 *
 * <p>Implementations must be thread-safe and must never log the key.
 */
@FunctionalInterface
public interface MfaKeyProvider {
    /** The key; the same one on every call and every node sharing the database. */
    SecretKey key();
}
