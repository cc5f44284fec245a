package org.bastionforest.kerberos;

import java.util.Objects;
import java.util.Optional;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Port: what the KDC needs to know about a bastion account. The api module implements it from the
 * bastion directory; the KDC caches answers for {@link BastionKdc.Options#identityCacheTtl()}.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface AccountSource {
    /**
     * The account of {@code user}, or empty when there is none (deleted, never synced).
     *
     * @throws BastionException if the directory cannot be read (the KDC answers
     *     KDC_ERR_SVC_UNAVAILABLE)
     */
    Optional<Account> find(UserId user) throws BastionException;

    /**
     * A bastion account as the KDC sees it. Immutable.
     *
     * @param user the canonical user id (lower-case sAMAccountName)
     * @param enabled false when the account is disabled: no ticket is issued for it
     * @param sid the account's SID in the bastion forest, if known (for the PAC)
     * @param upn the user principal name, if any (for the PAC's UPN_DNS_INFO)
     * @param displayName the display name (for the PAC), may be empty
     */
    record Account(
            UserId user,
            boolean enabled,
            Optional<Sid> sid,
            Optional<String> upn,
            String displayName) {
        public Account {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(sid, "sid");
            Objects.requireNonNull(upn, "upn");
            displayName = displayName == null ? "" : displayName;
        }
    }
}
