package org.bastionforest.ldapsync.sync;

import java.util.List;
import java.util.Objects;

/**
 * What a run would do now ({@link SyncEngine#dryRun()}): nothing of it was written.
 *
 * <p>Immutable and thread-safe.
 *
 * @param full whether the run would read the whole scope
 * @param changes the planned changes, at most {@link #MAX_LISTED} of them (the counts are complete)
 * @param counts how many of each kind
 * @param guardWouldTrip whether the mass-delete guard would stop the deletions
 * @param message one line for operators
 */
public record SyncPlan(
        boolean full,
        List<Change> changes,
        SyncResult.Counts counts,
        boolean guardWouldTrip,
        String message) {

    /** The most changes listed one by one. */
    public static final int MAX_LISTED = 1000;

    /** What happens to one bastion object. */
    public enum Action {
        ADD,
        UPDATE,
        RENAME,
        DELETE
    }

    /** Which kind of bastion object. */
    public enum ObjectKind {
        ACCOUNT,
        SHADOW_PRINCIPAL
    }

    /**
     * One planned change.
     *
     * @param action what happens
     * @param kind to what kind of object
     * @param dn the bastion DN (for a rename: the new one)
     * @param detail e.g. the attributes that change, or the old DN
     */
    public record Change(Action action, ObjectKind kind, String dn, String detail) {
        public Change {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(dn, "dn");
            Objects.requireNonNull(detail, "detail");
        }

        @Override
        public String toString() {
            return action + " " + kind + " " + dn + (detail.isEmpty() ? "" : " (" + detail + ")");
        }
    }

    public SyncPlan {
        changes = List.copyOf(changes);
        Objects.requireNonNull(counts, "counts");
        Objects.requireNonNull(message, "message");
    }
}
