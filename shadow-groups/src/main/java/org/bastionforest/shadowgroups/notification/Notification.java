package org.bastionforest.shadowgroups.notification;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.ShadowGroupId;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.RequestId;

/**
 * One thing to tell people. It carries ids and times only, never a justification's text or any
 * secret, so that it can leave the service (webhook bodies, mail) safely; receivers look details up
 * through the API.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id a unique id, for receivers to drop duplicates (senders retry)
 * @param kind what happened
 * @param at when it happened
 * @param request the request concerned
 * @param group its shadow group
 * @param requester who asked
 * @param recipients who should hear of it (approvers for {@link Kind#APPROVAL_WAITING}, else the
 *     requester)
 * @param recipientGroups production groups (by SID) whose members should hear of it: the approver
 *     groups for {@link Kind#APPROVAL_WAITING}, else none; the sender expands them
 * @param endsAt when the grant ends, for the grant kinds
 */
public record Notification(
        UUID id,
        Kind kind,
        Instant at,
        RequestId request,
        ShadowGroupId group,
        UserId requester,
        Set<UserId> recipients,
        Set<Sid> recipientGroups,
        Optional<Instant> endsAt) {

    /** What a notification is about; the names are stable (they appear in webhook bodies). */
    public enum Kind {
        /** A request waits for approval. */
        APPROVAL_WAITING,
        /** A request was approved. */
        APPROVED,
        /** A request was denied. */
        DENIED,
        /** A request timed out without a decision. */
        TIMED_OUT,
        /** A grant started. */
        GRANT_STARTED,
        /** A grant ends soon. */
        GRANT_ENDING_SOON,
        /** A grant ended (expired, revoked or closed). */
        GRANT_ENDED
    }

    /**
     * Checks that no part is null and copies the recipients.
     *
     * @throws NullPointerException naming the missing part
     */
    public Notification {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(requester, "requester");
        recipients = Set.copyOf(recipients);
        recipientGroups = Set.copyOf(recipientGroups);
        Objects.requireNonNull(endsAt, "endsAt");
    }
}
