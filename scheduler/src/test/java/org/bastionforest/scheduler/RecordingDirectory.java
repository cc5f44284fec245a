package org.bastionforest.scheduler;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bastionforest.shadowgroups.directory.BastionDirectory;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * A bastion directory in memory (the real one is ldap-sync's) that records when each membership was
 * last added and removed (system time), and can be switched "down". Thread-safe.
 */
final class RecordingDirectory implements BastionDirectory {
    private final Map<String, Instant> members = new ConcurrentHashMap<>();
    private final Map<String, Instant> added = new ConcurrentHashMap<>();
    private final Map<String, Instant> removed = new ConcurrentHashMap<>();
    private volatile boolean down;

    void down(boolean isDown) {
        down = isDown;
    }

    boolean isMember(UserId user, Sid principal) {
        return members.containsKey(key(user, principal));
    }

    Optional<Instant> addedAt(UserId user, Sid principal) {
        return Optional.ofNullable(added.get(key(user, principal)));
    }

    Optional<Instant> removedAt(UserId user, Sid principal) {
        return Optional.ofNullable(removed.get(key(user, principal)));
    }

    /** A member added by hand, behind the service's back (standing privilege). */
    void addByHand(UserId user, Sid principal) {
        members.put(key(user, principal), Instant.now());
    }

    @Override
    public void addMember(UserId account, Sid shadowPrincipal, Instant until)
            throws DirectoryUnavailableException {
        check();
        String key = key(account, shadowPrincipal);
        members.put(key, until);
        added.put(key, Instant.now());
    }

    @Override
    public void removeMember(UserId account, Sid shadowPrincipal)
            throws DirectoryUnavailableException {
        check();
        String key = key(account, shadowPrincipal);
        if (members.remove(key) != null) {
            removed.put(key, Instant.now());
        }
    }

    @Override
    public Set<UserId> members(Sid shadowPrincipal) throws DirectoryUnavailableException {
        check();
        String suffix = "|" + shadowPrincipal;
        return members.keySet().stream()
                .filter(k -> k.endsWith(suffix))
                .map(k -> UserId.of(k.substring(0, k.length() - suffix.length())))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    private void check() throws DirectoryUnavailableException {
        if (down) {
            throw new DirectoryUnavailableException("bastion directory is down (test)");
        }
    }

    private static String key(UserId user, Sid principal) {
        return user.value() + "|" + principal;
    }
}
