package org.bastionforest.ldapsync.sync;

import java.util.Set;
import java.util.stream.Collectors;
import org.bastionforest.shadowgroups.errors.StorageException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.ShadowGroup;
import org.bastionforest.shadowgroups.policy.ShadowGroupService;

/**
 * The production groups that are managed, by SID: each gets a shadow principal. Read at the start
 * of every run.
 *
 * <pre>{@code
 * ManagedGroups managed = ManagedGroups.of(shadowGroupService);
 * }</pre>
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface ManagedGroups {
    /**
     * The managed groups' SIDs now.
     *
     * @throws StorageException if they cannot be read (the run fails and changes nothing)
     */
    Set<Sid> sids() throws StorageException;

    /** The production groups of the configured shadow groups. */
    static ManagedGroups of(ShadowGroupService groups) {
        return () ->
                groups.list().stream()
                        .map(ShadowGroup::productionGroupSid)
                        .collect(Collectors.toUnmodifiableSet());
    }

    /** A fixed set (tests, a sync-only deployment). */
    static ManagedGroups fixed(Set<Sid> sids) {
        Set<Sid> copy = Set.copyOf(sids);
        return () -> copy;
    }
}
