package org.bastionforest.shadowgroups.request;

import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Checks a user's MFA code (TOTP) when a policy requires MFA at activation. The implementation
 * refuses a code used before (replay), limits failures, and audits every attempt ({@code
 * mfa.verified}, {@code mfa.failed}) in its own transaction, so that a failure stays recorded even
 * though the activation it guarded does not happen.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface MfaVerifier {
    /**
     * Whether {@code code} is a valid, unused code of {@code user} now.
     *
     * @throws StorageException if the database failed
     */
    boolean verify(UserId user, String code) throws StorageException;
}
