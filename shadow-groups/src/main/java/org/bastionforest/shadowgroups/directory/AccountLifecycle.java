package org.bastionforest.shadowgroups.directory;

import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * What the sync tells the core when a production account is gone (deleted, out of scope) or
 * disabled: the user must hold nothing any more. Implemented by {@code
 * RequestService#retireAccount} (every active grant revoked, every pending or approved request
 * cancelled, by the system actor, audited); called by the sync in {@code ldap-sync}.
 *
 * <pre>{@code
 * AccountLifecycle lifecycle = requestService::retireAccount;
 * int ended = lifecycle.retire(UserId.of("alice"), "disabled in the production directory");
 * }</pre>
 *
 * <p>Implementations must be thread-safe and idempotent (a second call ends nothing more).
 */
@FunctionalInterface
public interface AccountLifecycle {
    /** Does nothing (for a service that has no request lifecycle, e.g. a sync-only tool). */
    AccountLifecycle NONE = (user, reason) -> 0;

    /**
     * Ends everything {@code user} holds or has asked for.
     *
     * @param reason why, for the audit log (e.g. "deleted in the production directory")
     * @return how many requests and grants were ended
     * @throws StorageException if the database failed; nothing was changed
     */
    int retire(UserId user, String reason) throws StorageException;
}
