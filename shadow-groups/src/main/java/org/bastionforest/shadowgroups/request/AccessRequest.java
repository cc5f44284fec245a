package org.bastionforest.shadowgroups.request;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * A request as stored: what was asked, where it is in its lifecycle, who approved, and its grant
 * once active.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the request's id
 * @param group the shadow group asked for
 * @param requester who asked
 * @param state where it is
 * @param duration how long the grant lasts (from activation)
 * @param justification why
 * @param ticket the ticket reference, if given
 * @param requestedStart the requested start, if later than the request
 * @param createdAt when it was asked
 * @param timeoutAt when it times out while pending approval
 * @param approvals who approved so far
 * @param decidedAt when it was approved, denied, cancelled or timed out
 * @param decidedBy who decided it (the last approver, the denier, the requester who cancelled)
 * @param decisionReason the reason given for a denial
 * @param grant the grant, once active
 */
public record AccessRequest(
        RequestId id,
        ShadowGroupId group,
        UserId requester,
        RequestState state,
        Duration duration,
        String justification,
        Optional<String> ticket,
        Optional<Instant> requestedStart,
        Instant createdAt,
        Optional<Instant> timeoutAt,
        Set<UserId> approvals,
        Optional<Instant> decidedAt,
        Optional<UserId> decidedBy,
        Optional<String> decisionReason,
        Optional<Grant> grant) {
    /** Copies the approvals. */
    public AccessRequest {
        approvals = Set.copyOf(approvals);
    }
}
