package org.bastionforest.shadowgroups.audit;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * One audit event before it is appended: what happened ({@link #type()}, a stable id such as {@code
 * request.approved}), when, who did it, to whom and what, and details as text pairs.
 *
 * <pre>{@code
 * AuditEvent e = AuditEvent.of("grant.revoked", clock.instant(), "carol")
 *         .withUser("alice").withGroup("sql-admins").withRequest(requestId)
 *         .withDetail("reason", "left the team");
 * }</pre>
 *
 * <p>The instant is kept to the microsecond (what both databases store). Immutable and thread-safe.
 *
 * @param type the stable event id: lower-case dotted words, e.g. {@code grant.started}
 * @param occurredAt when it happened
 * @param actor who did it: a user id, or {@code system} for the service itself
 * @param subjectUser the user it concerns, if any
 * @param groupId the shadow group it concerns, if any
 * @param requestId the request it concerns, if any
 * @param details further facts, sorted by key; no secrets
 */
public record AuditEvent(
        String type,
        Instant occurredAt,
        String actor,
        Optional<String> subjectUser,
        Optional<String> groupId,
        Optional<UUID> requestId,
        Map<String, String> details) {

    /** The actor of events that the service causes by itself (time-outs, expiries). */
    public static final String SYSTEM = "system";

    private static final Pattern TYPE = Pattern.compile("[a-z][a-z-]*(?:\\.[a-z][a-z-]*)+");
    private static final int MAX_DETAIL_LENGTH = 100_000;

    /**
     * Validates every part.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public AuditEvent {
        if (type == null || type.length() > 64 || !TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException("audit event type must be dotted lower-case words");
        }
        Objects.requireNonNull(occurredAt, "occurredAt");
        occurredAt = occurredAt.truncatedTo(ChronoUnit.MICROS);
        if (actor == null || actor.isBlank() || actor.length() > 256) {
            throw new IllegalArgumentException("audit event actor must be 1 to 256 characters");
        }
        Objects.requireNonNull(subjectUser, "subjectUser");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(requestId, "requestId");
        TreeMap<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, String> e : details.entrySet()) {
            String value = e.getValue() == null ? "" : e.getValue();
            sorted.put(
                    Objects.requireNonNull(e.getKey(), "detail key"),
                    value.length() > MAX_DETAIL_LENGTH
                            ? value.substring(0, MAX_DETAIL_LENGTH)
                            : value);
        }
        details = Collections.unmodifiableSortedMap(sorted);
    }

    /** An event with no subject and no details. */
    public static AuditEvent of(String type, Instant occurredAt, String actor) {
        return new AuditEvent(
                type,
                occurredAt,
                actor,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Map.of());
    }

    /** A copy concerning {@code user}. */
    public AuditEvent withUser(String user) {
        return new AuditEvent(
                type, occurredAt, actor, Optional.of(user), groupId, requestId, details);
    }

    /** A copy concerning shadow group {@code group}. */
    public AuditEvent withGroup(String group) {
        return new AuditEvent(
                type, occurredAt, actor, subjectUser, Optional.of(group), requestId, details);
    }

    /** A copy concerning request {@code request}. */
    public AuditEvent withRequest(UUID request) {
        return new AuditEvent(
                type, occurredAt, actor, subjectUser, groupId, Optional.of(request), details);
    }

    /**
     * A copy with more details ({@code null} values become empty), in one step: as {@link
     * #withDetail} for each, without a copy per detail.
     */
    public AuditEvent withDetails(Map<String, ?> more) {
        TreeMap<String, String> all = new TreeMap<>(details);
        more.forEach((k, v) -> all.put(k, v == null ? "" : v.toString()));
        return new AuditEvent(type, occurredAt, actor, subjectUser, groupId, requestId, all);
    }

    /** A copy with one more detail ({@code null} values become empty). */
    public AuditEvent withDetail(String key, Object value) {
        TreeMap<String, String> more = new TreeMap<>(details);
        more.put(key, value == null ? "" : value.toString());
        return new AuditEvent(type, occurredAt, actor, subjectUser, groupId, requestId, more);
    }
}
