package org.bastionforest.api.auth;

import java.util.Optional;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Checks a user name and password (HTTP Basic). Implementations never log or keep the password.
 * Thread-safe.
 */
@FunctionalInterface
public interface PasswordVerifier {
    /**
     * The user's canonical id if the password is right; empty if the user is unknown, disabled or
     * the password is wrong (the same answer for each).
     *
     * @throws DirectoryUnavailableException if the check could not be made now
     */
    Optional<UserId> verify(String login, char[] password) throws DirectoryUnavailableException;
}
