package org.bastionforest.shadowgroups.testing;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bastionforest.shadowgroups.directory.DirectoryFacts;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * Production facts held in memory: users' direct groups, groups nested in groups, users' SIDs; can
 * be switched "down". Thread-safe.
 */
public final class InMemoryDirectoryFacts implements DirectoryFacts {
    private final Map<UserId, Set<Sid>> userGroups = new ConcurrentHashMap<>();
    private final Map<Sid, Set<Sid>> parents = new ConcurrentHashMap<>();
    private final Map<UserId, Sid> sids = new ConcurrentHashMap<>();
    private volatile boolean down;

    /** Makes {@code user} a direct member of {@code group}. */
    public InMemoryDirectoryFacts member(UserId user, Sid group) {
        userGroups.computeIfAbsent(user, u -> ConcurrentHashMap.newKeySet()).add(group);
        return this;
    }

    /** Makes group {@code child} a member of group {@code parent}. */
    public InMemoryDirectoryFacts nested(Sid child, Sid parent) {
        parents.computeIfAbsent(child, u -> ConcurrentHashMap.newKeySet()).add(parent);
        return this;
    }

    public InMemoryDirectoryFacts sid(UserId user, Sid sid) {
        sids.put(user, sid);
        return this;
    }

    public void down(boolean isDown) {
        this.down = isDown;
    }

    @Override
    public boolean isMemberOf(UserId user, Sid group) throws DirectoryUnavailableException {
        check();
        Deque<Sid> todo = new ArrayDeque<>(userGroups.getOrDefault(user, Set.of()));
        Set<Sid> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Sid g = todo.pop();
            if (!seen.add(g)) {
                continue;
            }
            if (g.equals(group)) {
                return true;
            }
            todo.addAll(parents.getOrDefault(g, Set.of()));
        }
        return false;
    }

    @Override
    public Optional<Sid> userSid(UserId user) throws DirectoryUnavailableException {
        check();
        return Optional.ofNullable(sids.get(user));
    }

    private void check() throws DirectoryUnavailableException {
        if (down) {
            throw new DirectoryUnavailableException("production facts are down (test)");
        }
    }
}
