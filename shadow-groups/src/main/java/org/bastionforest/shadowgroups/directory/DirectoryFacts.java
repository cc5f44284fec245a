package org.bastionforest.shadowgroups.directory;

import java.util.Optional;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Facts about production users and groups that the core needs to decide eligibility and who may
 * approve. Implemented by the sync ({@code ldap-sync}) from its synced copy of the production
 * directory; the core never reads the production directory itself.
 *
 * <p>Implementations must be thread-safe.
 */
public interface DirectoryFacts {
    /**
     * Whether {@code user} is a member of the production group {@code group}, directly or through
     * nested groups.
     *
     * @return false when the user or the group is unknown
     * @throws DirectoryUnavailableException if the facts cannot be read now
     */
    boolean isMemberOf(UserId user, Sid group) throws DirectoryUnavailableException;

    /**
     * The user's own SID (for the Kerberos PAC), if the user is known.
     *
     * @throws DirectoryUnavailableException if the facts cannot be read now
     */
    Optional<Sid> userSid(UserId user) throws DirectoryUnavailableException;
}
