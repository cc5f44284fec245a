package org.bastionforest.shadowgroups.audit;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Which audit events to list: by user (as actor or subject), shadow group, type and time range
 * {@code [from, to)}, oldest first, {@link #limit()} at a time after position {@link #afterSeq()}
 * (keyset paging: pass the last {@code seq} of one page to get the next).
 *
 * <pre>{@code
 * AuditPage page = audit.query(AuditQuery.all().user("alice").limit(50));
 * AuditPage next = audit.query(AuditQuery.all().user("alice").limit(50).after(page.lastSeq()));
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param user events whose actor or subject is this user
 * @param groupId events concerning this shadow group
 * @param type events of this type
 * @param from events at or after this instant
 * @param to events before this instant
 * @param afterSeq only events after this position (0 for the first page)
 * @param limit at most this many, 1 to {@value #MAX_LIMIT}
 */
public record AuditQuery(
        Optional<String> user,
        Optional<String> groupId,
        Optional<String> type,
        Optional<Instant> from,
        Optional<Instant> to,
        long afterSeq,
        int limit) {

    /** The largest page. */
    public static final int MAX_LIMIT = 1000;

    /** Every event after {@code afterSeq}, up to {@code limit} of them, with no other filter. */
    public static AuditQuery after(long afterSeq, int limit) {
        return new AuditQuery(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                afterSeq,
                limit);
    }

    /**
     * Validates the query.
     *
     * @throws IllegalArgumentException naming the bad field
     */
    public AuditQuery {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        if (afterSeq < 0) {
            throw new IllegalArgumentException("afterSeq must not be negative");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
        }
        if (from.isPresent() && to.isPresent() && !from.get().isBefore(to.get())) {
            throw new IllegalArgumentException("from must be before to");
        }
    }

    /** Every event, 100 at a time. */
    public static AuditQuery all() {
        return new AuditQuery(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                0,
                100);
    }

    /** A copy limited to events whose actor or subject is {@code u}. */
    public AuditQuery user(String u) {
        return new AuditQuery(Optional.of(u), groupId, type, from, to, afterSeq, limit);
    }

    /** A copy limited to shadow group {@code g}. */
    public AuditQuery group(String g) {
        return new AuditQuery(user, Optional.of(g), type, from, to, afterSeq, limit);
    }

    /** A copy limited to type {@code t}. */
    public AuditQuery type(String t) {
        return new AuditQuery(user, groupId, Optional.of(t), from, to, afterSeq, limit);
    }

    /** A copy limited to {@code [start, end)}. */
    public AuditQuery between(Instant start, Instant end) {
        return new AuditQuery(
                user, groupId, type, Optional.of(start), Optional.of(end), afterSeq, limit);
    }

    /** A copy returning events after position {@code seq}. */
    public AuditQuery after(long seq) {
        return new AuditQuery(user, groupId, type, from, to, seq, limit);
    }

    /** A copy returning at most {@code n} events. */
    public AuditQuery limit(int n) {
        return new AuditQuery(user, groupId, type, from, to, afterSeq, n);
    }
}
