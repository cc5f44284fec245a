package org.bastionforest.kerberos;

import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.EffectiveWindow;

/**
 * Port: the grants a user holds right now. Wire it to {@code RequestService::effectiveWindow}. The
 * KDC asks it on every AS, TGS and renewal request and keeps nothing: a grant closed early must be
 * seen by the next request (the core's own cache is invalidated by every grant change).
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface GrantWindows {
    /**
     * What {@code user} holds now.
     *
     * @throws StorageException if the database failed (the KDC answers KDC_ERR_SVC_UNAVAILABLE)
     */
    EffectiveWindow effectiveWindow(UserId user) throws StorageException;
}
