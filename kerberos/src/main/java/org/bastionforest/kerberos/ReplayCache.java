package org.bastionforest.kerberos;

import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers the authenticators seen in TGS requests until they could no longer pass the clock-skew
 * check, so that a captured TGS-REQ cannot be replayed (KRB_AP_ERR_REPEAT). In memory, per KDC
 * instance; bounded. Thread-safe.
 */
final class ReplayCache {
    private static final int MAX_ENTRIES = 1_000_000;

    private final ConcurrentHashMap<String, Instant> seen = new ConcurrentHashMap<>();

    /**
     * Records {@code key} until {@code expires}.
     *
     * @return false if it was seen before and has not expired (a replay)
     */
    boolean firstSeen(String key, Instant now, Instant expires) {
        if (seen.size() >= MAX_ENTRIES) {
            purge(now);
        }
        Instant previous = seen.putIfAbsent(key, expires);
        if (previous == null) {
            return true;
        }
        if (previous.isBefore(now)) {
            seen.put(key, expires);
            return true;
        }
        return false;
    }

    void purge(Instant now) {
        seen.values().removeIf(expires -> expires.isBefore(now));
    }

    int size() {
        return seen.size();
    }
}
