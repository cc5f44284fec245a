package org.bastionforest.shadowgroups.policy;

import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;

/**
 * Who administers the service: these users and the (nested) members of these production groups.
 * Administrators define shadow groups and revoke grants; they do not approve (only a group's
 * approvers do).
 *
 * <p>Immutable and thread-safe.
 *
 * @param users administrator users
 * @param groups production groups whose members are administrators
 */
public record Administrators(Set<UserId> users, Set<Sid> groups) {
    /**
     * Copies the sets.
     *
     * @throws IllegalArgumentException if a set is null or holds null
     */
    public Administrators {
        if (users == null
                || groups == null
                || users.stream().anyMatch(Objects::isNull)
                || groups.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("administrators must not be null or hold null");
        }
        users = Collections.unmodifiableSet(new TreeSet<>(users));
        groups = Collections.unmodifiableSet(new TreeSet<>(groups));
    }

    /** Whether {@code user} is an administrator. */
    public boolean includes(UserId user, DirectoryFacts facts)
            throws DirectoryUnavailableException {
        if (users.contains(user)) {
            return true;
        }
        for (Sid group : groups) {
            if (facts.isMemberOf(user, group)) {
                return true;
            }
        }
        return false;
    }
}
