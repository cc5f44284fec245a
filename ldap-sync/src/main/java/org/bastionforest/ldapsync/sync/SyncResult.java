package org.bastionforest.ldapsync.sync;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * What one sync run did, as recorded in the database ({@code sync_runs}) and in the audit log
 * ({@code sync.completed}, {@code sync.failed}, {@code sync.guard-tripped}).
 *
 * <p>Immutable and thread-safe.
 *
 * @param runId the run's id (also in the audit event)
 * @param outcome how it ended
 * @param full whether it read the whole scope (first run, changed configuration, lost state) rather
 *     than the changes since the last checkpoint
 * @param startedAt when it started
 * @param duration how long it took
 * @param counts what it changed in the bastion directory
 * @param pendingDeletions deletions seen but not applied (the guard tripped, or a batch failed)
 * @param checkpoint where the next run starts: the DirSync cookie (base64), {@code <DC>|<usn>}, or
 *     the modifyTimestamp high-water mark; empty when the source has none
 * @param message one line for operators; no secrets
 */
public record SyncResult(
        UUID runId,
        Outcome outcome,
        boolean full,
        Instant startedAt,
        Duration duration,
        Counts counts,
        int pendingDeletions,
        Optional<String> checkpoint,
        String message) {

    /** How a run ended. */
    public enum Outcome {
        /** Everything was applied. */
        COMPLETED,
        /**
         * The run would have deleted more than the allowed share (or production looked empty): adds
         * and updates were applied, no deletion was.
         */
        GUARD_TRIPPED,
        /**
         * The production directory, the bastion directory or some objects failed; what was
         * committed stays, the next run starts from the last committed checkpoint.
         */
        FAILED
    }

    /**
     * Objects changed in the bastion directory (bastion accounts and shadow principals together).
     *
     * @param added new objects
     * @param updated objects whose attributes changed
     * @param renamed objects whose DN changed (their attributes may have changed too)
     * @param deleted objects removed
     * @param failed objects that could not be read or written
     * @param unchanged objects seen that needed nothing
     * @param revoked requests and grants ended because their user was deleted or disabled
     */
    public record Counts(
            int added,
            int updated,
            int renamed,
            int deleted,
            int failed,
            int unchanged,
            int revoked) {

        public static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0, 0);

        /** Whether the run wrote anything. */
        public boolean anyChange() {
            return added + updated + renamed + deleted > 0;
        }
    }

    public SyncResult {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(counts, "counts");
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(message, "message");
    }
}
