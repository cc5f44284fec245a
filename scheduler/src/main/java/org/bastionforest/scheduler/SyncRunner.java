package org.bastionforest.scheduler;

import org.bastionforest.shadowgroups.errors.BastionException;

/**
 * The sync port: one run of production -> bastion sync (implemented in {@code ldap-sync}, wired in
 * {@code api}). {@link GrantScheduler} calls it every {@link GrantScheduler.Options#syncInterval()}
 * on one node of the cluster.
 *
 * <p>No implementation lives in this module. Without one ({@link #NONE}) the periodic sync job runs
 * and does nothing: there is no fake sync.
 *
 * <p>Implementations must be thread-safe; the scheduler never runs two syncs at once in a cluster.
 */
@FunctionalInterface
public interface SyncRunner {
    /** No sync configured: the sync job does nothing. */
    SyncRunner NONE = () -> {};

    /**
     * Runs one sync pass and returns when it is done.
     *
     * @throws BastionException if the pass failed; the next interval tries again
     */
    void runSync() throws BastionException;
}
