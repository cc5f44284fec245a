package org.bastionforest.kerberos;

import java.util.Locale;

/** When the audit event of an issued ticket is written ({@code kdc.ticket-audit}). */
public enum TicketAudit {
    /**
     * Before the ticket is sent: the reply leaves only once its event is durable in the audit log
     * (group-committed with other workers' events). The default.
     */
    DURABLE,
    /**
     * Before the ticket is sent, in this node's audit journal: a hash-chained file forced to disk
     * (group-committed) before the reply leaves, anchored in the audit log by periodic checkpoints
     * ({@code AuditJournal}). Nothing leaves unaudited, as with {@link #DURABLE}, without a
     * database transaction per group of tickets; the events are queried from the journal, not from
     * the SQL audit log.
     */
    JOURNAL,
    /**
     * Within 100 ms after the ticket is sent, by a background flush of up to a thousand events per
     * transaction. The events of the last interval before a crash are lost, as a Windows DC's
     * buffered Security log can lose its last events; about twice the tickets per CPU-second
     * (docs/PERFORMANCE.md). When events cannot be written and 10,000 wait, tickets are refused
     * (KDC_ERR_SVC_UNAVAILABLE) rather than issued unaudited.
     */
    BUFFERED;

    /**
     * Parses {@code durable}, {@code journal} or {@code buffered}, any case.
     *
     * @throws IllegalArgumentException otherwise
     */
    public static TicketAudit parse(String s) {
        for (TicketAudit t : values()) {
            if (t.name().equalsIgnoreCase(s == null ? "" : s.strip())) {
                return t;
            }
        }
        throw new IllegalArgumentException("kdc.ticket-audit must be durable, journal or buffered");
    }

    /** The configuration value: {@code durable}, {@code journal} or {@code buffered}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }
}
