package org.bastionforest.shadowgroups.request;

/**
 * The scheduler port: {@link RequestService} announces each new or moved {@link
 * RequestService.Deadline} after its transaction committed, so that the scheduler ({@code
 * scheduler} module, Quartz) can run {@link RequestService#timeOut}, {@link RequestService#expire}
 * or {@link RequestService#startIfDue} at that instant.
 *
 * <p>An announcement is a hint, not the record: the database is. A lost announcement (a crash
 * between the commit and the call, a failing scheduler) is recovered by reading {@link
 * RequestService#deadlines} at start and by the idempotent {@link RequestService#expireDue} and
 * {@link RequestService#timeOutDue}. A deadline may be announced again when it moves (an
 * extension): the later announcement replaces the earlier one for the same request and kind.
 * Deadlines that disappear (a request denied, a grant closed early) are not withdrawn: the
 * operations are no-ops then.
 *
 * <p>Implementations must be thread-safe, return quickly and not throw.
 */
@FunctionalInterface
public interface ExpiryScheduler {
    /** Does nothing: for a service without a scheduler (tests, tools). */
    ExpiryScheduler NONE = deadline -> {};

    /** Schedules (or reschedules) {@code deadline}. */
    void schedule(RequestService.Deadline deadline);

    /**
     * A committed change queued bastion-directory operations (a grant started, was extended or was
     * ended early): apply them soon rather than at the next periodic dispatch. A hint like {@link
     * #schedule}: the periodic dispatch applies them anyway. Does nothing by default.
     */
    default void directoryChanged() {}
}
