package org.bastionforest.shadowgroups.audit;

import java.util.List;

/**
 * One page of audit events, oldest first.
 *
 * <p>Immutable and thread-safe.
 *
 * @param records the events
 * @param hasMore whether more events match after the last one
 */
public record AuditPage(List<AuditRecord> records, boolean hasMore) {
    /** Copies the list. */
    public AuditPage {
        records = List.copyOf(records);
    }

    /** The position of the last event on this page (for {@link AuditQuery#after}), or 0. */
    public long lastSeq() {
        return records.isEmpty() ? 0 : records.get(records.size() - 1).seq();
    }
}
