package org.bastionforest.shadowgroups.request;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * The grant of a request that became active: the time-limited membership.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the grant's id
 * @param principalSid the production group SID the grant carries (into tickets)
 * @param startedAt when it became active (its clock starts here)
 * @param endsAt when it ends (or ended at the latest)
 * @param endedAt when it actually ended, if it has
 * @param endReason why it ended ({@code EXPIRED}, {@code REVOKED}, {@code CLOSED}), if it has
 * @param extensionsUsed how often it was extended
 */
public record Grant(
        UUID id,
        Sid principalSid,
        Instant startedAt,
        Instant endsAt,
        Optional<Instant> endedAt,
        Optional<RequestState> endReason,
        int extensionsUsed) {}
