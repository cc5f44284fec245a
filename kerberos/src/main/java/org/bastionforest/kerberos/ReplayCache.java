package org.bastionforest.kerberos;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Remembers the authenticators seen in TGS requests until they could no longer pass the clock-skew
 * check, so that a captured TGS-REQ cannot be replayed (KRB_AP_ERR_REPEAT). In memory, per KDC
 * instance. Thread-safe.
 *
 * <p>An authenticator is remembered as 128 bits of a hash (16 bytes in an open-addressing table,
 * not an object per entry), in the bucket of the second it expires. Its expiry follows from the
 * authenticator itself (its time plus twice the skew), so a replay lands in the bucket of the
 * original and only that bucket is searched; expired buckets are dropped whole, at most once a
 * second — forgetting costs nothing per entry. <b>Bounded</b>: at {@link #MAX_ENTRIES} live entries
 * (a sustained rate of about 1,700 TGS requests a second with a 5-minute skew) a new authenticator
 * is not accepted ({@link Seen#FULL}): the KDC then refuses the request rather than serve one it
 * cannot check.
 */
final class ReplayCache {
    /** The most authenticators remembered at once (32 to 64 MiB of tables when full). */
    static final int MAX_ENTRIES = 1_000_000;

    /** What {@link #firstSeen} found. */
    enum Seen {
        /** Not seen before: now remembered until it expires. */
        FIRST,
        /** Seen before and not expired: a replay. */
        REPLAY,
        /** Not seen before, but nothing more can be remembered now. */
        FULL
    }

    private final int maxEntries;
    private final ConcurrentHashMap<Long, Bucket> buckets = new ConcurrentHashMap<>();
    private final AtomicInteger entries = new AtomicInteger();
    private final AtomicLong purgedUpTo = new AtomicLong(Long.MIN_VALUE);

    ReplayCache() {
        this(MAX_ENTRIES);
    }

    ReplayCache(int maxEntries) {
        this.maxEntries = maxEntries;
        new java.security.SecureRandom().nextBytes(salt);
    }

    /** A secret of this cache: keys are unpredictable, so no one can aim them at one slot. */
    private final byte[] salt = new byte[32];

    /**
     * A SHA-256 to derive an authenticator's key with: already fed this cache's secret salt, so
     * that a client cannot choose authenticators whose keys crowd one part of a table.
     */
    java.security.MessageDigest keyDigest() {
        try {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            return sha;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * Records the authenticator {@code hi}/{@code lo} (128 bits of its hash) until {@code expires}
     * (to the second).
     */
    Seen firstSeen(long hi, long lo, Instant now, Instant expires) {
        if (hi == 0 && lo == 0) {
            lo = 1; // (0, 0) marks a free slot
        }
        long second = expires.getEpochSecond();
        long nowSecond = now.getEpochSecond();
        if (second < nowSecond) {
            return Seen.FIRST; // expired already: it cannot pass the skew check either
        }
        purge(now);
        Bucket bucket = buckets.computeIfAbsent(second, s -> new Bucket());
        synchronized (bucket) {
            if (bucket.dropped) {
                // purged between the look-up and the lock: only if it expired meanwhile
                return Seen.FIRST;
            }
            if (bucket.contains(hi, lo)) {
                return Seen.REPLAY;
            }
            if (entries.incrementAndGet() > maxEntries) {
                entries.decrementAndGet();
                return Seen.FULL;
            }
            bucket.add(hi, lo);
            return Seen.FIRST;
        }
    }

    /** Drops the buckets that expired before {@code now}; at most once per second. */
    void purge(Instant now) {
        long nowSecond = now.getEpochSecond();
        long last = purgedUpTo.get();
        if (last >= nowSecond || !purgedUpTo.compareAndSet(last, nowSecond)) {
            return;
        }
        for (Map.Entry<Long, Bucket> e : buckets.entrySet()) {
            Bucket b = e.getValue();
            // only the purge that removes this very bucket uncounts it (purges may overlap, and a
            // later bucket of the same second is another one)
            if (e.getKey() < nowSecond && buckets.remove(e.getKey(), b)) {
                synchronized (b) {
                    if (!b.dropped) {
                        b.dropped = true;
                        entries.addAndGet(-b.size);
                    }
                }
            }
        }
    }

    /** Authenticators remembered now. */
    int size() {
        return entries.get();
    }

    /** A set of 128-bit keys: pairs of longs, linear probing, grown at half full. */
    private static final class Bucket {
        long[] table = new long[2 * 16];
        int size;
        boolean dropped;

        boolean contains(long hi, long lo) {
            long[] t = table;
            int mask = t.length / 2 - 1;
            for (int i = slot(hi, lo, mask); ; i = (i + 1) & mask) {
                long h = t[2 * i];
                long l = t[2 * i + 1];
                if (h == 0 && l == 0) {
                    return false;
                }
                if (h == hi && l == lo) {
                    return true;
                }
            }
        }

        void add(long hi, long lo) {
            if (2 * (size + 1) > table.length / 2) {
                grow();
            }
            insert(table, hi, lo);
            size++;
        }

        private void grow() {
            long[] old = table;
            long[] bigger = new long[old.length * 2];
            for (int i = 0; i < old.length; i += 2) {
                if (old[i] != 0 || old[i + 1] != 0) {
                    insert(bigger, old[i], old[i + 1]);
                }
            }
            table = bigger;
        }

        private static void insert(long[] t, long hi, long lo) {
            int mask = t.length / 2 - 1;
            int i = slot(hi, lo, mask);
            while (t[2 * i] != 0 || t[2 * i + 1] != 0) {
                i = (i + 1) & mask;
            }
            t[2 * i] = hi;
            t[2 * i + 1] = lo;
        }

        private static int slot(long hi, long lo, int mask) {
            return (int) (hi ^ (lo >>> 17)) & mask;
        }
    }
}
