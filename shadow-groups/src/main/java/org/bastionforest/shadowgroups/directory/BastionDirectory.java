package org.bastionforest.shadowgroups.directory;

import java.time.Instant;
import java.util.Set;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * The bastion directory's shadow principals and their members: the port through which grants become
 * memberships. Implemented in {@code ldap-sync} (embedded directory, OpenLDAP, AD with time-to-live
 * links). The core calls it only from {@link MembershipDispatcher}, which applies the operations
 * recorded in the outbox, in order, and retries failures.
 *
 * <p>Both operations must be idempotent: adding a member that is there already (a permanent member
 * or an older TTL value: replace it with the new end) and removing one that is not there succeed.
 * Implementations must be thread-safe.
 */
public interface BastionDirectory {
    /**
     * Makes {@code account}'s bastion account a member of the shadow principal for the production
     * group {@code shadowPrincipal} until {@code until} (a directory with time-to-live links
     * expires it then on its own; others keep it until {@link #removeMember}).
     *
     * @throws DirectoryUnavailableException if the directory failed; the membership may or may not
     *     have been written (the dispatcher retries)
     */
    void addMember(UserId account, Sid shadowPrincipal, Instant until)
            throws DirectoryUnavailableException;

    /**
     * Removes {@code account}'s bastion account from the shadow principal's members.
     *
     * @throws DirectoryUnavailableException if the directory failed (the dispatcher retries)
     */
    void removeMember(UserId account, Sid shadowPrincipal) throws DirectoryUnavailableException;

    /**
     * The current members of the shadow principal (for reconciliation).
     *
     * @throws DirectoryUnavailableException if the directory failed
     */
    Set<UserId> members(Sid shadowPrincipal) throws DirectoryUnavailableException;
}
