package org.bastionforest.scheduler;

import java.time.Duration;
import org.quartz.impl.jdbcjobstore.JobStoreTX;
import org.quartz.impl.jdbcjobstore.SchedulerStateRecord;

/**
 * Quartz's {@link JobStoreTX} with a shorter failover grace. Quartz takes a clustered node's
 * triggers over when it has not checked in for its check-in interval plus a fixed 7.5 s; here the
 * grace is {@link #FAILOVER_GRACE}, so that a dead node's grants end within about two check-in
 * intervals plus 2 s. The price is that nodes' clocks must agree within the grace (NTP), and a node
 * paused for longer (a long GC) may have its jobs run by another node too: harmless, the jobs are
 * idempotent and re-check the database.
 *
 * <p>Used like {@link JobStoreTX}; thread-safe as it is.
 */
// JobStoreTX overrides a generic method of JobStoreSupport with a raw type; nothing here uses it
@SuppressWarnings("unchecked")
class BastionJobStore extends JobStoreTX {
    /**
     * How much longer than its check-in interval a node may stay silent before it is taken over.
     */
    static final Duration FAILOVER_GRACE = Duration.ofSeconds(2);

    @Override
    protected long calcFailedIfAfter(SchedulerStateRecord rec) {
        // Quartz's formula (which also allows for this node's own pauses), with our grace
        return rec.getCheckinTimestamp()
                + Math.max(rec.getCheckinInterval(), System.currentTimeMillis() - lastCheckin)
                + FAILOVER_GRACE.toMillis();
    }
}
