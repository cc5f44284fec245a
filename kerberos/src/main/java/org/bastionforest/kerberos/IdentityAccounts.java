package org.bastionforest.kerberos;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.bastionforest.shadowgroups.errors.BastionException;
import org.bastionforest.shadowgroups.policy.UserId;

/**
 * The {@link AccountSource} behind a small time-to-live cache (part of the identity cache), so that
 * a burst of AS and TGS requests of one user asks the directory once. Thread-safe.
 */
final class IdentityAccounts {
    private record Cached(Optional<AccountSource.Account> account, Instant until) {}

    private final AccountSource source;
    private final Clock clock;
    private final Duration ttl;
    private final ConcurrentHashMap<UserId, Cached> cache = new ConcurrentHashMap<>();

    IdentityAccounts(AccountSource source, Clock clock, Duration ttl) {
        this.source = source;
        this.clock = clock;
        this.ttl = ttl;
    }

    Optional<AccountSource.Account> find(UserId user) throws BastionException {
        Instant now = clock.instant();
        Cached c = cache.get(user);
        if (c != null && now.isBefore(c.until())) {
            return c.account();
        }
        Optional<AccountSource.Account> read = source.find(user);
        if (cache.size() > 100_000) {
            cache.clear();
        }
        cache.put(user, new Cached(read, now.plus(ttl)));
        return read;
    }
}
