package org.bastionforest.shadowgroups.audit;

import java.util.Objects;
import java.util.UUID;

/**
 * An appended audit event: its position in the chain, its id, the event, the hash of the event
 * before it and its own hash (hex SHA-256 of its canonical form).
 *
 * <p>Immutable and thread-safe.
 *
 * @param seq the position in the chain, from 1
 * @param eventId the event's unique id
 * @param event the event
 * @param prevHash the hash of the event before (64 zeros for the first)
 * @param hash this event's hash
 */
public record AuditRecord(long seq, UUID eventId, AuditEvent event, String prevHash, String hash) {
    /** Checks that no part is null. */
    public AuditRecord {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(prevHash, "prevHash");
        Objects.requireNonNull(hash, "hash");
    }
}
