package org.bastionforest.shadowgroups.audit;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The result of {@link AuditLog#verify()}: how many events were checked and every problem found.
 *
 * <p>Immutable and thread-safe.
 *
 * @param eventsChecked how many stored events were read
 * @param problems what is wrong, in chain order; empty when the chain is intact
 */
public record ChainVerification(long eventsChecked, List<Problem> problems) {
    /** Copies the list. */
    public ChainVerification {
        problems = List.copyOf(problems);
    }

    /** True when no problem was found. */
    public boolean intact() {
        return problems.isEmpty();
    }

    /** What kind of tampering a problem shows. */
    public enum Kind {
        /** The event's fields no longer match its hash. */
        EDITED,
        /** One or more events are missing before {@link Problem#seq()} (or at the end). */
        REMOVED,
        /** The event is stored at a position the chain does not put it at. */
        REORDERED
    }

    /**
     * One problem.
     *
     * @param kind what kind
     * @param seq the stored position of the event concerned: the edited or misplaced event, or the
     *     first event after a gap ({@code lastSeq + 1} when events are missing at the end)
     * @param eventId the event concerned, when there is one
     * @param detail an explanation for operators
     */
    public record Problem(Kind kind, long seq, Optional<UUID> eventId, String detail) {}
}
