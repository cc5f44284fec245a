package org.bastionforest.api.rest;

import java.time.Instant;
import java.util.List;
import org.bastionforest.shadowgroups.policy.UserId;
import org.bastionforest.shadowgroups.request.AccessRequest;
import org.bastionforest.shadowgroups.request.Grant;

/**
 * The JSON shapes the API answers with (absent values are {@code null}; instants are ISO-8601 UTC;
 * durations ISO-8601 such as {@code PT1H}). Immutable.
 */
public final class Views {
    private Views() {}

    /** A request, as its requester, approvers and administrators see it. */
    public record RequestView(
            String id,
            String group,
            String requester,
            String state,
            String duration,
            String justification,
            String ticket,
            Instant requestedStart,
            Instant createdAt,
            Instant timeoutAt,
            List<String> approvals,
            Instant decidedAt,
            String decidedBy,
            String decisionReason,
            GrantView grant) {

        static RequestView of(AccessRequest r) {
            return new RequestView(
                    r.id().toString(),
                    r.group().value(),
                    r.requester().value(),
                    r.state().name(),
                    r.duration().toString(),
                    r.justification(),
                    r.ticket().orElse(null),
                    r.requestedStart().orElse(null),
                    r.createdAt(),
                    r.timeoutAt().orElse(null),
                    r.approvals().stream().map(UserId::value).sorted().toList(),
                    r.decidedAt().orElse(null),
                    r.decidedBy().map(UserId::value).orElse(null),
                    r.decisionReason().orElse(null),
                    r.grant().map(GrantView::of).orElse(null));
        }
    }

    /** A grant: the time-limited membership of an active (or ended) request. */
    public record GrantView(
            String id,
            String principalSid,
            Instant startedAt,
            Instant endsAt,
            Instant endedAt,
            String endReason,
            int extensionsUsed) {
        static GrantView of(Grant g) {
            return new GrantView(
                    g.id().toString(),
                    g.principalSid().toString(),
                    g.startedAt(),
                    g.endsAt(),
                    g.endedAt().orElse(null),
                    g.endReason().map(Enum::name).orElse(null),
                    g.extensionsUsed());
        }
    }

    /**
     * One page of a listing: the items and the cursor of the next page ({@code null} on the last).
     */
    public record Page<T>(List<T> items, String next) {}
}
