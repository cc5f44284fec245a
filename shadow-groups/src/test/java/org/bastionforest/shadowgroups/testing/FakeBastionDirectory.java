package org.bastionforest.shadowgroups.testing;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.bastionforest.shadowgroups.directory.BastionDirectory;
import org.bastionforest.shadowgroups.errors.DirectoryUnavailableException;
import org.bastionforest.shadowgroups.model.Sid;
import org.bastionforest.shadowgroups.policy.UserId;

/** A bastion directory in memory: members with their TTL end; can be switched "down". */
public final class FakeBastionDirectory implements BastionDirectory {
    private final Map<Sid, Map<UserId, Instant>> members = new ConcurrentHashMap<>();
    private final AtomicInteger calls = new AtomicInteger();
    private volatile boolean down;

    public void down(boolean isDown) {
        this.down = isDown;
    }

    public int calls() {
        return calls.get();
    }

    /** The TTL end of {@code user}'s membership, or null. */
    public Instant until(UserId user, Sid principal) {
        return members.getOrDefault(principal, Map.of()).get(user);
    }

    @Override
    public void addMember(UserId account, Sid shadowPrincipal, Instant until)
            throws DirectoryUnavailableException {
        check();
        members.computeIfAbsent(shadowPrincipal, p -> new ConcurrentHashMap<>())
                .put(account, until);
    }

    @Override
    public void removeMember(UserId account, Sid shadowPrincipal)
            throws DirectoryUnavailableException {
        check();
        members.getOrDefault(shadowPrincipal, new ConcurrentHashMap<>()).remove(account);
    }

    @Override
    public Set<UserId> members(Sid shadowPrincipal) throws DirectoryUnavailableException {
        check();
        return Set.copyOf(members.getOrDefault(shadowPrincipal, Map.of()).keySet());
    }

    private void check() throws DirectoryUnavailableException {
        calls.incrementAndGet();
        if (down) {
            throw new DirectoryUnavailableException("bastion directory is down (test)");
        }
    }
}
